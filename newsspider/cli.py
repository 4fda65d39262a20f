"""The ``newsspider`` command: one subcommand per module of :mod:`newsspider.commands`.

A command module defines ``HELP`` (one line), ``add_arguments(parser)`` and ``run(args) -> int`` (the exit
code). The subcommand's name is the module name with ``_`` turned into ``-`` (``check_site`` → ``check-site``).
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from typing import TYPE_CHECKING

from newsspider import __version__, commands
from newsspider.exitcodes import EXIT_CONFIG

if TYPE_CHECKING:
    from collections.abc import Sequence
    from types import ModuleType

__all__ = ["build_parser", "main"]


def _command_modules() -> dict[str, ModuleType]:
    found: dict[str, ModuleType] = {}
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{commands.__name__}.{info.name}")
        found[info.name.replace("_", "-")] = module
    return found


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsspider",
        description="Crawl Chinese provincial news and government pages into structured JSON records.",
    )
    parser.add_argument("--version", action="version", version=f"newsspider {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, module in _command_modules().items():
        command_parser = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(command_parser)
        command_parser.set_defaults(_run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "_run", None):
        parser.print_help(sys.stderr)
        return EXIT_CONFIG
    code: int = args._run(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
