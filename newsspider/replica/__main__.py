"""``python -m newsspider.replica [--generated N] [--sites-dir DIR]``: serve the replica until killed.

Prints one JSON line on stdout once it listens (``{"port", "bases", "private_hosts", "sites_dir"}``), so
a parent process reads the addresses instead of guessing a free port.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import sys
import tempfile
import threading
from pathlib import Path

from newsspider.replica.server import Replica


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m newsspider.replica", description=__doc__)
    parser.add_argument("--generated", type=int, default=0, help="add a column of N generated articles")
    parser.add_argument(
        "--sites-dir", type=Path, help="write the replica profiles here (default: a temp dir)"
    )
    args = parser.parse_args(argv)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with (
        tempfile.TemporaryDirectory(prefix="replica-sites-") as tmp,
        Replica(generated=args.generated) as rep,
    ):
        sites_dir = args.sites_dir or Path(tmp)
        rep.write_profiles(sites_dir)
        info = {
            "port": rep.port,
            "bases": {key: rep.base(key) for key in rep.site_keys if key != "replica-gen"},
            "private_hosts": rep.private_hosts,
            "sites_dir": str(sites_dir),
        }
        print(json.dumps(info, ensure_ascii=False), flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            stop.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
