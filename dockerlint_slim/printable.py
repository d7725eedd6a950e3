"""Text from Dockerfiles, file names and rule messages made safe to print on one line of a terminal.

A Dockerfile line can carry escape sequences (`RUN apk add \\e]0;pwned\\a\\e[2J` retitles the terminal and clears the
screen), a file name can carry a newline (splitting a report row in two) or bytes that are not UTF-8 (which no
UTF-8 stream can write). `printable` spells all of them as escapes; ordinary text, tabs included, is returned as is.
"""

from __future__ import annotations

import os
import re
import sys

# C0 controls but tab, DEL and C1 controls, lone surrogates (bytes of a non-UTF-8 name, as Python decodes them),
# line and paragraph separators, and the bidirectional overrides and isolates that reorder what a reader sees.
_UNSAFE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\x1b": "\\e"}


def _escape(match: re.Match) -> str:
    ch = match.group()
    code = ord(ch)
    if ch in _NAMED:
        return _NAMED[ch]
    if 0xDC80 <= code <= 0xDCFF:  # a byte that is not UTF-8, kept by the surrogateescape error handler
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """`text` with control characters, bidi overrides and undecodable bytes as visible escapes (`\\e`, `\\n`,
    `\\x07`, `\\xff`, `\\u202e`)."""
    if _UNSAFE.search(text) is None:
        return text
    return _UNSAFE.sub(_escape, text)


def utf8_safe(text: str) -> str:
    """`text` that any UTF-8 writer accepts: bytes of a non-UTF-8 file name (kept by Python as lone surrogates) as
    `\\xff` escapes; everything else unchanged (JSON and SARIF escape control characters themselves)."""
    if text.isascii():
        return text
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def use_color(no_color: bool, output: str | None, stream=None) -> bool:
    """Colour, by the conventions users set in their environment:

    - `--no-color` always wins;
    - `NO_COLOR` set to anything but the empty string: no colour (no-color.org; it wins over FORCE_COLOR, as in
      CPython, pytest and rich);
    - `FORCE_COLOR` set to anything but the empty string forces colour (force-color.org), also into a pipe, a file
      or a dumb terminal, except `0` and `false`, which mean no colour (Node.js and supports-color read them so);
    - `TERM=dumb`: no colour (a terminal that cannot show it, such as Emacs' shell);
    - otherwise colour only when the report goes to a terminal.
    """
    if no_color or os.environ.get("NO_COLOR"):
        return False
    forced = os.environ.get("FORCE_COLOR")
    if forced:
        return forced.strip().lower() not in ("0", "false")
    if os.environ.get("TERM") == "dumb":
        return False
    stream = stream if stream is not None else sys.stdout
    return output is None and hasattr(stream, "isatty") and stream.isatty()
