"""Whether each column was crawled to its end: the incremental middleware may stop paginating a column at
a page with nothing new only then."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

    from pipelines.state import StateStore

__all__ = ["ColumnProgress"]

logger = logging.getLogger("newsspider.middlewares.incremental")  # one logger for the middleware's lines


class ColumnProgress:
    """Whether each column was crawled to its end, so stopping at a page with nothing new is safe.

    Stopping early is right only if every older page and article was fetched before. A run killed half-way
    through a column, or an article that timed out on page 3, breaks that. So a column is marked
    incomplete when its crawl starts, and complete only when the run finishes with every listing page and
    article request it sent answered (a response, or skipped on purpose: robots.txt, a challenge). A run
    that finds the column incomplete paginates to the end instead, which also retries what failed.
    """

    def __init__(self, state: Callable[[], StateStore]) -> None:
        self._state = state
        self._was_complete: dict[tuple[str, str], bool] = {}
        self._pending: dict[tuple[str, str], set[str]] = {}
        self._reopened: set[tuple[str, str]] = set()

    def reopen(self, key: tuple[str, str]) -> None:
        """Leave ``key`` incomplete at the end of this run: a row refused in earlier runs was fetched now, so
        the pages after the one this run stopped at were never read with it allowed."""
        self._reopened.add(key)

    def start(self, key: tuple[str, str]) -> None:
        if key in self._was_complete:
            return
        state = self._state()
        self._was_complete[key] = state.pagination_complete(*key)
        state.set_pagination_complete(*key, False)
        self._pending[key] = set()

    def was_complete(self, key: tuple[str, str]) -> bool:
        return self._was_complete.get(key, False)

    def sent(self, key: tuple[str, str], url: str) -> None:
        if key in self._pending:
            self._pending[key].add(url)

    def answered(self, url: str) -> None:
        # Any column: the dupefilter lets one request through for an article two columns link to.
        for pending in self._pending.values():
            pending.discard(url)

    def finish_run(self) -> None:
        for key, pending in self._pending.items():
            if key in self._reopened:
                logger.info(
                    "%s %s: links refused before were fetched now, next run paginates to the end", *key
                )
            elif pending:
                logger.info(
                    "%s %s: %d requests unanswered, next run paginates to the end", *key, len(pending)
                )
            else:
                self._state().set_pagination_complete(*key, True)
