"""Load site profiles from TOML. Minimal version; validation with clear errors comes with issue 4."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from newsspider.sites.profile import Column, Selectors, SiteProfile

__all__ = ["BUNDLED_SITES_DIR", "ProfileError", "load_all", "load_profile"]

BUNDLED_SITES_DIR = Path(__file__).resolve().parent


class ProfileError(ValueError):
    """A profile file is missing or invalid; the message names the file, the key and what is wrong."""


def _profile_path(key: str, sites_dir: Path | None) -> Path:
    for folder in (sites_dir, BUNDLED_SITES_DIR):
        if folder is not None and (folder / f"{key}.toml").is_file():
            return folder / f"{key}.toml"
    raise ProfileError(f"no profile named {key!r} (looked in {sites_dir or ''} {BUNDLED_SITES_DIR})")


def _build(key: str, data: dict[str, Any]) -> SiteProfile:
    columns = tuple(Column(**c) for c in data.pop("columns", []))
    selectors = data.pop("selectors", {})
    if "noise" in selectors:
        selectors["noise"] = tuple(selectors["noise"])
    return SiteProfile(
        key=key,
        columns=columns,
        selectors=Selectors(**selectors),
        allowed_domains=tuple(data.pop("allowed_domains", ())),
        **data,
    )


def load_profile(key: str, sites_dir: Path | None = None) -> SiteProfile:
    path = _profile_path(key, sites_dir)
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    try:
        return _build(key, data)
    except TypeError as exc:
        raise ProfileError(f"{path}: {exc}") from exc


def load_all(sites_dir: Path | None = None) -> list[SiteProfile]:
    keys = {p.stem for folder in (BUNDLED_SITES_DIR, sites_dir) if folder for p in folder.glob("*.toml")}
    return [load_profile(key, sites_dir) for key in sorted(keys)]
