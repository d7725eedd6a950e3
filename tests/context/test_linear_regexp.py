"""The linear-time matcher of `.dockerignore` patterns against Python's `re` (the backtracking engine it replaces),
on random patterns run through moby's translation, and on the inputs that made `re` hang."""

from __future__ import annotations

import re
import warnings

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from dockerlint_slim.context import gomatch
from dockerlint_slim.context.dockerignore import _classify, compile_pattern, parse_dockerignore
from dockerlint_slim.context.linear_regexp import LinearRegexp, UnsupportedRegexp

PATTERN_ALPHABET = "aZ9*?/[]^\\-.!(dDbBwWsSAzx{0"
PATH_ALPHABET = "aZ9/-_.\\ \x00\n\x08"


@settings(max_examples=2000, deadline=None)
@given(st.text(alphabet=PATTERN_ALPHABET, min_size=1, max_size=9), st.lists(
    st.text(alphabet=PATH_ALPHABET, min_size=1, max_size=7), min_size=1, max_size=6))
def test_agrees_with_python_re_on_moby_translations(pattern, paths):
    assume(not re.search(r"\\[1-7]", pattern))  # octal vs backreference: Go's reading is kept (see below)
    try:
        gomatch.validate(pattern)
    except gomatch.BadPattern:
        return
    kind, regex = _classify(pattern)
    assume(kind == "regexp")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            oracle = re.compile(regex)
    except re.error as error:
        # Python refuses a range that starts at a class escape (`[\D-0]`); Go reads its `-` as a literal (see below).
        assume(not re.search(r"\\[dDwWsS]-", regex) or "bad character range" not in str(error))
        with pytest.raises(UnsupportedRegexp):
            LinearRegexp(regex)
        return
    linear = LinearRegexp(regex)
    for path in paths:
        assert linear.match(path) is (oracle.match(path) is not None), (pattern, regex, path)


def test_a_dash_after_a_class_escape_is_a_literal_as_go_reads_it():
    linear = LinearRegexp(r"^[\D-0]\Z")  # Go (Perl flags): not-a-digit, `-` or `0`; Python refuses the range
    assert [linear.match(c) for c in "D-0a5"] == [True, True, True, True, False]


def test_backreference_is_refused_as_go_does_and_octal_read_as_go_does():
    with pytest.raises(UnsupportedRegexp, match="backreference"):
        LinearRegexp(r"^(.*/)?a\1\Z")
    assert LinearRegexp(r"^a\101\Z").match("aA")


@pytest.mark.parametrize("pattern,path", [
    ("a/*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b", "a/" + "a" * 60),
    ("**/" * 16 + "x", "/".join(["d"] * 3000) + "/y"),
    ("*" * 40 + "b", "a" * 200),
    ("[a-z]*[a-z]*[a-z]*[a-z]*[a-z]*[a-z]*[a-z]*!", "q" * 500),
])
def test_patterns_that_hung_python_re_answer_at_once(pattern, path):
    # No clock here: these took hours with re (a backtracking explosion); the automaton reads each character once
    # per state set, and the number of state sets is bounded.
    compiled = compile_pattern(pattern)
    assert compiled.match(path) is False
    assert compiled.match(path[:-1] + ("b" if pattern.endswith("b") else "x")) in (True, False)
    assert len(compiled.regex._keys) <= 2048


def test_a_megabyte_of_patterns_loads_and_matches(tmp_path):
    lines = [f"dir{i}/**/*.{('log', 'tmp', 'py[co]', 'o')[i % 4]}" for i in range(60_000)]
    matcher = parse_dockerignore("\n".join(lines) + "\n")
    assert len(matcher.patterns) == 60_000
    assert matcher.excluded("dir59999/a/b/c.o")
    assert not matcher.excluded("dir59999/a/b/c.py")
    assert not matcher.excluded("other/" + "d/" * 50 + "f")
