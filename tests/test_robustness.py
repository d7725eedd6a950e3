"""Any bytes end with findings or SL000, never a crash, in bounded time (no wall-clock assertions here)."""

import json
import subprocess
import sys

import pytest

from dockerlint_slim.engine import Linter, LintOptions
from dockerlint_slim.engine.registry import load_rules

CASES = {
    "binary": bytes(range(256)) * 50,
    "utf-16": "FROM alpine\nRUN echo hi\n".encode("utf-16"),
    "invalid utf-8": b"FROM alpine\nRUN echo \xff\xfe\n",
    "nul bytes": b"FROM alpine\x00\nRUN x\n",
    "5 MB line": b"FROM alpine\nRUN echo " + b"x" * 5_000_000 + b"\n",
    "20k lines": b"FROM alpine\n" + b"RUN echo hi\n" * 20_000,
    "3000-deep command substitution": b"FROM alpine\nRUN " + b"$(" * 3000 + b"\n",
    "3000-deep variable": b"ARG A=1\nFROM alpine${" + b"${A:-" * 3000 + b"\n",
    "100k-deep JSON": b"FROM alpine\nRUN " + b"[" * 100_000 + b"\n",
    "unterminated heredoc": b"FROM alpine\nRUN <<EOF\n" + b"echo\n" * 1000,
    "thousands of stages": b"".join(b"FROM alpine AS s%d\nRUN x\n" % i for i in range(3000)),
    "lone continuation": b"\\",
    "empty": b"",
    "only comments": b"# syntax=docker/dockerfile:1\n# nothing\n",
    "bad escape directive": b"# escape=x\nFROM alpine\n",
    "malformed mount": b"FROM alpine\nRUN --mount=type=cache,target=/x,bogus echo\n",
    "unknown mount type": b"FROM alpine\nRUN --mount=type=nfs,target=/x echo\n",
    "instruction before FROM": b"RUN echo\nFROM alpine\n",
}


@pytest.fixture(scope="module")
def linter():
    return Linter(load_rules(), LintOptions())


@pytest.mark.parametrize("name", sorted(CASES))
def test_any_input_yields_findings_not_crashes(linter, name):
    result = linter.lint(CASES[name], "Dockerfile")
    for diagnostic in result.diagnostics:
        assert diagnostic.span.line >= 1 and diagnostic.span.column >= 1
        assert diagnostic.message


@pytest.mark.parametrize(
    "name,expected",
    [
        ("binary", "NUL bytes"),
        ("utf-16", "UTF-16"),
        ("invalid utf-8", "not valid UTF-8"),
        ("unterminated heredoc", "unterminated heredoc"),
        ("bad escape directive", "invalid escape token"),
        ("malformed mount", "mount"),
        ("unknown mount type", "unsupported mount type"),
        ("instruction before FROM", "before the first FROM"),
    ],
)
def test_bad_input_is_an_sl000_finding(linter, name, expected):
    messages = [d.message for d in linter.lint(CASES[name], "Dockerfile").diagnostics if d.rule_id == "SL000"]
    assert any(expected in m for m in messages), messages


def test_parse_error_does_not_stop_the_rest_of_the_file(linter):
    result = linter.lint(b"FROM alpine\nFOO bar\nRUN a\nRUN b\n", "Dockerfile")
    assert {d.rule_id for d in result.diagnostics} >= {"SL000", "SL101"}


@pytest.mark.parametrize("name", ["binary", "utf-16", "3000-deep command substitution", "unterminated heredoc"])
def test_cli_json_output_stays_valid_on_bad_input(tmp_path, name):
    path = tmp_path / "Dockerfile"
    path.write_bytes(CASES[name])
    proc = subprocess.run(
        [sys.executable, "-m", "dockerlint_slim", str(path), "--format", "json"],
        capture_output=True, timeout=120,
    )
    assert proc.returncode in (0, 1), proc.stderr
    assert b"Traceback" not in proc.stderr
    json.loads(proc.stdout)
