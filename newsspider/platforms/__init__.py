"""CMS platform families: what TRS, Hanweb, UCAP, Founder and People sites share.

``get_platform(name)`` gives the listing logic of a family; ``detect_platform(html, url)`` guesses the family
of a page. See :mod:`newsspider.platforms.base` for the :class:`Platform` protocol.
"""

from __future__ import annotations

from newsspider.platforms.base import ListingPage, ListingRow, Platform
from newsspider.platforms.detect import detect_platform
from newsspider.platforms.founder import FounderPlatform
from newsspider.platforms.generic import GenericPlatform
from newsspider.platforms.hanweb import HanwebPlatform
from newsspider.platforms.people import PeoplePlatform
from newsspider.platforms.trs import TrsPlatform
from newsspider.platforms.ucap import UcapPlatform

__all__ = ["ListingPage", "ListingRow", "Platform", "detect_platform", "get_platform"]

_FACTORIES: dict[str, type[Platform]] = {
    "trs": TrsPlatform,
    "hanweb": HanwebPlatform,
    "ucap": UcapPlatform,
    "founder": FounderPlatform,
    "people": PeoplePlatform,
    "generic": GenericPlatform,
}


def get_platform(name: str) -> Platform:
    """The platform called ``name`` (one of ``newsspider.sites.PLATFORMS``); KeyError for others."""
    try:
        factory = _FACTORIES[name]
    except KeyError:
        raise KeyError(f"unknown platform {name!r}; known: {', '.join(_FACTORIES)}") from None
    return factory()
