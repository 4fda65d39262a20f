"""ValidatePipeline: every record is checked against ``data/schema.json`` and the format rules the schema
cannot express; a failing record goes to ``DATA/quarantine/<run-id>.jsonl`` with its reason, never
silently away."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import fastjsonschema
from jsonschema import Draft202012Validator
from scrapy.exceptions import DropItem

from newsspider.extensions.report import check_run_id, run_id_of
from newsspider.schema import SCHEMA_PATH
from pipelines.record_json import as_record, dump_line, json_view
from pipelines.store import RESERVED_SITES, SITE_KEY, append_durable

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

__all__ = ["Quarantined", "ValidatePipeline", "check_record", "quarantine", "quarantine_path"]

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?P<offset>Z|[+-]\d{2}:\d{2})?")
_SHA256 = re.compile(r"[0-9a-f]{64}")


class Quarantined(DropItem):
    """A record that failed validation; ``code`` is the short reason the run report counts by."""

    def __init__(self, code: str, detail: str, log_level: str | None = None) -> None:
        super().__init__(f"quarantined: {code}: {detail}", log_level=log_level)
        self.code = code
        self.detail = detail


def _schema_reason(error: Any) -> tuple[str, str]:
    where = "/".join(str(p) for p in error.absolute_path) or "record"
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        return f"missing_{missing}", f"{missing} is required"
    if error.validator == "additionalProperties":
        return "unknown_field", error.message
    return f"bad_type_{where.split('/')[0]}", f"{where}: {error.message}"


def _check_published_at(value: str) -> tuple[str, str] | None:
    if _DATE.fullmatch(value):
        return None if _valid_date(value) else ("bad_published_at", f"not a real date: {value!r}")
    match = _DATETIME.fullmatch(value)
    if not match or not _valid_date(value):
        return "bad_published_at", f"not ISO 8601: {value!r}"
    if match["offset"] != "+08:00":
        return "published_at_offset", f"not Beijing time (+08:00): {value!r}"
    return None


def _valid_date(value: str) -> bool:
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def _check_fetched_at(value: str) -> tuple[str, str] | None:
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return "bad_fetched_at", f"not ISO 8601: {value!r}"
    if when.utcoffset() is None or when.utcoffset() != UTC.utcoffset(None):
        return "bad_fetched_at", f"not UTC: {value!r}"
    return None


def check_record(record: dict[str, Any], validator: Draft202012Validator | None) -> tuple[str, str] | None:
    """The first reason ``record`` cannot be stored, as ``(code, detail)``, or None when it is valid.

    ``validator`` None skips the schema (already checked by the caller).
    """
    if validator is not None:
        errors = sorted(validator.iter_errors(record), key=lambda e: (list(e.absolute_path), e.validator))
        if errors:
            return _schema_reason(errors[0])
    url = record["url"]
    if not url.lower().startswith(("http://", "https://")):
        return "bad_url", f"not an absolute http(s) URL: {url!r}"
    site = record.get("site")
    if not site:
        return "missing_site", "site is required to place the record"
    if not SITE_KEY.fullmatch(site) or site in RESERVED_SITES:
        return "bad_site", f"site key must be [a-z0-9-]+ and not runs/logs/quarantine: {site!r}"
    if not (record.get("title") or "").strip() and not (record.get("text") or "").strip():
        return "empty", "neither title nor text"
    published_at = record.get("published_at")
    if published_at is not None and (problem := _check_published_at(published_at)):
        return problem
    fetched_at = record.get("fetched_at")
    if not fetched_at:
        return "missing_fetched_at", "fetched_at is required"
    if problem := _check_fetched_at(fetched_at):
        return problem
    if not _SHA256.fullmatch(record.get("content_hash") or ""):
        return "bad_content_hash", "content_hash must be 64 hex digits"
    return None


def quarantine_path(data_dir: Path, run_id: str) -> Path:
    return data_dir / "quarantine" / f"{check_run_id(run_id)}.jsonl"


def _jsonable(record: Any) -> Any:
    # A record that fails validation may hold anything; it must still reach the quarantine file.
    return json.loads(json.dumps(record, ensure_ascii=False, default=repr))


class ValidatePipeline:
    """Schema and format checks; failures are written to quarantine and raised as :class:`Quarantined`."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.data_dir = Path(crawler.settings.get("NEWSSPIDER_DATA_DIR", "data"))
        schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
        self.validator = Draft202012Validator(schema)
        # fastjsonschema compiles the schema to Python: ~10x faster on the common, valid record. The
        # schema uses only draft-7 keywords. jsonschema then explains the rare failure in detail.
        self._fast_schema = fastjsonschema.compile(schema, use_default=False)

    def fast_check(self, record: dict[str, Any]) -> bool:
        """Whether ``record`` is valid, quickly; False means "look closer" with :func:`check_record`."""
        try:
            self._fast_schema(record)
        except fastjsonschema.JsonSchemaException:
            return False
        return check_record(record, None) is None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ValidatePipeline:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        if self.fast_check(json_view(item)):
            return item
        record = as_record(item)
        problem = check_record(record, self.validator)
        if problem is None:
            return item
        raise quarantine(self.crawler, self.data_dir, record, *problem)


def quarantine(
    crawler: Crawler,
    data_dir: Path,
    record: dict[str, Any],
    code: str,
    detail: str,
    log_level: str | None = None,
) -> Quarantined:
    """Write ``record`` to this run's quarantine file with its reason, count it, and return the
    :class:`Quarantined` to raise: the run report counts it as quarantined under ``code``."""
    path = quarantine_path(data_dir, run_id_of(crawler))
    at = datetime.now(UTC).isoformat(timespec="seconds")
    append_durable(
        path, [dump_line({"reason": code, "detail": detail, "at": at, "record": _jsonable(record)})]
    )
    if crawler.stats is not None:
        crawler.stats.inc_value(f"newsspider/quarantined/{code}")
    return Quarantined(code, detail, log_level)
