"""Memoised tests on short attribute strings (``"class id"`` values, inline styles).

A site's templates repeat the same few class and style strings on every page, and the case-blind patterns
that test them have no literal prefix to scan for (3-6 us a call), so their answers are remembered. Only
for strings up to ``_LONGEST`` characters: an inline style can hold a pasted base64 image of tens of KB,
and 4,096 of those as cache keys held 190 MB.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    import re
    from collections.abc import Callable

__all__ = ["memo_search", "memo_short"]

_T = TypeVar("_T")
_LONGEST = 256


def memo_short(test: Callable[[str], _T]) -> Callable[[str], _T]:
    """``test``, its answers kept for the 4,096 most recent strings of up to 256 characters."""
    cached = lru_cache(maxsize=4096)(test)

    def memoised(text: str) -> _T:
        return cached(text) if len(text) <= _LONGEST else test(text)

    memoised.__doc__ = test.__doc__
    return memoised


def memo_search(pattern: re.Pattern[str]) -> Callable[[str], bool]:
    """Whether ``pattern`` is found in a string, memoised as :func:`memo_short` does."""

    def found(text: str) -> bool:
        return pattern.search(text) is not None

    return memo_short(found)
