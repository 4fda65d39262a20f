"""Load site profiles from TOML and validate them, with errors that name the file, the key and the problem.

A profile is data only. Everything a crawl would trip over later (a typo'd key, a platform we do not have, a
column URL the offsite filter would drop, a selector that does not compile) is refused here, at load time.
"""

from __future__ import annotations

import codecs
import datetime as dt
import re
import tomllib
from dataclasses import fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from lxml import etree
from parsel.csstranslator import HTMLTranslator

from newsspider.sites.profile import PLATFORMS, Column, Selectors, SiteProfile

__all__ = [
    "BUNDLED_SITES_DIR", "ProfileError", "ProfileErrors", "list_keys", "load_all", "load_many", "load_profile",
]  # fmt: skip

BUNDLED_SITES_DIR = Path(__file__).resolve().parent

KEY_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_RESERVED_KEYS = frozenset({"runs", "logs", "quarantine", "events"})
_TOP_KEYS = frozenset(
    {"name", "province", "platform", "allowed_domains", "columns", "selectors", "platform_options",
     "encoding", "verified", "documented", "notes"}
)  # fmt: skip
_COLUMN_KEYS = frozenset({"name", "url", "platform_options"})
_SELECTOR_KEYS = frozenset(f.name for f in fields(Selectors))
_DOMAIN_RE = re.compile(r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9-]{1,63}$")
_CSS = HTMLTranslator()


class ProfileError(ValueError):
    """A profile file is missing or invalid; the message names the file, the key and what is wrong."""

    def __init__(self, path: Path | str, key: str, reason: str) -> None:
        super().__init__(f"{path}: {key}: {reason}")
        self.path = Path(path)
        self.key = key
        """The offending TOML key (``columns[2].url``), or ``(file)`` for the file as a whole."""
        self.reason = reason


class ProfileErrors(ValueError):
    """Several profiles are invalid; ``errors`` holds one ProfileError per bad file, in key order."""

    def __init__(self, errors: list[ProfileError]) -> None:
        super().__init__("\n".join(str(error) for error in errors))
        self.errors = tuple(errors)


def _checked_folder(sites_dir: Path | None) -> Path | None:
    # A mistyped --sites-dir must not quietly fall back to the bundled profile of the same key: the crawl
    # would run against the wrong site configuration and look fine.
    if sites_dir is not None and not sites_dir.is_dir():
        raise ProfileError(sites_dir, "(folder)", "is not a folder (given as the --sites-dir of profiles)")
    return sites_dir


def list_keys(sites_dir: Path | None = None) -> list[str]:
    """Every profile key, bundled and in ``sites_dir``, sorted. Raises ProfileError when ``sites_dir``
    is not a folder."""
    _checked_folder(sites_dir)
    folders = [folder for folder in (BUNDLED_SITES_DIR, sites_dir) if folder is not None]
    return sorted({p.stem for folder in folders for p in folder.glob("*.toml")})


def _profile_path(key: str, sites_dir: Path | None) -> Path:
    for folder in (_checked_folder(sites_dir), BUNDLED_SITES_DIR):
        if folder is not None and (folder / f"{key}.toml").is_file():
            return folder / f"{key}.toml"
    looked = ", ".join(str(f) for f in (sites_dir, BUNDLED_SITES_DIR) if f is not None)
    raise ProfileError(f"{key}.toml", "(file)", f"no profile named {key!r} (looked in {looked})")


_XPATH_STRING = re.compile(r"'[^']*'|\"[^\"]*\"")
_XPATH_PREFIX = re.compile(r"(?<![:\w.-])([A-Za-z_][\w.-]*):(?!:)[A-Za-z_*]")


