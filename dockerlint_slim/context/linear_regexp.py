"""A linear-time matcher for the regular expressions moby builds from `.dockerignore` patterns.

moby translates a pattern into a Go regular expression (`*` -> `[^/]*`, `**/` -> `(.*/)?`, `?` -> `[^/]`, classes and
escapes copied) and matches it with Go's regexp package, which runs in time linear in the path. Python's `re`
backtracks: `a/*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b` against a 60-character name, or sixteen `**/` against a deep path,
takes hours. This module reads the same expression into a Thompson automaton and runs it as a lazily built DFA (as
RE2 and Go do): every path character costs one table lookup once the states it needs exist, and a pattern never
keeps more than `_MAX_STATES` states (the table starts afresh beyond that), so time stays linear and memory bounded.

Only the syntax moby's translation can produce is read: literals, `\\x` escapes, `.`, `[...]` classes (ranges,
negation, escapes, Python's reading of a `[` inside a class), groups, `*` and `?`, and the `^` / `\\Z` anchors.
"""

from __future__ import annotations

import re
from typing import Callable

_MAX_STATES = 2048  # DFA states kept per pattern before the cache starts afresh (bounded memory)

# Escapes of a letter or digit that Python's `re` reads as a class or a character (others are errors in Go or
# Python, or need backtracking: `\1`).
_CATEGORY: dict[str, Callable[[str], bool]] = {
    "d": str.isdecimal,
    "D": lambda c: not c.isdecimal(),
    "s": str.isspace,
    "S": lambda c: not c.isspace(),
    "w": lambda c: c.isalnum() or c == "_",
    "W": lambda c: not (c.isalnum() or c == "_"),
}
_CONTROL = {"a": "\a", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}
_OCTAL = "01234567"
_CLASS_CONTROL = {**_CONTROL, "b": "\b"}  # inside a class `\b` is a backspace


class UnsupportedRegexp(ValueError):
    """The expression uses syntax that moby's translation of a pattern does not produce."""


# Automaton nodes: (kind, argument, next, other). Kinds: CHAR (argument: predicate), SPLIT (next and other),
# START (holds only before the first character), END (only after the last one), BOUNDARY / INSIDE (`\b` / `\B`:
# between a word and a non-word character, or not), MATCH.
CHAR, SPLIT, START, END, BOUNDARY, INSIDE, MATCH = range(7)
_ASSERTIONS = {"A": START, "Z": END, "b": BOUNDARY, "B": INSIDE}


