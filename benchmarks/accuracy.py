"""Per-field accuracy of newsspider and its peers on the labelled pages of ``../shared/eval``.

Run from the repository root: ``.venv/bin/python -m benchmarks.accuracy [--only newsspider] [--field F]
[--show-failures] [--json OUT]``. Scoring follows the eval README (see benchmarks/evalset.py). It is a
measurement, not a gate: it exits 0 whenever it ran, and skips with a message when the pages are absent.
Results, tables and per-page failures go to benchmarks/results/ (git-ignored).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make ``benchmarks`` and ``newsspider`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.directive_scoring import DirectiveTotals, PageDirectives, load_directives, score_directives
from benchmarks.evalset import (
    FIELDS,
    PLACEHOLDER_URL,
    RESULTS_DIR,
    GoldPage,
    Prediction,
    find_eval_dir,
    load_gold,
    load_page_list,
    read_page,
    score_field,
    shown,
)
from benchmarks.peers import ALL_NAMES, load_extractors, pred_blocks, run

# The bars (issue 2: fields; issue 3: directives). Editors have none beyond leading the peers.
BARS = {"title": 0.97, "published": 0.95, "source": 0.90, "authors": 0.90, "lead": 0.90, "tail": 0.90}
DIRECTIVE_F1_BAR = 0.9


def pct(num: int, den: int) -> str:
    return f"{100 * num / den:.1f}% ({num}/{den})" if den else "-"


def score_fields(
    gold: list[GoldPage],
    preds: dict[str, dict[str, Prediction]],
    supported: dict[str, frozenset[str]],
    fields: list[str],
) -> dict[str, Any]:
    """Per field: pages scored and, per extractor, pages right (None where it lacks the field)."""
    table: dict[str, Any] = {}
    for name in fields:
        scored = [page for page in gold if name not in page.skip]
        row: dict[str, Any] = {
            "pages": len(scored),
            "skipped_ambiguous": len(gold) - len(scored),
            "correct": {},
        }
        for extractor, by_page in preds.items():
            row["correct"][extractor] = (
                sum(score_field(page, name, by_page[page.key]) for page in scored)
                if name in supported[extractor]
                else None
            )
        table[name] = row
    return table


def verdicts(table: dict[str, Any], peers_run: bool) -> dict[str, dict[str, Any]]:
    out = {}
    for name, row in table.items():
        n = row["pages"]
        ours = (row["correct"].get("newsspider") or 0) / n if n else 0.0
        peer_rates = [(c or 0) / n for e, c in row["correct"].items() if e != "newsspider" and n]
        bar = BARS.get(name)
        ahead = ours > max(peer_rates) if peers_run and peer_rates else None
        bar_ok = ours >= bar if bar is not None else None
        passed = bar_ok is not False and ahead is not False
        out[name] = {"rate": ours, "bar": bar, "bar_ok": bar_ok, "ahead_of_peers": ahead, "pass": passed}
    return out


def render_table(table: dict[str, Any], verdict: dict[str, Any], names: list[str], peers_run: bool) -> str:
    head = ["field", "pages", *names, "bar", "result"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, row in table.items():
        cells = [name, str(row["pages"])]
        for extractor in names:
            correct = row["correct"][extractor]
            cells.append("n/a" if correct is None else pct(correct, row["pages"]))
        v = verdict[name]
        bar = [f">= {v['bar']:.0%}"] if v["bar"] is not None else []
        if peers_run:
            bar.append("> best peer")
        cells.append(", ".join(bar) or "-")
        cells.append("PASS" if v["pass"] else "FAIL")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def field_failures(
    gold: list[GoldPage], preds: dict[str, Prediction], fields: list[str]
) -> list[dict[str, Any]]:
    out = []
    for page in gold:
        pred = preds[page.key]
        for name in fields:
            if name not in page.skip and not score_field(page, name, pred):
                want, got = shown(page, name, pred)
                out.append({"page": page.key, "url": page.url, "field": name, "expected": want, "got": got})
    return out


def render_field_failures(failures: list[dict[str, Any]]) -> str:
    lines, last = [], None
    for f in failures:
        if f["page"] != last:
            lines.append(f"\n== {f['page']}  ({f['url']})")
            last = f["page"]
        lines.append(f"  {f['field']:<9} expected {f['expected']!r}")
        lines.append(f"  {'':<9} got      {f['got']!r}")
    return "\n".join(lines).lstrip("\n")


def run_directives(
    eval_dir: Path, ours: Any, records: dict[str, Any], urls: dict[str, str], errors: dict[str, str]
) -> tuple[DirectiveTotals, dict[str, PageDirectives], dict[str, str]]:
    """Score every page of pages.txt, parsing those the field pass did not (``records``, ``errors``)."""
    gold = load_directives(eval_dir)
    totals, pages, errors = DirectiveTotals(), {}, dict(errors)
    for key in load_page_list(eval_dir):
        if key not in records:
            url = urls.get(key, PLACEHOLDER_URL.format(key=key))
            pred, records[key] = run(ours, read_page(eval_dir, key), url)
            if pred.error:
                errors[key] = pred.error
        record = records[key]
        page = score_directives(gold.get(key, []), pred_blocks(record) if record is not None else [])
        if record is None and page.negative:
            page.pred_blocks = 1  # a crash is wrong on every field, so it fails a negative page as well
        totals.add(page)
        pages[key] = page
    return totals, pages, errors


def render_directives(t: DirectiveTotals) -> str:
    f1_ok, neg_ok = t.f1 >= DIRECTIVE_F1_BAR, t.false_blocks == 0
    rows = [
        ("item precision", pct(t.matched, t.pred_items), "", ""),
        ("item recall", pct(t.matched, t.gold_items), "", ""),
        ("item F1", f"{t.f1:.3f}", f">= {DIRECTIVE_F1_BAR}", "PASS" if f1_ok else "FAIL"),
        ("speaker accuracy (matched blocks)", pct(t.speaker_correct, t.speaker_blocks), "", ""),
        (
            f"false blocks on {t.negatives} negative pages",
            str(t.false_blocks),
            "0",
            "PASS" if neg_ok else "FAIL",
        ),
    ]
    lines = ["| directives (newsspider) | value | bar | result |", "|---|---|---|---|"]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    return "\n".join(lines)


def render_directive_failures(pages: dict[str, PageDirectives], errors: dict[str, str]) -> str:
    lines = []
    for key, page in pages.items():
        wrong_speakers = [s for s in page.speakers if not s[2]]
        if not (page.missed or page.spurious or wrong_speakers or key in errors):
            continue
        lines.append(
            f"\n== {key}  ({'negative' if page.negative else f'{page.matched}/{page.gold_items} found'})"
        )
        if key in errors:
            lines.append(f"  parser error: {errors[key]}")
        lines += [f"  missed   {m}" for m in page.missed]
        lines += [f"  spurious {s}" for s in page.spurious]
        lines += [f"  speaker  expected {w!r} got {g!r}" for w, g, _ in wrong_speakers]
    return "\n".join(lines).lstrip("\n")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--only", action="append", choices=ALL_NAMES, help="run only these extractors")
    parser.add_argument("--field", choices=[*FIELDS, "directives"], help="score one field (or directives)")
    parser.add_argument("--show-failures", action="store_true", help="print expected vs got per failing page")
    parser.add_argument("--json", type=Path, metavar="OUT", help="also write machine-readable results here")
    parser.add_argument("--eval-dir", type=Path, help="labelled pages (default: ../shared/eval)")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per page per extractor")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    eval_dir = find_eval_dir(args.eval_dir)
    if eval_dir is None:
        print(f"skipped: no labelled pages at {args.eval_dir or '../shared/eval'} (gold.jsonl missing)")
        return 0
    names = list(dict.fromkeys(["newsspider", *(args.only or ALL_NAMES)]))
    extractors, notes = load_extractors(names)
    names = [e.name for e in extractors]
    peers_run = len(names) > 1
    gold = load_gold(eval_dir)
    fields = [] if args.field == "directives" else ([args.field] if args.field else list(FIELDS))
    preds: dict[str, dict[str, Prediction]] = {n: {} for n in names}
    records: dict[str, Any] = {}
    seconds: dict[str, float] = dict.fromkeys(names, 0.0)
    for extractor in extractors if fields else []:
        for page in gold:
            start = time.perf_counter()
            pred, raw = run(extractor, read_page(eval_dir, page.key), page.url, args.timeout)
            seconds[extractor.name] += time.perf_counter() - start
            preds[extractor.name][page.key] = pred
            if extractor.name == "newsspider":
                records[page.key] = raw
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    command = "python -m benchmarks.accuracy " + " ".join(argv if argv is not None else sys.argv[1:])
    out: list[str] = [f"# accuracy on {len(gold)} labelled pages, {stamp}", f"command: {command.strip()}"]
    out += [f"note: {n}" for n in notes]
    results: dict[str, Any] = {"date": stamp, "command": command.strip(), "notes": notes, "extractors": names}
    errors = {k: p.error for k, p in preds["newsspider"].items() if p.error}
    if fields:
        table = score_fields(gold, preds, {e.name: e.supported for e in extractors}, fields)
        verdict = verdicts(table, peers_run)
        out += ["", render_table(table, verdict, names, peers_run)]
        if errors:
            out.append(f"\nnewsspider raised on {len(errors)} pages (scored wrong on every field)")
        out.append("seconds spent: " + ", ".join(f"{n} {s:.1f}" for n, s in seconds.items()))
        failures = {n: field_failures(gold, preds[n], fields) for n in names}
        results |= {"fields": table, "verdicts": verdict, "failures": failures, "parser_errors": errors}
        results["pages"] = {
            page.key: {
                n: {f: score_field(page, f, preds[n][page.key]) for f in fields if f not in page.skip}
                for n in names
            }
            for page in gold
        }
    if args.field in (None, "directives"):
        urls = {page.key: page.url for page in gold}
        totals, dir_pages, dir_errors = run_directives(eval_dir, extractors[0], records, urls, errors)
        out += ["", render_directives(totals)]
        results["directives"] = {
            "totals": asdict(totals)
            | {"precision": totals.precision, "recall": totals.recall, "f1": totals.f1},
            "pages": {k: asdict(v) for k, v in dir_pages.items()},
            "parser_errors": dir_errors,
        }
    report = "\n".join(out)
    files = {"accuracy.md": report}
    if fields:
        text = render_field_failures(results["failures"]["newsspider"])
        if errors:
            text = "\n".join(["# parser errors", *(f"{k}: {e}" for k, e in errors.items()), "", text])
        files["failures.txt"] = text
    if "directives" in results:
        files["directive-failures.txt"] = render_directive_failures(dir_pages, dir_errors)
    payload = json.dumps(results, ensure_ascii=False, indent=1, default=str)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (RESULTS_DIR / name).write_text(text + "\n", encoding="utf-8")
    (RESULTS_DIR / "accuracy.json").write_text(payload, encoding="utf-8")
    if args.json:
        args.json.write_text(payload, encoding="utf-8")
    print(report)
    if args.show_failures:
        print("\n# newsspider failures (expected vs got)\n" + files.get("failures.txt", "-"))
        print("\n# directive failures\n" + files.get("directive-failures.txt", "-"))
    print(f"\nwritten to {RESULTS_DIR}: accuracy.json, " + ", ".join(files))
    return 0


if __name__ == "__main__":
    sys.exit(main())
