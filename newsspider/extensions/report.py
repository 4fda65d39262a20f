"""The run report: ``data/runs/<run-id>.json`` and a summary table. Placeholder until issue 5."""

from __future__ import annotations


class RunReportExtension:
    pass
