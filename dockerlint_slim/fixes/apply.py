"""Applying text edits to a text: a pure function, shared by `--fix`, `--diff` and editors' quick fixes.

Spans are 1-based lines and columns counted in characters of the line as the parser saw it (without a UTF-8 BOM and
without the `\\r` of a CRLF line ending), end column exclusive. Line `n + 1`, column 1 is the end of a text of `n`
lines. Replacements are written with `\\n`; in a CRLF file they are written with `\\r\\n`.
"""

from __future__ import annotations

from typing import Iterable

from dockerlint_slim.diagnostics import Span, TextEdit


class EditError(ValueError):
    """An edit does not fit the text (a span outside it, or edits that overlap): a bug in the rule that made it."""


class LineIndex:
    """Offsets of the lines of a text, to turn spans into offsets."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.bom = 1 if text.startswith("\ufeff") else 0
        self.starts = [0]
        position = text.find("\n")
        while position >= 0:
            self.starts.append(position + 1)
            position = text.find("\n", position + 1)
        if self.starts[-1] == len(text) and len(self.starts) > 1:
            self.starts.pop()  # a final newline ends the last line; it does not start another
        crlf = text.count("\r\n")
        self.newline = "\r\n" if crlf and crlf * 2 >= text.count("\n") else "\n"

    def offset(self, line: int, column: int) -> int:
        text = self.text
        if line == len(self.starts) + 1 and column == 1 or not text and (line, column) == (1, 1):
            return len(text)
        if not 1 <= line <= len(self.starts) or column < 1:
            raise EditError(f"position {line}:{column} is outside the text ({len(self.starts)} lines)")
        start = self.starts[line - 1] + (self.bom if line == 1 else 0)
        end = self.starts[line] - 1 if line < len(self.starts) else len(text)
        if end > start and text[end - 1 : end] == "\n":
            end -= 1
        if end > start and text[end - 1 : end] == "\r":
            end -= 1
        if start + column - 1 > end:
            raise EditError(f"position {line}:{column} is past the end of line {line}")
        return start + column - 1

    def range(self, span: Span) -> tuple[int, int]:
        start = self.offset(span.line, span.column)
        end = self.offset(span.end_line, span.end_column)
        if end < start:
            raise EditError(f"span {span} ends before it starts")
        return start, end


def edit_ranges(text: str, edits: Iterable[TextEdit]) -> list[tuple[int, int, str]]:
    """(start, end, replacement) of each edit in `text`, sorted; raises EditError when they overlap."""
    index = LineIndex(text)
    ranges = []
    for edit in edits:
        start, end = index.range(edit.span)
        replacement = edit.replacement.replace("\n", index.newline) if index.newline != "\n" else edit.replacement
        ranges.append((start, end, replacement))
    ranges.sort(key=lambda item: (item[0], item[1]))
    for (start_a, end_a, _), (start_b, end_b, _) in zip(ranges, ranges[1:]):
        if start_b < end_a or (start_b == end_a == start_a == end_b):
            raise EditError("edits overlap")
    return ranges


def apply_edits(text: str, edits: Iterable[TextEdit]) -> str:
    """`text` with every edit applied (all spans refer to `text` as given)."""
    pieces = []
    position = 0
    for start, end, replacement in edit_ranges(text, edits):
        pieces.append(text[position:start])
        pieces.append(replacement)
        position = end
    pieces.append(text[position:])
    return "".join(pieces)
