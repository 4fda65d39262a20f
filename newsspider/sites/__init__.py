"""Site profiles: one data-only TOML file per site, and their loader."""

from newsspider.sites.loader import BUNDLED_SITES_DIR, ProfileError, list_keys, load_all, load_profile
from newsspider.sites.profile import PLATFORMS, Column, Selectors, SiteProfile

__all__ = [
    "BUNDLED_SITES_DIR",
    "PLATFORMS",
    "Column",
    "ProfileError",
    "Selectors",
    "SiteProfile",
    "list_keys",
    "load_all",
    "load_profile",
]
