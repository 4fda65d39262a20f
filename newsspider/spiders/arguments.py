"""A bad spider argument or profile stops ``scrapy crawl provincial`` with one plain line, not a traceback."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import UsageError

if TYPE_CHECKING:
    import logging

__all__ = ["SpiderArgumentError", "argument_error"]


class SpiderArgumentError(UsageError):
    """A bad spider argument or profile (``scrapy crawl provincial -a site=nope``): the crawl never starts."""


def argument_error(exc: ValueError, logger: logging.Logger | logging.LoggerAdapter[Any]) -> UsageError:
    """Log ``exc`` as one plain line and return the error that stops the crawl before it starts.

    ``scrapy crawl`` creates the spider in an asyncio task nobody awaits (it only notes that the crawl
    failed, and exits 1), so asyncio would print what it raised as "Task exception was never retrieved"
    with a traceback that buries the message. A handler on the running loop keeps this one error quiet
    and hands every other one to the handler there was."""
    logger.error("cannot start the crawl: %s", exc)
    error = SpiderArgumentError(str(exc))
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:  # created outside a running crawl (tests, check-site): the caller sees the error
        return error
    previous = loop.get_exception_handler()

    def quiet(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        if isinstance(context.get("exception"), SpiderArgumentError):
            return
        if previous is not None:
            previous(loop, context)
        else:
            loop.default_exception_handler(context)

    loop.set_exception_handler(quiet)
    return error
