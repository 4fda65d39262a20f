"""Shared test fixtures. Tests never touch the internet: saved fixtures and servers on 127.0.0.1 only."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import settings as hypothesis_settings

from newsspider.replica import Replica

if TYPE_CHECKING:
    from collections.abc import Iterator

# CI runs the property tests on a fixed seed with no per-example deadline: a red CI must mean a real
# regression, not a new random draw or a slow, shared machine. Local runs keep exploring new examples.
hypothesis_settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures"
# Third-party labelled pages: read in place, never copied into the repository.
EVAL_DIR = REPO.parent / "shared" / "eval"


@pytest.fixture
def eval_dir() -> Path:
    if not (EVAL_DIR / "gold.jsonl").is_file():
        pytest.skip(f"labelled evaluation pages not present at {EVAL_DIR}")
    return EVAL_DIR


@pytest.fixture(scope="session")
def replica(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Replica]:
    """The replica sites (newsspider/replica), served on 127.0.0.1-9 for the whole session.

    ``replica.sites_dir`` holds their profiles (pass it as ``--sites-dir`` / ``NEWSSPIDER_SITES_DIR``),
    ``replica.private_hosts`` the addresses to allow (``NEWSSPIDER_ALLOW_PRIVATE_HOSTS``). The server is
    shared: a test that mutates it or relies on the 500-once page calls ``replica.reset()`` first, and reads
    the request log from its own ``replica.mark()`` on.
    """
    with Replica() as served:
        served.write_profiles(tmp_path_factory.mktemp("replica-sites"))
        yield served
