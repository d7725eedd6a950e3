"""GitLab Code Quality report (`artifacts:reports:codequality`): a JSON array of Code Climate issues.

GitLab compares the report of a merge request with the one of its target branch by `fingerprint`, so the
fingerprint hashes the rule, the repository-relative path and the content of the offending lines (not their
numbers): a finding keeps its fingerprint when lines are inserted above it, and is not shown as "new" then.
Paths are relative to the repository root (GitLab links them to the source), also when slimlint runs in a
subfolder or is given absolute paths.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from dockerlint_slim.formatters.sarif import find_source_root, relative_uri
from dockerlint_slim.printable import utf8_safe

# GitLab's severities are info, minor, major, critical, blocker. A parse error breaks the build: critical;
# a warning costs real image bytes: major; an info finding is a smaller improvement.
SEVERITY = {"error": "critical", "warning": "major", "info": "info"}


def _fingerprint(rule_id: str, path: str, snippet: str, seen: dict[str, int]) -> str:
    base = hashlib.sha256(f"{rule_id}\0{path}\0{snippet}".encode("utf-8", "replace")).hexdigest()
    # Two identical findings in one file (the same line copied twice) still need distinct fingerprints.
    seen[base] = seen.get(base, 0) + 1
    return hashlib.sha256(f"{base}:{seen[base]}".encode()).hexdigest()[:32]


def issues(results, rules, *, root: Path | None = None, errors=()) -> list[dict]:
    root = root or find_source_root(Path.cwd())
    by_id = {rule.id: rule for rule in rules}
    found = []
    for result in results:
        relative = relative_uri(result.path, root)
        path = utf8_safe(relative if relative is not None else Path(result.path).resolve().as_posix())
        seen: dict[str, int] = {}
        for d in result.diagnostics:
            span = d.span
            snippet = "\n".join(line.strip() for line in result.source_lines[span.line - 1 : span.end_line])
            rule = by_id.get(d.rule_id)
            issue = {
                "type": "issue",
                "description": f"{d.rule_id}: {d.message}",
                "check_name": d.rule_id,
                "fingerprint": _fingerprint(d.rule_id, path, snippet, seen),
                "severity": SEVERITY.get(d.severity, "minor"),
                "location": {"path": path, "lines": {"begin": span.line, "end": span.end_line}},
                "categories": ["Performance"] if d.rule_id != "SL000" else ["Bug Risk"],
                "engine_name": "slimlint",
            }
            if rule is not None:
                see = f" See {rule.docs_url}" if rule.docs_url else ""
                issue["content"] = {"body": f"{rule.name}: {rule.summary}.{see}"}
            if d.wasted_bytes is not None:
                issue["wasted_bytes"] = d.wasted_bytes
            found.append(issue)
    for error in errors:  # a file that could not be checked (or a rule that crashed on it) is a blocker to fix
        relative = relative_uri(error.path, root)
        path = utf8_safe(relative if relative is not None else Path(error.path).resolve().as_posix())
        found.append({
            "type": "issue",
            "description": f"slimlint could not check this file: {utf8_safe(error.message)}",
            "check_name": "slimlint-error",
            "fingerprint": _fingerprint("slimlint-error", path, error.rule_id or "", {}),
            "severity": "blocker",
            "location": {"path": path, "lines": {"begin": 1, "end": 1}},
            "categories": ["Bug Risk"],
            "engine_name": "slimlint",
        })
    return found


def render(results, rules, *, root: Path | None = None, errors=(), **_options) -> str:
    return json.dumps(issues(results, rules, root=root, errors=errors), indent=2) + "\n"
