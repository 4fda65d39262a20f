"""Placeholder for the ValidatePipeline (issue 5): passes items through."""

from __future__ import annotations

from typing import Any


class ValidatePipeline:
    def process_item(self, item: Any) -> Any:
        return item
