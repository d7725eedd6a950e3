"""Split Dockerfile source into logical instructions exactly as BuildKit's parser does.

A port of moby/buildkit `frontend/dockerfile/parser`: directives only before the first non-directive line, BOM
and CRLF, comments and blank lines inside continuations, the escape character as line continuation, heredocs on
RUN/COPY/ADD (and ONBUILD of those), flags before the arguments, and each instruction's node values. Spans are
kept for every part so diagnostics point at the exact source position. Unlike BuildKit, problems are collected
as errors and lexing goes on, so the rest of the file can still be linted.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from dockerlint_slim.parser import words

_JSON = json.JSONDecoder()
_DIRECTIVE = re.compile(r"^#[ \t]*([a-zA-Z][a-zA-Z0-9]*)[ \t]*=[ \t]*(.+?)[ \t]*$")
_VALID_DIRECTIVES = ("syntax", "escape", "check")
_WHITESPACE = re.compile(r"[\t\v\f\r ]+")
_HEREDOC_WORD = re.compile(r"^(\d*)<<(-?)([^<]*)$", re.S)
_HEREDOC_KEYWORDS = ("RUN", "COPY", "ADD")
# Go's unicode.IsSpace for the ASCII range plus the Unicode spaces Python's str.isspace also knows.
_GO_SPACE = " \t\n\v\f\r\x85\xa0"
_JSON_KEYWORDS = ("RUN", "CMD", "ENTRYPOINT", "SHELL")
_JSON_LIST_KEYWORDS = ("COPY", "ADD", "VOLUME")
_NAME_VALUE_KEYWORDS = ("ENV", "LABEL")
_STRING_KEYWORDS = ("MAINTAINER", "WORKDIR", "USER", "STOPSIGNAL")
_WORDS_KEYWORDS = ("FROM", "EXPOSE", "ARG")  # ARG words are quote-aware (parseNameOrNameVal)
KNOWN_KEYWORDS = frozenset(
    _JSON_KEYWORDS
    + _JSON_LIST_KEYWORDS
    + _NAME_VALUE_KEYWORDS
    + _STRING_KEYWORDS
    + _WORDS_KEYWORDS
    + ("ONBUILD", "HEALTHCHECK")
)


@dataclass(frozen=True)
class LexError:
    message: str
    line: int
    end_line: int
    column: int = 1
    end_column: int = 0  # 0: to the end of end_line


@dataclass
class OffsetMap:
    """Maps offsets in a logical line back to (line, column) in the source."""

    # (offset in the logical line, source line, source column of that offset), ascending by offset
    segments: list[tuple[int, int, int]]

    def position(self, offset: int) -> tuple[int, int]:
        lo, hi = 0, len(self.segments) - 1
        while lo < hi:  # last segment starting at or before offset
            mid = (lo + hi + 1) // 2
            if self.segments[mid][0] <= offset:
                lo = mid
            else:
                hi = mid - 1
        start, line, column = self.segments[lo]
        return line, column + max(0, offset - start)


@dataclass(frozen=True)
class RawFlag:
    text: str  # as BuildKit returns it: `--name=value` with quotes and escapes processed
    start: int  # offsets in the logical line
    end: int


@dataclass
class RawHeredoc:
    name: str
    file_descriptor: int
    chomp: bool
    expand: bool
    content: str = ""
    start_line: int = 0  # first body line
    end_line: int = 0  # last body line (0 when the body is empty)
    terminated: bool = False


@dataclass
class RawInstruction:
    keyword: str  # upper-case as BuildKit reports `cmd`
    written_keyword: str
    line: str  # the logical line (BuildKit's Node.Original)
    start_line: int
    end_line: int
    start_column: int
    end_column: int  # exclusive, on end_line
    offsets: OffsetMap
    flags: list[RawFlag]
    rest: str  # text after the flags
    rest_offset: int
    json_form: bool = False
    values: list[str] = field(default_factory=list)
    heredocs: list[RawHeredoc] = field(default_factory=list)
    sub: "RawInstruction | None" = None  # the trigger of ONBUILD
    errors: list[str] = field(default_factory=list)


@dataclass
class LexResult:
    instructions: list[RawInstruction]
    directives: dict[str, str]
    escape: str
    comments: list[tuple[int, str]]
    errors: list[LexError]
    lines: list[str]


def directive_line_count(text: str) -> int:
    """How many lines at the top of `text` are parser directives (`# syntax=...`, `# escape=...`): a line inserted
    above any of them would turn the ones below it into plain comments."""
    if text.startswith("\ufeff"):
        text = text[1:]
    count = 0
    for line in split_lines(text):
        directive = _DIRECTIVE.match(line.lstrip(_GO_SPACE))
        if directive is None or directive.group(1).lower() not in _VALID_DIRECTIVES:
            break
        count += 1
    return count


def split_lines(text: str) -> list[str]:
    """Lines as Go's bufio.ScanLines yields them: split at \\n, one trailing \\r dropped."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def _is_comment(line: str) -> bool:
    return line.lstrip(_GO_SPACE).startswith("#")


