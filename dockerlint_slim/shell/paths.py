"""Paths as shell commands name them: `~`/`$HOME`, braces, globs, and whether a deleted pattern covers a path."""

from __future__ import annotations

import posixpath


def expand_braces(word: str) -> list[str]:
    """`/var/cache/{yum,dnf}` -> both paths (bash brace expansion; one level of nesting per pass)."""
    start = word.find("{")
    end = word.find("}", start + 1)
    if start < 0 or end < 0 or "," not in word[start:end]:
        return [word]
    head, body, tail = word[:start], word[start + 1 : end], word[end + 1 :]
    expanded: list[str] = []
    for part in body.split(","):
        expanded += expand_braces(head + part + tail)
    return expanded


HOME_PREFIXES = ("${HOME}", "$HOME", "~")


def normalize_path(path: str, home: str = "/root") -> str:
    """A path for comparisons: `~`/`$HOME` made absolute (root's home unless told), `//` and trailing `/` removed."""
    for prefix in HOME_PREFIXES:
        if path == prefix or path.startswith(prefix + "/"):
            path = home + path[len(prefix) :]
            break
    if not path.startswith("/"):
        return path
    return posixpath.normpath(path).replace("//", "/")


def path_pattern_covers(pattern: str, path: str) -> bool:
    """True when deleting `pattern` deletes `path` or the contents of directory `path`.

    `/var/lib/apt/lists/*`, `/var/lib/apt/lists`, `/var/lib/apt` and `/var/lib/apt/lists/*_*` all cover
    `/var/lib/apt/lists`; `/tmp/*` does not.
    """
    import fnmatch

    pattern, path = normalize_path(pattern), normalize_path(path)
    if not pattern.startswith("/") or pattern == "/":
        return False
    literal = pattern
    while literal and any(ch in literal.rsplit("/", 1)[-1] for ch in "*?["):
        literal = literal.rsplit("/", 1)[0]  # `/dir/*` or `/dir/*.gz`: the contents of `/dir`
    if literal and (path == literal or path.startswith(literal.rstrip("/") + "/")):
        return literal == pattern or path == literal or fnmatch.fnmatchcase(path, pattern)
    if literal == pattern:
        return False  # no wildcard, neither the path nor a folder above it (each pattern would compile a regex)
    return fnmatch.fnmatchcase(path, pattern) or fnmatch.fnmatchcase(path, pattern.rstrip("/*") or "/")


def at_or_below(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")
