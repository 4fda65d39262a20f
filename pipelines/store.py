"""Placeholder for the JsonLinesStorePipeline (issue 5): passes items through."""

from __future__ import annotations

from typing import Any


class JsonLinesStorePipeline:
    def process_item(self, item: Any) -> Any:
        return item
