"""Output paths built from site keys, column names, run ids or URLs, that cannot escape the output folder.

Profiles and URLs are outside data: a site key of ``../../etc`` or a column named ``CON`` must not decide
where a file lands. Every path under the data folder that contains such a value is built here.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

__all__ = ["UnsafePathError", "safe_component", "safe_join"]

_MAX_BYTES = 120
_UNSAFE_CHARS = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')
# Device names Windows refuses as file names, with or without an extension.
_WINDOWS_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$", re.IGNORECASE)


class UnsafePathError(ValueError):
    """A path would land outside its root folder."""


def safe_component(name: str, *, fallback: str = "_") -> str:
    """One path component made from untrusted text: no separators, NULs, control characters, leading dots,
    trailing dots or spaces, Windows device names, at most 120 UTF-8 bytes. Never empty. Idempotent."""
    text = _UNSAFE_CHARS.sub("_", unicodedata.normalize("NFC", name))
    text = text.lstrip(". ").rstrip(". ")
    if _WINDOWS_RESERVED.match(text):
        text = "_" + text
    encoded = text.encode("utf-8")[:_MAX_BYTES]
    text = encoded.decode("utf-8", errors="ignore").rstrip(". ")
    return text or fallback


def safe_join(root: Path, *parts: str) -> Path:
    """``root / part / …`` with each part made safe; raises UnsafePathError if the result is not under root."""
    base = root.resolve()
    path = base.joinpath(*(safe_component(p) for p in parts))
    resolved = path.resolve()
    if resolved != base and base not in resolved.parents:
        raise UnsafePathError(f"{path} is outside {base}")
    return path
