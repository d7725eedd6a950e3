"""`--output-format concise`: one line per finding (`path:line:col: RULE severity: message`), no code frames, help
lines or build reports; then the summary, as in text output."""

from __future__ import annotations

from dockerlint_slim.formatters import text


def render(results, rules, **options) -> str:
    return text.render(results, rules, **{**options, "concise": True})


def stream(write, rules, **options) -> text.TextStream:
    return text.TextStream(write, rules, **{**options, "concise": True})
