"""Markdown for people reading a CI page (a GitHub job summary, a merge-request comment): per Dockerfile the problems
and the image size at stake, the summary line of the text output, then the findings (at most `MAX_ROWS`).

Everything taken from a Dockerfile, a file name or a message is escaped for a table cell (`|`, `<`, `>`, `&`,
control characters), so a crafted Dockerfile cannot add HTML or break the table."""

from __future__ import annotations

from dockerlint_slim.diagnostics import ByteTotals, format_bytes
from dockerlint_slim.formatters import text
from dockerlint_slim.printable import printable

MAX_ROWS = 100


def cell(value: str) -> str:
    """Text for one table cell: one line, table and HTML characters escaped."""
    value = printable(" ".join(str(value).split()))
    return (value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|")
            .replace("`", "\\`"))


def code(value: str) -> str:
    """A short value (a path, a rule id) in a code span; a backtick in it falls back to plain escaped text."""
    value = printable(" ".join(str(value).split()))
    if "`" in value:
        return cell(value)
    return f"`{value.replace('|', chr(0x2758))}`"  # `|` would end the cell even inside a code span


def _at_stake(diagnostics) -> str:
    totals = ByteTotals()
    totals.add(diagnostics)
    if totals.known and totals.estimated:
        return f"{format_bytes(totals.known)} + ~{format_bytes(totals.estimated)} estimated"
    if totals.known:
        return format_bytes(totals.known)
    if totals.estimated:
        return f"~{format_bytes(totals.estimated)} (estimated)"
    return "—"


def render(results, rules, *, fix_policy=None, errors=(), **_options) -> str:
    policy = fix_policy or text._DefaultPolicy()
    names = {rule.id: rule for rule in rules}
    out = ["## slimlint", ""]
    if results:
        out += ["| Dockerfile | Problems | Errors | Warnings | Info | Image size at stake |",
                "|---|---:|---:|---:|---:|---|"]
        for result in results:
            counts = {"error": 0, "warning": 0, "info": 0}
            for d in result.diagnostics:
                counts[d.severity] = counts.get(d.severity, 0) + 1
            out.append(f"| {code(result.path)} | {len(result.diagnostics)} | {counts['error']} | {counts['warning']} "
                       f"| {counts['info']} | {_at_stake(result.diagnostics)} |")
        out.append("")
    summary = text.summary_lines(results, rules, color=False, policy=policy, show_fixes=False, errors=errors)
    for index, line in enumerate(line for line in summary if not line.startswith(("Fixed", "No fixes"))):
        out += [f"**{cell(line)}**" if index == 0 else cell(line), ""]
    out.pop()
    diagnostics = sorted((d for r in results for d in r.diagnostics), key=lambda d: d.sort_key)
    if diagnostics:
        out += ["", "### Findings", "", "| Where | Rule | Severity | Problem |", "|---|---|---|---|"]
        for d in diagnostics[:MAX_ROWS]:
            rule = names.get(d.rule_id)
            shown = f"{d.rule_id} {rule.name}" if rule is not None else d.rule_id
            link = f"[{cell(shown)}]({rule.docs_url})" if rule is not None and rule.docs_url else cell(shown)
            out.append(f"| {code(f'{d.path}:{d.span.line}:{d.span.column}')} | {link} | {d.severity} "
                       f"| {cell(d.message)} |")
        if len(diagnostics) > MAX_ROWS:
            out += ["", f"... and {len(diagnostics) - MAX_ROWS} more findings (the full list is in the job log)."]
    if errors:
        out += ["", "### Not checked", ""]
        out += [f"- {code(error.path)}: {cell(error.message)}" for error in errors]
    return "\n".join(out) + "\n"
