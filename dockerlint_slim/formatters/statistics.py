"""`--statistics`: the findings counted per rule, with what `--fix` fixes and the bytes at stake of each rule, instead
of the findings themselves (ruff's `--statistics`, plus the bytes).

Text: one line per rule, most findings first, then the summary of the text output. JSON: a list of
`{"rule_id", "rule_name", "url", "count", "fixable", "wasted_bytes", "known_wasted_bytes", "estimated_wasted_bytes"}`
(`fixable`: how many of the rule's findings `--fix` fixes with the current options).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from dockerlint_slim.diagnostics import ByteTotals, format_bytes
from dockerlint_slim.formatters import text


@dataclass
class RuleStatistics:
    rule_id: str
    count: int = 0
    fixable: int = 0
    known: int = 0
    estimated: int = 0
    files: set = field(default_factory=set)


def statistics(results, policy) -> list[RuleStatistics]:
    """Per rule that found something: counts and bytes (each file's bytes counted once, as in the summary)."""
    by_rule: dict[str, RuleStatistics] = {}
    for result in results:
        per_file: dict[str, list] = {}
        for d in result.diagnostics:
            per_file.setdefault(d.rule_id, []).append(d)
        for rule_id, diagnostics in per_file.items():
            entry = by_rule.setdefault(rule_id, RuleStatistics(rule_id))
            entry.count += len(diagnostics)
            entry.fixable += sum(1 for d in diagnostics if policy.applies(d))
            totals = ByteTotals()
            totals.add(diagnostics)
            entry.known += totals.known
            entry.estimated += totals.estimated
    return sorted(by_rule.values(), key=lambda s: (-s.count, s.rule_id))


def _at_stake(entry: RuleStatistics) -> str:
    parts = ([format_bytes(entry.known)] if entry.known else []) + (
        [f"~{format_bytes(entry.estimated)}"] if entry.estimated else [])
    return " + ".join(parts)


def render(fmt: str, results, rules, *, color: bool = False, quiet: bool = False, fix_policy=None, show_fixes=False,
           errors=(), **_options) -> str:
    policy = fix_policy or text._DefaultPolicy()
    names = {rule.id: rule for rule in rules}
    entries = statistics(results, policy)
    if fmt == "json":
        return json.dumps([{
            "rule_id": e.rule_id,
            "rule_name": names[e.rule_id].name if e.rule_id in names else None,
            "url": names[e.rule_id].docs_url if e.rule_id in names else None,
            "count": e.count,
            "fixable": e.fixable,
            "wasted_bytes": e.known + e.estimated,
            "known_wasted_bytes": e.known,
            "estimated_wasted_bytes": e.estimated,
        } for e in entries], indent=2) + "\n"
    any_fixable = any(e.fixable for e in entries)
    count_width = max((len(str(e.count)) for e in entries), default=1)
    name_width = max((len(names[e.rule_id].name) for e in entries if e.rule_id in names), default=0)
    lines = []
    for e in entries:
        mark = ("[*] " if e.fixable else "[ ] ") if any_fixable else ""
        name = names[e.rule_id].name if e.rule_id in names else ""
        stake = _at_stake(e)
        line = f"{str(e.count).rjust(count_width)}  {e.rule_id}  {mark}{name.ljust(name_width) if stake else name}"
        lines.append((line + ("  " + stake if stake else "")).rstrip())
    lines += text.error_lines(errors, color)
    if not quiet:
        lines += text.summary_lines(results, rules, color=color, policy=policy, show_fixes=show_fixes, errors=errors)
    return "\n".join(lines) + "\n" if lines else ""
