"""`.dockerignore` semantics, checked against moby/patternmatcher's own test table and ignorefile reader tests."""

from __future__ import annotations

import pytest

from dockerlint_slim.context.dockerignore import (
    DockerignoreError,
    IgnoreMatcher,
    compile_pattern,
    load_dockerignore,
    parse_dockerignore,
    read_patterns,
)
from dockerlint_slim.context.gomatch import go_clean
from tests.context.test_gomatch import GO_TABLE

EXACT, INEXACT, FAIL = "exact", "inexact", "fail"

# moby/patternmatcher TestMatches: (pattern, path, expectation). "exact" matches the path itself, "inexact" only
# through a parent folder, "fail" not at all.
MATCHES = [
    ("**", "file", EXACT),
    ("**", "file/", EXACT),
    ("**/", "file", EXACT),
    ("**/", "file/", EXACT),
    ("**", "/", EXACT),
    ("**/", "/", EXACT),
    ("**", "dir/file", EXACT),
    ("**/", "dir/file", EXACT),
    ("**", "dir/file/", EXACT),
    ("**/", "dir/file/", EXACT),
    ("**/**", "dir/file", EXACT),
    ("**/**", "dir/file/", EXACT),
    ("dir/**", "dir/file", EXACT),
    ("dir/**", "dir/file/", EXACT),
    ("dir/**", "dir/dir2/file", EXACT),
    ("dir/**", "dir/dir2/file/", EXACT),
    ("**/dir", "dir", EXACT),
    ("**/dir", "dir/file", INEXACT),
    ("**/dir2/*", "dir/dir2/file", EXACT),
    ("**/dir2/*", "dir/dir2/file/", INEXACT),
    ("**/dir2/**", "dir/dir2/dir3/file", EXACT),
    ("**/dir2/**", "dir/dir2/dir3/file/", EXACT),
    ("**file", "file", EXACT),
    ("**file", "dir/file", EXACT),
    ("**/file", "dir/file", EXACT),
    ("**file", "dir/dir/file", EXACT),
    ("**/file", "dir/dir/file", EXACT),
    ("**/file*", "dir/dir/file", EXACT),
    ("**/file*", "dir/dir/file.txt", EXACT),
    ("**/file*txt", "dir/dir/file.txt", EXACT),
    ("**/file*.txt", "dir/dir/file.txt", EXACT),
    ("**/file*.txt*", "dir/dir/file.txt", EXACT),
    ("**/**/*.txt", "dir/dir/file.txt", EXACT),
    ("**/**/*.txt2", "dir/dir/file.txt", FAIL),
    ("**/*.txt", "file.txt", EXACT),
    ("**/**/*.txt", "file.txt", EXACT),
    ("a**/*.txt", "a/file.txt", EXACT),
    ("a**/*.txt", "a/dir/file.txt", EXACT),
    ("a**/*.txt", "a/dir/dir/file.txt", EXACT),
    ("a/*.txt", "a/dir/file.txt", FAIL),
    ("a/*.txt", "a/file.txt", EXACT),
    ("a/*.txt**", "a/file.txt", EXACT),
    ("a[b-d]e", "ae", FAIL),
    ("a[b-d]e", "ace", EXACT),
    ("a[b-d]e", "aae", FAIL),
    ("a[^b-d]e", "aze", EXACT),
    (".*", ".foo", EXACT),
    (".*", "foo", FAIL),
    ("abc.def", "abcdef", FAIL),
    ("abc.def", "abc.def", EXACT),
    ("abc.def", "abcZdef", FAIL),
    ("abc?def", "abcZdef", EXACT),
    ("abc?def", "abcdef", FAIL),
    ("**/foo/bar", "foo/bar", EXACT),
    ("**/foo/bar", "dir/foo/bar", EXACT),
    ("**/foo/bar", "dir/dir2/foo/bar", EXACT),
    ("abc/**", "abc", FAIL),
    ("abc/**", "abc/def", EXACT),
    ("abc/**", "abc/def/ghi", EXACT),
    ("**/.foo", ".foo", EXACT),
    ("**/.foo", "bar.foo", FAIL),
    ("a(b)c/def", "a(b)c/def", EXACT),
    ("a(b)c/def", "a(b)c/xyz", FAIL),
    ("a.|)$(}+{bc", "a.|)$(}+{bc", EXACT),
    ("dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", EXACT),
    ("dist/*.whl", "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", EXACT),
    ("a\\\\", "a\\", EXACT),
    ("a\\*b", "a*b", EXACT),
]

MULTI = [
    (["**", "!util/docker/web"], "util/docker/web/foo", FAIL),
    (["**", "!util/docker/web", "util/docker/web/foo"], "util/docker/web/foo", EXACT),
    (["**", "!dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl"], "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", FAIL),
    (["**", "!dist/*.whl"], "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", FAIL),
]


def _matcher(patterns: list[str]) -> IgnoreMatcher:
    return IgnoreMatcher(patterns=tuple(compile_pattern(p) for p in patterns))


