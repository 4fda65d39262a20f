"""The run report as a plain-text table (printed after a crawl and by ``newsspider report``)."""

from __future__ import annotations

import unicodedata
from typing import Any

__all__ = ["format_summary"]


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, right: bool = False) -> str:
    gap = " " * max(0, width - _width(text))
    return gap + text if right else text + gap


_TABLE = (
    ("pages", "listing_pages"), ("new", "new"), ("upd", "updated"), ("same", "unchanged"),
    ("skip", "skipped"), ("fail", "failed"), ("dup", "duplicates"), ("quar", "quarantined"), ("rm", "removed"),
)  # fmt: skip
_HEADERS = ("site", "column", *(header for header, _ in _TABLE))


def format_summary(report: dict[str, Any]) -> str:
    """A plain-text table of the report: one row per site and column, then the totals and failures."""
    rows: list[list[str]] = []
    for site, data in report.get("sites", {}).items():
        for name, col in data.get("columns", {}).items():
            rows.append([site, name, *(str(col.get(k, 0)) for _, k in _TABLE)])
    rows.append(["total", "", *(str(report.get("totals", {}).get(k, 0)) for _, k in _TABLE)])
    widths = [max(_width(r[i]) for r in [list(_HEADERS), *rows]) for i in range(len(_HEADERS))]

    def line(cells: list[str]) -> str:
        return "  ".join(_pad(c, widths[i], right=i >= 2) for i, c in enumerate(cells)).rstrip()

    out = [
        f"run {report.get('run_id')}  {report.get('started_at')} → {report.get('finished_at')}",
        line(list(_HEADERS)),
    ]
    out += [line(r) for r in rows]
    for site, data in report.get("sites", {}).items():
        fill = ", ".join(f"{k} {v:.0%}" for k, v in data.get("fill", {}).items() if v is not None)
        if fill:
            out.append(f"{site} fill: {fill}")
        if data.get("challenge_hosts"):
            out.append(f"{site} challenge hosts: {', '.join(data['challenge_hosts'])}")
        for failure in data.get("failures", [])[:10]:
            listing = failure.get("kind") == "listing"
            what = f"{failure.get('column')} listing failed" if listing else "failed"
            out.append(f"{site} {what}: {failure.get('url')} ({failure.get('reason')})")
        if not any((data.get("totals") or {}).values()) and not data.get("challenge_hosts"):
            out.append(f"{site}: nothing fetched (see the log)")
        for code, n in data.get("quarantine", {}).items():
            out.append(f"{site} quarantined {code}: {n}")
    restarts = report.get("stats", {}).get("newsspider/parse_worker_restarts")
    if restarts:
        out.append(
            f"parse workers died {restarts} time(s); each was replaced and its pages retried (see the log)"
        )
    return "\n".join(out) + "\n"
