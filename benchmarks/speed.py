"""Pages per second of ``parse_article`` on the eval pages vs trafilatura and GNE, with lxml parsing as the floor.

Run from the repository root: ``.venv/bin/python -m benchmarks.speed [--rounds N] [--only NAME]``. One
process, the same pages for everyone, a warm-up round, then the median of N timed rounds
(``time.perf_counter``). newsspider is timed from bytes (decoding included); the peers and the lxml floor are
handed text decoded beforehand, outside the timing, which only flatters them. Bar (issue 2): >= 3x
trafilatura. Skips cleanly when ``../shared/eval`` is absent; exits 0 whenever it ran.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make ``benchmarks`` and ``newsspider`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lxml import html as lxml_html

from benchmarks.evalset import (
    PLACEHOLDER_URL,
    RESULTS_DIR,
    decode_html,
    find_eval_dir,
    load_gold,
    load_page_list,
    read_page,
)
from benchmarks.peers import Extractor, load_extractors

SPEED_BAR = 3.0
# lxml refuses str input that still carries an XML encoding declaration.
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")


def lxml_floor() -> Extractor:
    """lxml.html.fromstring on decoded text: no extractor can be faster than building the tree."""
    return Extractor(
        "lxml-parse",
        lambda body: _XML_DECL.sub("", decode_html(body)),
        lambda text, url: lxml_html.fromstring(text or "<html></html>"),
        lambda tree: None,  # type: ignore[arg-type,return-value]
    )


def _one_round(
    extractor: Extractor, pages: list[tuple[Any, str]], per_page: list[float] | None = None
) -> int:
    """Run every page once; how many raised (a page that raises still costs its time).

    ``per_page`` receives each page's seconds, added to what it holds.
    """
    errors = 0
    for index, (item, url) in enumerate(pages):
        start = time.perf_counter()
        try:
            extractor.call(item, url)
        except Exception:  # noqa: BLE001 - any failure of an extractor is counted, not fatal
            errors += 1
        if per_page is not None:
            per_page[index] += time.perf_counter() - start
    return errors


def time_interleaved(
    extractors: list[Extractor], inputs: dict[str, list[tuple[Any, str]]], rounds: int
) -> dict[str, tuple[list[float], int, list[float]]]:
    """Per extractor: seconds of each timed round, the pages that raised, and each page's total seconds.

    One untimed warm-up round each (imports, caches, lazily built models), then the rounds interleave the
    extractors, so that load from other processes on a shared machine hits all of them alike.
    """
    errors = {e.name: _one_round(e, inputs[e.name]) for e in extractors}
    times: dict[str, list[float]] = {e.name: [] for e in extractors}
    per_page = {e.name: [0.0] * len(inputs[e.name]) for e in extractors}
    for _ in range(rounds):
        for extractor in extractors:
            start = time.perf_counter()
            _one_round(extractor, inputs[extractor.name], per_page[extractor.name])
            times[extractor.name].append(time.perf_counter() - start)
    return {name: (times[name], errors[name], per_page[name]) for name in times}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds after the warm-up (default 5)")
    parser.add_argument("--only", action="append", choices=("newsspider", "trafilatura", "gne", "lxml-parse"))
    parser.add_argument("--json", type=Path, metavar="OUT", help="also write machine-readable results here")
    parser.add_argument("--eval-dir", type=Path, help="labelled pages (default: ../shared/eval)")
    args = parser.parse_args(argv)
    eval_dir = find_eval_dir(args.eval_dir)
    if eval_dir is None:
        print(f"skipped: no labelled pages at {args.eval_dir or '../shared/eval'} (gold.jsonl missing)")
        return 0
    wanted = args.only or ["newsspider", "trafilatura", "gne", "lxml-parse"]
    extractors, notes = load_extractors([n for n in wanted if n != "lxml-parse"])
    if "lxml-parse" in wanted:
        extractors.append(lxml_floor())
    urls = {page.key: page.url for page in load_gold(eval_dir)}
    keys = load_page_list(eval_dir)
    bodies = [(read_page(eval_dir, k), urls.get(k, PLACEHOLDER_URL.format(key=k))) for k in keys]
    megabytes = sum(len(b) for b, _ in bodies) / 1e6
    inputs = {e.name: [(e.prepare(body), url) for body, url in bodies] for e in extractors}
    rows: dict[str, dict[str, Any]] = {}
    for name, (times, errors, per_page) in time_interleaved(extractors, inputs, args.rounds).items():
        median = statistics.median(times)
        rows[name] = {
            "page_ms": {k: 1000 * t / max(args.rounds, 1) for k, t in zip(keys, per_page, strict=True)},
            "pages_per_second": len(bodies) / median,
            "median_round_seconds": median,
            "rounds": times,
            "errors": errors,
        }
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    command = "python -m benchmarks.speed " + " ".join(argv if argv is not None else sys.argv[1:])
    out = [
        f"# speed on {len(bodies)} pages ({megabytes:.1f} MB), median of {args.rounds} interleaved rounds, {stamp}",
        f"command: {command.strip()}",
        *(f"note: {n}" for n in notes),
        "",
        "| extractor | pages/s | median round (s) | raised | newsspider speed / this |",
        "|---|---|---|---|---|",
    ]
    ours = rows.get("newsspider", {}).get("pages_per_second")
    for name, row in rows.items():
        ratio = f"{ours / row['pages_per_second']:.2f}x" if ours and name != "newsspider" else "-"
        out.append(
            f"| {name} | {row['pages_per_second']:.1f} | {row['median_round_seconds']:.3f} "
            f"| {row['errors']} | {ratio} |"
        )
    if ours and "trafilatura" in rows:
        ratio = ours / rows["trafilatura"]["pages_per_second"]
        verdict = "PASS" if ratio >= SPEED_BAR else "FAIL"
        out.append(f"\nbar: newsspider >= {SPEED_BAR:g}x trafilatura: {ratio:.2f}x {verdict}")
    if ours:
        slowest = sorted(rows["newsspider"]["page_ms"].items(), key=lambda kv: -kv[1])[:8]
        out += ["", "slowest pages for newsspider (ms per page, mean of rounds):"]
        out += [f"  {ms:8.1f}  {key}" for key, ms in slowest]
    report = "\n".join(out)
    print(report)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / "speed.md").write_text(report + "\n", encoding="utf-8")
    payload = json.dumps(
        {"date": stamp, "command": command.strip(), "notes": notes, "results": rows}, indent=1
    )
    (RESULTS_DIR / "speed.json").write_text(payload, encoding="utf-8")
    if args.json:
        args.json.write_text(payload, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
