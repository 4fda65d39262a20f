"""Body edges: which bold lines above the text are kickers to cut, and which are the first section."""

from __future__ import annotations

from newsspider.parsers.edges import trim_edges


def test_bold_outline_heading_stays_in_body() -> None:
    lines = [
        "第一章 发展历程",
        "一、百年征程",
        "中国共产党一经诞生，就把为人民谋幸福作为初心。",
        "此后百年，道路越走越宽。",
    ]
    edges = trim_edges(lines, "发展之路全文", [0.0] * 4, [1.0, 1.0, 0.0, 0.0])
    assert edges.paragraphs[:2] == ["第一章 发展历程", "一、百年征程"]
    assert edges.lead_in == []


def test_bold_kicker_is_still_cut() -> None:
    lines = [
        "【短视频文化现象观察】",
        "开栏的话",
        "短视频已经成为人们生活的一部分。",
        "本报今起推出系列报道。",
    ]
    edges = trim_edges(lines, "短视频里的文化", [0.0] * 4, [1.0, 1.0, 0.0, 0.0])
    assert edges.lead_in == ["【短视频文化现象观察】", "开栏的话"]
    assert edges.paragraphs[0] == "短视频已经成为人们生活的一部分。"
