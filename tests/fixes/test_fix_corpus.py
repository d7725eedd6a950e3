"""Every fix on the vendored corpus of real Dockerfiles (tests/corpus), with `--unsafe-fixes` (which applies the safe
fixes too): the fixer never refuses its own fix, a second `--fix` changes nothing, no parse error or SL000 appears,
BuildKit's parser (the `dockerfile` package) reads the same instructions minus those the fixes remove on purpose,
and nearly every finding that had a fix is gone. benchmarks/autofix_corpus.py measures the same on any corpus."""

from __future__ import annotations

from collections import Counter

import dockerfile
import pytest

from dockerlint_slim.engine import LintOptions, Linter
from dockerlint_slim.engine.fixer import FixPolicy, fix_source
from dockerlint_slim.engine.runner import load_all_rules
from dockerlint_slim.parser import parse_dockerfile
from tests.paths import ROOT, corpus_files


def _buildkit(text: str) -> list[str]:
    return [("RUN" if (c.sub_cmd or "").upper() == "RUN" else c.cmd.upper()) for c in dockerfile.parse_string(text)]


def _subsequence(items: list[str], of: list[str]) -> bool:
    remaining = iter(of)
    return all(any(item == candidate for candidate in remaining) for item in items)


@pytest.fixture(scope="module")
def outcomes():
    rules = load_all_rules()
    linter = Linter(rules, LintOptions())
    policy = FixPolicy(unsafe=True, rules=tuple(rules))
    files = corpus_files()
    assert len(files) > 300
    found = []
    for path in files:
        name = str(path.relative_to(ROOT))
        before = linter.lint(path.read_bytes(), name)
        outcome = fix_source(linter, path.read_bytes(), name, policy)
        found.append((name, before, outcome, policy, linter))
    return found


def test_the_fixer_never_refuses_its_own_fixes_and_they_settle(outcomes):
    assert [o.error for _, _, o, _, _ in outcomes if o.error] == []
    assert [name for name, _, o, _, _ in outcomes if not o.converged] == []
    assert sum(1 for _, _, o, _, _ in outcomes if o.changed) > 100


def test_a_second_fix_changes_nothing(outcomes):
    changed = [(name, o, policy, linter) for name, _, o, policy, linter in outcomes if o.changed]
    again = [name for name, o, policy, linter in changed if fix_source(linter, o.text, name, policy).changed]
    assert again == []


def test_no_new_parse_error_and_buildkit_reads_the_same_instructions(outcomes):
    broken = []
    for name, _, outcome, _, _ in outcomes:
        if not outcome.changed:
            continue
        errors = Counter(e.message for e in parse_dockerfile(outcome.text, name).parse_errors)
        if errors - Counter(e.message for e in parse_dockerfile(outcome.original, name).parse_errors):
            broken.append((name, "parse error"))
        original, fixed = _buildkit(outcome.original), _buildkit(outcome.text)
        removed = sum(d.fix.removes_instructions for d in outcome.fixed)
        if len(fixed) != len(original) - removed or not _subsequence(fixed, original):
            broken.append((name, f"{len(original)} -> {len(fixed)} instructions, {removed} removed"))
    assert broken == []


def test_the_fixable_findings_are_gone(outcomes):
    fixable = removed = 0
    for _, before, outcome, policy, _ in outcomes:
        assert not any(policy.applies(d) for d in outcome.result.diagnostics)
        assert not any(d.rule_id == "SL000" for d in outcome.result.diagnostics) or \
            any(d.rule_id == "SL000" for d in before.diagnostics)
        had = Counter(d.rule_id for d in before.diagnostics if policy.applies(d))
        count_before = Counter(d.rule_id for d in before.diagnostics)
        count_after = Counter(d.rule_id for d in outcome.result.diagnostics)
        fixable += sum(had.values())
        removed += sum(min(n, max(0, count_before[rule] - count_after[rule])) for rule, n in had.items())
    # Some SL101 chains are joined only in part (a `set -e` RUN next to one that would need a subshell).
    assert fixable > 150 and removed / fixable >= 0.9