def lex(text: str) -> LexResult:
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = split_lines(text)
    # Heredoc bodies keep a \r before the newline (BuildKit's scanner drops only \n there): CRLF files.
    raw_lines = text.split("\n")[: len(lines)]
    directives: dict[str, str] = {}
    errors: list[LexError] = []
    comments: list[tuple[int, str]] = []
    instructions: list[RawInstruction] = []
    escape = "\\"
    continuation = _continuation_regex(escape)
    directives_done = False
    count = len(lines)
    index = 0
    while index < count:
        token = lines[index].rstrip("\r\n")
        stripped = token.lstrip(_GO_SPACE)
        line_no = index + 1
        index += 1
        if not directives_done:
            directive = _DIRECTIVE.match(stripped)
            name = directive.group(1).lower() if directive else ""
            if name not in _VALID_DIRECTIVES:
                directives_done = True
            elif name in directives:
                errors.append(LexError(f"only one {name} parser directive can be used", line_no, line_no))
            else:
                directives[name] = directive.group(2)
                if name == "escape":
                    if directive.group(2) in ("\\", "`"):
                        escape = directive.group(2)
                        continuation = _continuation_regex(escape)
                    else:
                        errors.append(
                            LexError(f"invalid escape token '{directive.group(2)}' does not match ` or \\", line_no, line_no)
                        )
        if _is_comment(stripped):
            comments.append((line_no, stripped[1:].strip()))
            continue
        first, at_end = _trim_continuation(stripped, continuation)
        if at_end and first == "":
            continue
        start_column = len(token) - len(stripped) + 1
        segments = [(0, line_no, start_column)]
        parts = [first]
        length = len(first)
        last_line, last_len = line_no, len(token)
        while not at_end and index < count:
            token = lines[index].rstrip("\r\n")
            index += 1
            # BuildKit's end line counts comment and blank lines consumed by a continuation too.
            last_line, last_len = index, len(token)
            if _is_comment(token):
                comments.append((index, token.lstrip(_GO_SPACE)[1:].strip()))
                continue
            if token.lstrip(_GO_SPACE) == "":
                continue
            part, at_end = _trim_continuation(token, continuation)
            segments.append((length, index, 1))
            parts.append(part)
            length += len(part)
        logical = "".join(parts)
        raw = _node_from_line(logical, OffsetMap(segments), line_no, start_column, escape)
        raw.end_line, raw.end_column = last_line, last_len + 1
        if raw.keyword not in ("", *KNOWN_KEYWORDS):
            raw.errors.append(f"unknown instruction: {raw.written_keyword}")
        if _can_contain_heredoc(raw) and "<<" in logical:
            try:
                heredocs = heredocs_from_line(logical)
            except ValueError as exc:
                raw.errors.append(str(exc))
                heredocs = []
            for heredoc in heredocs:
                index = _read_heredoc_body(heredoc, lines, index, raw_lines)
                if heredoc.terminated:
                    raw.end_line, raw.end_column = index, len(lines[index - 1]) + 1
                else:
                    errors.append(LexError(f"unterminated heredoc {heredoc.name}", line_no, count))
                    raw.end_line = count
                    raw.end_column = len(lines[-1]) + 1 if lines else 1
            target = raw.sub if raw.keyword == "ONBUILD" and raw.sub else raw
            target.heredocs = heredocs
        for message in raw.errors + (raw.sub.errors if raw.sub else []):
            errors.append(LexError(message, raw.start_line, raw.end_line, raw.start_column))
        instructions.append(raw)
    return LexResult(instructions, directives, escape, comments, errors, lines)


