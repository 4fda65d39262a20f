"""Load a newsspider data folder as one dataset: ``load()`` → pandas, ``load_duckdb()`` → DuckDB.

The folder layout is the one in ``docs/architecture.md``: records are ``DATA/<site>/*.jsonl`` (daily files
and distributed-run shard files alike); ``runs/``, ``logs/``, ``quarantine/`` and ``<site>/events/`` hold
other things and are never read as records. An article's identity is its ``canonical_url`` (``url`` when
that is null); the latest view keeps its highest ``version``, then the latest ``fetched_at``.

A crash can leave a torn last line in a file: it is skipped with a :class:`DatasetWarning`, never raised.
A folder with no record file at all (a wrong path) loads empty with a :class:`NoRecordsWarning`.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from newsspider.items import NewsArticle
from newsspider.schema import record_schema

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    import duckdb
    import pandas as pd

__all__ = [
    "BEIJING",
    "RESERVED_DIRS",
    "BadLine",
    "DatasetWarning",
    "NoRecordsWarning",
    "iter_records",
    "latest_positions",
    "load",
    "load_duckdb",
    "missing_sites",
    "no_records_message",
    "record_files",
    "with_timestamps",
]

RESERVED_DIRS = frozenset({"runs", "logs", "quarantine"})
"""Top-level folders of DATA that are not sites (site keys never take these names)."""

_FIELD_ORDER = tuple(NewsArticle.__dataclass_fields__)

BEIJING = "Asia/Shanghai"
"""The zone of ``published_at`` (records say +08:00) and of ``published_ts``."""

_DATE_ONLY = r"\d{4}-\d{2}-\d{2}"
"""A ``published_at`` with no time: the page showed only the day (the validate pipeline's date form)."""

Sites = str | Iterable[str] | None
"""One site key, several, or None for all."""


class DatasetWarning(UserWarning):
    """A line of a record file could not be read (a torn write after a crash, or damage)."""


class NoRecordsWarning(DatasetWarning):
    """No record file matched: most likely a wrong folder or a misspelt site key, not an empty crawl."""


@dataclass(frozen=True, slots=True)
class BadLine:
    path: Path
    lineno: int
    reason: str
    torn: bool = False
    """The file's last line, cut short: what a crash mid-write leaves behind, expected after kill -9."""


def _site_set(sites: Sites) -> set[str] | None:
    # A bare string is one key: set("sxrb") would be its letters and match no site at all.
    return None if sites is None else {sites} if isinstance(sites, str) else set(sites)


def record_files(
    data_dir: Path | str, sites: Sites = None, *, fetched_since: str | None = None
) -> list[Path]:
    """Every record file under DATA, sites in name order, files in name (= date, then shard) order.

    ``fetched_since`` (``YYYY-MM-DD``, UTC) keeps the files of that fetch date and later: files are named
    by the UTC date their records were fetched.
    """
    root = Path(data_dir)
    if not root.is_dir():
        raise FileNotFoundError(f"no data folder at {root}")
    wanted = _site_set(sites)
    files: list[Path] = []
    for site_dir in sorted(root.iterdir()):
        name = site_dir.name
        if not site_dir.is_dir() or name in RESERVED_DIRS or name.startswith("."):
            continue
        if wanted is not None and name not in wanted:
            continue
        # Only the site folder's own files: events/ below it holds removal events, not records.
        files.extend(
            p
            for p in sorted(site_dir.glob("*.jsonl"))
            if p.is_file() and (fetched_since is None or p.name[:10] >= fetched_since)
        )
    return files


def missing_sites(files: Iterable[Path], sites: Sites) -> list[str]:
    """The asked-for sites (``--site``) that none of ``files`` belongs to: a typo among good keys."""
    wanted = _site_set(sites)
    return sorted(wanted - {path.parent.name for path in files}) if wanted else []


def no_records_message(data_dir: Path | str, sites: Sites = None) -> str:
    """One line saying why :func:`record_files` found nothing, for a folder that exists."""
    root = Path(data_dir)
    wanted = _site_set(sites)
    present = sorted({p.parent.name for p in record_files(root)})
    if wanted is not None and present:
        keys = f"site{'s' if len(wanted) > 1 else ''} {', '.join(sorted(wanted))}"
        return f"no record files for {keys} under {root} (sites there: {', '.join(present)})"
    message = (
        f"no record files under {root} (is it a newsspider data folder? it should hold <site>/<date>.jsonl)"
    )
    # The usual slip is the parent of the data folder(s): name the ones below it.
    below = [c for c in sorted(root.iterdir()) if c.is_dir() and any(c.glob("*/*.jsonl"))]
    if below:
        message += f"; data folders below it: {', '.join(str(c) for c in below[:3])}"
    return message


def iter_records(path: Path, on_bad: Callable[[BadLine], None]) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(line number, record)`` for every readable line of one file; unreadable lines go to ``on_bad``."""
    with path.open("rb") as f:
        for lineno, raw in enumerate(f, start=1):
            if not raw.strip():
                continue
            try:
                value = json.loads(raw)
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                torn = not raw.endswith(b"\n")
                reason = "torn last line (incomplete write)" if torn else f"not JSON: {exc}"
                on_bad(BadLine(path, lineno, reason, torn=torn))
                continue
            if not isinstance(value, dict):
                on_bad(BadLine(path, lineno, f"not a JSON object but {type(value).__name__}"))
                continue
            yield lineno, value


def identity(record: dict[str, Any]) -> str:
    return str(record.get("canonical_url") or record.get("url") or "")


def latest_positions(entries: Iterable[tuple[Any, dict[str, Any]]], *, versions: bool = False) -> set[Any]:
    """Positions of the records that make up the view.

    ``entries`` are ``(position, record)`` in read order. The latest view keeps one record per identity
    (highest version, then latest fetched_at, then the later position); ``versions=True`` keeps one per
    identity and version, so a version written twice (a replay after a crash) still appears once.
    """
    best: dict[Any, tuple[tuple[int, str], Any]] = {}
    for position, record in entries:
        version = _as_int(record.get("version"))
        key: Any = (identity(record), version) if versions else identity(record)
        rank = (version, str(record.get("fetched_at") or ""))
        held = best.get(key)
        if held is None or rank >= held[0]:
            best[key] = (rank, position)
    return {position for _, position in best.values()}


def _as_int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 1


def _warn_bad(bad: list[BadLine]) -> None:
    by_file: dict[Path, list[BadLine]] = {}
    for line in bad:
        by_file.setdefault(line.path, []).append(line)
    for path, lines in by_file.items():
        detail = "; ".join(f"line {b.lineno}: {b.reason}" for b in lines[:5])
        more = f" (and {len(lines) - 5} more)" if len(lines) > 5 else ""
        warnings.warn(f"{path}: skipped {len(lines)} unreadable line(s): {detail}{more}", DatasetWarning, 3)


def load(
    data_dir: Path | str, *, versions: bool = False, sites: Sites = None, timestamps: bool = False
) -> pd.DataFrame:
    """The dataset as a pandas DataFrame, one row per article (its latest version) or per version.

    ``data_dir`` is a data folder, or a Parquet file written by ``newsspider export``. Nested fields
    (images, attachments, directives, doc, reprint) are Python lists and dicts. ``sites`` is a key or
    a list of keys. ``timestamps=True`` adds the columns of :func:`with_timestamps`.
    """
    path = Path(data_dir)
    if path.is_file() and path.suffix == ".parquet":
        records = _parquet_records(path, sites)
    else:
        files = record_files(path, sites)
        if not files:
            warnings.warn(no_records_message(path, sites), NoRecordsWarning, 2)
        bad: list[BadLine] = []
        records = [record for file in files for _, record in iter_records(file, bad.append)]
        if bad:
            _warn_bad(bad)
    keep = latest_positions(enumerate(records), versions=versions)
    frame = _frame([r for i, r in enumerate(records) if i in keep])
    return with_timestamps(frame) if timestamps else frame


def _parquet_records(path: Path, sites: Sites) -> list[dict[str, Any]]:
    import pyarrow.parquet as pq  # imported here: only Parquet input needs it

    from newsspider.arrow_records import from_arrow_records

    records = from_arrow_records(pq.read_table(path).to_pylist())
    wanted = _site_set(sites)
    if wanted is not None:
        records = [r for r in records if r.get("site") in wanted]
    return records


def with_timestamps(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with ``published_ts`` (Beijing), ``published_is_date`` and ``fetched_ts`` (UTC) added.

    The record keeps times as text because ``published_at`` mixes precisions: a date-only value is the
    Beijing day the page showed, with no time. ``published_ts`` puts it at 00:00 Beijing time (not
    00:00 UTC, which would be 08:00 in Beijing) and ``published_is_date`` says so; both are null where
    ``published_at`` is. A value that does not parse is null in ``*_ts``, with a :class:`DatasetWarning`.
    """
    out = frame.copy()
    published = out["published_at"].astype("string")
    is_date = published.str.fullmatch(_DATE_ONLY)
    full = published.mask(is_date.fillna(False), published + "T00:00:00+08:00")
    # utc=True, then the named zone: a bare +08:00 offset is not Asia/Shanghai to pandas, and one record
    # with another offset (edited by hand, or from an old run) would make pandas refuse the whole column.
    published_ts = _parse_times(full, "published_at").dt.tz_convert(BEIJING)
    out.insert(out.columns.get_loc("published_at") + 1, "published_ts", published_ts)
    out.insert(out.columns.get_loc("published_ts") + 1, "published_is_date", is_date.astype("boolean"))
    fetched_ts = _parse_times(out["fetched_at"].astype("string"), "fetched_at")
    out.insert(out.columns.get_loc("fetched_at") + 1, "fetched_ts", fetched_ts)
    return out


def _parse_times(text: pd.Series, column: str) -> pd.Series:
    import pandas as pd

    parsed = pd.to_datetime(text, format="ISO8601", utc=True, errors="coerce")
    failed = text[text.notna() & parsed.isna()]
    if len(failed):
        warnings.warn(
            f"{column}: {len(failed)} value(s) are not ISO 8601 times and are null in the timestamp column, "
            f"e.g. {failed.iloc[0]!r}",
            DatasetWarning,
            3,
        )
    return parsed


def _frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    # Imported here: slow to import, and most users of this module (the crawl's record_files) never need them.
    import pandas as pd
    import pyarrow as pa

    from newsspider.arrow_records import arrow_schema

    extra = sorted({k for r in records for k in r} - set(_FIELD_ORDER))
    # Column by column with object dtype first: pandas' own inference over dicts holding lists of dicts
    # is several times slower. Then the declared scalar types: nullable integers, pandas strings.
    frame = pd.DataFrame(
        {c: pd.Series([r.get(c) for r in records], dtype=object) for c in [*_FIELD_ORDER, *extra]}
    )
    # pandas 3's default string dtype is "str"; on pandas 2, astype("str") would turn None into "None".
    text = "str" if int(pd.__version__.split(".", 1)[0]) >= 3 else "string"
    for field in arrow_schema():
        if pa.types.is_integer(field.type):
            frame[field.name] = frame[field.name].astype("Int64")
        elif pa.types.is_string(field.type):
            frame[field.name] = frame[field.name].astype(text)
    return frame


# -- DuckDB ------------------------------------------------------------------------------------------


def duckdb_columns(schema: dict[str, Any] | None = None) -> dict[str, str]:
    """DuckDB column types for ``read_json``, from ``data/schema.json``.

    Explicit types keep a column typed when every value in the files is null or the list is empty
    (auto-detection would make it JSON or drop it). Nested points of a directive (``children``) are
    recursive, which DuckDB types cannot express: they stay JSON.
    """
    if schema is None:
        schema = record_schema()
    return {name: _duck_type(prop) for name, prop in schema["properties"].items()}


def _duck_type(prop: dict[str, Any]) -> str:
    if "anyOf" in prop:
        branches = [b for b in prop["anyOf"] if b.get("type") != "null"]
        return _duck_type(branches[0]) if len(branches) == 1 else "JSON"
    kinds = prop.get("type")
    kind = next((k for k in kinds if k != "null"), "null") if isinstance(kinds, list) else kinds
    if kind == "string":
        return "VARCHAR"
    if kind == "integer":
        return "BIGINT"
    if kind == "number":
        return "DOUBLE"
    if kind == "boolean":
        return "BOOLEAN"
    if kind == "array":
        return f"{_duck_type(prop.get('items', {}))}[]"
    if kind == "object" and prop.get("properties"):
        inner = ", ".join(f'"{k}" {_duck_type(v)}' for k, v in prop["properties"].items())
        return f"STRUCT({inner})"
    return "JSON"


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def load_duckdb(
    data_dir: Path | str,
    *,
    versions: bool = False,
    sites: Sites = None,
    fetched_since: str | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
    timestamps: bool = False,
) -> duckdb.DuckDBPyRelation:
    """The dataset as a DuckDB relation (latest version of each article, or every version).

    ``con`` defaults to a new in-memory connection. Unreadable lines are skipped silently here;
    ``load()`` and ``newsspider validate`` name them. ``timestamps=True`` adds ``published_ts`` and
    ``fetched_ts`` (TIMESTAMPTZ: instants, shown in the connection's TimeZone) and ``published_is_date``,
    as :func:`with_timestamps` does.
    """
    import duckdb  # imported here: slow to import, and most commands never need it

    con = con if con is not None else duckdb.connect()
    columns = duckdb_columns()
    files = record_files(data_dir, sites, fetched_since=fetched_since)
    if not files:
        warnings.warn(no_records_message(data_dir, sites), NoRecordsWarning, 2)
        empty = ", ".join(f'CAST(NULL AS {t}) AS "{n}"' for n, t in columns.items())
        return _duck_timestamps(con.sql(f"SELECT {empty} LIMIT 0"), timestamps)
    column_spec = "{" + ", ".join(f"{_sql_text(n)}: {_sql_text(t)}" for n, t in columns.items()) + "}"
    file_list = "[" + ", ".join(_sql_text(str(f)) for f in files) + "]"
    partition = "coalesce(canonical_url, url)" + (", version" if versions else "")
    # filename breaks ties the way load() does: the later file (date, then shard) wins.
    query = f"""
        SELECT * EXCLUDE (filename, ns_rank) FROM (
            SELECT *, row_number() OVER (
                PARTITION BY {partition}
                ORDER BY version DESC NULLS LAST, fetched_at DESC NULLS LAST, filename DESC
            ) AS ns_rank
            FROM read_json({file_list}, format = 'newline_delimited', columns = {column_spec},
                           ignore_errors = true, filename = true, maximum_object_size = 268435456)
            -- An unreadable line (torn by a crash) comes back as a row of nulls; url is required.
            WHERE url IS NOT NULL
        ) WHERE ns_rank = 1
    """  # noqa: S608 (paths and types are quoted literals)
    return _duck_timestamps(con.sql(query), timestamps)


def _duck_timestamps(rel: duckdb.DuckDBPyRelation, timestamps: bool) -> duckdb.DuckDBPyRelation:
    if not timestamps:
        return rel
    # A date-only value is a Beijing day: its midnight is 00:00+08:00, whatever the session's TimeZone.
    is_date = f"regexp_full_match(published_at, '{_DATE_ONLY}')"
    published = f"CASE WHEN {is_date} THEN published_at || 'T00:00:00+08:00' ELSE published_at END"
    added = {
        "published_at": f"TRY_CAST({published} AS TIMESTAMPTZ) AS published_ts, {is_date} AS published_is_date",
        "fetched_at": "TRY_CAST(fetched_at AS TIMESTAMPTZ) AS fetched_ts",
    }
    # Each next to the text it comes from, in the order load(timestamps=True) gives.
    return rel.project(", ".join(f'"{c}", {added[c]}' if c in added else f'"{c}"' for c in rel.columns))
