"""Overlapping rules: a rule declares what it supersedes; the engine drops the superseded finding only where the
superseding rule ran and reported the same origin and path. Every pair is tested both ways."""

from __future__ import annotations

import textwrap
import types

import pytest

from dockerlint_slim.diagnostics import OVERLAP, Diagnostic, Span, overlap_key
from dockerlint_slim.engine.overlaps import resolve_overlaps
from dockerlint_slim.engine.registry import RuleLoadError, builtin_rules, check_supersedes, rule_from_module
from tests.rules.conftest import run_lint

MiB = 1024 * 1024


def found(text, context=None, select=("SL102", "SL103", "SL301", "SL302", "SL303"), **options):
    return sorted((d.rule_id, d.span.line) for d in run_lint(text, select=select, context_dir=context, **options))


@pytest.fixture
def archive_context(tmp_path):
    (tmp_path / "jdk.tar.gz").write_bytes(b"j" * (12 * MiB))
    return tmp_path


@pytest.mark.parametrize("consumer,loser", [
    ("tar -xzf /tmp/jdk.tar.gz -C /opt", None),
    ("tar -xzf /tmp/jdk.tar.gz -C /opt\nRUN rm /tmp/jdk.tar.gz", ("SL102", 4)),
    ("mv /tmp/jdk.tar.gz /opt/jdk.tar.gz", ("SL103", 3)),
])
def test_sl301_supersedes_the_later_rm_and_mv_both_ways(archive_context, consumer, loser):
    text = f"FROM debian:bookworm-slim\nCOPY jdk.tar.gz /tmp/\nRUN {consumer}\n"
    assert found(text, archive_context) == [("SL301", 2)]
    expected = [loser] if loser else []
    # SL301 not selected, ignored by a pragma, or quiet because of its threshold: the later-layer finding is back.
    assert found(text, archive_context, select=("SL102", "SL103")) == expected
    assert found("# slimlint global ignore=SL301\n" + text, archive_context) == [(r, line + 1) for r, line in expected]
    assert found(text, archive_context, threshold="1GiB") == expected
    # The superseded rule off: SL301's finding stays.
    assert found(text, archive_context, select=("SL301",)) == [("SL301", 2)]


def test_a_pragma_on_the_superseding_finding_does_not_hide_the_other(archive_context):
    text = ("FROM debian:bookworm-slim\n# slimlint ignore=SL301\nCOPY jdk.tar.gz /tmp/\n"
            "RUN tar -xzf /tmp/jdk.tar.gz -C /opt\nRUN rm /tmp/jdk.tar.gz\n")
    assert found(text, archive_context) == [("SL102", 5)]


def test_sl303_supersedes_the_later_rm_of_the_download_both_ways():
    text = "FROM debian:bookworm-slim\nADD https://example.com/tool.tgz /tmp/\nRUN tar -xzf /tmp/tool.tgz\nRUN rm /tmp/tool.tgz\n"
    assert found(text) == [("SL303", 2)]
    assert found(text, select=("SL102",)) == [("SL102", 4)]
    assert found("# slimlint global ignore=SL303\n" + text) == [("SL102", 5)]
    assert found(text, select=("SL303",)) == [("SL303", 2)]


def test_different_origins_or_paths_are_not_superseded(archive_context):
    (archive_context / "notes.txt").write_text("x")
    text = ("FROM debian:bookworm-slim\nCOPY jdk.tar.gz /tmp/\nCOPY notes.txt /tmp/\n"
            "RUN tar -xzf /tmp/jdk.tar.gz -C /opt\nRUN rm /tmp/notes.txt\n")
    assert found(text, archive_context) == [("SL102", 5), ("SL301", 2)]


def diagnostic(rule_id, *keys):
    return Diagnostic(rule_id, "warning", "m", "Dockerfile", Span(1, 1, 1, 2), wasted_bytes=sum(k[2] or 0 for k in keys),
                      properties={OVERLAP: [overlap_key(*k) for k in keys]})


def test_resolve_overlaps_covers_paths_below_a_claimed_folder_and_keeps_partial_overlaps():
    winner = diagnostic("SL302", (3, "/app/.git", 10))
    inside = diagnostic("SL102", (3, "/app/.git/objects", 7))
    partial = diagnostic("SL102", (3, "/app/.git", 10), (3, "/app/notes", 5))
    other_origin = diagnostic("SL102", (4, "/app/.git", 10))
    sibling = diagnostic("SL102", (3, "/app/.github", 1))
    unrelated_rule = diagnostic("SL103", (3, "/app/.git", 10))
    kept = resolve_overlaps([winner, inside, partial, other_origin, sibling, unrelated_rule], {"SL102": ["SL302"]})
    assert kept == [winner, partial, other_origin, sibling, unrelated_rule]


def test_resolve_overlaps_keeps_findings_without_keys_and_without_a_winner():
    plain = Diagnostic("SL102", "warning", "m", "Dockerfile", Span(1, 1, 1, 2))
    keyed = diagnostic("SL102", (3, "/x", 1))
    assert resolve_overlaps([plain, keyed], {"SL102": ["SL301"]}) == [plain, keyed]


def test_resolve_overlaps_root_claim_covers_everything_of_that_origin():
    winner = diagnostic("SL301", (2, "/", 1))
    loser = diagnostic("SL102", (2, "/etc/x", 1))
    assert resolve_overlaps([winner, loser], {"SL102": ["SL301"]}) == [winner]


def rule_module(rule_id="XY901", supersedes=()):
    module = types.ModuleType(f"rule_{rule_id}")
    module.__doc__ = "What it does\nx"
    module.ID, module.NAME, module.SEVERITY, module.SUMMARY = rule_id, "some-rule", "warning", "x"
    module.check = lambda target: iter(())
    module.SUPERSEDES = supersedes
    return module


@pytest.mark.parametrize("bad", ["SL102", ("sl102",), (102,), ("XY901",), {"SL102": 1}])
def test_supersedes_is_validated(bad):
    with pytest.raises(RuleLoadError, match="SUPERSEDES"):
        rule_from_module(rule_module(supersedes=bad), "test")


def test_supersedes_names_known_rules_without_cycles():
    rules = {r.id: r for r in builtin_rules()}
    check_supersedes(rules)  # the built-in declarations are valid
    assert rules["SL301"].supersedes == {"SL102", "SL103"} and rules["SL303"].supersedes == {"SL102"}
    unknown = rule_from_module(rule_module(supersedes=("XY999",)), "test")
    with pytest.raises(RuleLoadError, match="unknown rules: XY999"):
        check_supersedes({**rules, unknown.id: unknown})
    first = rule_from_module(rule_module("XY901", ("XY902",)), "test")
    second = rule_from_module(rule_module("XY902", ("XY903",)), "test")
    third = rule_from_module(rule_module("XY903", ("XY901",)), "test")
    with pytest.raises(RuleLoadError, match="cycle: XY901 -> XY902 -> XY903 -> XY901"):
        check_supersedes({r.id: r for r in (first, second, third)})
