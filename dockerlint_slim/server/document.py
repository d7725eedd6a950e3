"""An open document as the editor has it, and the conversions between the editor's positions and slimlint's spans.

LSP positions are 0-based lines and character offsets counted in the code units the client and server agreed on
(UTF-16 unless the client offered UTF-8 or UTF-32), and LSP lines end at `\\n`, `\\r\\n` or `\\r`. slimlint's spans are
1-based lines split at `\\n` only (as BuildKit splits them) with 1-based columns counted in characters, after a UTF-8
BOM on line 1 (see `fixes.apply`). Both meet in absolute character offsets into the text, so a line with an emoji, a
BOM or a lone `\\r` maps exactly.

Nothing here imports pygls: positions are `(line, character)` tuples.
"""

from __future__ import annotations

import re

from dockerlint_slim.diagnostics import Span
from dockerlint_slim.fixes.apply import LineIndex

UTF8 = "utf-8"
UTF16 = "utf-16"
UTF32 = "utf-32"

Position = tuple[int, int]  # (line, character), 0-based, in the document's encoding

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def units(text: str, encoding: str) -> int:
    """Length of `text` in the code units of `encoding`."""
    if encoding == UTF32 or text.isascii():
        return len(text)
    if encoding == UTF8:
        return len(text.encode("utf-8", "surrogatepass"))
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _unit_width(char: str, encoding: str) -> int:
    if encoding == UTF32:
        return 1
    code = ord(char)
    if encoding == UTF8:
        return 1 if code < 0x80 else 2 if code < 0x800 else 3 if code < 0x10000 else 4
    return 2 if code > 0xFFFF else 1


class Document:
    """The text of an open document, its version, and position conversions (`encoding`: the negotiated one)."""

    def __init__(self, uri: str, text: str, version: int | None, encoding: str = UTF16) -> None:
        self.uri = uri
        self.version = version
        self.encoding = encoding
        self._set(text)

    def _set(self, text: str) -> None:
        self.text = text
        self._starts = [0] + [match.end() for match in _LINE_BREAK.finditer(text)]
        self._line_index: LineIndex | None = None

    # -- editor side ------------------------------------------------------------------------------------------

    @property
    def line_count(self) -> int:
        return len(self._starts)

    def line_text(self, line: int) -> str:
        """Line `line` (0-based) without its line break; "" past the end."""
        if not 0 <= line < len(self._starts):
            return ""
        start, end = self._line_bounds(line)
        return self.text[start:end]

    def _line_bounds(self, line: int) -> tuple[int, int]:
        start = self._starts[line]
        if line + 1 < len(self._starts):
            end = self._starts[line + 1]
            end -= 2 if self.text.startswith("\r\n", end - 2) else 1
        else:
            end = len(self.text)
        return start, end

    def offset_at(self, position: Position) -> int:
        """The character offset of an editor position; a character past the end of its line means the line's end,
        a line past the end of the text means the text's end (as the protocol says)."""
        line, character = position
        if line < 0:
            return 0
        if line >= len(self._starts):
            return len(self.text)
        start, end = self._line_bounds(line)
        if character <= 0:
            return start
        text = self.text[start:end]
        if self.encoding == UTF32 or text.isascii():
            return start + min(character, len(text))
        counted = 0
        for index, char in enumerate(text):
            if counted >= character:
                return start + index
            counted += _unit_width(char, self.encoding)
            if counted > character:  # inside a character (half of a surrogate pair): its start
                return start + index
        return end

    def position_at(self, offset: int) -> Position:
        """The editor position of a character offset (clamped to the text)."""
        offset = max(0, min(offset, len(self.text)))
        lo, hi = 0, len(self._starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self._starts[mid] <= offset:
                lo = mid
            else:
                hi = mid - 1
        start, end = self._line_bounds(lo)
        return lo, units(self.text[start:min(offset, end)], self.encoding)

    def apply_change(self, text: str, range_: tuple[Position, Position] | None = None) -> None:
        """Apply one content change: the whole text (`range_` None) or a replacement of `range_`."""
        if range_ is None:
            self._set(text)
            return
        start, end = self.offset_at(range_[0]), self.offset_at(range_[1])
        if end < start:
            start, end = end, start
        self._set(self.text[:start] + text + self.text[end:])

    # -- slimlint side ----------------------------------------------------------------------------------------

    def span_offsets(self, span: Span) -> tuple[int, int]:
        """Character offsets of a slimlint span (1-based, BuildKit's lines), clamped to the text."""
        start = self._offset_of(span.line, span.column)
        end = self._offset_of(span.end_line, span.end_column)
        return start, max(start, end)

    def span_range(self, span: Span) -> tuple[Position, Position]:
        start, end = self.span_offsets(span)
        return self.position_at(start), self.position_at(end)

    def _offset_of(self, line: int, column: int) -> int:
        index = self._line_index
        if index is None:
            index = self._line_index = LineIndex(self.text)
        starts = index.starts
        if line < 1:
            return 0
        if line > len(starts):
            return len(self.text)
        start = starts[line - 1] + (index.bom if line == 1 else 0)
        end = starts[line] - 1 if line < len(starts) else len(self.text)
        if end > start and self.text[end - 1] == "\n":
            end -= 1
        if end > start and self.text[end - 1] == "\r":
            end -= 1
        return min(start + max(column, 1) - 1, max(start, end))