def _continuation_regex(escape: str) -> re.Pattern[str]:
    # An escaped escape character (`\\` at the end) is not a continuation, as in BuildKit.
    token = re.escape(escape)
    return re.compile(rf"(?:^|[^{token}])({token})[ \t]*\Z")


def _trim_continuation(line: str, continuation: re.Pattern[str]) -> tuple[str, bool]:
    match = continuation.search(line)
    if match:
        return line[: match.start(1)], False
    return line, True


def _read_heredoc_body(heredoc: RawHeredoc, lines: list[str], index: int, raw_lines: list[str] | None = None) -> int:
    """Consume body lines up to the terminator; returns the index of the line after it. The content keeps each
    line as written (`raw_lines`, with a \r of CRLF files), as BuildKit does."""
    content: list[str] = []
    heredoc.start_line = index + 1
    while index < len(lines):
        line = lines[index]
        index += 1
        candidate = line.rstrip("\r\n")
        if heredoc.chomp:
            candidate = candidate.lstrip("\t")
        if candidate == heredoc.name:
            heredoc.terminated = True
            heredoc.end_line = index - 1
            break
        content.append((raw_lines[index - 1] if raw_lines is not None else line) + "\n")
    else:
        heredoc.end_line = index
    heredoc.content = "".join(content)
    return index


def _can_contain_heredoc(raw: RawInstruction) -> bool:
    node = raw.sub if raw.keyword == "ONBUILD" and raw.sub is not None else raw
    return node.keyword in _HEREDOC_KEYWORDS and not node.json_form


def heredocs_from_line(line: str) -> list[RawHeredoc]:
    found = []
    for word in words.process_words(line, raw_quotes=True, raw_escapes=True, strict=False):
        heredoc = parse_heredoc(word)
        if heredoc is not None:
            found.append(heredoc)
    return found


_SINGLE_QUOTED_OR_ESCAPED = re.compile(r"'[^']*'|\\.")
_BROKEN_SUBSTITUTION = re.compile(r"\$\{(?![^}]+\})")


def parse_heredoc(word: str) -> RawHeredoc | None:
    match = _HEREDOC_WORD.match(word)
    if not match or not match.group(3):
        return None
    rest = match.group(3)
    if _BROKEN_SUBSTITUTION.search(_SINGLE_QUOTED_OR_ESCAPED.sub("", rest)):
        return None  # BuildKit's lexer fails on the delimiter (`<<${`, `<<${}`): the line has no heredoc
    cooked = words.process_words(rest, raw_quotes=False, raw_escapes=False, strict=True)
    if len(cooked) != 1:
        return None
    raw = words.process_words(rest, raw_quotes=True, raw_escapes=False, strict=True)
    if len(raw) != len(cooked):
        raise ValueError(f"internal lexing of heredoc produced inconsistent results: {rest}")
    quotes = lambda s: s.count("'") + s.count('"')  # noqa: E731
    return RawHeredoc(
        name=cooked[0],
        file_descriptor=int(match.group(1) or 0),
        chomp=match.group(2) == "-",
        expand=quotes(cooked[0]) == quotes(raw[0]),
    )


