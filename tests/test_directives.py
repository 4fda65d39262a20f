"""extract_directives on paragraph lists: the shapes of meeting reports and speeches (sites.md §4)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsspider.items import DirectiveBlock, DirectiveItem
from newsspider.parsers.directives import extract_directives

SEED = Path(__file__).resolve().parent.parent.parent / "shared" / "seed" / "000_0653bfe420c153d5.txt"


def _one_block(paragraphs: list[str]) -> DirectiveBlock:
    blocks, _ = extract_directives(paragraphs)
    assert len(blocks) == 1, blocks
    return blocks[0]


def _shape(items: list[DirectiveItem]) -> list[tuple[str, int | None, list[object]]]:
    return [(item.marker, item.ordinal, _shape(item.children)) for item in items]


REFERENCE_LIKE = [
    "2月17日，省委书记楼阳生主持召开省委专题会议。",
    "楼阳生强调：",
    "要坚决贯彻习近平总书记重要指示精神。",
    "楼阳生对下一步工作提出三点要求。",
    "他强调>",
    "一要丝毫不松抓防控。胜利不会从天而降。",
    "● 要始终把救治重症和危重症患者放在最重位置，坚决守住“双零”目标。",
    "● 要精准落实“双返”“双防”工作措施。",
    "二要时不我待抓发展。当务之急是抓好开工复工。",
    "● 要抓好开复工企业的防护用品供应保障。",
    "● 要组织力量深入开展入企服务。",
    "三要不讲条件助湖北。湖北是全国抗击疫情的重中之重。",
    "● 要加强统筹协调。",
    "● 各级各有关部门要做好后勤保障工作。",
    "会议以视频方式开到市一级。",
]


def test_pronoun_speaker_count_and_bullets_nest_under_ordinals() -> None:
    block = _one_block(REFERENCE_LIKE)
    assert (block.speaker, block.verb, block.declared_count) == ("楼阳生", "强调", 3)
    assert [i.heading for i in block.items] == ["丝毫不松抓防控", "时不我待抓发展", "不讲条件助湖北"]
    assert [len(i.children) for i in block.items] == [2, 2, 2]
    assert block.items[0].text == "一要丝毫不松抓防控。胜利不会从天而降。"
    # A bullet's text is its sentence, without the bullet symbol.
    assert block.items[0].children[0].text == "要始终把救治重症和危重症患者放在最重位置，坚决守住“双零”目标。"
    assert block.items[0].children[0].ordinal is None


def test_trailing_paragraph_is_not_part_of_the_last_point() -> None:
    block = _one_block(REFERENCE_LIKE)
    assert "视频" not in block.items[-1].children[-1].text


@pytest.mark.skipif(not SEED.is_file(), reason="reference article not present")
def test_reference_article() -> None:
    paragraphs = [line.strip() for line in SEED.read_text(encoding="utf-8").splitlines() if line.strip()]
    blocks, warnings = extract_directives(paragraphs)
    assert len(blocks) == 1
    block = blocks[0]
    assert (block.speaker, block.verb, block.declared_count) == ("楼阳生", "强调", 3)
    assert [i.marker for i in block.items] == ["一要", "二要", "三要"]
    assert [len(i.children) for i in block.items] == [5, 9, 3]
    bullets = [line.lstrip("● ") for line in paragraphs if line.startswith("●")]
    assert [c.text for i in block.items for c in i.children] == bullets
    assert warnings == []


def test_inline_yishi_in_one_paragraph_with_meeting_speaker() -> None:
    paragraphs = [
        "会议听取了全省经济运行情况汇报。",
        "会议指出，今年以来全省经济总体平稳。会议强调，一是要稳住工业基本盘，抓好重点企业。二是要扩大有效投资。三是要兜牢民生底线。",
    ]
    block = _one_block(paragraphs)
    assert (block.speaker, block.verb) == ("会议", "强调")
    assert [(i.marker, i.ordinal) for i in block.items] == [("一是", 1), ("二是", 2), ("三是", 3)]
    assert block.items[0].text == "一是要稳住工业基本盘，抓好重点企业。"
    assert block.items[2].text == "三是要兜牢民生底线。"


def test_titles_are_stripped_from_the_speaker() -> None:
    block = _one_block(["省委副书记、省长林武要求：", "一是抓紧复工。", "二是保障供应。"])
    assert block.speaker == "林武"
    assert block.verb == "要求"


def test_three_level_speech_outline() -> None:
    paragraphs = [
        "一、只争朝夕，推动高质量发展",
        "（一）紧跟国家战略。",
        "1．抓好规划衔接。",
        "2．抓好项目储备。",
        "（二）强化创新驱动。",
        "二、坚守底线，保障改善民生",
        "（一）稳就业。",
        "（二）保基本。",
    ]
    block = _one_block(paragraphs)
    assert _shape(block.items) == [
        ("一、", 1, [("（一）", 1, [("1．", 1, []), ("2．", 2, [])]), ("（二）", 2, [])]),
        ("二、", 2, [("（一）", 1, []), ("（二）", 2, [])]),
    ]
    assert block.items[0].heading == "只争朝夕，推动高质量发展"
    assert block.items[0].children[0].heading == "紧跟国家战略"


def test_bullets_without_ordinal_parent() -> None:
    block = _one_block(["会议要求：", "■ 压实属地责任。", "■ 加强监测预警。", "■ 做好物资储备。"])
    assert [(i.marker, i.ordinal) for i in block.items] == [("■", None)] * 3
    assert block.items[1].text == "加强监测预警。"


def test_declared_count_disagreeing_with_items_warns() -> None:
    paragraphs = [
        (
            "林武提出了七个方面的具体要求：一是要在构建产业体系上加力提效。二是要在推动乡村振兴上加力提效。"
            "三是要在扩大有效投资上加力提效。四是要在深化改革上加力提效。五是要在扩大开放上加力提效。"
            "六是要在保障民生上加力提效。"
        )
    ]
    blocks, warnings = extract_directives(paragraphs)
    assert blocks[0].declared_count == 7
    assert len(blocks[0].items) == 6
    assert warnings == ["directive_count_mismatch: declared 7, found 6"]


def test_first_second_and_first_then_last() -> None:
    block = _one_block(["他指出，第一，要提高站位；第二，要压实责任；第三，要狠抓落实。"])
    assert [i.ordinal for i in block.items] == [1, 2, 3]
    seq = _one_block(["会议强调：", "首先，要统一思想。", "其次，要完善机制。", "最后，要强化考核。"])
    assert [(i.marker, i.ordinal) for i in seq.items] == [("首先，", 1), ("其次，", 2), ("最后，", 3)]


@pytest.mark.parametrize(
    "paragraphs",
    [
        pytest.param(
            ["一月份全省完成投资增长5%，二月份继续回升。", "1.5亿元资金已经拨付到位。"], id="dates-numbers"
        ),
        pytest.param(["会议强调，一是要加强领导。此外还研究了其他事项。"], id="lone-yishi"),
        pytest.param(["他第一次来到山西，第二次来到太原。"], id="first-time"),
        pytest.param(["1", "2", "3", "下一页"], id="pagination"),
        pytest.param(["—— 一位老党员的心声", "正文第一段。", "—— 摄影 王某"], id="isolated-dashes"),
        pytest.param(["2019.10.24", "10.25 全省会议召开"], id="dotted-dates"),
    ],
)
def test_not_enumerations(paragraphs: list[str]) -> None:
    blocks, warnings = extract_directives(paragraphs)
    assert blocks == []
    assert warnings == []


def test_two_separate_lists_are_two_blocks() -> None:
    paragraphs = [
        "会议指出，一是要稳增长，二是要保民生。",
        "会议听取了有关情况汇报，研究了相关事项。",
        "省长要求：",
        "1、抓好安全生产。",
        "2、抓好防汛。",
    ]
    blocks, _ = extract_directives(paragraphs)
    assert [[i.marker for i in b.items] for b in blocks] == [["一是", "二是"], ["1、", "2、"]]


def test_declared_seven_found_six_fixture_warns() -> None:
    from lxml import html

    case = Path(__file__).resolve().parent / "fixtures" / "zj-gov" / "d-declared-seven-found-six"
    tree = html.document_fromstring((case / "body.html").read_bytes().decode("utf-8"))
    paragraphs = [p.text_content().strip() for p in tree.get_element_by_id("zoom").iter("p")]
    blocks, warnings = extract_directives(paragraphs)
    assert [(b.speaker, b.verb, b.declared_count, len(b.items)) for b in blocks] == [("王浩", "提出", 7, 6)]
    assert warnings == ["directive_count_mismatch: declared 7, found 6"]


_PIECES = [
    "一是",
    "二是",
    "三要",
    "一、",
    "二、",
    "（一）",
    "（二）",
    "1．",
    "2、",
    "● ",
    "——",
    "第一，",
    "第二，",
    "首先，",
    "其次，",
    "最后，",
    "会议强调，",
    "他指出：",
    "要加强领导。",
    "抓落实",
    "2020年1月",
    "。",
    "，",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.sampled_from(_PIECES), max_size=8).map("".join), max_size=10))
def test_any_paragraphs_give_well_formed_blocks(paragraphs: list[str]) -> None:
    blocks, warnings = extract_directives(paragraphs)

    def check(items: list[DirectiveItem]) -> None:
        assert len(items) >= 1
        for item in items:
            assert item.text
            if item.ordinal is not None:
                assert item.ordinal >= 1
                assert item.text.startswith(item.marker)
            if item.children:
                check(item.children)

    for block in blocks:
        assert len(block.items) >= 2
        check(block.items)
    assert all(w.startswith("directive_count_mismatch") for w in warnings)


def test_interview_turn_and_question_lead_give_speakers() -> None:
    turn = _one_block(
        ["记者：下一步有什么打算？", "李金泽：我们有两个想法。", "一是扩大销售网络。", "二是加大研发投入。"]
    )
    assert (turn.speaker, turn.verb) == ("李金泽", None)
    question = _one_block(["什么样的商务楼适合投资？有专家认为，第一是区位，第二是品质。"])
    assert (question.speaker, question.verb) == ("专家", "认为")
