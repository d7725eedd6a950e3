""".dockerignore exactly as BuildKit reads and applies it (moby/patternmatcher + its `ignorefile` reader).

Reading (`ignorefile.ReadAll`): a UTF-8 BOM is dropped; a line is a comment only when `#` is its first character
(before trimming); lines are trimmed; `!` re-includes and may be followed by spaces; each pattern is cleaned like
Go's `filepath.Clean` (`docs/` == `docs`, `./a/../b` == `b`) and one leading `/` is dropped.

Matching (`PatternMatcher`): patterns are anchored at the context root (`foo` never matches `x/foo`); `*` and `?`
stay inside one path component, `**` spans components, `[...]` classes and `\\` escapes work as in Go; the last
matching pattern wins; a pattern that matches a folder matches everything under it. BuildKit walks the context
with `MatchesUsingParentResults`, carrying each folder's per-pattern results down to its children; this module
does the same, so results agree with BuildKit even in the corner cases where that differs from
`MatchesOrParentMatches`.
"""

from __future__ import annotations

import os
import stat
import unicodedata
from dataclasses import dataclass, field
from typing import Mapping

from dockerlint_slim.context import gomatch
from dockerlint_slim.context.errors import ContextError
from dockerlint_slim.context.linear_regexp import LinearRegexp, UnsupportedRegexp
from dockerlint_slim.files import read_regular_file

# Characters that are regexp syntax but plain in a Go filepath pattern (moby's `shouldEscape`).
_REGEX_ESCAPE = frozenset(".+()|{}$")
# Go's strings.TrimSpace uses unicode.IsSpace, which differs slightly from str.strip() (e.g. U+001C..U+001F).
_GO_SPACE = "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
assert all(unicodedata.category(c) in ("Zs", "Cc", "Zl", "Zp") for c in _GO_SPACE)

ParentInfo = tuple[bool, ...]


class DockerignoreError(ContextError, ValueError):
    """A `.dockerignore` that BuildKit would reject (bad pattern, unreadable file); the CLI exits 2 with it."""

    def __init__(self, message: str, path: str | None = None, line: int | None = None):
        self.message = message
        self.path = path
        self.line = line
        where = ""
        if path:
            where = f"{path}:{line}: " if line else f"{path}: "
        super().__init__(where + message)


@dataclass(frozen=True)
class IgnorePattern:
    """One cleaned pattern. `exception` is a `!` line (moby calls it an "exclusion"): it re-includes."""

    text: str
    exception: bool
    line: int
    kind: str  # exact | prefix | suffix | regexp, as moby classifies patterns
    regex: LinearRegexp | None = field(default=None, compare=False, repr=False)

    def match(self, path: str) -> bool:
        """Does this pattern, on its own, match the slash-separated relative `path` (no parent matching)?"""
        kind = self.kind
        if kind == "exact":
            return path == self.text
        if kind == "prefix":
            return path.startswith(self.text[:-2])
        if kind == "suffix":
            suffix = self.text[2:]
            if path.endswith(suffix):
                return True
            # `**/foo` matches `foo` itself.
            return suffix[:1] == "/" and path == suffix[1:]
        assert self.regex is not None
        return self.regex.match(path)

    def __str__(self) -> str:
        return ("!" if self.exception else "") + self.text


def read_patterns(text: str) -> list[tuple[int, str]]:
    """`ignorefile.ReadAll`: (line number, pattern) pairs, `!` kept as a prefix, comments and blanks dropped."""
    out: list[tuple[int, str]] = []
    lines = text.split("\n")
    for number, raw in enumerate(lines, start=1):
        if number == 1 and raw.startswith("\ufeff"):
            raw = raw[1:]
        if raw.endswith("\r"):  # bufio.ScanLines drops one trailing CR
            raw = raw[:-1]
        if raw.startswith("#"):
            continue
        pattern = raw.strip(_GO_SPACE)
        if not pattern:
            continue
        invert = pattern[0] == "!"
        if invert:
            pattern = pattern[1:].strip(_GO_SPACE)
        if pattern:
            pattern = gomatch.go_clean(pattern)
            if len(pattern) > 1 and pattern[0] == "/":
                pattern = pattern[1:]
        out.append((number, "!" + pattern if invert else pattern))
    return out


