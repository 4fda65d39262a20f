"""Coverage-guided fuzzing of ``parse_article`` and the date/byline normalizers with atheris (libFuzzer).

Run by hand from the repository root, never in the test suite (it runs until stopped or ``-atheris_runs``)::

    .venv/bin/pip install atheris          # not a project dependency; a manylinux wheel, no compiler needed
    .venv/bin/python benchmarks/fuzz_atheris.py -atheris_runs=200000 -max_len=300000
    .venv/bin/python benchmarks/fuzz_atheris.py --target dates -atheris_runs=1000000

Without a corpus directory argument the seeds are the saved fixture and bad pages (tests/fixtures, tests/bad),
copied into benchmarks/results/fuzz-corpus/<target>/ where libFuzzer keeps what it finds. A crash, or an input
that takes longer than the tests' time budget (1 s + 2 s/MB + 100 µs per tag), stops the run and leaves a
``crash-<sha1>`` file; replay it with ``python benchmarks/fuzz_atheris.py crash-<sha1>``. Everything after
``--target NAME`` goes to libFuzzer unchanged.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from itemadapter import ItemAdapter

if __package__ in (None, ""):  # run as a script: make ``newsspider`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

try:
    import atheris
except ImportError:  # pragma: no cover - only for people running it by hand
    sys.exit("atheris is not installed: .venv/bin/pip install atheris")

with atheris.instrument_imports(include=["newsspider"]):
    from newsspider.items import NewsArticle
    from newsspider.parsers import parse_article
    from newsspider.parsers.bylines import clean_source, find_body_bylines, parse_byline, split_names
    from newsspider.parsers.dates import date_from_url, find_date, parse_date

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "benchmarks" / "results" / "fuzz-corpus"
URLS = [
    "http://www.shanxi.gov.cn/yw/sxyw/202002/t20200218_123456.shtml",
    "https://www.jiangsu.gov.cn/art/2020/2/18/art_60085_8975342.html",
    "http://zqsxnews.com/tingzhengce/2020-07-20/11540.html",
    "http://www.example.gov.cn/content/2020-02/18/content_1.htm",
    "",
    "http://[::1",
]
CHARSETS = ["", "gb2312", "gbk", "utf-8", "big5", "utf-16", "x-nonsense"]
NOW = datetime(2020, 2, 18, 20, 0, tzinfo=timezone(timedelta(hours=8)))


class SlowInput(Exception):
    """Raised so libFuzzer saves an input that breaks the time budget (super-linear behaviour)."""


def _budget(body: bytes) -> float:
    return 1.0 + 2.0 * len(body) / 1e6 + 100e-6 * body.count(b"<")


def fuzz_article(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    url = URLS[fdp.ConsumeIntInRange(0, len(URLS) - 1)]
    charset = CHARSETS[fdp.ConsumeIntInRange(0, len(CHARSETS) - 1)]
    headers = {"Content-Type": f"text/html; charset={charset}"} if charset else {}
    body = fdp.ConsumeBytes(fdp.remaining_bytes())
    start = time.perf_counter()
    record = parse_article(body, url, headers=headers)
    elapsed = time.perf_counter() - start
    if not isinstance(record, NewsArticle):
        raise TypeError(f"parse_article returned {type(record)!r}")
    if elapsed > _budget(body):
        raise SlowInput(f"{elapsed:.2f}s for {len(body):,} bytes")
    if record.text != "\n".join(record.paragraphs):
        raise AssertionError("text is not the joined paragraphs")
    json.dumps(ItemAdapter(record).asdict(), ensure_ascii=False).encode("utf-8")


def fuzz_dates(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    now = NOW if fdp.ConsumeBool() else None
    text = fdp.ConsumeUnicodeNoSurrogates(fdp.remaining_bytes())
    start = time.perf_counter()
    for parsed in (parse_date(text, now=now), find_date(text, now=now), date_from_url(text)):
        if parsed is not None and (parsed.raw not in text and parsed.raw != text.strip()):
            raise AssertionError(f"raw {parsed.raw!r} is not a substring of the input")
    if time.perf_counter() - start > 1.0 + 2.0 * len(text) / 1e6:
        raise SlowInput(f"dates: {len(text):,} characters")


def fuzz_bylines(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    text = fdp.ConsumeUnicodeNoSurrogates(fdp.remaining_bytes())
    parse_byline(text, site_name="山西省人民政府")
    find_body_bylines(text.split("\n"))
    source = clean_source(text)
    if source is not None and clean_source(source) != source:
        raise AssertionError(f"clean_source not idempotent on {text!r}")
    names = split_names(text)
    if split_names("、".join(names)) != names:
        raise AssertionError(f"split_names not idempotent on {text!r}")


TARGETS: dict[str, Any] = {"article": fuzz_article, "dates": fuzz_dates, "bylines": fuzz_bylines}


def _seed(target: str) -> Path:
    corpus = CORPUS / target
    corpus.mkdir(parents=True, exist_ok=True)
    if target == "article":
        for page in [*REPO.glob("tests/fixtures/*/*/body.html"), *REPO.glob("tests/bad/*/body.html")]:
            # two leading bytes pick the URL and the charset header (FuzzedDataProvider reads them first)
            shutil.copyfile(page, corpus / f"{page.parent.parent.name}-{page.parent.name}.html")
    else:
        seeds = [
            "发布时间：2020-02-18 19:58:03 | 来源：山西日报 | 作者：张三 | 责任编辑：李四",
            "二〇二〇年二月十八日",
        ]
        for i, seed in enumerate(seeds):
            (corpus / f"seed-{i}.txt").write_bytes(b"\x01" + seed.encode("utf-8"))
    return corpus


def main() -> None:
    argv = sys.argv[:]
    target = "article"
    if "--target" in argv:
        i = argv.index("--target")
        target = argv[i + 1]
        del argv[i : i + 2]
    if target not in TARGETS:
        sys.exit(f"--target must be one of {sorted(TARGETS)}")
    if not any(not a.startswith("-") for a in argv[1:]):
        argv.append(str(_seed(target)))
    atheris.Setup(argv, TARGETS[target])
    atheris.Fuzz()


if __name__ == "__main__":
    main()
