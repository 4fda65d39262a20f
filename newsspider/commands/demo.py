"""``newsspider demo``: crawl the bundled replica sites on 127.0.0.1 with the real spider and pipelines.

Works offline and on built-in defaults: the replica (:mod:`newsspider.replica`) serves six provincial sites
in the styles of the TRS, Hanweb, UCAP, Founder and People platforms plus the reference article's site, and
one host behind an anti-bot wall. The records land in ``--out`` (``data/demo``) exactly as a real crawl
writes them; politeness delays are off because the only server is our own, on loopback.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from newsspider.commands.crawl import CrawlOutcome, new_run_id, run_crawl, summary_text
from newsspider.exitcodes import EXIT_FAILURES, EXIT_LOCKED, EXIT_OK
from newsspider.replica import Replica
from newsspider.runlock import LockedError, output_lock

if TYPE_CHECKING:
    import argparse

__all__ = ["HELP", "add_arguments", "demo_settings", "run"]

DEMO_PORT = 48217
HELP = "crawl the bundled replica sites on 127.0.0.1 (offline) and write records under data/demo"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, default=Path("data/demo"), metavar="DIR", help="output folder")


def demo_settings(replica: Replica, sites_dir: Path, data_dir: Path, run_id: str) -> dict[str, Any]:
    """Project settings for a crawl of the replica: its profiles and addresses, no politeness delays."""
    return {
        "NEWSSPIDER_SITES_DIR": str(sites_dir),
        "NEWSSPIDER_DATA_DIR": str(data_dir),
        "NEWSSPIDER_RUN_ID": run_id,
        "NEWSSPIDER_ALLOW_PRIVATE_HOSTS": replica.private_hosts,
        "LOG_INSTALL_ROOT_HANDLER": False,
        "LOG_LEVEL": "WARNING",
        "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": False,
        "NEWSSPIDER_PROGRESS_LIVE": False,
    }


def _reference_line(outcome: CrawlOutcome) -> str | None:
    """One line on the reference article's record, the page the project was built around."""
    for path in sorted((outcome.data_dir / "replica-zqsx").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            if record.get("url", "").endswith("/10653.html"):
                blocks = record.get("directives") or []
                items = sum(len(b.get("items", [])) for b in blocks)
                return (
                    f"reference article: {record.get('title')} | {record.get('published_at')} | "
                    f"{len(blocks)} directive block(s), {items} item(s)"
                )
    return None


def run(args: argparse.Namespace) -> int:
    data_dir: Path = args.out
    run_id = new_run_id()
    # A fixed port when free: article URLs (and so their identity) stay the same from one demo to the next.
    with tempfile.TemporaryDirectory(prefix="newsspider-demo-") as tmp, Replica(port=DEMO_PORT) as replica:
        sites_dir = Path(tmp)
        keys = replica.write_profiles(sites_dir)
        print(f"replica sites on 127.0.0.1-7 port {replica.port}: {', '.join(keys)}", file=sys.stderr)
        try:
            with output_lock(data_dir, run_id):
                outcome = run_crawl(
                    keys, start_url=None, since=None, max_pages=0, data_dir=data_dir, run_id=run_id,
                    settings_overrides=demo_settings(replica, sites_dir, data_dir, run_id), quiet=True,
                )  # fmt: skip
        except LockedError as exc:
            print(f"newsspider demo: {exc}", file=sys.stderr)
            return EXIT_LOCKED
    sys.stdout.write(summary_text(outcome))
    reference = _reference_line(outcome)
    if reference:
        print(reference)
    totals = (outcome.report or {}).get("totals", {})
    stored = totals.get("new", 0) + totals.get("updated", 0) + totals.get("unchanged", 0)
    print(
        f"records under {data_dir}/<site>/*.jsonl; run report {data_dir}/runs/{run_id}.json. "
        "The 404, the robots.txt-disallowed page, the off-site link and the challenge host above are the "
        "replica's deliberate traps. Run it again: the crawl is incremental, so it fetches listings only."
    )
    crawled = stored or totals.get("skipped", 0) or outcome.stats.get("item_scraped_count", 0)
    return EXIT_OK if crawled else EXIT_FAILURES
