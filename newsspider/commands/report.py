"""``newsspider report [RUN_ID|--last] [--data DIR] [--html OUT]``: read a run report.

The report is ``DATA/runs/<run-id>.json``, written by the run-report extension at the end of every crawl.
As text it is the extension's own summary table. ``--html`` writes one self-contained page (no scripts,
no files fetched from anywhere) with the run's counts, an inline SVG chart of articles per day per site
(from the records' ``published_at`` in DATA) and the field fill rates, for people who read a picture
faster than a table.
"""

from __future__ import annotations

import html
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from newsspider.dataset import load_duckdb
from newsspider.exitcodes import EXIT_CONFIG, EXIT_OK
from newsspider.extensions.report import COUNTS, format_summary, load_report

if TYPE_CHECKING:
    import argparse

HELP = "print a run report (DATA/runs/<run-id>.json) as a table, or --html a one-page report"

FILL_EXPRESSIONS = {
    "title": "title <> ''",
    "published_at": "published_at IS NOT NULL",
    "source": "source IS NOT NULL",
    "authors": "len(authors) > 0",
    "editors": "len(editors) > 0",
    "summary": "summary IS NOT NULL",
    "text": "text <> ''",
    "images": "len(images) > 0",
    "attachments": "len(attachments) > 0",
    "directives": "len(directives) > 0",
    "doc": "doc IS NOT NULL",
}
"""What "filled" means per field in the chart window's fill table (a DuckDB boolean expression)."""

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run_id", nargs="?", metavar="RUN_ID", help="a run id (a unique prefix will do)")
    parser.add_argument("--last", action="store_true", help="the most recent run (the default)")
    parser.add_argument("--data", type=Path, default=Path("data"), metavar="DIR", help="data folder (data)")
    parser.add_argument("--html", type=Path, metavar="OUT", help="also write a one-page HTML report")
    parser.add_argument(
        "--days", type=int, default=30, metavar="N", help="days the chart covers, up to the run (30)"
    )


def find_report(runs: Path, run_id: str | None) -> Path:
    """The report of ``run_id`` (exact, or a unique prefix), or the newest one when it is None."""
    reports = [p for p in runs.glob("*.json") if not p.name.startswith(".")] if runs.is_dir() else []
    if not reports:
        raise LookupError(f"no run reports in {runs}")
    if run_id is None:
        return max(reports, key=lambda p: (p.stat().st_mtime, p.name))
    exact = runs / f"{run_id}.json"
    if exact.is_file():
        return exact
    matches = sorted(p for p in reports if p.stem.startswith(run_id))
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise LookupError(f"no run {run_id!r} in {runs}")
    raise LookupError(f"run id {run_id!r} is ambiguous: " + ", ".join(p.stem for p in matches[:5]))