def _node_from_line(line: str, offsets: OffsetMap, start_line: int, start_column: int, escape: str) -> RawInstruction:
    stripped = line.strip(" \t\n\v\f\r")
    lead = len(line) - len(line.lstrip(" \t\n\v\f\r"))
    parts = _WHITESPACE.split(stripped, maxsplit=1)
    written = parts[0]
    rest, flags, rest_offset = "", [], len(line)
    if len(parts) == 2:
        rest_start = lead + len(stripped) - len(parts[1])
        rest, flags, consumed = extract_flags(parts[1])
        rest_offset = rest_start + consumed
    raw = RawInstruction(
        keyword=written.upper(),
        written_keyword=written,
        line=line,
        start_line=start_line,
        end_line=start_line,
        start_column=start_column,
        end_column=start_column,
        offsets=offsets,
        flags=[RawFlag(text, start + (rest_offset - consumed), end + (rest_offset - consumed)) for text, start, end in flags],
        rest=rest,
        rest_offset=rest_offset,
    )
    _parse_value(raw, escape, offsets)
    return raw


def _parse_value(raw: RawInstruction, escape: str, offsets: OffsetMap) -> None:
    keyword, rest = raw.keyword, raw.rest
    if keyword in _JSON_KEYWORDS or keyword in _JSON_LIST_KEYWORDS:
        if rest == "" and keyword in _JSON_KEYWORDS:
            return
        items, error = parse_json_array(rest)
        if items is not None:
            raw.json_form, raw.values = True, items
        elif error:
            raw.errors.append(error)
        elif keyword in _JSON_KEYWORDS:
            raw.values = [rest]
        else:
            raw.values = _split_whitespace(rest)
    elif keyword in _NAME_VALUE_KEYWORDS:
        values, error = _parse_name_values(rest, keyword, escape)
        raw.values = values
        if error:
            raw.errors.append(error)
    elif keyword in _STRING_KEYWORDS:
        raw.values = [rest] if rest else []
    elif keyword == "ARG":
        raw.values = words.dockerfile_words(rest, escape)
    elif keyword in _WORDS_KEYWORDS:
        raw.values = _split_whitespace(rest)
    elif keyword == "HEALTHCHECK":
        _parse_healthcheck(raw)
    elif keyword == "ONBUILD":
        _parse_onbuild(raw, escape, offsets)
    else:
        raw.values = [""]


def _split_whitespace(text: str) -> list[str]:
    text = text.strip(" \t\n\v\f\r")
    return _WHITESPACE.split(text) if text else []


def parse_json_array(rest: str) -> tuple[list[str] | None, str | None]:
    """(items, None) for a JSON string array; (None, error) for a non-string array; (None, None) otherwise."""
    text = rest.lstrip(_GO_SPACE)
    if not text.startswith("["):
        return None, None
    try:
        # Like Go's json.Decoder.Decode, BuildKit reads the first JSON value and ignores what follows it.
        value, _ = _JSON.raw_decode(text)
    except (ValueError, RecursionError):
        return None, None
    if not isinstance(value, list):
        return None, None
    if not all(isinstance(item, str) for item in value):
        return None, "when using JSON array syntax, arrays must be comprised of strings only"
    return value, None


def _parse_name_values(rest: str, keyword: str, escape: str) -> tuple[list[str], str | None]:
    found = words.dockerfile_words(rest, escape)
    if not found:
        return [], (f"{keyword} requires at least one argument" if keyword == "LABEL" else None)
    if "=" not in found[0]:
        parts = _WHITESPACE.split(rest, maxsplit=1)
        if len(parts) < 2:
            return [], f"{keyword} must have two arguments"
        return [parts[0], parts[1]], None
    values: list[str] = []
    for word in found:
        if "=" not in word:
            return values, f"Syntax error - can't find = in {word!r}. Must be of the form: name=value"
        name, value = word.split("=", 1)
        values += [name, value]
    return values, None


