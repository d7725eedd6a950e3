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


def finding_lines(text: str, rule: str, **kwargs) -> list[int]:
    """Lines of `rule`'s findings on `text`."""
    return [d.span.line for d in run_lint(text, select=(rule,), **kwargs)]


def single_finding(text: str, rule: str, **kwargs):
    """`rule`'s one finding on `text` (fails unless there is exactly one)."""
    found = run_lint(text, select=(rule,), **kwargs)
    assert len(found) == 1, [d.message for d in found]
    return found[0]


# One cleanup / modification / consumption command, written in every way the shell model reads.
SHELL_FORMS = [
    "RUN {cmd}",
    'RUN ["/bin/sh", "-c", "{cmd}"]',
    "RUN <<EOF\n{cmd}\nEOF",
    "RUN sh -c '{cmd}'",
    "RUN true && {cmd}",
    "RUN true; {cmd}",
    "RUN (cd / && {cmd})",
    "RUN set -eux; \\\n    true \\\n    && {cmd}",
    "ONBUILD RUN {cmd}",
    "RUN if [ -n \"$X\" ]; then true; fi; {cmd}",
    "RUN [ -n \"$X\" ] || true; {cmd}",
]

# The same command where it may not run (the branch depends on a build argument `X`): no waste is claimed for it.
CONDITIONAL_FORMS = [
    "RUN false || {cmd}",
    "RUN if [ -n \"$X\" ]; then {cmd}; fi",
    "RUN if echo \"$X\" | grep -q false; then {cmd}; fi",
    "RUN if [ -n \"$X\" ]; then true; else {cmd}; fi",
    'RUN case "$X" in on) {cmd};; esac',
    "RUN while false; do {cmd}; done",
    "RUN [ -n \"$X\" ] && {cmd}",
    "RUN test -n \"$X\" && true && {cmd}",
    "RUN if [ -n \"$X\" ]; then sh -c '{cmd}'; fi",
    'RUN ["/bin/sh", "-c", "[ -n \\"$X\\" ] && {cmd}"]',
]


def run_fix(text: str, select=("ALL",), unsafe: bool = False, context_dir=None, target: str | None = None,
            read_other=None, dedent: bool = True, path: str = "Dockerfile"):
    """`--fix` on `text` in memory: the FixOutcome (fixed text, fixed findings, findings left)."""
    from dockerlint_slim.engine.fixer import FixPolicy, fix_source

    selected = tuple(select) if not isinstance(select, str) else (select,)
    linter = Linter(_RULES, LintOptions(select=selected, target=target, context_dir=context_dir))
    source = textwrap.dedent(text).lstrip("\n") if dedent else text
    kwargs = {"read_other": read_other} if read_other is not None else {}
    return fix_source(linter, source, path, FixPolicy(unsafe=unsafe, rules=tuple(_RULES)), **kwargs)


def fixed_text(text: str, select=("ALL",), unsafe: bool = False, **options) -> str:
    """The fixed text; fails unless the fixes applied cleanly and a second `--fix` changes nothing."""
    outcome = run_fix(text, select, unsafe, **options)
    assert outcome.error is None, outcome.error
    assert outcome.converged
    again = run_fix(outcome.text, select, unsafe, dedent=False, **options)
    assert again.error is None, again.error
    assert again.text == outcome.text, f"not idempotent:\n{outcome.text}\n---\n{again.text}"
    return outcome.text


@pytest.fixture
def fix():
    """`fix(text, select=("ALL",), unsafe=False, context_dir=None) -> str`: the text after --fix (idempotence
    checked)."""
    return fixed_text
