"""Per-record overhead of the item pipelines (normalize + validate + version + store), durable writes on.

Records are generated in the shape the parser hands over (Chinese paragraphs with full-width spaces,
directives, a GovDoc header), then pushed through the four pipelines exactly as Scrapy chains them, into
a temporary data folder with its SQLite state store. Timed per stage; the store is timed with fsync on
every record and with the default batch (every 32 records), both committing the seen-marks after fsync.

    python benchmarks/pipeline.py [--records 5000] [--fsync-every 1 32]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make ``pipelines`` and ``newsspider`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from newsspider.items import DirectiveBlock, DirectiveItem, GovDoc, NewsArticle
from pipelines.normalize import NormalizePipeline
from pipelines.store import JsonLinesStorePipeline
from pipelines.validate import ValidatePipeline
from pipelines.version import VersionPipeline

STAGES = ("normalize", "validate", "version", "store")


def record(n: int) -> NewsArticle:
    paragraphs = [
        f"\u3000\u3000第{n}号稿件：{k}月{k + 1}日，省政府召开常务会议，研究部署春耕生产、安全生产和疫情防控工作。"
        "会议强调，一要丝毫不松抓防控；二要统筹推进复工复产；三要切实保障和改善民生。" * 2
        for k in range(8)
    ]
    return NewsArticle(
        url=f"http://www.shanxi.gov.cn/yw/sxyw/202002/t20200218_{n}.shtml?spm=zm1.2",
        site="shanxi-gov",
        site_name="山西省人民政府",
        province="山西",
        column="山西要闻",
        breadcrumb=["首页", "山西要闻"],
        title=f"省政府召开常务会议\xa0研究部署春耕生产（第{n}号）",
        published_at="2020-02-18T19:58:03+08:00",
        published_raw="2020-02-18 19:58:03",
        published_from="info",
        source="山西日报",
        authors=["王华", "李明"],
        editors=["张三"],
        summary="会议强调\u3000统筹推进",
        paragraphs=paragraphs,
        text="\n".join(paragraphs),
        directives=[
            DirectiveBlock(
                speaker="会议",
                verb="强调",
                declared_count=3,
                items=[
                    DirectiveItem(marker=m, ordinal=i + 1, heading=None, text=f"{m}丝毫不松抓防控")
                    for i, m in enumerate(("一要", "二要", "三要"))
                ],
            )
        ],
        doc=GovDoc(index_no="11140000MB1957837C/2020-00123", doc_no="晋政发〔２０２０〕５号"),
        http_status=200,
        encoding="utf-8",
    )


def measure(records: int, fsync_every: int) -> dict[str, float]:
    """Microseconds per record for each stage and in total."""
    with tempfile.TemporaryDirectory(prefix="bench-pipeline-") as tmp:
        crawler = get_crawler(
            settings_dict={
                "NEWSSPIDER_DATA_DIR": tmp,
                "NEWSSPIDER_RUN_ID": "bench",
                "NEWSSPIDER_FSYNC_EVERY": fsync_every,
                "NEWSSPIDER_FSYNC_MS": 60_000,
            }
        )
        store = build_from_crawler(JsonLinesStorePipeline, crawler)
        pipes: list[Any] = [
            *(
                build_from_crawler(cls, crawler)
                for cls in (NormalizePipeline, ValidatePipeline, VersionPipeline)
            ),
            store,
        ]
        store.open_spider()
        items: list[Any] = [record(n) for n in range(records)]
        spent = dict.fromkeys(STAGES, 0.0)
        started = time.perf_counter()
        for item in items:
            for name, pipe in zip(STAGES, pipes, strict=True):
                t0 = time.perf_counter()
                item = pipe.process_item(item)
                spent[name] += time.perf_counter() - t0
        t0 = time.perf_counter()
        store.close_spider()  # the last fsync and commit belong to the store's cost
        spent["store"] += time.perf_counter() - t0
        total = time.perf_counter() - started
        size = sum(p.stat().st_size for p in Path(tmp).glob("*/*.jsonl"))
    out = {name: spent[name] / records * 1e6 for name in STAGES}
    out["total"] = total / records * 1e6
    out["bytes_per_record"] = size / records
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=int, default=5000)
    parser.add_argument("--fsync-every", type=int, nargs="+", default=[1, 32])
    args = parser.parse_args(argv)
    print(f"{args.records} records, durable writes (fsync, then seen-mark commit); µs per record")
    print(f"{'fsync every':>11}  " + "  ".join(f"{s:>9}" for s in (*STAGES, "total")) + "  bytes/rec")
    for every in args.fsync_every:
        row = measure(args.records, every)
        cells = "  ".join(f"{row[s]:9.1f}" for s in (*STAGES, "total"))
        print(f"{every:>11}  {cells}  {row['bytes_per_record']:9.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
