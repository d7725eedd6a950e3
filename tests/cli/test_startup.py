"""Start-up stays lean: counted in imported modules, never in milliseconds (benchmarks/startup.py measures time)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from dockerlint_slim.launch import plain_check, plain_request
from tests.clirun import env
from tests.paths import CORPUS, ROOT

# Needed only by a format, a subcommand or a test: never by importing the command line or by a plain text check.
NEVER_AT_START = ("pygments", "sarif_om", "jsonschema", "dockerlint_slim.image", "dockerlint_slim.formatters.sarif")
# A plain `slimlint FILE` besides: no click (its command tree is built only for other command lines), no
# importlib.resources (tree_sitter_bash's package loads it for query files slimlint never reads), no xz decoder
# (the Debian package table is read for an apt install only).
NOT_FOR_A_PLAIN_CHECK = NEVER_AT_START + ("click", "importlib.resources", "lzma", "tempfile", "shutil")
# No apt, no official base image: nothing asks for a knowledge table.
PLAIN_FILE = "FROM scratch\nCOPY app /app\nRUN echo one\nRUN echo two\n"


def _imported(probe: str, *names: str, cwd=ROOT) -> list[str]:
    """The modules of `names` that `probe` (Python source) has imported by its end, run in a fresh interpreter."""
    code = probe + f"\nprint(__import__('json').dumps([m for m in {names!r} if m in __import__('sys').modules]))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=cwd, env=env(),
                            check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_importing_the_command_line_loads_no_formatter_library():
    assert _imported("import dockerlint_slim.cli", *NEVER_AT_START) == []


def test_a_plain_check_imports_only_what_it_uses(tmp_path):
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(PLAIN_FILE)
    # The real entry point, stopped just before it ends the process so that sys.modules can be read.
    probe = f"""
import sys
from dockerlint_slim import launch
ended = []
launch._exit = ended.append
launch.main([{str(dockerfile)!r}])
assert ended == [1], ended
"""
    assert _imported(probe, *NOT_FOR_A_PLAIN_CHECK, cwd=tmp_path) == []


def test_the_probe_sees_imports():
    # The check above could pass by reading the wrong sys.modules: the same probe sees what a JSON report imports.
    assert _imported("import dockerlint_slim.cli; import dockerlint_slim.formatters.sarif",
                     "dockerlint_slim.formatters.sarif", "click") == ["dockerlint_slim.formatters.sarif", "click"]


@pytest.mark.parametrize(("args", "expected"), [
    (["Dockerfile"], (("Dockerfile",), False)),
    (["a/Dockerfile", "-", "b"], (("a/Dockerfile", "-", "b"), False)),
    (["--no-color", "Dockerfile"], (("Dockerfile",), True)),
    ([], None),
    (["--no-color"], None),
    (["check", "Dockerfile"], None),
    (["rules"], None),
    (["Dockerfile", "--format", "json"], None),
    (["--help"], None),
    (["Dockerfile", "--"], None),
])
def test_only_paths_take_the_short_way(args, expected):
    assert plain_check(args) == expected


@pytest.mark.parametrize("args", [["Dockerfile"], ["--no-color", "a/Dockerfile", "-", "services"]])
def test_the_short_way_makes_the_request_click_makes(monkeypatch, args):
    # Every option of `check` at its default: an option added to click with another default than CheckRequest's
    # makes the two ways differ, and this fails.
    import dockerlint_slim.engine.runner as runner
    from dockerlint_slim.cli import main

    made = []
    monkeypatch.setattr(runner, "run_check", lambda request: made.append(request) or 0)
    with pytest.raises(SystemExit):
        main(["check", *args])
    assert made == [plain_request(*plain_check(args))]


def _run(args: list[str], cwd, stdin: str = "") -> tuple[int, str, str]:
    result = subprocess.run([sys.executable, "-m", "dockerlint_slim", *args], capture_output=True, text=True,
                            cwd=cwd, env=env(), input=stdin, timeout=120)
    return result.returncode, result.stdout, result.stderr


@pytest.mark.parametrize("args", [
    ["Dockerfile"],
    ["--no-color", "Dockerfile", "missing/Dockerfile"],
    ["services"],
    ["-"],
])
def test_the_short_way_reports_what_click_does(tmp_path, args):
    (tmp_path / "Dockerfile").write_text(PLAIN_FILE)
    (tmp_path / "services" / "api").mkdir(parents=True)
    (tmp_path / "services" / "api" / "Dockerfile").write_text("FROM alpine:3.20\nRUN apk add curl\n")
    short = _run(args, tmp_path, stdin=PLAIN_FILE)
    assert short == _run(["check", *args], tmp_path, stdin=PLAIN_FILE)
    assert short[0] in (1, 2) and short[1]  # findings (or an error) were reported, not an empty run


def test_a_corpus_file_reports_the_same_both_ways():
    dockerfile = next(p for p in sorted(CORPUS.rglob("Dockerfile")) if "apt-get" in p.read_text())
    assert _run([str(dockerfile)], ROOT) == _run(["check", str(dockerfile)], ROOT)
