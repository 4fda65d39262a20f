"""Run logging: everything in the run's log file; on the terminal, the crawl rather than Scrapy's banner."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from newsspider.logsetup import configure_run_logging, remove_run_logging


@pytest.mark.parametrize("level", [logging.INFO, logging.DEBUG])
def test_scrapy_start_up_banner_goes_to_the_file_only_at_info(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], level: int
) -> None:
    root_level = logging.getLogger().level
    path = configure_run_logging(tmp_path, "run-1", quiet=False, level=level)
    try:
        logging.getLogger("scrapy.middleware").info("Enabled extensions: [...]")
        logging.getLogger("scrapy.statscollectors").info("Dumping Scrapy stats: {...}")
        logging.getLogger("scrapy.middleware").warning("Disabled an extension: broken setting")
        logging.getLogger("scrapy.crawler").info("Overridden settings:\n%(settings)s", {"settings": "{...}"})
        logging.getLogger("scrapy.crawler").info(
            "Received %(signame)s, shutting down gracefully. Send again to force ", {"signame": "SIGINT"}
        )
        logging.getLogger("newsspider.extensions.progress").info("progress replica-trs: listed 4 pages")
    finally:
        remove_run_logging()
        logging.getLogger().setLevel(root_level)
    terminal, file = capsys.readouterr().err, path.read_text(encoding="utf-8")
    shown = ("Disabled an extension", "progress replica-trs", "Received SIGINT, shutting down gracefully")
    for line in ("Enabled extensions", "Dumping Scrapy stats", "Overridden settings", *shown):
        assert line in file
    for line in shown:
        assert line in terminal
    banner_shown = level == logging.DEBUG  # asked for everything: gets everything
    assert ("Enabled extensions" in terminal) is banner_shown
    assert ("Dumping Scrapy stats" in terminal) is banner_shown
    assert ("Overridden settings" in terminal) is banner_shown
