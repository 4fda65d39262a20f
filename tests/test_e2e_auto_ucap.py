"""End-to-end: ``newsspider crawl --url`` (auto mode, no profile) on the replica's UCAP column reads every page.

The column page names its channel in a script (``var channelId = "…"``), so pages 2 and 3 come from the
``/common/search/<channel>`` JSON API; the expected articles come from the replica's own data table.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlsplit

import pytest

from tests.records import read_records

if TYPE_CHECKING:
    from newsspider.replica import Replica

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parent.parent
SITE = "replica-ucap"
FAST = ["DOWNLOAD_DELAY=0", "AUTOTHROTTLE_ENABLED=False", "LOG_LEVEL=INFO", "NEWSSPIDER_PROGRESS=False"]


def test_auto_mode_on_a_ucap_column_pages_through_the_channel_api(replica: Replica, tmp_path: Path) -> None:
    listing = replica.catalog.listings[(SITE, "海南要闻")]
    assert len(listing) == 26  # three pages of 10 on the replica
    url = replica.base(SITE) + "/hainan/ywdt/list3.shtml"
    settings = [*FAST, f"NEWSSPIDER_ALLOW_PRIVATE_HOSTS={','.join(replica.private_hosts)}"]
    command = [sys.executable, "-m", "newsspider.cli", "crawl", "--url", url, "--out", str(tmp_path),
               *(arg for pair in settings for arg in ("-s", pair))]  # fmt: skip
    mark = replica.mark()
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=90, check=False)
    assert done.returncode == 0, done.stderr[-3000:]

    stored = [r["url"] for r in read_records(tmp_path)]
    assert sorted(stored) == sorted(replica.base(SITE) + row.href for row in listing)
    listings = [e.path for e in replica.log(mark) if e.kind == "listing"]
    assert listings[0] == "/hainan/ywdt/list3.shtml"
    # Each further page asked once, from the API, at the page size the template's own script uses.
    pages = [dict(parse_qsl(urlsplit(path).query)) for path in listings[1:]]
    assert [(p["page"], p["_pageSize"]) for p in pages] == [("2", "10"), ("3", "10")]
    assert all(urlsplit(path).path.startswith("/common/search/") for path in listings[1:])
