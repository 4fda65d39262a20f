"""The benchmark's scoring rules (../shared/eval README), on small hand-made labels and predictions.

These run without the evaluation pages: numbers reported in docs/evaluation.md are only comparable if the
rules are exactly the README's, so each rule is pinned here.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from benchmarks import accuracy, speed
from benchmarks.directive_scoring import (
    DirectiveTotals,
    GoldBlock,
    GoldItem,
    PredBlock,
    PredItem,
    item_matches,
    score_directives,
)
from benchmarks.evalset import (
    GoldPage,
    Prediction,
    ambiguous_fields,
    decode_html,
    find_eval_dir,
    normalize,
    score_field,
    score_lead,
    score_names,
    score_published,
    score_tail,
    score_text,
)
from benchmarks.peers import normalize_peer_date

BODY = (
    "新华社北京2月18日电 国务院联防联控机制18日召开新闻发布会，介绍疫情防控和复工复产情况。\n"
    "会议指出，各地要分区分级精准施策。\n"
    "发布会上，有关负责同志回答了记者提问，表示将继续加大对中小企业的支持力度。（完）"
)


def gold_page(**overrides: object) -> GoldPage:
    fields: dict[str, object] = {
        "key": "set/a.html",
        "url": "http://www.example.gov.cn/art/2020/2/18/art_1_1.html",
        "title": "国务院联防联控机制召开新闻发布会",
        "published": "2020-02-18T19:58:03+08:00",
        "source": "新华社",
        "authors": ("张三",),
        "editors": ("李四",),
        "lead": "新华社北京2月18日电 国务院联防联控机制18日召开新闻",
        "tail": "示将继续加大对中小企业的支持力度。（完）",
        "skip": frozenset(),
    }
    fields.update(overrides)
    return GoldPage(**fields)  # type: ignore[arg-type]


# ------------------------------------------------------------------ normalization


def test_normalize_applies_nfkc_and_deletes_every_whitespace() -> None:
    assert normalize("ＡＢＣ　１２３\u00a0４\n５\t６ ７") == "ABC1234567"
    assert normalize("（完）：") == "(完):"
    assert normalize(None) == ""


@given(st.text())
def test_normalize_leaves_no_whitespace(text: str) -> None:
    # Not idempotent by design of the README rule: deleting a space can let NFKC compose what follows.
    assert not any(ch.isspace() for ch in normalize(text))


# ------------------------------------------------------------------ title, source


def test_text_fields_compare_normalized() -> None:
    assert score_text('奖金711万元！"中国诺贝尔奖"', '奖金７１１万元!  "中国诺贝尔奖"')
    assert not score_text("国务院联防联控机制召开新闻发布会", "国务院联防联控机制召开新闻发布会_中国政府网")


def test_null_label_is_matched_only_by_null_or_empty() -> None:
    assert score_text(None, None)
    assert score_text(None, "")
    assert score_text(None, " \u3000")
    assert not score_text(None, "本网")
    assert not score_text("新华社", None)


# ------------------------------------------------------------------ published


@pytest.mark.parametrize(
    ("label", "got", "right"),
    [
        # a date label: any time on that Beijing day
        ("2019-09-25", "2019-09-25", True),
        ("2019-09-25", "2019-09-25T23:59:00+08:00", True),
        ("2019-09-25", "2019-09-24T20:00:00+00:00", True),  # 04:00 next day in Beijing
        ("2019-09-25", "2019-09-24T15:00:00+00:00", False),  # 23:00 the day before in Beijing
        ("2019-09-25", "2019-09-26", False),
        # a month label: the same month, at least
        ("1996-06", "1996-06", True),
        ("1996-06", "1996-06-15", True),
        ("1996-06", "1996-07-01", False),
        ("1996-06", "1996", False),
        # a label with a time: the same hour and minute
        ("2020-02-18T19:58:00+08:00", "2020-02-18T19:58:41+08:00", True),
        ("2020-02-18T19:58:00+08:00", "2020-02-18T19:58+08:00", True),
        ("2020-02-18T19:58:00+08:00", "2020-02-18T19:59:00+08:00", False),
        ("2020-02-18T19:58:00+08:00", "2020-02-18", False),
        # ... and second when the label's seconds are not :00
        ("2020-02-18T19:58:03+08:00", "2020-02-18T19:58:03+08:00", True),
        ("2020-02-18T19:58:03+08:00", "2020-02-18 19:58:03", True),
        ("2020-02-18T19:58:03+08:00", "2020-02-18T19:58:04+08:00", False),
        ("2020-02-18T19:58:03+08:00", "2020-02-18T19:58+08:00", False),
        # offsets are compared in Beijing time
        ("2012-12-10T10:41:00+00:00", "2012-12-10T18:41:00+08:00", True),
        ("2012-12-10T10:41:00+00:00", "2012-12-10T10:41:00Z", True),
        ("2012-12-10T10:41:00+00:00", "2012-12-10T10:41:00+08:00", False),
        # a label without offset is Beijing wall time
        ("2005-09-10T10:56:00", "2005-09-10T10:56:00+08:00", True),
        ("2005-09-10T10:56:00", "2005-09-10T02:56:00+00:00", True),
        # null: only null matches, and nothing unparseable matches a date
        (None, None, True),
        (None, "", True),
        (None, "2020-02-14", False),
        ("2020-02-18", None, False),
        ("2020-02-18", "2020年2月18日", False),
    ],
)
def test_published_is_scored_at_the_labels_precision(label: str | None, got: str | None, right: bool) -> None:
    assert score_published(label, got) is right


def test_peer_dates_are_normalized_before_scoring() -> None:
    assert normalize_peer_date("2019年09月07日 16:28") == "2019-09-07T16:28:00+08:00"
    assert normalize_peer_date("发布时间：2016年06月30日09时30分") == "2016-06-30T09:30:00+08:00"
    assert normalize_peer_date("2019/9/7") == "2019-09-07"
    assert score_published("2019-09-07T21:30:50+08:00", normalize_peer_date("2019-9-7 21:30:50"))
    assert normalize_peer_date("  ") is None


# ------------------------------------------------------------------ authors, editors


def test_names_compare_as_normalized_sets() -> None:
    assert score_names(["罗科", "苏盈"], ["苏盈", " 罗 科 "])
    assert score_names(["周思博 (Joel Spolsky)"], ["周思博（Joel Spolsky）"])
    assert score_names([], [])
    assert score_names([], [""])
    assert not score_names(["罗科", "苏盈"], ["罗科苏盈"])
    assert not score_names(["罗科", "苏盈"], ["罗科"])
    assert not score_names([], ["未知"])


# ------------------------------------------------------------------ lead, tail


def test_lead_must_open_the_body_within_forty_characters() -> None:
    assert score_lead("新华社北京2月18日电 国务院联防联控机制18日召开新闻", BODY)
    assert score_lead("新华社北京2月18日电 国务院联防联控机制", "图片说明：发布会现场\n" + BODY)
    pushed = "责任编辑：李四 来源：新华社 发布时间：2020-02-18 19:58:03 字号：大 中 小\n" + BODY
    assert not score_lead("新华社北京2月18日电 国务院联防联控机制18日召开新闻", pushed)
    assert not score_lead("会议指出，各地要分区分级精准施策。", BODY)


def test_tail_must_end_the_body_within_forty_characters() -> None:
    assert score_tail("示将继续加大对中小企业的支持力度。（完）", BODY)
    assert score_tail("示将继续加大对中小企业的支持力度。(完)", BODY + "\n（责任编辑：李四）")
    assert not score_tail(
        "示将继续加大对中小企业的支持力度。（完）",
        BODY + "\n相关新闻：国务院常务会议部署进一步做好稳就业工作\n国家卫健委：全国新增确诊病例继续下降",
    )
    assert not score_tail("会议指出，各地要分区分级精准施策。", BODY)


# ------------------------------------------------------------------ page scoring


def test_ambiguous_fields_come_from_the_leading_note_only() -> None:
    assert ambiguous_fields(True, "Ambiguous: title, source, authors. 澎湃号 page") == {
        "title",
        "source",
        "authors",
    }
    assert ambiguous_fields(True, "Sina 2005 info line; a parser could return 尹娟 as source.") == frozenset()
    assert ambiguous_fields(False, "Ambiguous: title.") == frozenset()


def test_a_failed_or_missing_field_scores_wrong() -> None:
    page = gold_page()
    right = Prediction(
        title=page.title,
        published="2020-02-18T19:58:03+08:00",
        source="新华社",
        authors=["张三"],
        editors=["李四"],
        body=BODY,
    )
    assert all(score_field(page, f, right) for f in ("title", "published", "source", "authors", "editors"))
    assert score_field(page, "lead", right)
    assert score_field(page, "tail", right)
    crashed = Prediction(title=page.title, body=BODY, error="ValueError: boom")
    assert not score_field(page, "title", crashed)
    peer = Prediction(title=page.title, body=BODY, supported=frozenset({"title", "lead", "tail"}))
    assert score_field(page, "title", peer)
    assert not score_field(gold_page(source=None, editors=()), "source", peer)
    assert not score_field(gold_page(source=None, editors=()), "editors", peer)


def test_field_table_skips_ambiguous_fields_and_marks_missing_ones_na() -> None:
    pages = [gold_page(key="s/1.html"), gold_page(key="s/2.html", skip=frozenset({"source"}))]
    good = Prediction(title=pages[0].title, source="新华社", body=BODY)
    preds = {"newsspider": {"s/1.html": good, "s/2.html": good}, "peer": {"s/1.html": good, "s/2.html": good}}
    supported = {"newsspider": frozenset({"title", "source"}), "peer": frozenset({"title"})}
    table = accuracy.score_fields(pages, preds, supported, ["title", "source"])
    assert table["title"]["pages"] == 2
    assert table["source"]["pages"] == 1
    assert table["source"]["correct"] == {"newsspider": 1, "peer": None}
    verdict = accuracy.verdicts(table, peers_run=True)
    assert verdict["source"]["pass"]  # 100% >= 90% and ahead of a peer without the field
    assert not verdict["title"]["ahead_of_peers"]  # a tie is not ahead


# ------------------------------------------------------------------ directives


def item(marker: str, ordinal: int | None, text: str, *children: PredItem) -> PredItem:
    return PredItem(marker=marker, ordinal=ordinal, text=text, children=list(children))


def gold(marker: str, ordinal: int | None, head: str, *children: GoldItem) -> GoldItem:
    return GoldItem(marker=marker, ordinal=ordinal, head=head, children=children)


def test_item_matches_on_ordinal_and_the_first_eight_characters_after_the_marker() -> None:
    want = gold("一要", 1, "丝毫不松抓防控。要始终把救治")
    assert item_matches(want, item("一要", 1, "一要丝毫不松抓防控。要始终把救治重症患者放在首位"))
    assert item_matches(
        want, item("一要", 1, "丝毫不松抓防控。要始终把救治重症患者放在首位")
    )  # text without marker
    assert item_matches(want, item("一要", 1, "一要 丝毫不松 抓防控。要始终"))  # whitespace does not count
    assert not item_matches(want, item("二要", 2, "二要丝毫不松抓防控。"))
    assert not item_matches(want, item("一要", 1, "一要时不我待抓发展"))
    assert not item_matches(want, item("一要", 1, "一要丝毫不松"))  # fewer than 8 characters of the head


def test_item_matching_tolerates_the_separator_after_a_marker() -> None:
    assert item_matches(gold("一是", 1, "加强组织领导"), item("一是", 1, "一是，加强组织领导，压实责任"))
    assert item_matches(gold("第一，", 1, "坚持人民至上"), item("第一", 1, "第一，坚持人民至上"))


def test_bullets_match_on_their_marker() -> None:
    want = gold("●", None, "要始终把救治重症患者放在")
    assert item_matches(want, item("●", None, "● 要始终把救治重症患者放在首位"))
    assert not item_matches(want, item("■", None, "■ 要始终把救治重症患者放在首位"))
    assert not item_matches(want, item("1.", 1, "1. 要始终把救治重症患者放在首位"))


def test_directive_scoring_counts_items_at_the_same_depth_once() -> None:
    gold_blocks = [
        GoldBlock(
            speaker="楼阳生",
            items=(
                gold("一要", 1, "丝毫不松抓防控", gold("●", None, "要始终把救治重症患者放在首位")),
                gold("二要", 2, "时不我待抓发展"),
            ),
        )
    ]
    ours = [
        PredBlock(
            speaker="楼阳生",
            items=[
                item("一要", 1, "一要丝毫不松抓防控。", item("●", None, "●要始终把救治重症患者放在首位")),
                item("一要", 1, "一要丝毫不松抓防控。"),  # a duplicate does not match twice
                item("●", None, "●要始终把救治重症患者放在首位"),  # right text, wrong depth
            ],
        )
    ]
    page = score_directives(gold_blocks, ours)
    assert (page.gold_items, page.pred_items, page.matched) == (3, 4, 2)
    assert page.speakers == [("楼阳生", "楼阳生", True)]
    assert len(page.missed) == 1
    assert len(page.spurious) == 2
    totals = DirectiveTotals()
    totals.add(page)
    assert totals.precision == pytest.approx(2 / 4)
    assert totals.recall == pytest.approx(2 / 3)
    assert totals.f1 == pytest.approx(2 * 0.5 * (2 / 3) / (0.5 + 2 / 3))


def test_speaker_is_judged_on_the_block_holding_most_matches() -> None:
    gold_blocks = [
        GoldBlock(speaker="会议", items=(gold("一是", 1, "坚持稳中求进"), gold("二是", 2, "深化改革开放")))
    ]
    ours = [
        PredBlock(
            speaker="他", items=[item("一是", 1, "一是坚持稳中求进"), item("二是", 2, "二是深化改革开放")]
        )
    ]
    assert score_directives(gold_blocks, ours).speakers == [("会议", "他", False)]
    assert score_directives(gold_blocks, []).speakers == []


def test_blocks_on_a_negative_page_are_false_blocks() -> None:
    totals = DirectiveTotals()
    totals.add(score_directives([], [PredBlock(speaker=None, items=[item("一月", 1, "一月份")])]))
    totals.add(score_directives([], []))
    assert (totals.negatives, totals.false_blocks, totals.pred_items, totals.matched) == (2, 1, 1, 0)
    assert totals.precision == 0.0


# ------------------------------------------------------------------ decoding and skipping


def test_peers_get_sensibly_decoded_text() -> None:
    text = "<html><head><meta charset=gb2312></head><body>朱镕基在会上讲话</body></html>"
    assert "朱镕基" in decode_html(text.encode("utf-8"))  # UTF-8 bytes that declare gb2312
    assert "朱镕基" in decode_html(text.encode("gb18030"))  # 镕 is outside gb2312: gb2312 widens
    undeclared = "<html><body>国务院联防联控机制召开新闻发布会</body></html>".encode("gbk")
    assert "联防联控" in decode_html(undeclared)


def test_benchmarks_skip_cleanly_without_the_eval_pages(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert find_eval_dir(tmp_path) is None
    assert accuracy.main(["--eval-dir", str(tmp_path), "--only", "newsspider"]) == 0
    assert speed.main(["--eval-dir", str(tmp_path)]) == 0
    assert capsys.readouterr().out.count("skipped") == 2
