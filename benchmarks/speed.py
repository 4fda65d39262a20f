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


def _one_round(extractor: Extractor, pages: list[tuple[Any, str]]) -> int:
    """Run every page once; how many raised (a page that raises still costs its time)."""
    errors = 0
    for item, url in pages:
        try:
            extractor.call(item, url)
        except Exception:  # noqa: BLE001 - any failure of an extractor is counted, not fatal
            errors += 1
    return errors


def time_rounds(extractor: Extractor, pages: list[tuple[Any, str]], rounds: int) -> tuple[list[float], int]:
    """Seconds per round after one untimed warm-up round (imports, caches, lazily built models), and the
    number of pages that raised per round."""
    errors = _one_round(extractor, pages)
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        _one_round(extractor, pages)
        times.append(time.perf_counter() - start)
    return times, errors


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
    rows: dict[str, dict[str, Any]] = {}
    for extractor in extractors:
        pages = [(extractor.prepare(body), url) for body, url in bodies]
        times, errors = time_rounds(extractor, pages, args.rounds)
        median = statistics.median(times)
        rows[extractor.name] = {
            "pages_per_second": len(pages) / median,
            "median_round_seconds": median,
            "rounds": times,
            "errors": errors,
        }
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    command = "python -m benchmarks.speed " + " ".join(argv if argv is not None else sys.argv[1:])
    out = [
        f"# speed on {len(bodies)} pages ({megabytes:.1f} MB), median of {args.rounds} rounds, {stamp}",
        f"command: {command.strip()}",
        *(f"note: {n}" for n in notes),
        "",
        "| extractor | pages/s | median round (s) | raised | newsspider is |",
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
