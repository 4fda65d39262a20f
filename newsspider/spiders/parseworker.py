"""The parse worker process: ``python -m newsspider.spiders.parseworker MODULE:FUNCTION [NICE]``.

Reads jobs from stdin and writes answers to stdout, each a frame of a 4-byte big-endian length and a pickle:
a job is ``(job_id, args)``, an answer ``(job_id, ok, result)`` where ``result`` is the function's return
value or, when ``ok`` is false, the exception it raised (or its text when the exception does not pickle).
A job may also name one argument that the worker keeps: ``(job_id, args, (position, number, value))`` puts
``value`` at ``args[position]`` and keeps it as ``number``; a later job sends ``value`` None and gets the kept
one (a site profile, the same for every page of a site, is pickled once per worker).
Only the crawl process that started this one writes to its stdin, so unpickling jobs is safe. Anything
the parser prints goes to stderr: stdout carries frames only. Stdin closed: the worker exits.
"""

from __future__ import annotations

import importlib
import os
import pickle
import signal
import struct
import sys
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["HEADER", "Kept", "frame", "main", "resolve"]

HEADER = struct.Struct(">I")


Kept = tuple[int, int, Any]
"""An argument the worker keeps: (its position in the job's arguments, its number, the value or None)."""


def _arguments(args: tuple[Any, ...], kept: Kept | None, store: dict[int, Any]) -> tuple[Any, ...]:
    if kept is None:
        return args
    position, number, value = kept
    if value is not None:
        store[number] = value
    return (*args[:position], store[number], *args[position + 1 :])


def frame(obj: Any) -> bytes:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    return HEADER.pack(len(data)) + data


def resolve(ref: str) -> Callable[..., Any]:
    """``package.module:function`` → the function."""
    module, _, name = ref.partition(":")
    function: Callable[..., Any] = getattr(importlib.import_module(module), name)
    return function


def _read_exactly(stream: IO[bytes], size: int) -> bytes | None:
    data = stream.read(size)
    return data if len(data) == size else None


def _answer(job_id: int, work: Callable[..., Any], args: tuple[Any, ...]) -> bytes:
    try:
        return frame((job_id, True, work(*args)))
    except Exception as exc:  # noqa: BLE001  (the crawl process decides what a failed page means)
        try:
            return frame((job_id, False, exc))
        except Exception:  # noqa: BLE001  (an exception that does not pickle still has a text)
            return frame((job_id, False, f"{type(exc).__name__}: {exc}"))


def main(argv: list[str] | None = None) -> int:
    # Ctrl-C on a terminal reaches the whole process group: the crawl process shuts down in order and then
    # closes our stdin, which is when we stop. Dying at once would only turn the pages in flight into errors.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    ref, *nice = argv or sys.argv[1:]
    if nice and int(nice[0]) and hasattr(os, "nice"):  # POSIX only
        try:
            os.nice(int(nice[0]))
        except OSError as exc:  # a sandbox without setpriority: parse at the crawl's priority, still parse
            print(f"parse worker: cannot lower its priority ({exc}); parsing at the crawl's", file=sys.stderr)
    work = resolve(ref)
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # a stray print in a parser must not corrupt the frames
    jobs = sys.stdin.buffer
    store: dict[int, Any] = {}
    while (head := _read_exactly(jobs, HEADER.size)) is not None:
        body = _read_exactly(jobs, HEADER.unpack(head)[0])
        if body is None:
            break
        job_id, args, kept = pickle.loads(body)  # noqa: S301  (written only by the crawl process that started us)
        answers.write(_answer(job_id, work, _arguments(args, kept, store)))
        answers.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
