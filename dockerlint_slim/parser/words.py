"""Word splitting and variable substitution with BuildKit's rules.

Three readers, each a port of the BuildKit function it names:
- `dockerfile_words`: parseWords, which splits ENV/LABEL arguments and keeps quotes;
- `process_words`: the shell lexer's ProcessWords, used to find heredoc words on a line;
- `expand`: ProcessWord with an environment, for the instructions BuildKit substitutes variables in
  (FROM, COPY, ADD, ENV, ARG, WORKDIR, ...). Every form BuildKit supports: `$v`, `${v}`, `${v:-w}`, `${v-w}`,
  `${v:+w}`, `${v+w}`, `${v:?m}`, `${v?m}`, `${v#p}`, `${v##p}`, `${v%p}`, `${v%%p}`, `${v/p/r}`, `${v//p/r}`.
"""

from __future__ import annotations

import fnmatch
import re
from typing import Mapping

_SPACE = " \t\n\v\f\r\x85\xa0"
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|[0-9]")
# Deeper ${...} nesting is left as written: no real Dockerfile nests this far and it bounds recursion.
_MAX_NESTING = 32


def dockerfile_words(rest: str, escape: str = "\\") -> list[str]:
    """parseWords: whitespace-separated words; quotes and escapes are kept in the words."""
    found: list[str] = []
    word: list[str] = []
    quote = ""
    blank_ok = False
    in_word = False
    pos, length = 0, len(rest)
    while pos < length:
        ch = rest[pos]
        if not in_word:
            if ch in _SPACE:
                pos += 1
                continue
            in_word = True
        if quote:
            if ch == quote:
                quote = ""
            if ch == escape and quote != "'" and ch != quote:
                if pos + 1 == length:
                    quote = ""
                    pos += 1
                    continue
                word.append(ch)
                pos += 1
                ch = rest[pos]
            word.append(ch)
            pos += 1
            continue
        if ch in _SPACE:
            in_word = False
            if blank_ok or word:
                found.append("".join(word))
            word, blank_ok = [], False
            pos += 1
            continue
        if ch in ("'", '"'):
            quote, blank_ok = ch, True
        if ch == escape:
            if pos + 1 == length:
                pos += 1
                continue
            word.append(ch)
            pos += 1
            ch = rest[pos]
        word.append(ch)
        pos += 1
    if in_word and (blank_ok or word):
        found.append("".join(word))
    return found


def process_words(text: str, *, raw_quotes: bool, raw_escapes: bool, strict: bool) -> list[str]:
    """Shell-lexer word split (no variable expansion). On an unterminated quote: [] or ValueError if strict."""
    found: list[str] = []
    word: list[str] = []
    has_word = False
    pos, length = 0, len(text)
    while pos < length:
        ch = text[pos]
        if ch in _SPACE:
            if has_word:
                found.append("".join(word))
            word, has_word = [], False
            pos += 1
            continue
        has_word = True
        if ch == "'":
            end = text.find("'", pos + 1)
            if end < 0:
                if strict:
                    raise ValueError("unexpected end of statement while looking for matching single-quote")
                return []
            inner = text[pos + 1 : end]
            word.append(f"'{inner}'" if raw_quotes else inner)
            pos = end + 1
        elif ch == '"':
            pos += 1
            if raw_quotes:
                word.append('"')
            while pos < length and text[pos] != '"':
                if text[pos] == "\\" and pos + 1 < length and text[pos + 1] in '"$\\`':
                    if raw_escapes:
                        word.append("\\")
                    pos += 1
                word.append(text[pos])
                pos += 1
            if pos >= length:
                if strict:
                    raise ValueError("unexpected end of statement while looking for matching double-quote")
                return []
            if raw_quotes:
                word.append('"')
            pos += 1
        elif ch == "\\":
            if raw_escapes:
                word.append("\\")
            if pos + 1 < length:
                word.append(text[pos + 1])
            pos += 2
        else:
            word.append(ch)
            pos += 1
    if has_word:
        found.append("".join(word))
    return found