def run(args: argparse.Namespace) -> int:
    if args.run_id and args.last:
        print("newsspider report: give a RUN_ID or --last, not both", file=sys.stderr)
        return EXIT_CONFIG
    try:
        path = find_report(args.data / "runs", args.run_id)
        report = load_report(path)
    except (LookupError, ValueError, OSError) as exc:
        print(f"newsspider report: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    sys.stdout.write(format_summary(report))
    if args.html:
        args.html.parent.mkdir(parents=True, exist_ok=True)
        args.html.write_text(render_html(report, args.data, days=args.days), encoding="utf-8")
        print(f"wrote {args.html}", file=sys.stderr)
    return EXIT_OK


# -- data behind the page --------------------------------------------------------------------------


def window(report: dict[str, Any], days: int) -> tuple[date, date]:
    end_text = str(report.get("finished_at") or report.get("started_at") or "")[:10]
    try:
        end = date.fromisoformat(end_text)
    except ValueError:
        end = date.today()
    return end - timedelta(days=max(days, 1) - 1), end


def daily_counts(data: Path, sites: list[str] | None, start: date, end: date) -> dict[str, dict[str, int]]:
    """Articles (latest versions) per site and Beijing publication date in [start, end]."""
    # An article is fetched on or after it is published, so older files cannot hold one of these; the
    # day of slack covers a Beijing morning that is still the previous UTC day.
    rel = load_duckdb(data, sites=sites, fetched_since=(start - timedelta(days=1)).isoformat())
    in_window = rel.filter(f"published_at[:10] BETWEEN '{start}' AND '{end}'")
    rows = in_window.aggregate("site, published_at[:10], count(*)", "site, published_at[:10]").fetchall()
    counts: dict[str, dict[str, int]] = {}
    for site, day, n in rows:
        counts.setdefault(str(site), {})[str(day)] = int(n)
    return counts


def fill_rates(data: Path, sites: list[str] | None, start: date, end: date) -> dict[str, dict[str, float]]:
    """Share of records published in the window that have each field, per site (plus ``n``)."""
    rel = load_duckdb(data, sites=sites, fetched_since=(start - timedelta(days=1)).isoformat())
    shares = ", ".join(f"avg(CASE WHEN {e} THEN 1.0 ELSE 0.0 END)" for e in FILL_EXPRESSIONS.values())
    in_window = rel.filter(f"published_at[:10] BETWEEN '{start}' AND '{end}'")
    rows = in_window.aggregate(f"site, count(*), {shares}", "site").fetchall()
    return {
        str(row[0]): {"n": float(row[1]), **dict(zip(FILL_EXPRESSIONS, map(float, row[2:]), strict=True))}
        for row in rows
    }


# -- the page --------------------------------------------------------------------------------------


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _nice_step(rough: float) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50… at least ``rough``: axis ticks people read at a glance."""
    step = 1
    while step < rough:
        for factor in (2, 5 / 2, 2):
            step = int(step * factor)
            if step >= rough:
                break
    return step


def svg_chart(counts: dict[str, dict[str, int]], start: date, end: date) -> str:
    """A line per site over the days of the window, with axes, a legend and hover titles per point."""
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    sites = sorted(counts)
    if not sites:
        return "<p class=empty>No records published in this window.</p>"
    top = max(max(c.values()) for c in counts.values())
    step = _nice_step(top / 5)
    ticks = max(1, -(-top // step))
    ymax = step * ticks
    left, right, top_pad, bottom = 48, 170, 12, 40
    plot_w, plot_h = max(360, 22 * len(days)), 240
    width, height = left + plot_w + right, top_pad + plot_h + bottom

    def x(i: int) -> float:
        return left + (plot_w * i / (len(days) - 1) if len(days) > 1 else plot_w / 2)

    def y(n: int) -> float:
        return top_pad + plot_h - plot_h * n / ymax

    parts = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
            f'aria-label="articles per day per site">'
        )
    ]
    for k in range(ticks + 1):
        gy = y(k * step)
        parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{gy:.1f}" y2="{gy:.1f}" class="grid"/>')
        parts.append(f'<text x="{left - 6}" y="{gy + 4:.1f}" text-anchor="end">{k * step}</text>')
    label_every = max(1, len(days) // 8)
    for i, day in enumerate(days):
        last = len(days) - 1
        if i == last or (i % label_every == 0 and last - i >= label_every):
            parts.append(
                f'<text x="{x(i):.1f}" y="{top_pad + plot_h + 16}" text-anchor="middle">{day:%m-%d}</text>'
            )
    for n, site in enumerate(sites):
        color = PALETTE[n % len(PALETTE)]
        values = [counts[site].get(d.isoformat(), 0) for d in days]
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
        parts.append(f'<polyline points="{points}" fill="none" stroke="{color}" stroke-width="2"/>')
        for i, v in enumerate(values):
            tip = f"{site} {days[i]}: {v}"
            parts.append(
                f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="3" fill="{color}"><title>{_e(tip)}</title></circle>'
            )
        ly = top_pad + 14 + 18 * n
        lx = left + plot_w + 14
        parts.append(f'<rect x="{lx}" y="{ly - 9}" width="12" height="12" fill="{color}"/>')
        parts.append(f'<text x="{lx + 18}" y="{ly + 1}">{_e(site)} ({sum(values)})</text>')
    parts.append("</svg>")
    return "".join(parts)


def _table(headers: list[str], rows: list[list[str]], numeric_from: int = 1) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join(
        "<tr>"
        + "".join(
            f"<td class=num>{c}</td>" if i >= numeric_from else f"<td>{c}</td>" for i, c in enumerate(r)
        )
        + "</tr>"
        for r in rows
    )
    return f"<div class=scroll><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"


def _share(value: float | None) -> str:
    if value is None:
        return "–"
    pct = round(value * 100)
    return f'<span class=bar style="--w:{pct}%">{pct}%</span>'


def render_html(report: dict[str, Any], data: Path, *, days: int = 30) -> str:
    start, end = window(report, days)
    sites = sorted(report.get("sites", {})) or None
    has_data = data.is_dir()
    counts = daily_counts(data, sites, start, end) if has_data else {}
    window_fill = fill_rates(data, sites, start, end) if has_data else {}
    site_rows = [
        [_e(site), *(str(info.get("totals", {}).get(k, 0)) for k in COUNTS)]
        for site, info in sorted(report.get("sites", {}).items())
    ]
    site_rows.append(["<b>total</b>", *(f"<b>{report.get('totals', {}).get(k, 0)}</b>" for k in COUNTS)])
    run_fill_fields = sorted({f for info in report.get("sites", {}).values() for f in info.get("fill", {})})
    run_fill = [
        [_e(site), *(_share(info.get("fill", {}).get(f)) for f in run_fill_fields)]
        for site, info in sorted(report.get("sites", {}).items())
    ]
    window_rows = [
        [_e(site), str(int(v["n"])), *(_share(v[f]) for f in FILL_EXPRESSIONS)]
        for site, v in window_fill.items()
    ]
    problems: list[str] = []
    for site, info in sorted(report.get("sites", {}).items()):
        problems += [f"{_e(site)}: challenge at {_e(h)}" for h in info.get("challenge_hosts", [])]
        problems += [
            f'{_e(site)}: <a href="{_e(f.get("url"))}">{_e(f.get("url"))}</a> — {_e(f.get("reason"))}'
            for f in info.get("failures", [])[:20]
        ]
        problems += [
            f"{_e(site)}: quarantined {_e(code)} × {n}" for code, n in info.get("quarantine", {}).items()
        ]
    meta = " · ".join(
        _e(f"{k}: {report.get(k)}")
        for k in (
            "started_at",
            "finished_at",
            "finish_reason",
            "newsspider_version",
            "git_commit",
            "schema_version",
        )
        if report.get(k) is not None
    )
    return PAGE.format(
        run_id=_e(report.get("run_id", "?")),
        meta=meta,
        counts=_table(["site", *COUNTS], site_rows),
        start=start,
        end=end,
        chart=svg_chart(counts, start, end),
        run_fill=_table(["site", *run_fill_fields], run_fill)
        if run_fill_fields
        else "<p>No records this run.</p>",
        window_fill=_table(["site", "records", *FILL_EXPRESSIONS], window_rows) if window_rows else "",
        problems="<ul>" + "".join(f"<li>{p}</li>" for p in problems) + "</ul>"
        if problems
        else "<p>None.</p>",
    )


PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>newsspider run {run_id}</title>
<style>
body {{ font: 14px/1.45 system-ui, "PingFang SC", "Noto Sans CJK SC", "Microsoft YaHei", sans-serif;
  margin: 2em auto; max-width: 1100px; padding: 0 1em; color: #222; }}
h1 {{ font-size: 1.4em; margin-bottom: 0.2em; }} h2 {{ font-size: 1.1em; margin-top: 1.8em; }}
.meta {{ color: #666; font-size: 0.9em; }}
table {{ border-collapse: collapse; margin: 0.5em 0; }} .scroll {{ overflow-x: auto; }}
th, td {{ padding: 3px 8px; border-bottom: 1px solid #e3e3e3; text-align: left; white-space: nowrap; }}
th {{ background: #f4f4f4; font-weight: 600; }} td.num {{ text-align: right; font-variant-numeric: tabular-nums; }}
.bar {{ display: inline-block; min-width: 4.5em; text-align: right;
  background: linear-gradient(90deg, #cfe3f5 var(--w), transparent var(--w)); padding: 0 4px; }}
svg {{ max-width: 100%; height: auto; font-size: 11px; fill: #444; }} svg .grid {{ stroke: #e6e6e6; }}
li {{ margin: 0.2em 0; }} a {{ color: #1f5fa8; }}
</style></head><body>
<h1>newsspider run {run_id}</h1>
<p class=meta>{meta}</p>
<h2>What this run did</h2>
{counts}
<h2>Articles per day per site, {start} to {end} (by 发布日期, latest versions in the data folder)</h2>
{chart}
<h2>Field fill rates, records of this run</h2>
{run_fill}
<h2>Field fill rates, records published {start} to {end}</h2>
{window_fill}
<h2>Problems</h2>
{problems}
</body></html>
"""