def compile_pattern(pattern: str, line: int = 0, source: str | None = None) -> IgnorePattern:
    """`patternmatcher.New` for one line plus moby's lazy `compile`, done eagerly so errors surface at load."""
    pattern = gomatch.go_clean(pattern.strip(_GO_SPACE))
    exception = False
    if pattern.startswith("!"):
        if len(pattern) == 1:
            raise DockerignoreError('illegal exclusion pattern: "!" (a "!" needs a pattern after it)', source, line)
        exception = True
        pattern = pattern[1:]
    try:
        gomatch.validate(pattern)
    except gomatch.BadPattern as exc:
        raise DockerignoreError(f"bad pattern {pattern!r}: {exc} (syntax error in pattern)", source, line) from None
    kind, regex_text = _classify(pattern)
    regex = None
    if kind == "regexp":
        # Matched in linear time, as Go's regexp does: Python's backtracking `re` takes hours on `*a*a*a...b`.
        try:
            regex = LinearRegexp(regex_text)
        except UnsupportedRegexp as exc:
            # moby fails the same way (its regexp does not compile), at the first path it matches.
            raise DockerignoreError(f"bad pattern {pattern!r}: {exc} (syntax error in pattern)", source, line) from None
    return IgnorePattern(text=pattern, exception=exception, line=line, kind=kind, regex=regex)


def _classify(pattern: str) -> tuple[str, str]:
    """moby's `Pattern.compile` for a `/` separator: the match kind and, for `regexp`, the regular expression."""
    reg = ["^"]
    kind = "exact"
    i = 0  # iteration count, as moby's loop counter (a `**` consumes up to three characters in one iteration)
    pos = 0
    n = len(pattern)
    while pos < n:
        ch = pattern[pos]
        pos += 1
        if ch == "*":
            if pos < n and pattern[pos] == "*":
                pos += 1
                if pos < n and pattern[pos] == "/":  # treat `**/` as `**`
                    pos += 1
                if pos >= n:
                    # `**` at the end matches everything below, like .gitignore.
                    if kind == "exact":
                        kind = "prefix"
                    else:
                        reg.append(".*")
                        kind = "regexp"
                else:
                    reg.append("(.*/)?")
                    kind = "regexp"
                if i == 0:
                    kind = "suffix"
            else:
                reg.append("[^/]*")
                kind = "regexp"
        elif ch == "?":
            reg.append("[^/]")
            kind = "regexp"
        elif ch in _REGEX_ESCAPE:
            reg.append("\\" + ch)
        elif ch == "\\":
            if pos < n:
                reg.append("\\" + pattern[pos])
                pos += 1
                kind = "regexp"
            else:
                reg.append("\\\\")
        elif ch in "[]":
            reg.append(ch)
            kind = "regexp"
        else:
            reg.append(ch)  # copied raw, as moby does (`^` inside a class negates it)
        i += 1
    # Go's `$` (no multi-line flag) is end of text; Python's `$` would also match before a final newline.
    reg.append(r"\Z")
    return kind, "".join(reg)


@dataclass
class IgnoreMatcher:
    """The compiled `.dockerignore` of one build (empty when there is none)."""

    patterns: tuple[IgnorePattern, ...] = ()
    source: str | None = None  # the file the patterns came from
    text: str | None = field(default=None, repr=False)  # its content (fixes append to it)

    @property
    def has_exceptions(self) -> bool:
        return any(p.exception for p in self.patterns)

    def __bool__(self) -> bool:
        return bool(self.patterns)

    @property
    def deepest_match(self) -> int | None:
        """The most path components a pattern can match (`a/*.log`: 2), or None when one can match at any depth
        (`**`, a `[...]` class or an escape, which moby copies into its regexp as they are).

        Below that depth no pattern matches on its own, so an entry's verdict and per-pattern results are its
        folder's (`step` would only carry them down): the scan skips the pattern checks there.
        """
        deepest = 0
        for pattern in self.patterns:
            text = pattern.text
            if "**" in text or "[" in text or "\\" in text:
                return None
            deepest = max(deepest, text.count("/") + 1)
        return deepest

    def step(self, path: str, parent: ParentInfo | None) -> tuple[bool, ParentInfo]:
        """moby's `MatchesUsingParentResults`: is `path` excluded, given its folder's per-pattern results?

        `parent` is None for top-level entries (or when unknown: then parent folders are matched explicitly, as
        moby does for an empty MatchInfo). Returns the verdict and the per-pattern results for `path`'s children.
        """
        matched = False
        info: list[bool] = []
        for index, pattern in enumerate(self.patterns):
            hit = parent[index] if parent else False
            if not hit:
                # An inclusion is pointless once matched, an exception pointless while not matched; moby then
                # records "no match" for this pattern, which its children inherit.
                if pattern.exception != matched:
                    info.append(False)
                    continue
                hit = pattern.match(path)
                if not hit and not parent and "/" in path:
                    parts = path.split("/")[:-1]
                    for depth in range(1, len(parts) + 1):
                        if pattern.match("/".join(parts[:depth])):
                            hit = True
                            break
            info.append(hit)
            if hit:
                matched = not pattern.exception
        return matched, tuple(info)

    def excluded(self, path: str) -> bool:
        """Is the context-relative posix `path` left out of the build context (walking its folders as BuildKit)?"""
        if not self.patterns:
            return False
        path = gomatch.go_clean(path.lstrip("/"))
        if path in (".", ""):
            return False
        parent: ParentInfo | None = None
        parts = path.split("/")
        matched = False
        for depth in range(1, len(parts) + 1):
            matched, parent = self.step("/".join(parts[:depth]), parent)
        return matched

    def explain(self, path: str) -> IgnorePattern | None:
        """The pattern that excludes `path` (the last one that matched it or a parent), or None if included."""
        if not self.excluded(path):
            return None
        path = gomatch.go_clean(path.lstrip("/"))
        parts = path.split("/")
        decider = None
        for depth in range(1, len(parts) + 1):
            prefix = "/".join(parts[:depth])
            for pattern in self.patterns:
                if not pattern.exception and pattern.match(prefix):
                    decider = pattern if decider is None or pattern.line >= decider.line else decider
        return decider

    def may_reinclude_below(self, directory: str) -> bool:
        """Could a `!` pattern re-include something under the excluded `directory`? If not, skip walking it.

        Conservative: any doubt (`**`, classes, escapes) answers yes, which only costs walking time.
        """
        prefix = directory.split("/")
        for pattern in self.patterns:
            if not pattern.exception:
                continue
            text = pattern.text
            if "[" in text or "\\" in text:
                return True
            parts = text.split("/")
            for index, component in enumerate(prefix):
                if index >= len(parts):
                    return True  # the exception names an ancestor of the folder
                if "**" in parts[index]:
                    return True
                try:
                    if not gomatch.match(parts[index], component):
                        break
                except gomatch.BadPattern:
                    return True
            else:
                return True  # the exception names the folder itself or something below it
        return False


