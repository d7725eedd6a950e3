"""SL000 parse-error: what BuildKit refuses is reported at its place, and the rest of the file is still linted."""

from __future__ import annotations

import pytest

RULE = "SL000"


def errors(lint, text):
    return [(d.span.line, d.message) for d in lint(text) if d.rule_id == RULE]


@pytest.mark.parametrize("text, line, words", [
    ("FROM alpine\nRUN <<EOF\napk add curl\n", 2, "heredoc"),
    ("FROM alpine\nBOGUS x\n", 2, "unknown instruction"),
    ("FROM alpine\nRUN --mount=type=nope,target=/x true\n", 2, "mount type"),
    ("FROM alpine\nCOPY onlyone\n", 2, "at least two arguments"),
    ("# comment only\n", 1, "no instructions"),
])
def test_what_buildkit_refuses_is_reported_where_it_is(lint, text, line, words):
    found = errors(lint, text)
    assert found and found[0][0] == line
    assert words in found[0][1].lower()


@pytest.mark.parametrize("text", [
    "FROM alpine\nRUN echo hi\n",
    "# syntax=docker/dockerfile:1\nFROM alpine\nRUN <<EOF\necho hi\nEOF\n",
    "FROM alpine\nWORKDIR /src\nRUN --mount=type=bind,from=alpine,src=/etc make\n",  # no target: lands on WORKDIR
    "FROM alpine\nRUN --mount=type=secret,id=npm,required true\n",
    "from alpine\nrun echo lower-case keywords\n",
])
def test_valid_files_have_no_parse_error(lint, text):
    assert errors(lint, text) == []


def test_the_rest_of_the_file_is_still_linted(lint):
    found = lint("FROM debian:bookworm\nBOGUS x\nRUN apt-get update && apt-get install -y curl\n")
    ids = {d.rule_id for d in found}
    assert RULE in ids and "SL201" in ids


def test_binary_input_is_one_finding_not_a_crash(lint):
    found = [d for d in lint("\x00\x01\x02 not a dockerfile \x7f") if d.rule_id == RULE]
    assert found
