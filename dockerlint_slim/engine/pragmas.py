"""Inline suppressions, read from the comments of a Dockerfile, and what became of each.

    # slimlint ignore=SL201,apt-install-recommends   the next instruction (ids, names or ALL)
    # slimlint global ignore=SL101                   the whole file, written anywhere
    # hadolint ignore=DL3009                         hadolint's pragmas, for the codes that have a slimlint
    # hadolint global ignore=DL3059                  counterpart (knowledge/hadolint.py)

A line pragma applies to the instruction that follows its comment block; a finding is matched by the instruction
it starts in (hadolint's DL3059 pragmas by the RUNs hadolint reports: every RUN of the chain but the first).

`Suppressions` answers "is this finding suppressed?" and remembers which pragma token suppressed something, so that
SL001 can report the slimlint pragmas that suppress nothing: an unknown rule id, a malformed comment, or a rule
that found nothing there. hadolint's pragmas are hadolint's own: they are honoured, never reported.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from dockerlint_slim.knowledge.hadolint import counterpart
from dockerlint_slim.model import Dockerfile

SLIMLINT, HADOLINT = "slimlint", "hadolint"
ALL = "*"  # what `ignore=ALL` names

# The exact grammar, on the source line: `# slimlint [global ]ignore=ID[,ID ...]` (blanks also separate ids).
_PRAGMA = re.compile(
    r"^(?P<lead>[ \t]*#[ \t]*)(?P<tool>slimlint|hadolint)[ \t]+(?P<scope>global[ \t]+)?ignore[ \t]*=[ \t]*"
    r"(?P<ids>[A-Za-z0-9_,\- \t]*?)[ \t]*$", re.I)
_TOKEN = re.compile(r"[^,\s]+")
# A comment that tries to be a slimlint pragma: `slimlint` and then ignore/disable/noqa, in any punctuation.
_ATTEMPT = re.compile(r"^slimlint\b[\s:=_-]*(?P<scope>global\b[\s:=_-]*)?(?:ignore|disable|noqa)\b(?P<rest>.*)$",
                      re.I | re.S)
_RULE_ID = re.compile(r"^[A-Za-z]{2,}[0-9]{3,}$")


@dataclass(frozen=True)
class Match:
    """A rule a pragma token names, and (hadolint codes) which of its findings and where."""

    rule_id: str  # a rule id, or ALL
    only: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    where: str = "first"

    def covers(self, rule_id: str, properties: Mapping[str, Any]) -> bool:
        if self.rule_id == ALL:
            return True
        return self.rule_id == rule_id and all(properties.get(key) in values for key, values in self.only.items())


@dataclass(frozen=True)
class Token:
    text: str
    column: int  # 1-based, on the pragma's line
    end_column: int  # exclusive
    matches: tuple[Match, ...]  # empty: it names no rule


@dataclass
class Pragma:
    tool: str  # SLIMLINT | HADOLINT
    line: int
    column: int  # of the `#`
    end_column: int  # end of the comment (exclusive)
    scope: str  # "line" | "global"
    tokens: tuple[Token, ...]
    target: int | None = None  # line pragmas: first line of the instruction it applies to (None: no instruction)
    malformed: bool = False  # looks like a slimlint pragma but is not one (it suppresses nothing)
    canonical: str | None = None  # a malformed pragma as it should be written, when every id is known

    @property
    def written(self) -> str:
        scope = "global " if self.scope == "global" else ""
        return f"# {self.tool} {scope}ignore={','.join(t.text for t in self.tokens)}"


class Suppressions:
    """The pragmas of one file (and the hadolint codes a `.hadolint.yaml` ignores), applied to its findings."""

    def __init__(self, dockerfile: Dockerfile, resolve, hadolint_pragmas: bool = True,
                 hadolint_ignored: Iterable[str] = ()) -> None:
        """`resolve(token) -> Match | None` names the slimlint rule of an id or name (loaded rules, selected or
        not). `hadolint_pragmas`: honour `# hadolint ...` comments (`.hadolint.yaml`'s disable-ignore-pragma turns
        them off). `hadolint_ignored`: codes ignored everywhere (`.hadolint.yaml`'s `ignored`)."""
        self.dockerfile = dockerfile
        self.pragmas = parse_pragmas(dockerfile, resolve, hadolint_pragmas)
        self.used: set[tuple[int, int]] = set()  # (pragma index, token index) that suppressed a finding
        self._configured = tuple(m for code in hadolint_ignored if (m := _hadolint_match(code)) is not None)
        starts = [(i.span.line, i.span.end_line) for i in dockerfile.instructions]
        self._starts = [start for start, _ in starts]
        self._ends = [end for _, end in starts]
        self._line: dict[int, list[tuple[int, int, Match]]] = {}  # instruction start -> (pragma, token, match)
        self._global: list[tuple[int, int, Match]] = []
        for p_index, pragma in enumerate(self.pragmas):
            if pragma.malformed:
                continue
            for t_index, token in enumerate(pragma.tokens):
                for match in token.matches:
                    if pragma.scope == "global":
                        self._global.append((p_index, t_index, match))
                    elif pragma.target is not None:
                        self._line.setdefault(pragma.target, []).append((p_index, t_index, match))

    # --- what the linter asks ---------------------------------------------------------------------------------

    def skips(self, rule_id: str) -> bool:
        """Every finding of the rule is suppressed in this file (a global pragma or setting without conditions)."""
        return any(m.rule_id in (rule_id, ALL) and not m.only for _, _, m in self._global) or any(
            m.rule_id == rule_id and not m.only for m in self._configured)

    def suppresses(self, rule_id: str, line: int, end_line: int, properties: Mapping[str, Any]) -> bool:
        """Whether a finding is suppressed; the pragma tokens that suppress it are remembered as used."""
        hits = [(p, t) for p, t, m in self._global if m.covers(rule_id, properties)]
        suppressed = bool(hits) or any(m.covers(rule_id, properties) for m in self._configured)
        first = self._instruction_at(line)
        if first is not None:
            for p, t, m in self._line.get(self._starts[first], ()):
                if m.where == "first" and m.covers(rule_id, properties):
                    hits.append((p, t))
            rest = self._rest(first, end_line)
            if rest:
                covering = [[(p, t) for p, t, m in self._line.get(self._starts[i], ())
                             if m.where == "rest" and m.covers(rule_id, properties)] for i in rest]
                if all(covering):
                    hits += [hit for found in covering for hit in found]
        self.used.update(hits)
        return suppressed or bool(hits)

    def _instruction_at(self, line: int) -> int | None:
        index = bisect.bisect_right(self._starts, line) - 1
        if index < 0 or line > self._ends[index]:
            return None
        return index

    def _rest(self, first: int, end_line: int) -> list[int]:
        """The instructions after `first` that start within the finding's lines."""
        rest = []
        index = first + 1
        while index < len(self._starts) and self._starts[index] <= end_line:
            rest.append(index)
            index += 1
        return rest


    # --- what SL001 reads ---------------------------------------------------------------------------------------

    def problems(self, ran: set[str], names: Iterable[str] = ()) -> list["Problem"]:
        """The slimlint pragmas that suppress nothing. `ran`: the rules that ran on the whole file (selected, what
        they need at hand, not skipped by per-file settings, no crash). A token is judged unused only when its rule
        ran and the place it covers is built into the image by this run (a line pragma's instruction in a stage that
        reaches the image; a global pragma when every stage does): another `--target` may need it otherwise.
        `names`: the ids and names of the loaded rules, to suggest one for a typo."""
        found: list[Problem] = []
        stages = self.dockerfile.stages
        every_stage = bool(stages) and all(s.reaches_image for s in stages)
        reaching = {i.span.line for i in self.dockerfile.instructions
                    if 0 <= i.stage_index < len(stages) and stages[i.stage_index].reaches_image}
        for p_index, pragma in enumerate(self.pragmas):
            if pragma.tool != SLIMLINT:
                continue
            if pragma.malformed:
                found.append(Problem("malformed", pragma, None, True))
                continue
            if pragma.scope == "line" and pragma.target is None:
                found.append(Problem("nothing-follows", pragma, None, True))
                continue
            judged = every_stage if pragma.scope == "global" else pragma.target in reaching
            bad: list[tuple[str, Token]] = []
            for t_index, token in enumerate(pragma.tokens):
                if not token.matches:
                    bad.append(("unknown", token))
                elif (p_index, t_index) in self.used or token.matches[0].rule_id == ALL:
                    continue
                elif judged and token.matches[0].rule_id in ran:
                    bad.append(("unused", token))
            whole = len(bad) == len(pragma.tokens)
            found += [Problem(kind, pragma, token, whole, _suggestion(token.text, names) if kind == "unknown" else None)
                      for kind, token in bad]
        return found


@dataclass(frozen=True)
class Problem:
    """A slimlint pragma, or one of its tokens, that suppresses nothing."""

    kind: str  # "malformed" | "nothing-follows" | "unknown" | "unused"
    pragma: Pragma
    token: Token | None  # None: the whole comment
    whole: bool  # every token of the comment is a problem: the comment goes, not just the token
    suggestion: str | None = None  # for an unknown id: the rule id or name it most likely means


def _suggestion(word: str, names: Iterable[str]) -> str | None:
    import difflib

    pair = counterpart(word)  # a hadolint code in a slimlint pragma: its counterpart
    if pair is not None:
        return pair.rule
    candidates = sorted(set(names))
    key = word.upper() if _RULE_ID.match(word) or word[:2].isalpha() and word[:2].isupper() else word
    close = difflib.get_close_matches(key, candidates, n=1, cutoff=0.6)
    return close[0] if close else None


def _hadolint_match(code: str) -> Match | None:
    pair = counterpart(code)
    return None if pair is None else Match(pair.rule, pair.only, pair.where)


def slimlint_pragma_scope(comment: str) -> str | None:
    """"line" or "global" when a comment's text (after its `#`) is a well-formed `slimlint [global ]ignore=ID,...`
    pragma, else None: what an editor extends with one more id rather than writing a second pragma."""
    match = _PRAGMA.match("#" + comment)
    if match is None or match.group("tool").lower() != SLIMLINT or not _TOKEN.search(match.group("ids")):
        return None
    return "global" if match.group("scope") else "line"


def parse_pragmas(dockerfile: Dockerfile, resolve, hadolint_pragmas: bool = True) -> list[Pragma]:
    """The pragmas of a file, in line order (slimlint's, malformed ones included, and hadolint's)."""
    pragmas: list[Pragma] = []
    starts = sorted(i.span.line for i in dockerfile.instructions)
    for line, text in dockerfile.comments:
        lowered = text[:9].lower()
        if not (lowered.startswith(SLIMLINT) or lowered.startswith(HADOLINT)):
            continue
        source = dockerfile.lines[line - 1] if 0 < line <= len(dockerfile.lines) else ""
        pragma = _parse(source, line, resolve)
        if pragma is None:
            continue
        if pragma.tool == HADOLINT and not hadolint_pragmas:
            continue
        if pragma.scope == "line":
            following = bisect.bisect_right(starts, line)
            pragma.target = starts[following] if following < len(starts) else None
        pragmas.append(pragma)
    return pragmas


def _parse(source: str, line: int, resolve) -> Pragma | None:
    hash_column = source.find("#") + 1
    end_column = len(source.rstrip(" \t\r\n")) + 1
    match = _PRAGMA.match(source)
    if match is not None:
        tool = match.group("tool").lower()
        offset = match.start("ids")
        tokens = []
        for found in _TOKEN.finditer(match.group("ids")):
            word = found.group()
            matches = _resolve(tool, word, resolve)
            tokens.append(Token(word, offset + found.start() + 1, offset + found.end() + 1, matches))
        scope = "global" if match.group("scope") else "line"
        if tokens or tool == HADOLINT:
            return Pragma(tool, line, hash_column, end_column, scope, tuple(tokens))
        # `# slimlint ignore=` with nothing after it: malformed (below).
    comment = source[hash_column:].strip() if hash_column else ""
    attempt = _ATTEMPT.match(comment)
    if attempt is None:
        return None
    rest = attempt.group("rest")
    words = re.findall(r"[A-Za-z0-9_\-]+", rest)
    looks_like_ids = any(_RULE_ID.match(w) or resolve(w) is not None for w in words)
    if not looks_like_ids and not rest.lstrip().startswith(("=", ":")):
        return None  # prose that happens to start with "slimlint ignore ..."
    scope = "global" if attempt.group("scope") else "line"
    tokens = tuple(Token(w, 0, 0, _resolve(SLIMLINT, w, resolve)) for w in words)
    pragma = Pragma(SLIMLINT, line, hash_column, end_column, scope, tokens, malformed=True)
    if tokens and all(t.matches for t in tokens):
        pragma.canonical = pragma.written
    return pragma


def _resolve(tool: str, word: str, resolve) -> tuple[Match, ...]:
    if tool == HADOLINT:
        found = _hadolint_match(word)
        return (found,) if found is not None else ()
    if word.upper() == "ALL":
        return (Match(ALL),)
    found = resolve(word)
    return (found,) if found is not None else ()

