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


def finding_dict(diagnostic, policy=None, rule=None) -> dict:
    """One finding; `rule` (the registry.Rule that made it) adds its name and the URL of its docs page."""
    span = diagnostic.span
    return {
        "rule_id": diagnostic.rule_id,
        "rule_name": rule.name if rule is not None else None,
        "url": rule.docs_url if rule is not None else None,
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


class _Encoded(str):
    """A value already encoded as JSON (a finding, by the json module's C encoder)."""


def _dump(value, indent: str = "") -> str:
    """JSON text indented by two spaces, encoded values written as they are (one line per finding): a run with
    100,000 findings renders in linear time and memory, which `json.dumps(indent=2)`'s pure-Python encoder does not."""
    if isinstance(value, _Encoded):
        return value
    inner = indent + "  "
    if isinstance(value, dict) and value:
        items = ",\n".join(f"{inner}{json.dumps(str(k))}: {_dump(v, inner)}" for k, v in value.items())
        return "{\n" + items + "\n" + indent + "}"
    if isinstance(value, (list, tuple)) and value:
        return "[\n" + ",\n".join(inner + _dump(v, inner) for v in value) + "\n" + indent + "]"
    return json.dumps(value, default=str)


def render(results, rules, *, fix_policy=None, errors=(), **_options) -> str:
    encoded: dict[int, _Encoded] = {}
    by_id = {rule.id: rule for rule in rules}

    def finding(diagnostic) -> _Encoded:
        # Each finding is encoded once and shared by `files[].findings` and `findings`.
        if id(diagnostic) not in encoded:
            encoded[id(diagnostic)] = _Encoded(json.dumps(finding_dict(diagnostic, fix_policy, by_id.get(diagnostic.rule_id)),
                                                          default=str))
        return encoded[id(diagnostic)]

    files = []
    for result in results:
        entry = {"path": utf8_safe(result.path), "report": result.report,
                 "findings": [finding(d) for d in result.diagnostics]}
        if result.fixed is not None:
            entry["fixed"] = result.fixed  # with --fix: findings fixed per rule (`findings` are those left)
        files.append(entry)
    summary = summarize(results)
    summary["fixable"] = sum(1 for result in results for d in result.diagnostics
                             if (fix_policy.applies(d) if fix_policy is not None else _safe_fix(d)))
    if any(result.fixed is not None for result in results):
        summary["fixed"] = sum(sum(result.fixed.values()) for result in results if result.fixed)
    document = {
        "version": SCHEMA_VERSION,
        "tool": {"name": "slimlint", "version": __version__},
        "files": files,
        # Sorted by path, line, column and rule (as documented), whatever order the files were linted in.
        "findings": [finding(d) for d in sorted((d for r in results for d in r.diagnostics), key=lambda d: d.sort_key)],
        "summary": summary,
        # Files that could not be checked (or not fully: `rule_id` is a rule that crashed on it); exit code 2.
        "errors": [{"path": utf8_safe(e.path), "message": utf8_safe(e.message), "rule_id": e.rule_id} for e in errors],
    }
    return _dump(document) + "\n"
