"""Run logging: ``DATA/logs/<run-id>.log`` for the record, stderr for the person (or cron mail) watching.

Scrapy's own root handler writes to one place only (stderr or ``LOG_FILE``); a cron run needs both, at
different levels: the file keeps INFO for later reading, and ``--quiet`` keeps stderr to warnings and
errors so cron mails only when something needs a look. The crawl command therefore sets
``LOG_INSTALL_ROOT_HANDLER = False`` and calls :func:`configure_run_logging` instead.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from itemadapter import ItemAdapter, is_item
from scrapy.logformatter import LogFormatter

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.http import Response
    from scrapy.logformatter import LogFormatterResult
    from twisted.python.failure import Failure

__all__ = [
    "FILE_HANDLER_NAME",
    "LOG_DATEFORMAT",
    "LOG_FORMAT",
    "STDERR_HANDLER_NAME",
    "RecordLogFormatter",
    "configure_run_logging",
    "match_scrapy_level",
    "remove_run_logging",
]

# Scrapy's default LOG_FORMAT, with the UTC offset in the time: cron machines and readers differ in zone.
LOG_FORMAT = "%(asctime)s [%(name)s] %(levelname)s: %(message)s"
LOG_DATEFORMAT = "%Y-%m-%d %H:%M:%S%z"
FILE_HANDLER_NAME = "newsspider-run-file"
STDERR_HANDLER_NAME = "newsspider-run-stderr"

_SAFE_RUN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:+-]*")


class _RunLogFile(logging.FileHandler):
    """The run's log file; on a full or read-only disk it says so once on stderr and goes quiet.

    logging's default prints a traceback for every record it fails to write; on a full disk that buries
    the one message that matters (the crawl stopping, the exit code) under hundreds of them.
    """

    def handleError(self, record: logging.LogRecord) -> None:
        error = sys.exc_info()[1]
        if not isinstance(error, OSError):
            super().handleError(record)
            return
        if self.level <= logging.CRITICAL:
            sys.stderr.write(
                f"newsspider: cannot write the run log {self.baseFilename} ({error}); stderr only\n"
            )
        self.setLevel(logging.CRITICAL + 1)


def remove_run_logging() -> None:
    """Take the handlers of :func:`configure_run_logging` off the root logger and close them."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler.get_name() in {FILE_HANDLER_NAME, STDERR_HANDLER_NAME}:
            root.removeHandler(handler)
            # On a full disk the last flush fails; the run's outcome is already decided and reported on
            # stderr, so a log file that misses its tail must not turn the exit into a traceback.
            with contextlib.suppress(OSError):
                handler.close()


# Scrapy's start-up banner (versions, enabled components, overridden settings) and its closing stats dump: some
# 100 lines before the first page. They stay in the run's log file; the terminal shows the crawl itself. By
# message, not by logger: scrapy.crawler also says "Received SIGINT, shutting down gracefully", which the
# person at the terminal must see.
_FILE_ONLY = {
    "scrapy.utils.log": ("Scrapy %(version)s started", "Versions:"),
    "scrapy.addons": ("Enabled addons",),
    "scrapy.middleware": ("Enabled ",),
    "scrapy.crawler": ("Overridden settings",),
    "scrapy.statscollectors": ("Dumping Scrapy stats",),
}


def _file_only(record: logging.LogRecord) -> bool:
    banner = _FILE_ONLY.get(record.name)
    return not (banner and record.levelno < logging.WARNING and str(record.msg).startswith(banner))


def configure_run_logging(
    data_dir: Path | str, run_id: str, *, quiet: bool, level: int = logging.INFO
) -> Path:
    """Log to ``DATA/logs/<run_id>.log`` (at ``level``) and to stderr (``level``, or WARNING when quiet;
    Scrapy's start-up banner and stats dump go to the file only unless ``level`` is DEBUG).

    Returns the log file's path. Calling it again (a second run in one process, tests) replaces the
    handlers of the first call rather than doubling every line.
    """
    if not _SAFE_RUN_ID.fullmatch(run_id):
        raise ValueError(f"run id {run_id!r} is not usable as a file name")
    path = Path(data_dir) / "logs" / f"{run_id}.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_run_logging()
    formatter = logging.Formatter(LOG_FORMAT, LOG_DATEFORMAT)

    to_file = _RunLogFile(path, mode="a", encoding="utf-8")
    to_file.set_name(FILE_HANDLER_NAME)
    to_file.setLevel(level)
    to_file.setFormatter(formatter)

    to_stderr = logging.StreamHandler(sys.stderr)
    to_stderr.set_name(STDERR_HANDLER_NAME)
    to_stderr.setLevel(max(level, logging.WARNING) if quiet else level)
    to_stderr.setFormatter(formatter)
    if level >= logging.INFO:
        to_stderr.addFilter(_file_only)

    root = logging.getLogger()
    root.addHandler(to_file)
    root.addHandler(to_stderr)
    if root.level == logging.NOTSET or root.level > level:
        root.setLevel(level)
    logging.captureWarnings(True)
    return path


def match_scrapy_level(level: int) -> None:
    """Hold Scrapy's loggers at the run's level. Call after Scrapy configured logging (``CrawlerProcess``).

    Scrapy sets its logger to DEBUG and leaves filtering to the handlers, so every "Crawled" and "Scraped
    from" line became a LogRecord only for our handlers to drop it: about 2% of a fast crawl's CPU.
    """
    logging.getLogger("scrapy").setLevel(level)


def _item_label(item: Any) -> str:
    url = ItemAdapter(item).get("url") if is_item(item) else None
    return f"{type(item).__name__} {url}" if url else type(item).__name__


def _labelled(result: LogFormatterResult, item: Any) -> LogFormatterResult:
    if isinstance(result["args"], dict) and "item" in result["args"]:
        result["args"] = {**result["args"], "item": _item_label(item)}
        # Scrapy puts the item on a line of its own, which the log file then shows without a timestamp.
        result["msg"] = result["msg"].replace(os.linesep + "%(item)s", " (%(item)s)")
    return result


class RecordLogFormatter(LogFormatter):
    """Scrapy's messages for a dropped or failed item name the item by its URL instead of its whole repr.

    A record's repr carries its full text: every record dropped on a full disk or quarantined by validation
    put kilobytes of article into the log and the cron mail. The record itself is in the quarantine file.
    """

    def dropped(
        self, item: Any, exception: BaseException, response: Response | Failure | None, spider: Spider
    ) -> LogFormatterResult:
        return _labelled(super().dropped(item, exception, response, spider), item)

    def item_error(
        self, item: Any, exception: BaseException, response: Response | Failure | None, spider: Spider
    ) -> LogFormatterResult:
        return _labelled(super().item_error(item, exception, response, spider), item)
