"""Output paths made from site keys, column names and URLs never escape the output folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsspider.safepath import safe_component, safe_join


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("shanxi-gov", "shanxi-gov"),
        ("山西要闻", "山西要闻"),
        ("../../etc/passwd", "_.._etc_passwd"),
        ("/etc/passwd", "_etc_passwd"),
        ("..", "_"),
        (".", "_"),
        ("", "_"),
        ("a\x00b", "a_b"),
        ("C:\\Windows", "C__Windows"),
        ("CON", "_CON"),
        ("nul.txt", "_nul.txt"),
        ("lpt1", "_lpt1"),
        ("trailing. ", "trailing"),
    ],
)
def test_safe_component(name: str, expected: str) -> None:
    assert safe_component(name) == expected


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_component_is_one_harmless_name(name: str) -> None:
    part = safe_component(name)
    assert part
    assert part not in {".", ".."}
    assert "/" not in part
    assert "\\" not in part
    assert "\x00" not in part
    assert len(part.encode("utf-8")) <= 120
    assert safe_component(part) == part


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(), min_size=1, max_size=4))
def test_join_stays_under_root(tmp_path_factory: pytest.TempPathFactory, parts: list[str]) -> None:
    root = tmp_path_factory.getbasetemp() / "out"
    path = safe_join(root, *parts)
    assert root.resolve() in path.resolve().parents


def test_join_with_a_real_tree(tmp_path: Path) -> None:
    path = safe_join(tmp_path, "../evil", "2020-02-18.jsonl")
    assert path.parent.parent == tmp_path.resolve()
    assert path.name == "2020-02-18.jsonl"