def parse_dockerignore(text: str, source: str | None = None) -> IgnoreMatcher:
    """Compile `.dockerignore` text; raises DockerignoreError on a bad pattern (BuildKit fails the build)."""
    patterns = tuple(compile_pattern(p, line, source) for line, p in read_patterns(text))
    # Empty patterns cannot happen after ReadAll (a bare `!` stays `!` and is rejected above).
    return IgnoreMatcher(patterns=patterns, source=source, text=text)


def default_dockerignore(root: str) -> str:
    """Where a new ignore file for a context goes: `<root>/.dockerignore`."""
    return os.path.join(root, ".dockerignore")


def find_dockerignore(root: str, dockerfile_path: str | None = None,
                      overrides: Mapping[str, str] | None = None) -> str | None:
    """The ignore file BuildKit uses: `<Dockerfile>.dockerignore` beside the Dockerfile wins over `<root>/.dockerignore`.
    `overrides` (path -> text) are ignore files as a fix left them, not yet written."""
    candidates = []
    if dockerfile_path and dockerfile_path != "-":
        candidates.append(dockerfile_path + ".dockerignore")
    candidates.append(default_dockerignore(root))
    for candidate in candidates:
        if overrides and candidate in overrides:
            return candidate
        try:
            os.lstat(candidate)
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise DockerignoreError(f"cannot read: {exc.strerror}", candidate) from None
        return candidate
    return None


# Far above any real ignore file (a few KiB): a bigger one is refused rather than read into memory.
MAX_DOCKERIGNORE_BYTES = 4 * 1024 * 1024


def load_dockerignore(root: str, dockerfile_path: str | None = None,
                      overrides: Mapping[str, str] | None = None) -> IgnoreMatcher:
    """Find and compile the ignore file for a build; an empty matcher when there is none."""
    path = find_dockerignore(root, dockerfile_path, overrides)
    if path is None:
        return IgnoreMatcher()
    if overrides and path in overrides:
        return parse_dockerignore(overrides[path], source=path)
    data = read_ignore_file(path, os.path.dirname(os.path.abspath(path)))
    return parse_dockerignore(data.decode("utf-8", errors="surrogateescape"), source=path)


def read_ignore_file(path: str, folder: str) -> bytes:
    """The bytes of an ignore file that must lie in `folder` (the context, or the Dockerfile's folder): a link is
    followed only while it stays inside; a FIFO, device or folder is refused without being opened for long (the
    type is checked on the open file), and so is a file over MAX_DOCKERIGNORE_BYTES."""
    try:
        real = os.path.realpath(path)
        if os.path.commonpath([real, os.path.realpath(folder)]) != os.path.realpath(folder):
            raise DockerignoreError("is a link that leads out of its folder; not read", path)
        data = read_regular_file(path, MAX_DOCKERIGNORE_BYTES + 1)
        if data is None:
            raise DockerignoreError("is not a regular file", path)
    except DockerignoreError:
        raise
    except (OSError, ValueError) as exc:
        raise DockerignoreError(f"cannot read: {getattr(exc, 'strerror', None) or exc}", path) from None
    if len(data) > MAX_DOCKERIGNORE_BYTES:
        raise DockerignoreError(f"is larger than {MAX_DOCKERIGNORE_BYTES // (1024 * 1024)} MiB; not read", path)
    return data

