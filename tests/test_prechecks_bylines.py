"""The byline reader's cheap pre-checks must never change what its label pattern finds.

The byline reader skips its label pattern on a line without a separator, role word or 编辑, and uses a
faster form of it on a line without a role word. If the label pattern gains an alternative that the
pre-checks do not know, bylines would silently go missing; these properties catch that.
"""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from newsspider.parsers import bylines

_PIECES = [
    *bylines._KIND,  # every label word
    *bylines._ROLE_WORDS, "本报记者", "新华社记者", "山西日报编辑", "责任编辑",
    "文", "图", "摄影", ":", "：", "丨", "︱", "/", "／", "|", "｜", " ", "\u3000",
    "张三", "省政府", "2020-02-18", "发布", "，", "。", "a", "1",
]  # fmt: skip
lines = st.lists(st.sampled_from(_PIECES), max_size=10).map("".join)


def _matches(pattern: re.Pattern[str], text: str) -> list[tuple[tuple[int, int], str | None, str | None]]:
    return [(m.span(), m.lastgroup, m.group(m.lastgroup or 0)) for m in pattern.finditer(text)]


@given(lines)
@settings(max_examples=3000)
def test_a_line_the_pre_check_skips_has_no_label(text: str) -> None:
    if bylines._LABEL_NEEDS.search(text) is None:
        assert _matches(bylines._LABEL, text) == []


@given(lines)
@settings(max_examples=3000)
def test_the_fast_label_pattern_finds_what_the_full_one_does_on_a_line_without_roles(text: str) -> None:
    if not any(word in text for word in bylines._ROLE_WORDS):
        assert _matches(bylines._LABEL_NO_ROLE, text) == _matches(bylines._LABEL, text)


@given(lines)
@settings(max_examples=3000)
def test_the_label_search_from_its_word_and_separator_finds_every_match(text: str) -> None:
    # _labels_no_role tries the pattern only where a label word and a separator start: the same matches.
    found = [(m.span(), m.lastgroup, m.group(m.lastgroup or 0)) for m in bylines._labels_no_role(text)]
    assert found == _matches(bylines._LABEL_NO_ROLE, text)