class _Builder:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.nodes: list[list] = []

    def node(self, kind: int, argument=None) -> int:
        self.nodes.append([kind, argument, None, None])
        return len(self.nodes) - 1

    # A fragment is (start node, list of (node, slot) holes to patch with the node that follows).
    def sequence(self, closing: str = "") -> tuple[int, list]:
        start, holes = None, []
        text = self.text
        while self.pos < len(text) and text[self.pos] != closing:
            fragment = self.atom()
            if self.pos < len(text) and text[self.pos] in "*?":
                fragment = self.quantified(fragment, text[self.pos])
                self.pos += 1
            if start is None:
                start, holes = fragment
            else:
                self.patch(holes, fragment[0])
                holes = fragment[1]
        if start is None:  # the empty expression: a SPLIT with both ends open acts as a no-op
            empty = self.node(SPLIT)
            return empty, [(empty, 2), (empty, 3)]
        return start, holes

    def patch(self, holes: list, target: int) -> None:
        for node, slot in holes:
            self.nodes[node][slot] = target

    def quantified(self, fragment: tuple[int, list], operator: str) -> tuple[int, list]:
        split = self.node(SPLIT)
        self.nodes[split][2] = fragment[0]
        if operator == "*":
            self.patch(fragment[1], split)
            return split, [(split, 3)]
        return split, fragment[1] + [(split, 3)]

    def atom(self) -> tuple[int, list]:
        text = self.text
        ch = text[self.pos]
        self.pos += 1
        if ch == "(":
            inner = self.sequence(closing=")")
            if self.pos >= len(text):
                raise UnsupportedRegexp("missing )")
            self.pos += 1
            return inner
        if ch in "*?+{)|$":
            raise UnsupportedRegexp(f"unexpected {ch!r}")
        if ch == "^":
            node = self.node(START)
            return node, [(node, 2)]
        if ch == ".":
            return self.char(lambda c: c != "\n")
        if ch == "[":
            return self.char(self.char_class())
        if ch == "\\":
            return self.escape()
        return self.char(ch)

    def char(self, predicate) -> tuple[int, list]:
        node = self.node(CHAR, predicate)
        return node, [(node, 2)]

    def escape(self) -> tuple[int, list]:
        if self.pos >= len(self.text):
            raise UnsupportedRegexp("trailing backslash")
        ch = self.text[self.pos]
        self.pos += 1
        if not ch.isascii() or not ch.isalnum():
            return self.char(ch)
        if ch in _CATEGORY:
            return self.char(_CATEGORY[ch])
        if ch in _CONTROL:
            return self.char(_CONTROL[ch])
        if ch == "x" or ch in _OCTAL:
            return self.char(self.code(ch))
        if ch in _ASSERTIONS:
            node = self.node(_ASSERTIONS[ch])
            return node, [(node, 2)]
        raise UnsupportedRegexp(f"escape \\{ch}")

    def code(self, kind: str) -> str:
        """The character of `\\xHH` (two hex digits) or of an octal escape (`\\0`, `\\012`, `\\101`), after its `x`
        or first digit."""
        text = self.text
        if kind == "x":
            digits = text[self.pos : self.pos + 2]
            if len(digits) != 2 or any(d not in "0123456789abcdefABCDEF" for d in digits):
                raise UnsupportedRegexp("incomplete escape \\x")
            self.pos += 2
            return chr(int(digits, 16))
        # Go's rule: `\0` and up to two more octal digits; `\1`-`\7` alone would be a backreference (an error in
        # Go's regexp, which has none), followed by an octal digit it starts an octal code.
        digits = kind
        if kind != "0" and not (self.pos < len(text) and text[self.pos] in _OCTAL):
            raise UnsupportedRegexp(f"backreference \\{kind} (BuildKit's regular expressions have none)")
        while len(digits) < 3 and self.pos < len(text) and text[self.pos] in _OCTAL:
            digits += text[self.pos]
            self.pos += 1
        return chr(int(digits, 8))

    def char_class(self) -> Callable[[str], bool]:
        """`[...]` after its `[`, as Python's `re` reads it: a leading `^` negates, a `]` right after the opening is
        a member, `a-z` ranges, `\\` escapes; a `[` inside is a member."""
        text = self.text
        negated = self.pos < len(text) and text[self.pos] == "^"
        if negated:
            self.pos += 1
        members: list[str] = []
        ranges: list[tuple[str, str]] = []
        tests: list[Callable[[str], bool]] = []
        first = True
        while True:
            if self.pos >= len(text):
                raise UnsupportedRegexp("unterminated character class")
            ch = text[self.pos]
            self.pos += 1
            if ch == "]" and not first:
                break
            first = False
            if ch == "\\":
                if self.pos >= len(text):
                    raise UnsupportedRegexp("trailing backslash")
                ch = text[self.pos]
                self.pos += 1
                if ch.isascii() and ch.isalnum():
                    if ch in _CATEGORY:
                        tests.append(_CATEGORY[ch])
                        continue
                    if ch == "x" or ch in _OCTAL:
                        ch = self.code(ch)
                    elif ch in _CLASS_CONTROL:
                        ch = _CLASS_CONTROL[ch]
                    else:
                        raise UnsupportedRegexp(f"escape \\{ch}")
            if self.pos + 1 < len(text) and text[self.pos] == "-" and text[self.pos + 1] != "]":
                high = text[self.pos + 1]
                self.pos += 2
                if high == "\\":
                    if self.pos >= len(text):
                        raise UnsupportedRegexp("trailing backslash")
                    high = text[self.pos]
                    self.pos += 1
                    if high.isascii() and high.isalnum():
                        if high == "x" or high in _OCTAL:
                            high = self.code(high)
                        elif high in _CLASS_CONTROL:
                            high = _CLASS_CONTROL[high]
                        else:
                            raise UnsupportedRegexp(f"escape \\{high} in a range")
                if high < ch:
                    raise UnsupportedRegexp(f"bad character range {ch}-{high}")
                ranges.append((ch, high))
            else:
                members.append(ch)
        chars = frozenset(members)

        def predicate(c: str) -> bool:
            found = c in chars or any(low <= c <= high for low, high in ranges) or any(test(c) for test in tests)
            return found != negated

        return predicate


