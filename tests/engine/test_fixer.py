"""The fix loop: passes until nothing changes, conflicting fixes deferred, every pass checked against BuildKit's
parse of the original, second files, and which fixes a policy applies."""

from __future__ import annotations

import pytest

from dockerlint_slim.diagnostics import SAFE, UNSAFE, Finding, Fix, Span, TextEdit
from dockerlint_slim.engine import Linter, LintOptions
from dockerlint_slim.engine.fixer import FixPolicy, fix_source, unified_diff
from dockerlint_slim.engine.registry import Rule
from dockerlint_slim.model import RunInstruction


def rule(rule_id: str, check, fix: str = "sometimes") -> Rule:
    return Rule(rule_id, f"test-{rule_id.lower()}", "warning", "test rule", "", check, fix=fix)


def point(line, column):
    return Span(line, column, line, column)


def mark_runs(target):
    """Appends ` # ok` to every RUN that does not end with it (one fix per RUN)."""
    for instruction in target.dockerfile.instructions:
        if isinstance(instruction, RunInstruction) and not instruction.arguments.endswith("# ok"):
            end = instruction.span
            yield Finding(end, "unmarked", fix=Fix("mark it", (TextEdit(point(end.end_line, end.end_column), " # ok"),)))


def whole_file_upper(target):
    """A fix over the whole first RUN line: conflicts with mark_runs on the same RUN."""
    for instruction in target.dockerfile.instructions:
        if isinstance(instruction, RunInstruction) and instruction.arguments.startswith("echo"):
            span = instruction.span
            yield Finding(span, "lower", fix=Fix("upper", (TextEdit(Span(span.line, 5, span.line, 9), "ECHO"),)))


def fix(text, rules, policy=None, **kwargs):
    linter = Linter(list(rules), LintOptions())
    return fix_source(linter, text, "Dockerfile", policy or FixPolicy(rules=tuple(rules)), **kwargs)


def test_passes_until_nothing_changes():
    outcome = fix("FROM a\nRUN echo 1\nRUN echo 2\n", [rule("SL901", mark_runs)])
    assert outcome.text == "FROM a\nRUN echo 1 # ok\nRUN echo 2 # ok\n"
    assert [d.rule_id for d in outcome.fixed] == ["SL901", "SL901"]
    assert outcome.result.diagnostics == []
    assert outcome.changed and outcome.error is None


def test_conflicting_fixes_are_deferred_to_the_next_pass():
    # SL901 (first by id) marks `RUN echo 1`; SL902's edit touches the same line and waits for the next pass, where
    # it is recomputed on the marked text.
    outcome = fix("FROM a\nRUN echo 1\n", [rule("SL901", mark_runs), rule("SL902", whole_file_upper)])
    assert outcome.text == "FROM a\nRUN ECHO 1 # ok\n"
    assert sorted(d.rule_id for d in outcome.fixed) == ["SL901", "SL902"]


def test_a_fix_that_breaks_parsing_leaves_the_file_untouched_and_names_the_rule():
    def breaks(target):
        run = next(i for i in target.dockerfile.instructions if isinstance(i, RunInstruction))
        yield Finding(run.span, "x", fix=Fix("x", (TextEdit(point(run.span.line, 1), "FROM --bad "),)))

    outcome = fix("FROM a\nRUN echo 1\n", [rule("SL901", mark_runs), rule("SL903", breaks)])
    assert outcome.text == outcome.original == "FROM a\nRUN echo 1\n"
    assert "SL903 at line 2" in outcome.error and "no fix was applied" in outcome.error
    assert not outcome.changed


def test_instruction_count_must_match_what_the_fix_declares():
    def drops_a_run(target, declared=0):
        run = [i for i in target.dockerfile.instructions if isinstance(i, RunInstruction)]
        if len(run) == 2:
            span = run[1].span
            yield Finding(span, "x", fix=Fix("x", (TextEdit(Span(span.line, 1, span.line + 1, 1), ""),),
                                             removes_instructions=declared))

    outcome = fix("FROM a\nRUN a\nRUN b\n", [rule("SL904", drops_a_run)])
    assert "SL904" in outcome.error and "3 instructions would become 2" in outcome.error
    outcome = fix("FROM a\nRUN a\nRUN b\n", [rule("SL904", lambda t: drops_a_run(t, declared=1))])
    assert outcome.error is None and outcome.text == "FROM a\nRUN a\n"


