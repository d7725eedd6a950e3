"""Applying text edits: a pure function of a text (what --fix, --diff and editors' quick fixes share)."""

from __future__ import annotations

import pytest

from dockerlint_slim.diagnostics import Span, TextEdit
from dockerlint_slim.fixes.apply import EditError, apply_edits

TEXT = "FROM debian\nRUN apt-get update\n"


def edit(line, column, end_line, end_column, replacement):
    return TextEdit(Span(line, column, end_line, end_column), replacement)


def test_insert_replace_delete_at_once():
    edits = [edit(1, 6, 1, 12, "alpine"), edit(2, 19, 2, 19, " && echo ok"), edit(2, 1, 2, 4, "run")]
    assert apply_edits(TEXT, edits) == "FROM alpine\nrun apt-get update && echo ok\n"


def test_order_of_edits_does_not_matter():
    edits = [edit(2, 19, 2, 19, "!"), edit(1, 1, 1, 1, "# syntax=docker/dockerfile:1\n")]
    assert apply_edits(TEXT, edits) == apply_edits(TEXT, list(reversed(edits)))
    assert apply_edits(TEXT, edits).startswith("# syntax=docker/dockerfile:1\nFROM debian\n")


def test_delete_whole_lines_and_the_end_of_the_text():
    assert apply_edits(TEXT, [edit(2, 1, 3, 1, "")]) == "FROM debian\n"
    assert apply_edits("FROM a\nRUN b", [edit(2, 1, 3, 1, "")]) == "FROM a\n"  # no final newline
    assert apply_edits(TEXT, [edit(3, 1, 3, 1, "RUN x\n")]) == TEXT + "RUN x\n"


def test_crlf_files_keep_crlf_and_columns_ignore_the_cr():
    text = "FROM debian\r\nRUN apt-get update\r\n"
    fixed = apply_edits(text, [edit(2, 19, 2, 19, " \\\n && rm -rf /var/lib/apt/lists/*")])
    assert fixed == "FROM debian\r\nRUN apt-get update \\\r\n && rm -rf /var/lib/apt/lists/*\r\n"


def test_bom_is_not_a_column():
    text = "\ufeffFROM debian\n"
    assert apply_edits(text, [edit(1, 1, 1, 5, "from")]) == "\ufefffrom debian\n"


def test_empty_text_and_new_file():
    assert apply_edits("", [edit(1, 1, 1, 1, ".git\n")]) == ".git\n"


@pytest.mark.parametrize("bad", [
    [edit(5, 1, 5, 1, "x")],  # past the end
    [edit(1, 40, 1, 40, "x")],  # past the end of the line
    [edit(2, 5, 1, 1, "x")],  # ends before it starts
    [edit(1, 1, 1, 5, "a"), edit(1, 3, 1, 8, "b")],  # overlap
    [edit(1, 3, 1, 3, "a"), edit(1, 3, 1, 3, "b")],  # two insertions at one point: order unknown
])
def test_edits_that_do_not_fit_raise(bad):
    with pytest.raises(EditError):
        apply_edits(TEXT, bad)


def test_adjacent_edits_are_fine():
    assert apply_edits(TEXT, [edit(1, 1, 1, 5, "from"), edit(1, 5, 1, 6, "_")]) == "from_debian\nRUN apt-get update\n"
