"""Long run, small: 2,000 generated articles crawled with memory and file handles sampled (the 20,000-article
run is ``python benchmarks/longrun.py``). Every article once, RSS flat while the records pour in, no file
handle leaked. ~25 s on two cores, hence ``slow``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from benchmarks.longrun import curve_text, run_longrun

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

ARTICLES = 2_000


def test_a_long_crawl_keeps_memory_and_file_handles_flat_and_writes_every_article_once(
    tmp_path: Path,
) -> None:
    run = run_longrun(ARTICLES, sample=0.5, out=tmp_path / "out")
    assert run.returncode == 0, run.stderr_tail
    assert run.missing == 0
    assert run.written == run.unique == ARTICLES
    assert len(run.steady()) >= 5, curve_text(run)
    assert run.peak_rss_mb < 300, curve_text(run)
    # Flat: a leak of even 10 KB per article would add 20 MB over the run.
    assert run.rss_growth_mb < 15, curve_text(run)
    assert run.fd_growth <= 2, curve_text(run)