class LinearRegexp:
    """One expression (`^...\\Z` as moby's pattern translation makes it), matched in time linear in the path."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        builder = _Builder(pattern)
        start, holes = builder.sequence()
        if builder.pos != len(pattern):
            raise UnsupportedRegexp(f"unexpected {pattern[builder.pos]!r}")
        final = builder.node(MATCH)
        builder.patch(holes, final)
        self._nodes = [tuple(node) for node in builder.nodes]
        self._start = start
        self._keys: list = []  # the DFA, built on the first path that passes the literal checks
        # Literal text every match starts and ends with (`dir/` of `^dir/(.*/)?[^/]*\.log\Z`, and `.log`): checked
        # first, in C, so that the thousands of patterns a path does not match cost little.
        self.prefix = _literal_prefix(pattern)
        self.suffix = _literal_suffix(pattern)

    def _reset(self) -> None:
        # A DFA state is the set of automaton nodes alive at a position, with what the previous character was (None
        # before the first one, else whether it is a word character): `\b` and `^` depend on it.
        self._states: dict[tuple[frozenset[int], bool | None], int] = {}
        self._keys: list[tuple[frozenset[int], bool | None]] = []
        self._moves: list[dict[str, int]] = []
        self._accepts: list[bool] = []
        self._initial = self._state(self._closure((self._start,), None), None)

    def _closure(self, roots, previous: bool | None, following: str | None = "", known: bool = False) -> frozenset[int]:
        """The CHAR and MATCH nodes reached from `roots` without reading a character, plus the assertions that
        depend on the next character while it is not `known` (`following` None: the input ends here)."""
        nodes = self._nodes
        seen: set[int] = set()
        kept: set[int] = set()
        stack = list(roots)
        while stack:
            index = stack.pop()
            if index is None or index in seen:
                continue
            seen.add(index)
            kind, _, after, other = nodes[index]
            if kind == SPLIT:
                stack.append(after)
                stack.append(other)
            elif kind == START:
                if previous is None:
                    stack.append(after)
            elif kind in (END, BOUNDARY, INSIDE):
                if not known:
                    kept.add(index)
                elif kind == END:
                    if following is None:
                        stack.append(after)
                elif (bool(previous) != _is_word(following)) == (kind == BOUNDARY):
                    stack.append(after)
            else:  # CHAR, MATCH
                kept.add(index)
        return frozenset(kept)

    def _state(self, nodes: frozenset[int], previous: bool | None) -> int:
        key = (nodes, previous)
        state = self._states.get(key)
        if state is None:
            state = self._states[key] = len(self._keys)
            self._keys.append(key)
            self._moves.append({})
            ended = self._closure(nodes, previous, None, known=True)
            self._accepts.append(any(self._nodes[i][0] == MATCH for i in ended))
        return state

    def _step(self, state: int, ch: str) -> int:
        nodes = self._nodes
        alive, previous = self._keys[state]
        alive = self._closure(alive, previous, ch, known=True)  # assertions decided now that `ch` is known
        after = [nodes[i][2] for i in alive if nodes[i][0] == CHAR and _holds(nodes[i][1], ch)]
        word = _is_word(ch)
        target = self._state(self._closure(after, word), word)
        self._moves[state][ch] = target
        return target

    def match(self, text: str) -> bool:
        """Does the whole of `text` match? (The expression anchors itself with `^` and `\\Z`, as moby's do.)"""
        if not (text.startswith(self.prefix) and text.endswith(self.suffix)):
            return False
        if not self._keys or len(self._keys) > _MAX_STATES:
            self._reset()
        state = self._initial
        moves = self._moves
        for ch in text:
            following = moves[state].get(ch)
            if following is None:
                following = self._step(state, ch)
            state = following
        return self._accepts[state]


# Characters that stand for themselves outside a class (no regexp meaning in Python's or Go's syntax).
_SPECIAL = frozenset("\\.[]()*?^$|+{}")


def _literal_prefix(pattern: str) -> str:
    """The literal characters right after the leading `^`, that no quantifier applies to."""
    if not pattern.startswith("^"):
        return ""
    out: list[str] = []
    pos = 1
    while pos < len(pattern):
        ch = pattern[pos]
        if ch == "\\" and pos + 1 < len(pattern) and pattern[pos + 1] in _SPECIAL:
            literal, width = pattern[pos + 1], 2
        elif ch not in _SPECIAL:
            literal, width = ch, 1
        else:
            break
        if pattern[pos + width : pos + width + 1] in ("*", "?"):
            break
        out.append(literal)
        pos += width
    return "".join(out)


def _literal_suffix(pattern: str) -> str:
    """The literal characters right before the trailing `\\Z`."""
    if not pattern.endswith("\\Z") or re.search(r"\\[0-7x]", pattern):
        return ""  # read backwards, the digits of `\101` or `\x41` would pass for literal characters
    out: list[str] = []
    end = len(pattern) - 2  # characters [0, end) remain
    while end > 1:
        ch = pattern[end - 1]
        slashes = 0
        while end - 2 - slashes >= 0 and pattern[end - 2 - slashes] == "\\":
            slashes += 1
        if slashes % 2 == 1:  # an escaped character
            if ch not in _SPECIAL:
                break  # `\\d`, `\\b`: a class or an assertion
            out.append(ch)
            end -= 2
        elif ch not in _SPECIAL:
            out.append(ch)
            end -= 1
        else:
            break
    return "".join(reversed(out))


def _is_word(ch: str | None) -> bool:
    return ch is not None and (ch.isalnum() or ch == "_")


def _holds(predicate, ch: str) -> bool:
    return predicate == ch if isinstance(predicate, str) else predicate(ch)
