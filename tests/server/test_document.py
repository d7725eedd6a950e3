"""Open documents: LSP positions (UTF-16 by default, UTF-8/UTF-32 when negotiated; lines at \\n, \\r\\n and \\r) and
slimlint spans (lines at \\n, columns in characters after a BOM) meet exactly."""

from __future__ import annotations

import pytest

from dockerlint_slim.diagnostics import Span
from dockerlint_slim.server.document import UTF8, UTF16, UTF32, Document


def test_columns_after_an_emoji_count_two_utf16_units():
    # "😀" is one character for slimlint (one column) and two UTF-16 code units for the editor.
    prefix = 'RUN echo "😀" && '
    document = Document("file:///x", prefix + "pip install flask\n", 1)
    span = Span(1, len(prefix) + 1, 1, len(prefix) + 1 + len("pip install flask"))
    assert document.span_range(span) == ((0, len(prefix) + 1), (0, len(prefix) + 1 + len("pip install flask")))
    assert document.offset_at((0, len(prefix) + 1)) == len(prefix)  # back to the character offset


@pytest.mark.parametrize("encoding, expected", [(UTF16, 10), (UTF8, 13), (UTF32, 9)])
def test_units_follow_the_negotiated_encoding(encoding, expected):
    # `é` is 1 UTF-16 unit and 2 UTF-8 bytes; `😀` is 2 UTF-16 units and 4 UTF-8 bytes.
    document = Document("file:///x", "# é 😀 end\n", 1, encoding)
    offset = len("# é 😀 ")  # 6 characters before "end"
    assert document.position_at(offset) == (0, {UTF16: 7, UTF8: 10, UTF32: 6}[encoding])
    assert document.position_at(len("# é 😀 end")) == (0, expected)
    assert document.offset_at(document.position_at(offset)) == offset


def test_a_bom_is_a_character_for_the_editor_but_not_a_column_for_slimlint():
    document = Document("file:///x", "\ufeffFROM alpine\n", 1)
    assert document.span_range(Span(1, 1, 1, 5)) == ((0, 1), (0, 5))


def test_a_lone_carriage_return_ends_an_lsp_line_but_not_a_buildkit_line():
    # BuildKit splits at \n only: `a\rb` is one line of three characters; the editor shows two lines.
    document = Document("file:///x", "RUN a\rb\nRUN c\n", 1)
    assert document.line_count == 4  # "RUN a", "b", "RUN c", ""
    assert document.span_range(Span(1, 1, 1, 8)) == ((0, 0), (1, 1))
    assert document.span_range(Span(2, 5, 2, 6)) == ((2, 4), (2, 5))


def test_crlf_lines_end_before_the_carriage_return():
    document = Document("file:///x", "FROM a\r\nRUN b\r\n", 1)
    assert document.span_range(Span(2, 1, 2, 6)) == ((1, 0), (1, 5))
    assert document.line_text(0) == "FROM a"
    assert document.offset_at((0, 99)) == len("FROM a")  # past the end of a line: its end, before \r\n


def test_spans_outside_the_text_are_clamped():
    document = Document("file:///x", "FROM a\nRUN b", 1)
    assert document.span_range(Span(2, 1, 3, 1)) == ((1, 0), (1, 5))  # line n + 1, column 1: the end
    assert document.span_range(Span(9, 1, 9, 4)) == ((1, 5), (1, 5))
    assert document.span_range(Span(1, 40, 1, 50)) == ((0, 6), (0, 6))
    assert document.span_range(Span(0, 0, 1, 2)) == ((0, 0), (0, 1))


def test_incremental_changes():
    document = Document("file:///x", "FROM a\nRUN b\n", 1)
    document.apply_change("pip install x", ((1, 4), (1, 5)))
    assert document.text == "FROM a\nRUN pip install x\n"
    document.apply_change("\nRUN c", ((1, 99), (1, 99)))  # past the end of the line: at its end
    assert document.text == "FROM a\nRUN pip install x\nRUN c\n"
    document.apply_change("", ((0, 4), (2, 3)))  # across lines
    assert document.text == "FROM c\n"
    document.apply_change("# end\n", ((5, 0), (5, 0)))  # past the last line: appended
    assert document.text == "FROM c\n# end\n"
    document.apply_change("FROM d\n")  # the whole text
    assert document.text == "FROM d\n" and document.line_count == 2


def test_changes_in_utf16_units_after_an_emoji():
    document = Document("file:///x", "# 😀 x\n", 1)
    document.apply_change("y", ((0, 5), (0, 6)))  # `x` is at UTF-16 unit 5 (the emoji takes 2)
    assert document.text == "# 😀 y\n"
    # A position inside the surrogate pair (an editor bug) lands on the character's start, never splits it.
    assert document.offset_at((0, 3)) == 2