def _walk_like_moby(matcher: IgnoreMatcher, text: str) -> bool:
    """moby's test driver: feed every parent folder (Go's filepath.Dir, split on `/`) then the path itself."""
    parent_path = go_clean(text[: text.rfind("/") + 1]) if "/" in text else "."
    info = None
    if parent_path != ".":
        dirs = parent_path.split("/")
        for depth in range(1, len(dirs) + 1):
            _, info = matcher.step("/".join(dirs[:depth]), info)
    return matcher.step(text, info)[0]


@pytest.mark.parametrize("pattern,path,expected", MATCHES)
def test_moby_single_pattern_exact(pattern: str, path: str, expected: str) -> None:
    # MatchesExact: the pattern against the path itself.
    assert compile_pattern(pattern).match(path) is (expected == EXACT)


@pytest.mark.parametrize("pattern,path,expected", MATCHES)
def test_moby_single_pattern_with_parents(pattern: str, path: str, expected: str) -> None:
    # MatchesUsingParentResults walking the parents first, and with no parent information: both agree.
    matcher = _matcher([pattern])
    assert _walk_like_moby(matcher, path) is (expected != FAIL)
    assert matcher.step(path, None)[0] is (expected != FAIL)
    if not path.startswith("/"):  # the path form slimlint itself passes: cleaned and relative
        assert matcher.excluded(path.rstrip("/")) is (expected != FAIL)


@pytest.mark.parametrize("patterns,path,expected", MULTI)
def test_moby_multi_patterns(patterns: list[str], path: str, expected: str) -> None:
    matcher = _matcher(patterns)
    assert _walk_like_moby(matcher, path) is (expected != FAIL)
    assert matcher.excluded(path) is (expected != FAIL)
    assert matcher.step(path, None)[0] is (expected != FAIL)


# moby's TestCompile: the match kind chosen for each pattern, and the regexp (in Python syntax, `\Z` for `$`).
COMPILE = [
    ("*", "regexp", r"^[^/]*\Z"),
    ("file*", "regexp", r"^file[^/]*\Z"),
    ("*file", "regexp", r"^[^/]*file\Z"),
    ("a*/b", "regexp", r"^a[^/]*/b\Z"),
    ("**", "suffix", None),
    ("**/**", "regexp", r"^(.*/)?.*\Z"),
    ("dir/**", "prefix", None),
    ("**/dir", "suffix", None),
    ("**/dir2/*", "regexp", r"^(.*/)?dir2/[^/]*\Z"),
    ("**/dir2/**", "regexp", r"^(.*/)?dir2/.*\Z"),
    ("**file", "suffix", None),
    ("**/file*txt", "regexp", r"^(.*/)?file[^/]*txt\Z"),
    ("**/**/*.txt", "regexp", r"^(.*/)?(.*/)?[^/]*\.txt\Z"),
    ("a[b-d]e", "regexp", r"^a[b-d]e\Z"),
    (".*", "regexp", r"^\.[^/]*\Z"),
    ("abc.def", "exact", None),
    ("abc?def", "regexp", r"^abc[^/]def\Z"),
    ("**/foo/bar", "suffix", None),
    ("a(b)c/def", "exact", None),
    ("a.|)$(}+{bc", "exact", None),
    ("dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", "exact", None),
]


@pytest.mark.parametrize("pattern,kind,regex", COMPILE)
def test_moby_compile(pattern: str, kind: str, regex: str | None) -> None:
    compiled = compile_pattern(pattern)
    assert compiled.kind == kind
    if regex is not None:
        assert compiled.regex is not None and compiled.regex.pattern == regex


# moby's TestMatch: Go's filepath.Match table run through the top-level Matches function, where a pattern that
# matches a parent folder matches everything below it (`a*` matches `ab/c` through `ab`). moby leaves out the two
# rows whose error Go only reports for names that reach the bad part of the pattern.
GO_MATCH = [
    ("a*", "ab/c", True, False) if row[:2] == ("a*", "ab/c") else row
    for row in GO_TABLE
    if row[:2] not in (("a[", "x"), ("a/b[", "x"))
]


@pytest.mark.parametrize("pattern,path,matches,bad", GO_MATCH)
def test_moby_go_match_table(pattern: str, path: str, matches: bool, bad: bool) -> None:
    if bad:
        with pytest.raises(DockerignoreError, match="bad pattern"):
            parse_dockerignore(pattern + "\n")
        return
    assert parse_dockerignore(pattern + "\n").excluded(path) is matches


def test_bad_pattern_reports_file_and_line() -> None:
    with pytest.raises(DockerignoreError) as info:
        parse_dockerignore("node_modules\n# comment\nfoo[\n", source="ctx/.dockerignore")
    assert str(info.value).startswith("ctx/.dockerignore:3: bad pattern 'foo['")


