"""Shared fixtures for rule tests: lint a small inline Dockerfile and get the diagnostics back."""

from __future__ import annotations

import textwrap

import pytest

from dockerlint_slim.engine import Linter, LintOptions
from dockerlint_slim.engine.registry import load_rules

_RULES = load_rules(plugins=False)


def run_lint(text: str, target: str | None = None, select=("ALL",), context_dir=None, rule_options=None, **options):
    """Diagnostics for `text` (dedented). `**options` are rule options, given to every selected rule."""
    selected = tuple(select) if not isinstance(select, str) else (select,)
    per_rule = {rule.id: dict(options) for rule in _RULES}
    for rule_id, values in (rule_options or {}).items():
        per_rule.setdefault(rule_id, {}).update(values)
    linter = Linter(_RULES, LintOptions(select=selected, target=target, context_dir=context_dir, rule_options=per_rule))
    return linter.lint(textwrap.dedent(text).lstrip("\n"), "Dockerfile").diagnostics


@pytest.fixture
def lint():
    """`lint(text, target=None, select=("ALL",), context_dir=None, **rule_options) -> list[Diagnostic]`."""
    return run_lint


