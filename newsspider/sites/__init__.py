"""Site profiles: one data-only TOML file per site, and their loader."""

from newsspider.sites.profile import PLATFORMS, Column, Selectors, SiteProfile

__all__ = ["PLATFORMS", "Column", "Selectors", "SiteProfile"]
