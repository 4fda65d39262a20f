"""Placeholder: structured directives (issue 3)."""

from __future__ import annotations

from newsspider.items import DirectiveBlock


def extract_directives(paragraphs: list[str]) -> tuple[list[DirectiveBlock], list[str]]:
    """Directive blocks found in the cleaned body paragraphs, and warnings."""
    return [], []