class _Checker:
    """Validation of one parsed file; every failure raises ProfileError for ``path``."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, key: str, reason: str) -> ProfileError:
        return ProfileError(self.path, key, reason)

    def text(self, data: dict[str, Any], key: str, where: str) -> str | None:
        value = data.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self.fail(where, f"must be a string, got {value!r}")
        return value.strip()

    def required(self, data: dict[str, Any], key: str, where: str) -> str:
        value = self.text(data, key, where)
        if not value:
            raise self.fail(where, "is required (a non-empty string)")
        return value

    def unknown(self, data: dict[str, Any], allowed: frozenset[str], prefix: str) -> None:
        for key in data:
            if key not in allowed:
                raise self.fail(f"{prefix}{key}", f"unknown key (allowed: {', '.join(sorted(allowed))})")

    def url(self, value: str, where: str, domains: tuple[str, ...]) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise self.fail(where, f"{value!r} is not an absolute http(s) URL")
        host = parts.hostname.lower()
        if not any(host == d or host.endswith("." + d) for d in domains):
            raise self.fail(where, f"host {host!r} is outside allowed_domains {list(domains)}")
        return value

    def options(self, value: Any, where: str) -> dict[str, str]:
        if not isinstance(value, dict):
            raise self.fail(where, "must be a table of key = value")
        result: dict[str, str] = {}
        for key, item in value.items():
            if isinstance(item, bool):
                result[key] = "true" if item else "false"
            elif isinstance(item, str | int):
                result[key] = str(item)
            else:
                raise self.fail(f"{where}.{key}", f"must be a string or a number, got {item!r}")
        return result

    def selector(self, value: Any, where: str) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(where, f"must be a non-empty selector string, got {value!r}")
        query = value.strip()
        try:
            if query.startswith(("/", "(")):
                etree.XPath(query)
                # Compiling accepts undefined namespace prefixes (php:function) that then fail on every
                # page; profiles have no namespaces to declare, so any prefix is refused here.
                prefixed = _XPATH_PREFIX.search(_XPATH_STRING.sub("''", query))
                if prefixed:
                    raise ValueError(f"undefined namespace prefix {prefixed.group(1)!r}")
            else:
                _CSS.css_to_xpath(query)
        # cssselect raises SelectorSyntaxError (a SyntaxError) or ExpressionError (a RuntimeError).
        except (SyntaxError, RuntimeError, ValueError, etree.XPathError) as exc:
            kind = "XPath" if query.startswith(("/", "(")) else "CSS"
            raise self.fail(where, f"bad {kind} selector {query!r}: {exc}") from None
        return query


def _domains(check: _Checker, data: dict[str, Any]) -> tuple[str, ...]:
    value = data.get("allowed_domains")
    if not isinstance(value, list) or not value:
        raise check.fail("allowed_domains", "must be a non-empty list of host names")
    domains = []
    for index, item in enumerate(value):
        if not isinstance(item, str) or not _DOMAIN_RE.match(item):
            raise check.fail(
                f"allowed_domains[{index}]", f"{item!r} is not a lower-case host name (no scheme)"
            )
        domains.append(item)
    return tuple(domains)


def _columns(check: _Checker, data: dict[str, Any], domains: tuple[str, ...]) -> tuple[Column, ...]:
    value = data.get("columns")
    if not isinstance(value, list) or not value:
        raise check.fail("columns", "at least one [[columns]] table (name, url) is required")
    columns = []
    seen: dict[str, int] = {}
    for index, item in enumerate(value):
        where = f"columns[{index}]"
        if not isinstance(item, dict):
            raise check.fail(where, "must be a table with name and url")
        check.unknown(item, _COLUMN_KEYS, f"{where}.")
        name = check.required(item, "name", f"{where}.name")
        # Records, the run report and the spider's next pages find a column by its name: a second column
        # of the same name would be merged into the first and crawled with the first one's options.
        if name in seen:
            raise check.fail(
                f"{where}.name",
                f"{name!r} is already the name of columns[{seen[name]}]; column names must differ",
            )
        seen[name] = index
        url = check.required(item, "url", f"{where}.url")
        options = check.options(item.get("platform_options", {}), f"{where}.platform_options")
        columns.append(
            Column(name=name, url=check.url(url, f"{where}.url", domains), platform_options=options)
        )
    return tuple(columns)


def _selectors(check: _Checker, data: dict[str, Any]) -> Selectors:
    value = data.get("selectors", {})
    if not isinstance(value, dict):
        raise check.fail("selectors", "must be a table of field = selector")
    check.unknown(value, _SELECTOR_KEYS, "selectors.")
    found: dict[str, Any] = {}
    for key, item in value.items():
        if key == "noise":
            if not isinstance(item, list):
                raise check.fail("selectors.noise", "must be a list of selectors")
            found[key] = tuple(check.selector(s, f"selectors.noise[{i}]") for i, s in enumerate(item))
        else:
            found[key] = check.selector(item, f"selectors.{key}")
    return Selectors(**found)


def _documented(check: _Checker, data: dict[str, Any]) -> str | None:
    value = data.get("documented")
    if value is None:
        return None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.isoformat()
    try:
        return dt.date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise check.fail("documented", f"must be a date YYYY-MM-DD, got {value!r}") from None


def _build(path: Path, key: str, data: dict[str, Any]) -> SiteProfile:
    check = _Checker(path)
    if not KEY_RE.match(key) or key in _RESERVED_KEYS:
        raise check.fail(
            "(file)", f"the file name {key!r} is not a site key (lower-case [a-z0-9-], not reserved)"
        )
    check.unknown(data, _TOP_KEYS, "")
    name = check.required(data, "name", "name")
    platform = check.text(data, "platform", "platform") or "generic"
    if platform not in PLATFORMS:
        raise check.fail("platform", f"{platform!r} is not one of {', '.join(PLATFORMS)}")
    encoding = check.text(data, "encoding", "encoding")
    if encoding is not None:
        try:
            codec = codecs.lookup(encoding)
        except LookupError:
            raise check.fail("encoding", f"{encoding!r} is not a known encoding") from None
        # zlib, base64, rot13… are codecs too, but bytes-to-bytes ones: never a page's text encoding.
        if not getattr(codec, "_is_text_encoding", True):
            raise check.fail("encoding", f"{encoding!r} is not a text encoding")
    verified = data.get("verified", False)
    if not isinstance(verified, bool):
        raise check.fail("verified", f"must be true or false, got {verified!r}")
    domains = _domains(check, data)
    return SiteProfile(
        key=key,
        name=name,
        province=check.text(data, "province", "province"),
        platform=platform,
        allowed_domains=domains,
        columns=_columns(check, data, domains),
        selectors=_selectors(check, data),
        platform_options=check.options(data.get("platform_options", {}), "platform_options"),
        encoding=encoding,
        verified=verified,
        documented=_documented(check, data),
        notes=check.text(data, "notes", "notes") or "",
    )


def _text(path: Path) -> str:
    """The file's text. TOML is UTF-8; a UTF-8 BOM (Notepad adds one) is dropped, anything else refused."""
    raw = path.read_bytes()
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ProfileError(
            path, "(file)", "not UTF-8 (saved as UTF-16, Notepad's 'Unicode'? save it as UTF-8)"
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line_start = raw.rfind(b"\n", 0, exc.start) + 1
        line = raw.count(b"\n", 0, exc.start) + 1
        column = len(raw[line_start : exc.start].decode("utf-8-sig")) + 1
        try:
            raw.decode("gb18030")
            hint = "saved as GBK/GB2312? save it as UTF-8"
        except UnicodeDecodeError:
            hint = "save it as UTF-8"
        where = f"byte 0x{raw[exc.start]:02x} at line {line}, column {column} (byte {exc.start})"
        raise ProfileError(path, "(file)", f"not UTF-8: {where}; {hint}") from None


def load_profile(key: str, sites_dir: Path | None = None) -> SiteProfile:
    """The profile ``key``: ``<sites_dir>/<key>.toml`` if present, else the bundled one. Raises ProfileError."""
    path = _profile_path(key, Path(sites_dir) if sites_dir is not None else None)
    try:
        data = tomllib.loads(_text(path))
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(path, "(file)", f"not valid TOML: {exc}") from None
    except RecursionError:
        raise ProfileError(path, "(file)", "nested too deeply to be a profile") from None
    except OSError as exc:
        raise ProfileError(path, "(file)", f"cannot be read: {exc}") from None
    return _build(path, key, data)


def load_many(keys: list[str], sites_dir: Path | None = None) -> list[SiteProfile]:
    """The profiles ``keys``, in order. Raises ProfileErrors naming every bad one (not just the first), or
    ProfileError when ``sites_dir`` is not a folder."""
    folder = Path(sites_dir) if sites_dir is not None else None
    _checked_folder(folder)
    profiles, errors = [], []
    for key in keys:
        try:
            profiles.append(load_profile(key, folder))
        except ProfileError as exc:
            errors.append(exc)
    if errors:
        raise ProfileErrors(errors)
    return profiles


def load_all(sites_dir: Path | None = None) -> list[SiteProfile]:
    """Every profile, a ``sites_dir`` file shadowing a bundled one of the same key. Raises ProfileErrors
    naming every bad one, or ProfileError when ``sites_dir`` is not a folder."""
    folder = Path(sites_dir) if sites_dir is not None else None
    return load_many(list_keys(folder), folder)
