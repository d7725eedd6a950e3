"""Our lexer must split every file exactly as BuildKit's own parser (the `dockerfile` package) does."""

import pytest

from tests.parser.buildkit_view import buildkit_view, oracle_view

dockerfile = pytest.importorskip("dockerfile", reason="the `dockerfile` package (BuildKit's parser) is the oracle")

EDGE_CASES = {
    "heredocs": "FROM a\nRUN <<EOF\necho hi\nEOF\nRUN cat <<A > /x && cat <<-'B'\n1\nA\n\t2\n\tB\n",
    "two heredocs one line": "FROM a\nCOPY <<one <<two /dest/\nfirst\none\nsecond\ntwo\n",
    "fd heredoc": "FROM a\nRUN 3<<EOF cat /dev/fd/3\nx\nEOF\n",
    "quoted delimiter": 'FROM a\nRUN <<"EOF"\n$HOME\nEOF\n',
    "delimiter with a broken substitution is no heredoc": "FROM a\nRUN <<${\nx\n${\nRUN <<a${X\ny\na${X\n",
    "single-quoted substitution delimiter is a heredoc": "FROM a\nRUN <<'${'\nx\n${\nRUN <<${X}\ny\n${X}\n",
    "heredoc in quotes is not one": 'FROM a\nRUN echo "<<EOF" && echo done\n',
    "json exec form has no heredoc": 'FROM a\nRUN ["sh", "-c", "cat <<EOF"]\n',
    "continuations with comments and blanks": "FROM a\nRUN a \\\n  # comment\n\n  b \\\n  c\n",
    "escape directive": "# escape=`\nFROM a\nRUN echo a `\n  b\nCOPY x `\n  y\n",
    "directive after comment is a comment": "# hello\n# escape=`\nFROM a\nRUN a \\\n b\n",
    "crlf": "FROM a\r\nRUN a \\\r\n  b\r\n",
    "bom": "\ufeffFROM a\nRUN b\n",
    "flags": "FROM --platform=$BUILDPLATFORM a AS b\nCOPY --from=b --chown=1:1 --chmod=755 [\"a\", \"b\"] /c/\n"
    "RUN --mount=type=cache,target=/root/.cache --network=none echo\n",
    "quoted flag": "FROM a\nRUN --mount='type=secret,id=x' echo\n",
    "env forms": 'FROM a\nENV A=1 B="2 3" C=x\\ y\nENV D e f\nLABEL a=b "c d"=e\n',
    "arg forms": 'ARG A\nARG B=1 C="x y"\nFROM a\n',
    "onbuild": "FROM a\nONBUILD RUN echo x\nONBUILD COPY . /app\n",
    "healthcheck": "FROM a\nHEALTHCHECK --interval=5s CMD curl x\nHEALTHCHECK NONE\n",
    "lowercase keywords": "from a\nrun b\ncopy c d\n",
    "unknown instruction": "FROM a\nFOO bar\n",
    "trailing continuation at eof": "FROM a\nRUN a \\",
    "escaped escape is no continuation": "FROM a\nRUN a\\\\\nRUN b\\\\\\\nRUN c \\\\ \\\n d\n\\\nRUN e\n",
    "escaped backtick": "# escape=`\nFROM a\nRUN a ``\nRUN b `\n c\n",
    "bare nested onbuild": "FROM a\nONBUILD ONBUILD\nONBUILD ONBUILD x\n",
    "whitespace lines": "   \nFROM a\n\t\n  RUN b\n",
    "expose and cmd": 'FROM a\nEXPOSE 80 443/udp\nCMD ["a", "b"]\nENTRYPOINT exec x\n',
    "crlf heredoc body keeps its carriage returns": "FROM a\r\nRUN <<EOF\r\necho a\r\nEOF\r\nRUN b\r\n",
    "onbuild heredoc": "FROM a\nONBUILD RUN <<EOF\necho hi\nEOF\nRUN b\n",
    "onbuild onbuild": "FROM a\nONBUILD ONBUILD RUN x\nRUN b\n",
}


@pytest.mark.parametrize("name", sorted(EDGE_CASES))
def test_edge_cases_match_buildkit(name):
    text = EDGE_CASES[name]
    assert buildkit_view(text) == oracle_view(text)


def test_every_corpus_file_matches_buildkit(corpus):
    mismatches = []
    for path in corpus:
        text = path.read_bytes().decode("utf-8")
        try:
            expected = oracle_view(text)
        except Exception:  # the oracle rejects the file: nothing to compare
            continue
        if buildkit_view(text) != expected:
            mismatches.append(str(path))
    assert mismatches == []
    assert len(corpus) > 100