def _parse_healthcheck(raw: RawInstruction) -> None:
    """parseHealthConfig: the first word (CMD or NONE), then the command, JSON or shell form."""
    rest = raw.rest
    sep = 0
    while sep < len(rest) and rest[sep] not in _GO_SPACE:
        sep += 1
    if sep == 0:
        return
    kind, command = rest[:sep], rest[sep:].lstrip(_GO_SPACE)
    raw.values = [kind]
    if command:
        items, error = parse_json_array(command)
        if items is not None:
            raw.json_form = True
            raw.values += items
        elif error:
            raw.errors.append(error)
        else:
            raw.values.append(command)
    if kind.upper() not in ("CMD", "NONE"):
        raw.errors.append(f"HEALTHCHECK must be followed by NONE or CMD, not {kind}")


def _parse_onbuild(raw: RawInstruction, escape: str, offsets: OffsetMap) -> None:
    rest = raw.rest
    if not rest.strip():
        raw.errors.append("ONBUILD requires at least one argument")
        return
    lead = len(rest) - len(rest.lstrip(" \t\n\v\f\r"))
    start = raw.rest_offset + lead
    sub = _node_from_line(rest[lead:], _shift(offsets, start), *offsets.position(start), escape)
    keyword = sub.keyword
    if keyword in ("ONBUILD", "FROM", "MAINTAINER"):
        raw.errors.append(f"{keyword} isn't allowed as an ONBUILD trigger")
    elif keyword not in KNOWN_KEYWORDS:
        raw.errors.append(f"unknown instruction: {sub.written_keyword}")
    if keyword == "ONBUILD":
        # BuildKit nests a second ONBUILD as a child node: the trigger's value is that node's empty Value.
        # (`ONBUILD ONBUILD` with nothing after it has no child node, so no value at all.)
        sub.values = [""] if sub.rest.strip() else []
    raw.sub = sub
    raw.values = sub.values
    raw.json_form = sub.json_form


def _shift(offsets: OffsetMap, start: int) -> OffsetMap:
    """The offset map of the substring of a logical line that begins at `start`."""
    segments = []
    for offset, line, column in offsets.segments:
        if offset <= start:
            segments = [(0, line, column + (start - offset))]
        else:
            segments.append((offset - start, line, column))
    return OffsetMap(segments)


def extract_flags(line: str) -> tuple[str, list[tuple[str, int, int]], int]:
    """BuildKit's extractBuilderFlags: leading `--flag` words. Returns (rest, [(flag, start, end)], rest offset)."""
    flags: list[tuple[str, int, int]] = []
    word: list[str] = []
    word_start = 0
    in_quote = ""
    blank_ok = False
    in_word = False
    pos = 0
    length = len(line)
    while pos <= length:
        ch = line[pos] if pos < length else ""
        if not in_word:
            if pos == length:
                break
            if ch in _GO_SPACE:
                pos += 1
                continue
            if ch != "-" or pos + 1 == length or line[pos + 1] != "-":
                return line[pos:], flags, pos
            in_word, word, word_start, blank_ok = True, [], pos, False
        if pos == length:
            text = "".join(word)
            if text != "--" and (blank_ok or text):
                flags.append((text, word_start, pos))
            break
        if in_quote:
            if ch == in_quote:
                in_quote = ""
            elif ch == "\\":
                if pos + 1 == length:
                    in_quote = ""
                else:
                    pos += 1
                    word.append(line[pos])
            else:
                word.append(ch)
            pos += 1
            continue
        if ch in _GO_SPACE:
            text = "".join(word)
            in_word = False
            if text == "--":
                return line[pos:], flags, pos
            if blank_ok or text:
                flags.append((text, word_start, pos))
            pos += 1
            continue
        if ch in ("'", '"'):
            in_quote, blank_ok = ch, True
        elif ch == "\\":
            if pos + 1 < length:
                pos += 1
                word.append(line[pos])
        else:
            word.append(ch)
        pos += 1
    return "", flags, length
