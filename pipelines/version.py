"""Placeholder for the VersionPipeline (issue 5): passes items through."""

from __future__ import annotations

from typing import Any


class VersionPipeline:
    def process_item(self, item: Any) -> Any:
        return item
