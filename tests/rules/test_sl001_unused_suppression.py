"""SL001 unused-suppression: slimlint pragmas that suppress nothing (unknown ids, malformed comments, nothing to
suppress), never hadolint's; judged only where the run can know; fixed by removing or rewriting the comment."""

from __future__ import annotations

import pytest

RULE = "SL001"
APT = "RUN apt-get update && apt-get install -y --no-install-recommends curl"  # SL201 (lists kept)
CLEAN_APT = "RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*"


def found(lint, text, **options):
    return [(d.span.line, d.span.column, d.message) for d in lint(text, **options) if d.rule_id == RULE]


def ids(lint, text, **options):
    return sorted({d.rule_id for d in lint(text, **options)})


def test_unknown_id_with_a_suggestion(lint):
    text = f"FROM debian:bookworm\n# slimlint ignore=SL2O1\n{APT}\n"
    [(line, column, message)] = found(lint, text)
    assert (line, column) == (2, 19) and "`SL2O1`" in message and "names no rule" in message
    diagnostic = next(d for d in lint(text) if d.rule_id == RULE)
    assert "Did you mean `SL201`?" in diagnostic.fix.description
    assert "SL201" in ids(lint, text)  # the typo suppressed nothing


def test_a_hadolint_code_in_a_slimlint_pragma_suggests_its_counterpart(lint):
    text = f"FROM debian:bookworm\n# slimlint ignore=DL3009\n{APT}\n"
    [diagnostic] = [d for d in lint(text) if d.rule_id == RULE]
    assert "`DL3009`" in diagnostic.message and "Did you mean `SL201`?" in diagnostic.fix.description


def test_malformed_pragmas(lint):
    for comment in ("# slimlint: ignore=SL201", "# slimlint ignore SL201", "# slimlint disable=SL201",
                    "# slimlint ignore=", "# slimlint:global ignore=SL201"):
        text = f"FROM debian:bookworm\n{comment}\n{APT}\n"
        result = found(lint, text)
        assert [m for _, _, m in result] == ["Malformed suppression comment: slimlint does not read it, so it "
                                             "suppresses nothing"], comment
        assert "SL201" in ids(lint, text), comment


@pytest.mark.parametrize("comment", [
    "# slimlint ignores nothing here, this is prose",
    "# slimlint ignore rules are documented in docs/configuration.md",
    "# slimlint is run in CI",
    "# see slimlint ignore=SL201 in the docs",
    "#slimlint ignore=SL201",  # no blank after the hash: still the pragma
])
def test_prose_and_valid_variants_are_not_malformed(lint, comment):
    text = f"FROM debian:bookworm\n{comment}\n{APT}\n"
    assert not [m for _, _, m in found(lint, text) if m.startswith("Malformed")]


def test_unused_line_and_global_suppressions(lint):
    text = f"FROM debian:bookworm\n# slimlint ignore=SL201,SL202\n{APT}\n# slimlint global ignore=SL206\n"
    result = found(lint, text)
    assert [(line, column) for line, column, _ in result] == [(2, 25), (4, 26)]
    assert result[0][2] == "Unused suppression: no SL202 finding on the instruction at line 3"
    assert result[1][2] == "Unused suppression: no SL206 finding in this file"
    assert "SL201" not in ids(lint, text)  # the used one works


def test_used_suppressions_are_quiet(lint):
    text = (f"FROM debian:bookworm\n# slimlint ignore=apt-lists-not-removed\n{APT}\n"
            "# slimlint global ignore=SL101\nRUN echo one\nRUN echo two\n")
    assert found(lint, text) == []
    assert "SL101" not in ids(lint, text)


def test_a_suppression_with_no_instruction_after_it(lint):
    assert [m for _, _, m in found(lint, f"FROM debian:bookworm\n{CLEAN_APT}\n# slimlint ignore=SL201\n")] == [
        "Suppression comment with no instruction after it: it suppresses nothing"]


def test_hadolint_pragmas_are_never_reported(lint):
    text = f"FROM debian:bookworm\n# hadolint ignore=DL3008,DL3009,DL9999\n{CLEAN_APT}\n# hadolint global ignore=DL3059\n"
    assert found(lint, text) == []


# --- judged only where the run can know -------------------------------------------------------------------------

def test_rules_that_did_not_run_are_not_judged(lint):
    text = f"FROM debian:bookworm\n# slimlint ignore=SL202,SL301\n{CLEAN_APT}\n"
    # SL301 needs a build context: without one it did not run
    assert [m for _, _, m in found(lint, text)] == ["Unused suppression: no SL202 finding on the instruction at line 3"]
    # SL202 left out by --select
    assert found(lint, text, select=("SL001", "SL201")) == []


