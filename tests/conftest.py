"""Shared test fixtures. Tests never touch the internet: saved fixtures and servers on 127.0.0.1 only."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures"
# Third-party labelled pages: read in place, never copied into the repository.
EVAL_DIR = REPO.parent / "shared" / "eval"


@pytest.fixture
def eval_dir() -> Path:
    if not (EVAL_DIR / "gold.jsonl").is_file():
        pytest.skip(f"labelled evaluation pages not present at {EVAL_DIR}")
    return EVAL_DIR
