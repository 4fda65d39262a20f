"""Parser fixtures: one test per (case, field), in the web-poet style.

Each case is ``tests/fixtures/<site>/<case>/`` holding
- ``body.html``: the raw bytes as served (GBK stays GBK);
- ``meta.json``: ``{"url": ..., "headers": {...}, "site": <profile key, optional>,
  "fetched_at": <ISO 8601, optional, for relative dates>}``;
- ``expected.json`` (and optionally ``expected-<topic>.json``, e.g. ``expected-directives.json``): the record
  fields this case pins down (a subset of the schema), exact values. A field may appear in one file only.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from itemadapter import ItemAdapter

from newsspider.parsers import parse_article
from newsspider.sites import load_profile

FIXTURES = Path(__file__).resolve().parent / "fixtures"
CASES = sorted({p.parent for p in FIXTURES.glob("*/*/expected*.json")})


def _case_id(case: Path) -> str:
    return f"{case.parent.name}/{case.name}"


def _load_expected(case: Path) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for path in sorted(case.glob("expected*.json")):
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        clash = set(data) & set(merged)
        assert not clash, f"{path} repeats fields of another expected file: {sorted(clash)}"
        merged.update(data)
    return merged


_PARSED: dict[Path, dict[str, Any]] = {}


def parsed(case: Path) -> dict[str, Any]:
    if case not in _PARSED:
        meta = json.loads((case / "meta.json").read_text(encoding="utf-8"))
        fetched_at = datetime.fromisoformat(meta["fetched_at"]) if meta.get("fetched_at") else None
        site = load_profile(meta["site"]) if meta.get("site") else None
        record = parse_article(
            (case / "body.html").read_bytes(),
            meta["url"],
            headers=meta.get("headers") or {},
            site=site,
            fetched_at=fetched_at,
        )
        _PARSED[case] = ItemAdapter(record).asdict()
    return _PARSED[case]


PAIRS = [(case, name) for case in CASES for name in _load_expected(case)]


@pytest.mark.parametrize(("case", "field_name"), PAIRS, ids=[f"{_case_id(c)}::{f}" for c, f in PAIRS])
def test_field(case: Path, field_name: str) -> None:
    expected = _load_expected(case)[field_name]
    assert parsed(case)[field_name] == expected


@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_expected_names_only_schema_fields(case: Path) -> None:
    unknown = set(_load_expected(case)) - set(parsed(case))
    assert not unknown, f"expected.json names fields the record does not have: {sorted(unknown)}"
