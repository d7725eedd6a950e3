"""Go's filepath.Match / path.Clean ports (BuildKit resolves COPY wildcards with them)."""

from __future__ import annotations

import pytest

from dockerlint_slim.context import gomatch

# Go's own path/filepath match_test.go table (Unix): pattern, name, match, error.
GO_TABLE = [
    ("abc", "abc", True, False),
    ("*", "abc", True, False),
    ("*c", "abc", True, False),
    ("a*", "a", True, False),
    ("a*", "abc", True, False),
    ("a*", "ab/c", False, False),
    ("a*/b", "abc/b", True, False),
    ("a*/b", "a/c/b", False, False),
    ("a*b*c*d*e*/f", "axbxcxdxe/f", True, False),
    ("a*b*c*d*e*/f", "axbxcxdxexxx/f", True, False),
    ("a*b*c*d*e*/f", "axbxcxdxe/xxx/f", False, False),
    ("a*b*c*d*e*/f", "axbxcxdxexxx/fff", False, False),
    ("a*b?c*x", "abxbbxdbxebxczzx", True, False),
    ("a*b?c*x", "abxbbxdbxebxczzy", False, False),
    ("ab[c]", "abc", True, False),
    ("ab[b-d]", "abc", True, False),
    ("ab[e-g]", "abc", False, False),
    ("ab[^c]", "abc", False, False),
    ("ab[^b-d]", "abc", False, False),
    ("ab[^e-g]", "abc", True, False),
    ("a\\*b", "a*b", True, False),
    ("a\\*b", "ab", False, False),
    ("a?b", "a\u263ab", True, False),
    ("a[^a]b", "a\u263ab", True, False),
    ("a???b", "a\u263ab", False, False),
    ("a[^a][^a][^a]b", "a\u263ab", False, False),
    ("[a-\u03b6]*", "\u03b1", True, False),
    ("*[a-\u03b6]", "A", False, False),
    ("a?b", "a/b", False, False),
    ("a*b", "a/b", False, False),
    ("[\\]a]", "]", True, False),
    ("[\\-]", "-", True, False),
    ("[x\\-]", "x", True, False),
    ("[x\\-]", "-", True, False),
    ("[x\\-]", "z", False, False),
    ("[\\-x]", "x", True, False),
    ("[\\-x]", "-", True, False),
    ("[\\-x]", "a", False, False),
    ("[]a]", "]", False, True),
    ("[-]", "-", False, True),
    ("[x-]", "x", False, True),
    ("[x-]", "-", False, True),
    ("[x-]", "z", False, True),
    ("[-x]", "x", False, True),
    ("[-x]", "-", False, True),
    ("[-x]", "a", False, True),
    ("\\", "a", False, True),
    ("[a-b-c]", "a", False, True),
    ("[", "a", False, True),
    ("[^", "a", False, True),
    ("[^bc", "a", False, True),
    ("a[", "a", False, True),
    ("a[", "ab", False, True),
    ("a[", "x", False, True),
    ("a/b[", "x", False, True),
    ("*x", "xxx", True, False),
]


@pytest.mark.parametrize("pattern,name,expected,bad", GO_TABLE)
def test_go_filepath_match_table(pattern: str, name: str, expected: bool, bad: bool) -> None:
    if bad:
        with pytest.raises(gomatch.BadPattern):
            gomatch.match(pattern, name)
    else:
        assert gomatch.match(pattern, name) is expected


@pytest.mark.parametrize(
    "path,cleaned",
    [("", "."), ("abc", "abc"), ("abc/", "abc"), ("a//b", "a/b"), ("./a/./b/", "a/b"), ("a/../..", ".."),
     ("/../a", "/a"), ("//a", "/a"), ("a/b/../c", "a/c"), ("/", "/"), ("../../x", "../../x")],
)
def test_go_clean(path: str, cleaned: str) -> None:
    assert gomatch.go_clean(path) == cleaned


def test_has_wildcards_like_buildkit() -> None:
    assert gomatch.has_wildcards("*.txt") and gomatch.has_wildcards("a[bc]") and gomatch.has_wildcards("a?")
    assert not gomatch.has_wildcards("plain/path.txt")
    assert not gomatch.has_wildcards("a\\*b")  # escaped
