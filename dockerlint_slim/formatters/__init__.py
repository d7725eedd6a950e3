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


def streams(fmt: str) -> bool:
    """Can the format be written file by file (`open_stream`)?"""
    return hasattr(importlib.import_module(FORMATS[fmt]), "stream")


def open_stream(fmt: str, write, rules, **options):
    """A report written file by file (`add(result)` as each file is linted, `finish(errors)` at the end) when the
    format allows it, else None (the format needs every file before it writes, as a JSON or SARIF document does).
    The text written is the text `render` returns for the same results."""
    module = importlib.import_module(FORMATS[fmt])
    stream = getattr(module, "stream", None)
    return stream(write, rules, **options) if stream is not None else None


class Tally:
    """What a summary counts, added file by file, so that a report written as files are linted keeps numbers,
    not the files. Bytes are counted once (`diagnostics.ByteTotals`): measured and estimated apart, info-level
    estimates left out, aggregates (SL501) not added again."""

    def __init__(self, policy=None) -> None:
        self.policy = policy  # with one: the findings --fix would fix (`fixable`), and those it needs
        # --unsafe-fixes for (`hidden`)
        self.files = 0
        self.counts = {"error": 0, "warning": 0, "info": 0}
        self.known = self.estimated = 0
        self.fixable = self.hidden = 0
        self.fixed = 0
        self.any_fixed = False  # some file went through --fix

    def add(self, result) -> None:
        self.files += 1
        counts = self.counts
        for diagnostic in result.diagnostics:
            counts[diagnostic.severity] = counts.get(diagnostic.severity, 0) + 1
        totals = ByteTotals()
        totals.add(result.diagnostics)  # per file: overlap keys name lines of that file
        self.known += totals.known
        self.estimated += totals.estimated
        if self.policy is not None:
            self.fixable += sum(1 for d in result.diagnostics if self.policy.applies(d))
            self.hidden += sum(1 for d in result.diagnostics if self.policy.hidden(d))
        if result.fixed is not None:
            self.any_fixed = True
            self.fixed += sum(result.fixed.values())

    def summary(self) -> dict:
        counts = dict(self.counts)
        return {"files": self.files, "findings": sum(counts.values()), "by_severity": counts,
                "wasted_bytes": self.known + self.estimated, "known_wasted_bytes": self.known,
                "estimated_wasted_bytes": self.estimated}


def tally(results, policy=None) -> Tally:
    counted = Tally(policy)
    for result in results:
        counted.add(result)
    return counted


def summarize(results) -> dict:
    """Counts by severity and bytes at stake over all files: the last line of text output, `summary` in JSON."""
    return tally(results).summary()
