"""The ``newsspider`` command line: one known command imports only its own module; the rest still list."""

from __future__ import annotations

import subprocess
import sys

import pytest


def _cli(*argv: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "newsspider.cli", *argv]
    return subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)


def _run(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    return done.stdout


def test_a_known_command_imports_only_its_own_module() -> None:
    # Importing every command (Scrapy, DuckDB, pyarrow between them) cost 0.85 s on every invocation.
    out = _run(
        "import sys\n"
        "from newsspider.cli import main\n"
        "main(['schema'])\n"
        "print(sorted(m for m in sys.modules if m.startswith('newsspider.commands.')))\n"
    )
    assert out.strip().splitlines()[-1] == "['newsspider.commands.schema']"


def test_the_crawl_process_loads_no_dataset_library() -> None:
    # pyarrow and pandas (the dataset tools) are 30-40 MB the crawl would carry for its whole run.
    out = _run(
        "import sys\n"
        "import newsspider.commands.crawl, newsspider.spiders.provincial, newsspider.middlewares.incremental\n"
        "import newsspider.middlewares.sendgate, newsspider.extensions.report, newsspider.extensions.progress\n"
        "import pipelines.normalize, pipelines.validate, pipelines.version, pipelines.store\n"
        "print(sorted(m for m in ('pyarrow', 'pandas', 'duckdb') if m in sys.modules))\n"
    )
    assert out.strip().splitlines()[-1] == "[]"


@pytest.mark.parametrize("argv", [[], ["--help"]])
def test_the_overview_still_lists_every_command(argv: list[str]) -> None:
    done = _cli(*argv)
    listing = done.stdout + done.stderr
    for name in ("check-site", "crawl", "demo", "export", "parse", "report", "schema", "sites", "validate"):
        assert f"\n    {name}" in listing


def test_a_mistyped_command_names_the_valid_ones() -> None:
    done = _cli("crawlx")
    assert done.returncode == 2
    assert "invalid choice: 'crawlx'" in done.stderr
    assert "'crawl'" in done.stderr
