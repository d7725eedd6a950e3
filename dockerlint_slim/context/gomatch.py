"""Go's `path/filepath.Match` and `filepath.Clean` for slash paths, ported so that slimlint agrees with BuildKit.

BuildKit resolves COPY/ADD wildcards with `filepath.Match` and validates `.dockerignore` patterns with it, so the
exact Go behaviour matters: `*` and `?` never match `/`, `[...]` classes use `^` (not `!`) for negation, `\\`
escapes the next character, and a malformed pattern is an error even when the name could not match anyway.
"""

from __future__ import annotations


class BadPattern(ValueError):
    """Go's `filepath.ErrBadPattern`: the pattern is malformed (unclosed `[`, trailing `\\`, `[a-b-c]`, ...)."""


def has_wildcards(pattern: str) -> bool:
    """BuildKit's `containsWildcards`: an unescaped `*`, `?` or `[` (a `\\` skips the character after it)."""
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            i += 2
            continue
        if ch in "*?[":
            return True
        i += 1
    return False


def go_clean(path: str) -> str:
    """`path.Clean`: collapse `//`, `.` and `..` lexically; "" becomes "."; a leading `..` of a relative path stays."""
    if path == "":
        return "."
    rooted = path.startswith("/")
    out: list[str] = []
    for part in path.split("/"):
        if part == "" or part == ".":
            continue
        if part == "..":
            if out and out[-1] != "..":
                out.pop()
            elif not rooted:
                out.append("..")
            continue
        out.append(part)
    joined = "/".join(out)
    if rooted:
        return "/" + joined
    return joined or "."


def match(pattern: str, name: str) -> bool:
    """`filepath.Match(pattern, name)` on Unix; raises BadPattern for a malformed pattern."""
    while pattern:
        star, chunk, pattern = _scan_chunk(pattern)
        if star and chunk == "":
            # A trailing `*` matches the rest of the name unless it crosses a `/`.
            return "/" not in name
        rest, ok = _match_chunk(chunk, name)
        # The last chunk must consume the whole name, or a star may still find a later match.
        if ok and (rest == "" or pattern):
            name = rest
            continue
        if star:
            found = False
            i = 0
            while i < len(name) and name[i] != "/":
                rest, ok = _match_chunk(chunk, name[i + 1 :])
                if ok:
                    if not pattern and rest:
                        i += 1
                        continue
                    name = rest
                    found = True
                    break
                i += 1
            if found:
                continue
        # Before answering "no", Go checks that the remainder of the pattern is well-formed.
        while pattern:
            _, chunk, pattern = _scan_chunk(pattern)
            _match_chunk(chunk, "")
        return False
    return name == ""


def validate(pattern: str) -> None:
    """Raise BadPattern when Go would reject the pattern (what BuildKit does with `filepath.Match(p, ".")`)."""
    match(pattern, ".")


def _scan_chunk(pattern: str) -> tuple[bool, str, str]:
    star = False
    while pattern and pattern[0] == "*":
        pattern = pattern[1:]
        star = True
    in_range = False
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            # The error for a trailing backslash is raised by _match_chunk.
            if i + 1 < len(pattern):
                i += 1
        elif ch == "[":
            in_range = True
        elif ch == "]":
            in_range = False
        elif ch == "*" and not in_range:
            break
        i += 1
    return star, pattern[:i], pattern[i:]


def _match_chunk(chunk: str, s: str) -> tuple[str, bool]:
    """Match `chunk` (no `*` outside classes) at the start of `s`; returns (rest, ok).

    Like Go, keeps parsing the chunk after a mismatch so that syntax errors are always reported.
    """
    failed = False
    while chunk:
        if not failed and s == "":
            failed = True
        ch = chunk[0]
        if ch == "[":
            r = ""
            if not failed:
                r = s[0]
                s = s[1:]
            chunk = chunk[1:]
            negated = False
            if chunk and chunk[0] == "^":
                negated = True
                chunk = chunk[1:]
            matched = False
            nrange = 0
            while True:
                if chunk and chunk[0] == "]" and nrange > 0:
                    chunk = chunk[1:]
                    break
                lo, chunk = _get_esc(chunk)
                hi = lo
                if chunk[0] == "-":
                    hi, chunk = _get_esc(chunk[1:])
                if not failed and lo <= r <= hi:
                    matched = True
                nrange += 1
            if matched == negated:
                failed = True
        elif ch == "?":
            if not failed:
                if s[0] == "/":
                    failed = True
                s = s[1:]
            chunk = chunk[1:]
        else:
            if ch == "\\":
                chunk = chunk[1:]
                if not chunk:
                    raise BadPattern("trailing backslash")
            if not failed:
                if chunk[0] != s[0]:
                    failed = True
                s = s[1:]
            chunk = chunk[1:]
    if failed:
        return "", False
    return s, True


def _get_esc(chunk: str) -> tuple[str, str]:
    if not chunk or chunk[0] in "-]":
        raise BadPattern("malformed character class")
    if chunk[0] == "\\":
        chunk = chunk[1:]
        if not chunk:
            raise BadPattern("trailing backslash in character class")
    r, rest = chunk[0], chunk[1:]
    if not rest:
        raise BadPattern("unterminated character class")
    return r, rest