def test_a_fix_that_breaks_a_shell_script_is_refused():
    def unbalanced(target):
        run = next(i for i in target.dockerfile.instructions if isinstance(i, RunInstruction))
        yield Finding(run.span, "x", fix=Fix("x", (TextEdit(point(run.span.end_line, run.span.end_column), " && ("),)))

    outcome = fix("FROM a\nRUN echo 1\n", [rule("SL905", unbalanced)])
    assert "shell script would no longer parse" in outcome.error


def test_an_edit_outside_the_file_is_a_rule_bug():
    def outside(target):
        yield Finding(Span(1, 1, 1, 1), "x", fix=Fix("x", (TextEdit(point(40, 1), "x"),)))

    outcome = fix("FROM a\n", [rule("SL906", outside)])
    assert "SL906" in outcome.error and outcome.text == "FROM a\n"


def test_policy_unsafe_fixable_unfixable():
    def unsafe(target):
        yield Finding(Span(1, 1, 1, 5), "x", fix=Fix("x", (TextEdit(Span(1, 1, 1, 5), "from"),), UNSAFE))

    rules = [rule("SL901", mark_runs), rule("SL907", unsafe, fix="unsafe")]
    text = "FROM a\nRUN echo\n"
    assert fix(text, rules).text == "FROM a\nRUN echo # ok\n"
    assert fix(text, rules, FixPolicy(unsafe=True, rules=tuple(rules))).text == "from a\nRUN echo # ok\n"
    assert fix(text, rules, FixPolicy(unsafe=True, unfixable=("SL9",), rules=tuple(rules))).text == text
    assert fix(text, rules, FixPolicy(unsafe=True, fixable=("SL907",), rules=tuple(rules))).text == "from a\nRUN echo\n"
    policy = FixPolicy(rules=tuple(rules))
    findings = Linter(rules, LintOptions()).lint(text, "Dockerfile").diagnostics
    assert [(d.rule_id, policy.applies(d), policy.hidden(d)) for d in findings] == \
        [("SL907", False, True), ("SL901", True, False)]


def test_a_rule_must_declare_its_fixes():
    def safe_fix(target):
        yield Finding(Span(1, 1, 1, 5), "x", fix=Fix("x", (TextEdit(Span(1, 1, 1, 5), "from"),), SAFE))

    # A bug of that rule: reported as its crash on the file (exit 2), not applied.
    for declared in ("none", "unsafe"):
        result = Linter([rule("SL908", safe_fix, fix=declared)], LintOptions()).lint("FROM a\n", "Dockerfile")
        assert not result.diagnostics
        [error] = result.errors
        assert error.rule_id == "SL908" and f"declares FIX = '{declared}'" in error.message


def test_second_file_edits_are_read_applied_and_seen_by_the_next_pass():
    reads = []

    def ignore_git(target):
        if "ignored" not in target.dockerfile.lines[1]:
            yield Finding(Span(1, 1, 1, 5), "x", fix=Fix("x", (
                TextEdit(point(1, 1), ".git\n", path="ctx/.dockerignore"),
                TextEdit(point(2, 6), " # ignored"),
            )))

    def read(path):
        reads.append(path)
        return None  # the file does not exist yet

    outcome = fix("FROM a\nRUN x\n", [rule("SL909", ignore_git)], read_other=read)
    assert outcome.others == {"ctx/.dockerignore": (None, ".git\n")}
    assert outcome.text == "FROM a\nRUN x # ignored\n"
    assert reads == ["ctx/.dockerignore"]
    diff = unified_diff(outcome)
    assert "--- a/Dockerfile" in diff and "+++ b/ctx/.dockerignore" in diff and "+.git" in diff


def test_fixes_that_never_settle_stop_after_the_last_pass():
    def grows(target):
        yield Finding(Span(1, 1, 1, 1), "x", fix=Fix("x", (TextEdit(point(1, 1), "# x\n"),)))

    outcome = fix("FROM a\n", [rule("SL910", grows)])
    assert not outcome.converged and outcome.error is None
    assert outcome.text.count("# x\n") == 10


def test_text_that_is_not_utf8_is_never_rewritten():
    outcome = fix(b"FROM a\nRUN echo \xff\n", [rule("SL901", mark_runs)])
    assert not outcome.changed and outcome.fixed == []
