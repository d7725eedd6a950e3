"""JSON output: one stable document (see docs/usage.md, "JSON output")."""

from __future__ import annotations

import json

from dockerlint_slim import __version__
from dockerlint_slim.formatters import summarize
from dockerlint_slim.printable import utf8_safe

SCHEMA_VERSION = 1


def fix_dict(fix) -> dict | None:
    """The fix in words, its applicability (`safe`, `unsafe`) and its text edits: spans as in findings, `path` null
    for the linted file itself or the other file an edit changes (a `.dockerignore`)."""
    if fix is None:
        return None
    return {
        "description": fix.description,
        "applicability": fix.applicability,
        "edits": [
            {"path": edit.path, "line": edit.span.line, "column": edit.span.column, "end_line": edit.span.end_line,
             "end_column": edit.span.end_column, "replacement": edit.replacement}
            for edit in fix.edits
        ],
    }


def finding_dict(diagnostic, policy=None) -> dict:
    span = diagnostic.span
    return {
        "rule_id": diagnostic.rule_id,
        "severity": diagnostic.severity,
        "message": diagnostic.message,
        "path": utf8_safe(diagnostic.path),
        "line": span.line,
        "column": span.column,
        "end_line": span.end_line,
        "end_column": span.end_column,
        "wasted_bytes": diagnostic.wasted_bytes,
        "fix": fix_dict(diagnostic.fix),
        # `--fix` with the options of this run applies it.
        "fixable": policy.applies(diagnostic) if policy is not None else _safe_fix(diagnostic),
        "properties": diagnostic.properties,
    }


def _safe_fix(diagnostic) -> bool:
    fix = diagnostic.fix
    return fix is not None and bool(fix.edits) and fix.applicability == "safe"


def render(results, rules, *, fix_policy=None, errors=(), **_options) -> str:
    files = []
    for result in results:
        entry = {"path": utf8_safe(result.path), "report": result.report,
                 "findings": [finding_dict(d, fix_policy) for d in result.diagnostics]}
        if result.fixed is not None:
            entry["fixed"] = result.fixed  # with --fix: findings fixed per rule (`findings` are those left)
        files.append(entry)
    summary = summarize(results)
    summary["fixable"] = sum(1 for f in files for d in f["findings"] if d["fixable"])
    if any(result.fixed is not None for result in results):
        summary["fixed"] = sum(sum(result.fixed.values()) for result in results if result.fixed)
    document = {
        "version": SCHEMA_VERSION,
        "tool": {"name": "slimlint", "version": __version__},
        "files": files,
        # Sorted by path, line, column and rule (as documented), whatever order the files were linted in.
        "findings": [finding_dict(d, fix_policy)
                     for d in sorted((d for r in results for d in r.diagnostics), key=lambda d: d.sort_key)],
        "summary": summary,
        # Files that could not be checked (or not fully: `rule_id` is a rule that crashed on it); exit code 2.
        "errors": [{"path": utf8_safe(e.path), "message": utf8_safe(e.message), "rule_id": e.rule_id} for e in errors],
    }
    return json.dumps(document, indent=2, default=str) + "\n"
