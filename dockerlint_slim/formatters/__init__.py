"""Formatters turn lint results into text for people or documents for machines.

Each format is a module with `render(results, rules, **options) -> str`, imported only when used so that
start-up stays lean (pygments and sarif-om are loaded by the formats that need them).
"""

from __future__ import annotations

import importlib

from dockerlint_slim.diagnostics import ByteTotals

FORMATS = {
    "text": "dockerlint_slim.formatters.text",
    "concise": "dockerlint_slim.formatters.concise",
    "json": "dockerlint_slim.formatters.json_format",
    "sarif": "dockerlint_slim.formatters.sarif",
    "github": "dockerlint_slim.formatters.github",
    "gitlab": "dockerlint_slim.formatters.gitlab",
    "markdown": "dockerlint_slim.formatters.markdown",
}


def render(fmt: str, results, rules, **options) -> str:
    """Render a list of engine.FileResult; `rules` is the list of registry.Rule that ran (for SARIF metadata)."""
    module = importlib.import_module(FORMATS[fmt])
    return module.render(results, rules, **options)


def summarize(results) -> dict:
    """Counts by severity and bytes at stake over all files: the last line of text output, `summary` in JSON.
    Bytes are counted once (`diagnostics.ByteTotals`): measured and estimated apart, info-level estimates left out,
    aggregates (SL501) not added again."""
    counts = {"error": 0, "warning": 0, "info": 0}
    known = estimated = 0
    for result in results:
        for diagnostic in result.diagnostics:
            counts[diagnostic.severity] = counts.get(diagnostic.severity, 0) + 1
        totals = ByteTotals()
        totals.add(result.diagnostics)  # per file: overlap keys name lines of that file
        known, estimated = known + totals.known, estimated + totals.estimated
    return {"files": len(results), "findings": sum(counts.values()), "by_severity": counts,
            "wasted_bytes": known + estimated, "known_wasted_bytes": known, "estimated_wasted_bytes": estimated}
