"""tree-sitter-bash's scanner crashes (segfault, not an exception) on `{` followed by a code point of planes 14-16,
about one run in two. A crash cannot be caught in-process, so each case runs in its own interpreter, a few times."""

import subprocess
import sys

import pytest

CASES = ["{\U000f00c1", "echo {\U0010ffff", "@1\x90㊳25l¥{\U000f00c1p찐5J\r7(", "a {\U000e0000 && b"]
PROGRAM = """
import sys
from dockerlint_slim.shell.script import outline, parse_script
text = sys.argv[1]
for _ in range(20):
    commands = parse_script(text, lambda offset: (1, offset + 1))
    outline(text)
print(repr([c.argv for c in commands]))
"""


@pytest.mark.parametrize("text", CASES)
def test_high_plane_characters_after_a_brace_never_crash(text):
    for _ in range(3):
        result = subprocess.run([sys.executable, "-c", PROGRAM, text], capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr[-500:]
    assert "\U00010000" not in result.stdout  # words are read from the original text, not the parsed stand-in


def test_words_keep_the_original_characters():
    from dockerlint_slim.shell.script import parse_script

    commands = parse_script("echo {\U0010ffff", lambda offset: (1, offset + 1))
    assert [c.argv for c in commands] == [("echo", "{\U0010ffff")]