def test_only_instructions_built_into_the_image_are_judged(lint):
    text = (f"FROM debian:bookworm AS build\n# slimlint ignore=SL201\n{APT}\n"
            "FROM debian:bookworm AS dev\n# slimlint ignore=SL201\n" + APT + "\n"
            "FROM debian:bookworm\nCOPY --from=build /etc/hostname /x\n")
    # the dev stage may be another build's target; the build stage is not in this image: not judged
    assert found(lint, text) == []
    # with --target dev, the dev pragma is used and the build one still not judged
    assert found(lint, text, target="dev") == []


def test_global_suppressions_are_judged_only_when_every_stage_is_in_the_image(lint):
    multi = "FROM debian:bookworm AS dev\nRUN echo\nFROM debian:bookworm\n# slimlint global ignore=SL202\nRUN echo\n"
    assert found(lint, multi) == []
    chain = "FROM debian:bookworm AS base\nRUN echo\nFROM base\n# slimlint global ignore=SL202\nRUN echo\n"
    assert [m for _, _, m in found(lint, chain)] == ["Unused suppression: no SL202 finding in this file"]


def test_all_is_never_judged(lint):
    assert found(lint, f"FROM debian:bookworm\n# slimlint ignore=ALL\n{CLEAN_APT}\n") == []


def test_global_ignore_of_sl001_turns_it_off(lint):
    assert found(lint, f"FROM debian:bookworm\n# slimlint global ignore=SL001\n# slimlint ignore=SL2O1\n{APT}\n") == []


# --- fixes ------------------------------------------------------------------------------------------------------

def test_fix_removes_the_unused_id_or_the_whole_comment(fix):
    assert fix(f"FROM debian:bookworm\n# slimlint ignore=SL201,SL202\n{APT}\n", select=("SL001", "SL201", "SL202")) == (
        f"FROM debian:bookworm\n# slimlint ignore=SL201\n{APT}\n")
    assert fix(f"FROM debian:bookworm\n# slimlint ignore=SL202, SL201\n{APT}\n", select=("SL001", "SL201", "SL202")) == (
        f"FROM debian:bookworm\n# slimlint ignore=SL201\n{APT}\n")
    assert fix(f"FROM debian:bookworm\n# slimlint ignore=SL2O1 SL9O9\n{CLEAN_APT}\n", select=("SL001", "SL201")) == (
        f"FROM debian:bookworm\n{CLEAN_APT}\n")
    assert fix(f"FROM debian:bookworm\n{CLEAN_APT}\n# slimlint global ignore=SL202\n", select=("SL001", "SL202")) == (
        f"FROM debian:bookworm\n{CLEAN_APT}\n")


def test_fix_rewrites_a_malformed_pragma_it_can_read(fix):
    assert fix(f"FROM debian:bookworm\n# slimlint: ignore=SL201\n{APT}\n", select=("SL001", "SL201")) == (
        f"FROM debian:bookworm\n# slimlint ignore=SL201\n{APT}\n")
    recommends = "RUN apt-get update && apt-get install -y curl"
    assert fix(f"FROM debian:bookworm\n  #  slimlint global: ignore SL201, apt-install-recommends\n{recommends}\n",
               select=("SL001", "SL201", "SL202"), unsafe=True) == (
        f"FROM debian:bookworm\n  # slimlint global ignore=SL201,apt-install-recommends\n{recommends}\n")


def test_no_fix_for_a_malformed_pragma_with_unknown_words(lint):
    [diagnostic] = [d for d in lint(f"FROM debian:bookworm\n# slimlint: ignore=SL201 because\n{APT}\n")
                    if d.rule_id == RULE]
    assert not diagnostic.fix.edits and "# slimlint ignore=SL201,because" in diagnostic.fix.description


def test_a_removal_that_would_create_a_parser_directive_is_not_offered(lint, fix):
    text = f"# slimlint ignore=SL2O1\n# syntax=docker/dockerfile:1\nFROM debian:bookworm\n{CLEAN_APT}\n"
    [diagnostic] = [d for d in lint(text) if d.rule_id == RULE]
    assert not diagnostic.fix.edits
    assert fix(text, select=("SL001",)) == text


def test_fixing_the_finding_a_suppression_was_for_makes_it_go_too(fix):
    # --fix removes the cause (joined RUNs), then the suppression that no longer suppresses anything
    text = "FROM debian:bookworm\n# slimlint ignore=SL201\nRUN apt-get update\nRUN apt-get install -y curl\n"
    fixed = fix(text, select=("SL001", "SL101"))
    assert "slimlint ignore" in fixed  # SL201 is not selected: the pragma is not judged
    fixed = fix(f"FROM debian:bookworm\n# slimlint ignore=SL204\n{CLEAN_APT}\n", select=("SL001", "SL204"))
    assert fixed == f"FROM debian:bookworm\n{CLEAN_APT}\n"
