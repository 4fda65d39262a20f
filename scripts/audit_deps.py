"""Check the installed dependencies for known vulnerabilities with pip-audit.

Fails (exit 1) when pip-audit reports a vulnerability. Where the advisory service cannot be reached (a
closed network: pip-audit then skips every package), it says so plainly and exits 0, because an
unreachable service says nothing about the dependencies; the note in CI's output is the record of it.
"""

from __future__ import annotations

import json
import subprocess
import sys


def main() -> int:
    proc = subprocess.run(
        [sys.executable, "-m", "pip_audit", "--local", "--progress-spinner", "off", "--format", "json"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError:
        print(f"audit: pip-audit gave no report (exit {proc.returncode}): {proc.stderr.strip()[:500]}")
        return 1
    deps = report.get("dependencies", [])
    vulnerable = [d for d in deps if d.get("vulns")]
    skipped = [d for d in deps if d.get("skip_reason")]
    for dep in vulnerable:
        ids = ", ".join(v["id"] for v in dep["vulns"])
        print(f"audit: {dep['name']} {dep.get('version')} has known vulnerabilities: {ids}")
    audited = len(deps) - len(skipped)
    print(f"audit: {audited} of {len(deps)} packages audited, {len(vulnerable)} vulnerable")
    if deps and audited == 0:
        print("audit: NOTICE the advisory service could not be reached; nothing was checked this run")
    return 1 if vulnerable else 0


if __name__ == "__main__":
    sys.exit(main())
