"""The crawl process's collector settings: applied while the engine runs, restored when it stops."""

from __future__ import annotations

import gc

import pytest
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler

from newsspider.extensions.gctune import GcTuning


def test_thresholds_and_freeze_hold_while_the_engine_runs_and_are_undone_after() -> None:
    before = gc.get_threshold()
    extension = GcTuning.from_crawler(
        get_crawler(settings_dict={"NEWSSPIDER_GC_THRESHOLDS": [40_000, 30, 60]})
    )
    try:
        extension.engine_started()
        assert gc.get_threshold() == (40_000, 30, 60)
        assert gc.get_freeze_count() > 0
    finally:
        extension.engine_stopped()
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_the_project_default_is_on() -> None:
    from newsspider import settings

    assert len(settings.NEWSSPIDER_GC_THRESHOLDS) == 3
    assert "newsspider.extensions.gctune.GcTuning" in settings.EXTENSIONS


def test_an_empty_setting_leaves_the_interpreter_alone() -> None:
    with pytest.raises(NotConfigured):
        GcTuning.from_crawler(get_crawler(settings_dict={"NEWSSPIDER_GC_THRESHOLDS": ""}))


def test_a_malformed_setting_is_ignored_with_a_warning_naming_it(caplog: pytest.LogCaptureFixture) -> None:
    for value in ("50000,x,1", "50000,50", "0,10,10"):
        with pytest.raises(NotConfigured):
            GcTuning.from_crawler(get_crawler(settings_dict={"NEWSSPIDER_GC_THRESHOLDS": value}))
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 3
    assert all("NEWSSPIDER_GC_THRESHOLDS must be three integers >= 1" in w for w in warnings)
