"""The pipelines' fast paths give what their plain definitions give.

A record with nothing to normalize is checked in one scan, and records are written and converted by orjson.
Both must agree exactly with the plain forms (normalizing every value alone, ``json.dumps``): a difference
would change what is stored, or a content hash, between two versions of newsspider.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from itemadapter import ItemAdapter
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from newsspider.items import DirectiveBlock, DirectiveItem, Image, NewsArticle, fields_of
from pipelines.normalize import NormalizePipeline, normalize_value
from pipelines.record_json import as_record, dump_line, json_view
from pipelines.validate import Quarantined, ValidatePipeline
from tests.test_textnorm import tricky


def plain_line(obj: Any) -> bytes:
    """The line as the json module writes it (the stored form before orjson)."""
    return (json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def normalized_one_by_one(record: NewsArticle) -> NewsArticle:
    """Every field through normalize_value alone: the definition the one-scan check must match."""
    return dataclasses.replace(
        record,
        **{f.name: normalize_value(getattr(record, f.name), f.name) for f in dataclasses.fields(record)},
    )


# Mostly what records hold (nothing to change but an ASCII space at an end or doubled), so that whole
# records are often clean but for one value: the case the one-scan check must not miss.
plain = st.text(alphabet=st.sampled_from([*"ab中文，。1   "]), max_size=6)
line = plain | tricky
lines = st.lists(plain, max_size=3) | st.lists(line, max_size=3)


@settings(max_examples=500)
@given(title=line, source=plain, column=st.none() | plain, authors=lines, paragraphs=lines, alt=plain,
       item_text=line)  # fmt: skip
def test_a_record_is_normalized_as_each_of_its_values_alone(
    title: str, source: str, column: str | None, authors: list[str], paragraphs: list[str], alt: str,
    item_text: str,
) -> None:  # fmt: skip
    record = NewsArticle(
        url="http://www.shanxi.gov.cn/a/t20200218_1.html", title=title, source=source, column=column,
        authors=authors, paragraphs=paragraphs, text="\n".join(paragraphs),
        images=[Image(url="http://www.shanxi.gov.cn/a.jpg", alt=alt)],
        directives=[DirectiveBlock(speaker="会议", verb="强调", declared_count=None,
                                   items=[DirectiveItem(marker="一要", ordinal=1, heading=None, text=item_text)])],
    )  # fmt: skip
    expected = normalized_one_by_one(dataclasses.replace(record))
    got = NormalizePipeline().process_item(record)
    for name in ("title", "source", "column", "authors", "images", "directives"):
        assert getattr(got, name) == getattr(expected, name), name
    assert got.paragraphs == [p for p in expected.paragraphs if p]


def test_a_value_of_another_type_than_declared_is_still_normalized() -> None:
    # The one-scan check trusts no annotation: a list where a string is declared, a number in a list.
    record = NewsArticle(url="http://www.shanxi.gov.cn/a/t20200218_1.html", title="会议\u3000强调")
    record.source = ["山西\u3000日报"]  # type: ignore[assignment]
    record.authors = ["王\u3000华", 3]  # type: ignore[list-item]
    got = NormalizePipeline().process_item(record)
    assert (got.title, got.source, got.authors) == ("会议 强调", ["山西 日报"], ["王 华", 3])


def rich_record() -> NewsArticle:
    record = NewsArticle(
        url="http://www.shanxi.gov.cn/a/t20200218_1.html", title="“一要”\u2028二要\t😀 \\ \" /",
        paragraphs=["控制\x01字符\x1f", "\u2029"], authors=["王华"],
        images=[Image(url="http://www.shanxi.gov.cn/a.jpg", alt=None)],
    )  # fmt: skip
    record.http_status = 200
    return record


def test_a_record_is_written_as_the_json_module_writes_it() -> None:
    record = rich_record()
    assert dump_line(record) == plain_line(ItemAdapter(record).asdict())
    assert as_record(record) == ItemAdapter(record).asdict()


@pytest.mark.parametrize(
    "obj",
    [{1: "整数键"}, {"big": 2**70}, {"nested": [{"k": (1, 2)}]}, {"none": None, "bool": True}],
    ids=["non-string key", "integer over 64 bits", "tuple", "null and bool"],
)
def test_what_orjson_refuses_or_writes_otherwise_is_written_as_before(obj: dict[Any, Any]) -> None:
    assert dump_line(obj) == plain_line(obj)


def test_a_date_is_refused_as_before() -> None:
    # A record holds ISO strings: a datetime is a bug upstream, refused rather than written in some form.
    with pytest.raises(TypeError):
        dump_line({"at": datetime(2020, 2, 18, tzinfo=UTC)})


@dataclasses.dataclass(frozen=True)
class Frozen:
    title: str = "会议"


@dataclasses.dataclass(slots=True)
class Slotted:
    title: str = "会议"


class SlottedChild(Slotted):
    pass


def test_fields_are_read_and_set_on_the_record_itself() -> None:
    record = NewsArticle(url="http://www.shanxi.gov.cn/a/t20200218_1.html", title="会议")
    fields = fields_of(record)
    assert fields["title"] == "会议"
    assert fields.get("source") is None
    fields["title"] = "常务会议"
    assert record.title == "常务会议"


@pytest.mark.parametrize("item", [Frozen(), Slotted(), SlottedChild(), {"title": "会议"}], ids=type)
def test_other_items_go_through_itemadapter(item: Any) -> None:
    fields = fields_of(item)
    assert isinstance(fields, ItemAdapter)
    assert fields["title"] == "会议"
    if isinstance(item, Frozen):
        with pytest.raises(dataclasses.FrozenInstanceError):
            fields["title"] = "常务会议"


# -- validation reads a record's own vars() when nothing in it needs converting ---------------------------


def plain_record() -> NewsArticle:
    """A normalized record with nothing nested (no images, directives, document): validated as it is."""
    record = NewsArticle(
        url="http://www.shanxi.gov.cn/a/t20200218_1.html", site="shanxi-gov", title="省政府常务会议",
        paragraphs=["会议强调，要抓好春季农业生产。"], text="会议强调，要抓好春季农业生产。",
        published_at="2020-02-18T19:58:03+08:00",
    )  # fmt: skip
    normalized: NewsArticle = NormalizePipeline().process_item(record)
    return normalized


def test_the_view_validation_reads_is_what_would_be_stored(tmp_path: Any) -> None:
    plain = plain_record()
    assert json_view(plain) == as_record(plain) == json.loads(dump_line(plain))
    crawler = get_crawler(settings_dict={"NEWSSPIDER_DATA_DIR": str(tmp_path)})
    assert build_from_crawler(ValidatePipeline, crawler).process_item(plain) is plain
    nested = plain_record()
    nested.images = [Image(url="http://www.shanxi.gov.cn/a.jpg", alt="会议现场")]
    assert json_view(nested) == as_record(nested) == json.loads(dump_line(nested))


@pytest.mark.parametrize(
    ("code", "name", "value"),
    [
        ("bad_type_authors", "authors", "王华"),
        ("bad_type_version", "version", "2"),
        ("bad_type_title", "title", 5),
        ("bad_type_paragraphs", "paragraphs", ["一段", Image(url="http://www.shanxi.gov.cn/a.jpg")]),
        ("bad_url", "url", "/a/t20200218_1.html"),
        ("bad_published_at", "published_at", "2020年2月18日"),
        ("bad_content_hash", "content_hash", "d41d8cd98f00b204e9800998ecf8427e"),
    ],
)
def test_a_record_read_as_it_is_is_refused_as_a_converted_one(
    tmp_path: Any, code: str, name: str, value: Any
) -> None:
    record = plain_record()
    setattr(record, name, value)
    crawler = get_crawler(settings_dict={"NEWSSPIDER_DATA_DIR": str(tmp_path), "NEWSSPIDER_RUN_ID": "run-1"})
    with pytest.raises(Quarantined) as raised:
        build_from_crawler(ValidatePipeline, crawler).process_item(record)
    assert raised.value.code == code
