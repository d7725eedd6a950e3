"""engine.pragmas: slimlint's and hadolint's suppression comments, applied by the linter (hadolint codes through
knowledge/hadolint.py: where hadolint reports, and only the findings hadolint's rule covers)."""

from __future__ import annotations

import pytest

from dockerlint_slim.engine import Linter, LintOptions
from dockerlint_slim.engine.pragmas import HADOLINT, SLIMLINT, parse_pragmas
from dockerlint_slim.engine.registry import load_rules
from dockerlint_slim.parser import parse_dockerfile

RULES = load_rules(plugins=False)
APT = "RUN apt-get update && apt-get install -y curl"  # SL201 and SL202


def lint(text: str, **options) -> list[tuple[str, int]]:
    linter = Linter(RULES, LintOptions(**options))
    return [(d.rule_id, d.span.line) for d in linter.lint(text, "Dockerfile").diagnostics if d.rule_id != "SL001"]


def rules(text: str, **options) -> set[str]:
    return {rule_id for rule_id, _ in lint(text, **options)}


def test_hadolint_ignore_suppresses_the_counterpart_on_the_next_instruction():
    text = f"FROM debian:bookworm\n# hadolint ignore=DL3009\n{APT}\n{APT}\n"
    assert sorted(lint(text, select=("SL201",))) == [("SL201", 4)]


def test_hadolint_codes_without_counterpart_change_nothing():
    text = f"FROM debian:bookworm\n# hadolint ignore=DL3008,SC2086\n{APT}\n"
    assert {"SL201", "SL202"} <= rules(text)


def test_hadolint_global_ignore():
    text = f"FROM debian:bookworm\n{APT}\n# hadolint global ignore=DL3015\n{APT}\n"
    assert "SL202" not in rules(text) and "SL201" in rules(text)


def test_a_code_covers_only_what_hadolints_rule_covers():
    node = "FROM node:20\n# hadolint ignore=DL3060\nRUN yarn install && npm install\n"
    assert [f for f in lint(node, select=("SL206",))] == [("SL206", 3)]  # npm's cache is still reported
    only_yarn = "FROM node:20\n# hadolint ignore=DL3060\nRUN yarn install\n"
    assert lint(only_yarn, select=("SL206",)) == []
    rpm = "FROM fedora:40\n# hadolint ignore=DL3032\nRUN yum install -y x\n# hadolint ignore=DL3032\nRUN dnf install -y y\n"
    assert lint(rpm, select=("SL204",)) == [("SL204", 5)]  # DL3032 is yum's, DL3040 dnf's


@pytest.mark.parametrize("text, suppressed", [
    # hadolint reports DL3059 on the 2nd..nth RUN of a chain; SL101 reports the chain at its first RUN
    ("FROM alpine\nRUN a\n# hadolint ignore=DL3059\nRUN b\n", True),
    ("FROM alpine\n# hadolint ignore=DL3059\nRUN a\nRUN b\n", False),
    ("FROM alpine\nRUN a\n# hadolint ignore=DL3059\nRUN b\nRUN c\n", False),
    ("FROM alpine\nRUN a\n# hadolint ignore=DL3059\nRUN b\n# hadolint ignore=DL3059\nRUN c\n", True),
    ("FROM alpine\n# slimlint ignore=SL101\nRUN a\nRUN b\n", True),
])
def test_dl3059_is_matched_where_hadolint_reports_it(text, suppressed):
    assert ("SL101" not in rules(text, select=("SL101",))) is suppressed


def test_hadolint_pragmas_can_be_turned_off_and_codes_ignored_everywhere():
    text = f"FROM debian:bookworm\n# hadolint ignore=DL3009\n{APT}\n"
    assert "SL201" in rules(text, hadolint_pragmas=False)
    assert "SL201" not in rules(f"FROM debian:bookworm\n{APT}\n", hadolint_ignored=("DL3009",))
    assert "SL206" in rules("FROM node:20\nRUN npm install\n", hadolint_ignored=("DL3060",))


def test_pragmas_are_parsed_with_their_places():
    text = "FROM alpine\n  # slimlint ignore=SL201, SL2O1\n# hadolint global ignore=DL3009\n# slimlint: ignore=SL101\nRUN x\n"
    resolve = Linter(RULES, LintOptions())._resolve
    pragmas = parse_pragmas(parse_dockerfile(text, "Dockerfile"), resolve)
    first, second, third = pragmas
    assert (first.tool, first.scope, first.line, first.column, first.target) == (SLIMLINT, "line", 2, 3, 5)
    assert [(t.text, t.column, t.end_column, bool(t.matches)) for t in first.tokens] == [
        ("SL201", 21, 26, True), ("SL2O1", 28, 33, False)]
    assert (second.tool, second.scope, [m.rule_id for t in second.tokens for m in t.matches]) == (
        HADOLINT, "global", ["SL201"])
    assert third.malformed and third.canonical == "# slimlint ignore=SL101"