def test_pattern_whose_regexp_does_not_compile_is_rejected_at_load() -> None:
    # moby issue 52203: `[Local-Only]/` passes filepath.Match validation but its regexp (range l-O) is invalid.
    with pytest.raises(DockerignoreError, match="Local-Only"):
        parse_dockerignore("[Local-Only]/\n")


def test_lone_bang_is_an_error() -> None:
    with pytest.raises(DockerignoreError, match="illegal exclusion"):
        parse_dockerignore("foo\n! \n")


def test_read_patterns_like_ignorefile_readall() -> None:
    content = "test1\n/test2\n/a/file/here\n\nlastfile\n# this is a comment\n! /inverted/abs/path\n!\n! "
    assert [p for _, p in read_patterns(content)] == [
        "test1", "test2", "a/file/here", "lastfile", "!inverted/abs/path", "!", "!",
    ]


def test_read_patterns_comment_only_in_column_one_and_cleaning() -> None:
    text = "\ufeff# bom then comment\n  # not a comment\r\ndocs/\n./a/../b//c/\n  spaced  \n/\n"
    assert read_patterns(text) == [(2, "# not a comment"), (3, "docs"), (4, "b/c"), (5, "spaced"), (6, "/")]


def test_anchored_at_root_and_star_does_not_cross_slash() -> None:
    m = parse_dockerignore("foo\n*.log\n")
    assert m.excluded("foo") and m.excluded("foo/bar")
    assert not m.excluded("x/foo")
    assert m.excluded("a.log") and not m.excluded("logs/a.log")


def test_last_match_wins_and_exception_order() -> None:
    assert not parse_dockerignore("*.md\n!README.md\n").excluded("README.md")
    assert parse_dockerignore("!README.md\n*.md\n").excluded("README.md")
    assert not parse_dockerignore("docs\n!docs/README.md\n").excluded("docs/README.md")
    assert parse_dockerignore("docs\n!docs/README.md\n").excluded("docs/other.md")


def test_parent_results_semantics_differ_from_or_parent_matches() -> None:
    # With BuildKit's per-folder results, the third pattern was skipped for `docs` (already excluded), so it does
    # not match `docs/keep` through the parent: the file stays in the context.
    m = parse_dockerignore("docs\n!docs/keep\ndocs\n")
    assert not m.excluded("docs/keep")
    assert m.excluded("docs/other")


def test_may_reinclude_below() -> None:
    m = parse_dockerignore("node_modules\n.git\n!src/keep\n!**/important\n")
    assert m.may_reinclude_below("node_modules")  # `!**/important` could match anywhere
    m = parse_dockerignore("node_modules\n.git\n!src/keep\n!build/*/keep\n")
    assert not m.may_reinclude_below("node_modules")
    assert m.may_reinclude_below("src")
    assert m.may_reinclude_below("build/x")
    assert not m.may_reinclude_below("build2")


def test_dockerfile_specific_ignore_file_wins(tmp_path) -> None:
    (tmp_path / ".dockerignore").write_text("root-rule\n")
    sub = tmp_path / "docker"
    sub.mkdir()
    (sub / "app.Dockerfile").write_text("FROM scratch\n")
    (sub / "app.Dockerfile.dockerignore").write_text("specific-rule\n")
    m = load_dockerignore(str(tmp_path), str(sub / "app.Dockerfile"))
    assert m.source == str(sub / "app.Dockerfile.dockerignore")
    assert m.excluded("specific-rule") and not m.excluded("root-rule")
    m = load_dockerignore(str(tmp_path), str(tmp_path / "Dockerfile"))
    assert m.excluded("root-rule")
    assert not load_dockerignore(str(sub))


def test_ignore_file_that_is_a_fifo_or_folder_is_an_error_not_a_hang(tmp_path) -> None:
    import os

    os.mkfifo(tmp_path / ".dockerignore")
    with pytest.raises(DockerignoreError, match="not a regular file"):
        load_dockerignore(str(tmp_path))
    os.unlink(tmp_path / ".dockerignore")
    (tmp_path / ".dockerignore").mkdir()
    with pytest.raises(DockerignoreError, match="not a regular file"):
        load_dockerignore(str(tmp_path))


# Property: without `**`, classes or escapes, moby's regexp translation agrees with Go's filepath.Match on the path.
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st

from dockerlint_slim.context import gomatch  # noqa: E402

_component = st.text(alphabet="ab.*?", min_size=1, max_size=4).filter(lambda c: "**" not in c)
_name = st.text(alphabet="ab.", min_size=1, max_size=4).filter(lambda c: c not in (".", ".."))


@settings(max_examples=300, deadline=None)
@given(st.lists(_component, min_size=1, max_size=3), st.lists(_name, min_size=1, max_size=4))
def test_translation_agrees_with_go_match(pattern_parts, path_parts) -> None:
    pattern = gomatch.go_clean("/".join(pattern_parts))
    path = "/".join(path_parts)
    if pattern in (".", "..") or pattern.startswith("../"):
        return
    assert compile_pattern(pattern).match(path) is gomatch.match(pattern, path)
