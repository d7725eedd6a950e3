"""The outputs shown in README.md, docs/index.md and examples/*/README.md are what the commands print.

Every ```console block is a session: `$ COMMAND` lines, each followed by its exact output. The commands run in the
folder of the README (examples are copied to a temporary folder first, so generated files stay out of the
repository); `slimlint ...` runs the command line, `python3 SCRIPT.py` runs the example's script, `echo $?` prints
the exit code of the command before it. A README whose output no longer matches fails here: run the command and
paste what it prints.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.clirun import env, slimlint
from tests.paths import ROOT

EXAMPLES = ROOT / "examples"
_CONSOLE = re.compile(r"^```console\n(.*?)^```$", re.S | re.M)


def sessions(markdown: str) -> list[list[tuple[str, str]]]:
    """The console blocks of a README, each as (command, expected output) pairs."""
    blocks = []
    for body in _CONSOLE.findall(markdown):
        steps: list[tuple[str, list[str]]] = []
        for line in body.splitlines():
            if line.startswith("$ "):
                steps.append((line[2:], []))
            elif steps:
                steps[-1][1].append(line)
            else:
                raise AssertionError(f"output before any command in a console block: {line!r}")
        blocks.append([(command, "".join(f"{line}\n" for line in output)) for command, output in steps])
    return blocks


def run(command: str, cwd: Path, last_code: int, may_write: bool) -> tuple[str, int]:
    argv = shlex.split(command)
    if argv == ["echo", "$?"]:
        return f"{last_code}\n", 0
    if argv[0] == "slimlint":
        done = slimlint(*argv[1:], cwd=cwd)
        return done.stdout, done.returncode
    if may_write and argv[0] == "python3" and len(argv) == 2 and argv[1].endswith(".py"):
        done = subprocess.run([sys.executable, argv[1]], cwd=cwd, capture_output=True, text=True, env=env(),
                              timeout=120)
        return done.stdout, done.returncode
    raise AssertionError(f"a README command this test cannot run: {command!r}")


def check(readme: Path, cwd: Path, may_write: bool) -> int:
    """Run every session of `readme` in `cwd`; the number of commands checked."""
    checked = 0
    for session in sessions(readme.read_text(encoding="utf-8")):
        code = 0
        for command, expected in session:
            output, code = run(command, cwd, code, may_write)
            assert output == expected, f"{readme.name}: `{command}` prints something else:\n{output}"
            checked += 1
    return checked


def test_sessions_are_read_command_by_command():
    text = "x\n```console\n$ slimlint a\nline 1\n\nline 2\n$ echo $?\n1\n```\n```sh\n$ not this\n```\n"
    assert sessions(text) == [[("slimlint a", "line 1\n\nline 2\n"), ("echo $?", "1\n")]]


def test_readme_quick_start_output_is_real():
    readme = ROOT / "README.md"
    quick_start = readme.read_text(encoding="utf-8").split("## Quick start", 1)[1]
    commands = [command for session in sessions(quick_start) for command, _ in session]
    # The quick start works on a fresh clone: it lints a Dockerfile of the repository, and it finds something.
    assert any(c.startswith("slimlint examples/") for c in commands)
    assert ("echo $?", "1\n") in [step for session in sessions(quick_start) for step in session]
    assert check(readme, ROOT, may_write=False) >= 2


def test_docs_first_run_output_is_real():
    assert check(ROOT / "docs" / "index.md", ROOT, may_write=False) >= 2


@pytest.mark.parametrize("example", sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir()))
def test_example_readme_output_is_real(example, tmp_path):
    folder = tmp_path / example
    shutil.copytree(EXAMPLES / example, folder, ignore=shutil.ignore_patterns("*.tar"))
    assert check(folder / "README.md", folder, may_write=True) >= 1


def test_dockerfiles_shown_in_the_readme_are_the_example_files():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = re.findall(r"`(examples/[^`]+)`[^\n]*\n\n```dockerfile\n(.*?)^```$", text, re.S | re.M)
    assert shown, "README shows no example Dockerfile"
    for path, content in shown:
        assert content == (ROOT / path).read_text(encoding="utf-8"), path
