"""Project settings a crawl that runs unattended for months relies on."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from scrapy.exceptions import NotConfigured
from scrapy.extensions.remote_control import RemoteControl
from scrapy.extensions.telnet import TelnetConsole
from scrapy.settings import Settings


def _project_crawler() -> Any:
    # Both extensions decide from the settings alone, before they touch anything else of the crawler.
    settings = Settings()
    settings.setmodule("newsspider.settings", priority="project")
    return SimpleNamespace(settings=settings)


def test_a_crawl_opens_no_port_that_runs_code() -> None:
    crawler = _project_crawler()
    with pytest.raises(NotConfigured):
        RemoteControl(crawler)
    with pytest.raises(NotConfigured):
        TelnetConsole.from_crawler(crawler)
