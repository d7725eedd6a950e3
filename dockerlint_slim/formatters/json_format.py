"""JSON output: one stable document (see docs/usage.md, "JSON output")."""

from __future__ import annotations

import json
from dataclasses import asdict

from dockerlint_slim import __version__
from dockerlint_slim.formatters import summarize

SCHEMA_VERSION = 1


def finding_dict(diagnostic) -> dict:
    span = diagnostic.span
    return {
        "rule_id": diagnostic.rule_id,
        "severity": diagnostic.severity,
        "message": diagnostic.message,
        "path": diagnostic.path,
        "line": span.line,
        "column": span.column,
        "end_line": span.end_line,
        "end_column": span.end_column,
        "wasted_bytes": diagnostic.wasted_bytes,
        "fix": asdict(diagnostic.fix) if diagnostic.fix else None,
        "properties": diagnostic.properties,
    }


def render(results, rules, **_options) -> str:
    document = {
        "version": SCHEMA_VERSION,
        "tool": {"name": "slimlint", "version": __version__},
        "files": [
            {"path": result.path, "report": result.report, "findings": [finding_dict(d) for d in result.diagnostics]}
            for result in results
        ],
        # Sorted by path, line, column and rule (as documented), whatever order the files were linted in.
        "findings": [finding_dict(d) for d in sorted((d for r in results for d in r.diagnostics), key=lambda d: d.sort_key)],
        "summary": summarize(results),
    }
    return json.dumps(document, indent=2, default=str) + "\n"