# A substitution never produces more than this many characters: `ARG A2=${A1}${A1}` forty times doubles a value
# to a terabyte. Real values (versions, URLs, package lists) are far below it.
MAX_VALUE = 64 * 1024
# Pattern operators (`${v#p}`, `${v%%p}`, `${v//p/r}`) cost up to the square of the value's length with Python's
# matching: a file's expansions may spend this many character steps on them; past that they are left unevaluated.
MAX_PATTERN_WORK = 20_000_000
_MAX_PATTERN_COST = 5_000_000  # ... and one operator this many (see `_affordable`)


class ExpansionLimits:
    """What one file's substitutions may cost, and what they had to leave out (`problems`, reported as SL000)."""

    def __init__(self) -> None:
        self.work = 0
        self.problems: list[str] = []

    def problem(self, message: str) -> None:
        if message not in self.problems:
            self.problems.append(message)


def expand(text: str, env: Mapping[str, str | None], escape: str = "\\",
           limits: ExpansionLimits | None = None) -> str:
    """Substitute variables and remove quotes, as BuildKit does for one word. Unset variables become ''. The
    result is at most MAX_VALUE characters; what had to be cut or left unevaluated is noted in `limits`."""
    return _Expander(text, env, escape, limits or ExpansionLimits()).word()


class _Pieces:
    """The parts of a word being built, never more than MAX_VALUE characters in all."""

    def __init__(self, limits: ExpansionLimits) -> None:
        self.parts: list[str] = []
        self.size = 0
        self.limits = limits

    def add(self, piece: str) -> None:
        if self.size + len(piece) > MAX_VALUE:
            piece = piece[: MAX_VALUE - self.size]
            self.limits.problem(f"a variable expands to more than {MAX_VALUE // 1024} KiB (BuildKit would need the "
                                "memory for all of it); slimlint uses its first 64 KiB")
        self.parts.append(piece)
        self.size += len(piece)

    def text(self) -> str:
        return "".join(self.parts)


class _Expander:
    def __init__(self, text: str, env: Mapping[str, str | None], escape: str, limits: ExpansionLimits) -> None:
        self.text = text
        self.env = env
        self.escape = escape
        self.limits = limits
        self.pos = 0
        self.depth = 0

    def word(self, stop: str = "") -> str:
        out = _Pieces(self.limits)
        text, length = self.text, len(self.text)
        while self.pos < length:
            ch = text[self.pos]
            if stop and ch in stop:
                break
            if ch == self.escape:
                if self.pos + 1 < length:
                    out.add(text[self.pos + 1])
                self.pos += 2
            elif ch == "'":
                end = text.find("'", self.pos + 1)
                end = length if end < 0 else end
                out.add(text[self.pos + 1 : end])
                self.pos = end + 1
            elif ch == '"':
                self.pos += 1
                out.add(self._double_quoted())
            elif ch == "$":
                out.add(self._dollar())
            else:
                out.add(ch)
                self.pos += 1
        return out.text()

    def _double_quoted(self) -> str:
        out = _Pieces(self.limits)
        text, length = self.text, len(self.text)
        while self.pos < length:
            ch = text[self.pos]
            if ch == '"':
                self.pos += 1
                break
            if ch == self.escape and self.pos + 1 < length and text[self.pos + 1] in ('"', "$", self.escape):
                out.add(text[self.pos + 1])
                self.pos += 2
            elif ch == "$":
                out.add(self._dollar())
            else:
                out.add(ch)
                self.pos += 1
        return out.text()

    def _lookup(self, name: str) -> str | None:
        return self.env.get(name)

    def _dollar(self) -> str:
        text = self.text
        self.pos += 1
        if self.pos >= len(text):
            return "$"
        if text[self.pos] != "{":
            match = _NAME.match(text, self.pos)
            if not match:
                return "$"
            self.pos = match.end()
            return self._lookup(match.group()) or ""
        start = self.pos - 1
        self.pos += 1
        match = _NAME.match(text, self.pos)
        if not match or self.depth >= _MAX_NESTING:
            end = text.find("}", self.pos)
            self.pos = len(text) if end < 0 else end + 1
            return text[start : self.pos]
        name = match.group()
        self.pos = match.end()
        value = self._lookup(name)
        if self.pos < len(text) and text[self.pos] == "}":
            self.pos += 1
            return value or ""
        operator = self._operator()
        self.depth += 1
        try:
            argument = self.word(stop="}" if not operator.startswith("/") else "/}")
            replacement = ""
            if operator.startswith("/") and self.pos < len(text) and text[self.pos] == "/":
                self.pos += 1
                replacement = self.word(stop="}")
        finally:
            self.depth -= 1
        if self.pos < len(text) and text[self.pos] == "}":
            self.pos += 1
        return _apply(operator, value, argument, replacement, self.limits)

    def _operator(self) -> str:
        text = self.text
        for operator in (":-", ":+", ":?", "##", "%%", "//", "-", "+", "?", "#", "%", "/"):
            if text.startswith(operator, self.pos):
                self.pos += len(operator)
                return operator
        self.pos += 1  # unknown modifier: skip it, BuildKit reports an error at build time
        return "?unknown"


