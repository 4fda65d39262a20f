"""The published contract (data/schema.json) cannot drift from newsspider/items.py."""

from __future__ import annotations

import json

from itemadapter import ItemAdapter

from newsspider.items import SCHEMA_VERSION, NewsArticle
from newsspider.schema import SCHEMA_PATH, record_schema


def test_schema_file_matches_items() -> None:
    on_disk = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert on_disk == record_schema(), "data/schema.json is stale: run `make schema`"


def test_schema_lists_every_record_field() -> None:
    fields = set(ItemAdapter(NewsArticle(url="https://example.gov.cn/a.html")).field_names())
    assert set(record_schema()["properties"]) == fields


def test_default_record_is_schema_version_1() -> None:
    record = ItemAdapter(NewsArticle(url="https://example.gov.cn/a.html")).asdict()
    assert record["schema_version"] == SCHEMA_VERSION == 1
    assert record["directives"] == []
    assert record["doc"] is None