def _apply(operator: str, value: str | None, argument: str, replacement: str, limits: ExpansionLimits) -> str:
    if operator == ":-":
        return value if value else argument
    if operator == "-":
        return argument if value is None else value
    if operator == ":+":
        return argument if value else ""
    if operator == "+":
        return "" if value is None else argument
    if operator in (":?", "?", "?unknown"):
        return value or ""
    value = value or ""
    if operator in ("#", "##", "%", "%%", "/", "//") and not _affordable(value, argument, limits):
        limits.problem(f"`${{...{operator}{argument[:40]}}}` on a value of {len(value)} characters is not evaluated "
                       "(too costly to match); slimlint uses the value as is")
        return value
    if operator in ("#", "##"):
        return _trim_prefix(value, argument, longest=operator == "##")
    if operator in ("%", "%%"):
        return _trim_suffix(value, argument, longest=operator == "%%")
    if operator in ("/", "//"):
        return _replace(value, argument, replacement, every=operator == "//", limits=limits)
    return value


def _affordable(value: str, pattern: str, limits: ExpansionLimits) -> bool:
    """Can the pattern operator run on `value` within its own and the file's budget? Literal patterns are cheap;
    with wildcards, Python's backtracking tries up to (length + 1) ** (stars + 1) ways."""
    if not any(ch in pattern for ch in "*?["):
        return True
    cost = (len(value) + 1) ** (pattern.count("*") + 1)
    if cost > _MAX_PATTERN_COST:
        return False
    limits.work += cost
    return limits.work <= MAX_PATTERN_WORK


def _trim_prefix(value: str, pattern: str, longest: bool) -> str:
    if not any(ch in pattern for ch in "*?["):
        return value[len(pattern):] if value.startswith(pattern) else value
    cuts = range(len(value), -1, -1) if longest else range(len(value) + 1)
    for cut in cuts:
        if fnmatch.fnmatchcase(value[:cut], pattern):
            return value[cut:]
    return value


def _trim_suffix(value: str, pattern: str, longest: bool) -> str:
    if not any(ch in pattern for ch in "*?["):
        return value[: len(value) - len(pattern)] if pattern and value.endswith(pattern) else value
    cuts = range(len(value) + 1) if longest else range(len(value), -1, -1)
    for cut in cuts:
        if fnmatch.fnmatchcase(value[cut:], pattern):
            return value[:cut]
    return value


def _replace(value: str, pattern: str, replacement: str, every: bool, limits: ExpansionLimits) -> str:
    if not pattern:
        return value
    out = _Pieces(limits)
    position = 0
    for match in _glob_regex(pattern).finditer(value):
        out.add(value[position : match.start()])
        out.add(replacement)
        position = match.end()
        if not every or out.size >= MAX_VALUE:
            break
    out.add(value[position:])
    return out.text()


def _glob_regex(pattern: str) -> re.Pattern[str]:
    """A shell pattern (`*`, `?`, `[...]`) as an unanchored regex; `*` is greedy as in the shell's longest match."""
    parts = []
    for token in re.findall(r"\[[^\]]+\]|.", pattern, re.S):
        if token == "*":
            parts.append(".*")
        elif token == "?":
            parts.append(".")
        elif len(token) > 2 and token.startswith("["):
            body = token[1:-1]
            negate = body[0] in "!^"
            body = (body[1:] if negate else body).replace("\\", "\\\\")
            parts.append("[" + ("^" if negate else "") + body + "]")
        else:
            parts.append(re.escape(token))
    return re.compile("".join(parts), re.S)
