"""Drive the real command line the way a user does, from a temporary folder as cwd.

Runs `slimlint` in-process (the same `main()` the console script calls, with its own stdin, stdout, stderr,
working directory and environment) so that hundreds of command-line tests stay fast; a call with a `timeout` (a
guard against hangs) runs a real subprocess, and a few smoke tests run the installed console script."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

from tests.paths import ROOT, SARIF_SCHEMA

SCATTERED = "FROM alpine:3.20\nRUN echo one\nRUN echo two\n"
CLEAN = "FROM alpine:3.20\nRUN echo one && echo two\n"


def env(**overrides: str | None) -> dict[str, str]:
    """The caller's environment without colour switches, this checkout first on the import path."""
    base = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    base["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), base.get("PYTHONPATH")) if p)
    for key, value in overrides.items():
        if value is None:
            base.pop(key, None)
        else:
            base[key] = value
    return base


def slimlint(*args: str, cwd: Path, input: str | None = None, environ: dict | None = None,
             timeout: float | None = None) -> subprocess.CompletedProcess:
    if timeout is not None:
        return subprocess.run(
            [sys.executable, "-m", "dockerlint_slim", *args],
            cwd=cwd, input=input, capture_output=True, text=True, timeout=timeout, env=environ or env(),
        )
    return run_in_process(list(args), cwd=cwd, input=input, environ=environ or env())


def run_in_process(args: list[str], cwd: Path, input: str | None, environ: dict) -> subprocess.CompletedProcess:
    """`slimlint ARGS` through `dockerlint_slim.cli.main`, as a subprocess would see it: text streams over bytes
    (not terminals), the exit code from SystemExit."""
    from dockerlint_slim.cli import main

    stdin = io.TextIOWrapper(io.BytesIO((input or "").encode("utf-8")), encoding="utf-8")
    stdout_bytes, stderr_bytes = io.BytesIO(), io.BytesIO()
    stdout = io.TextIOWrapper(stdout_bytes, encoding="utf-8", write_through=True)
    stderr = io.TextIOWrapper(stderr_bytes, encoding="utf-8", errors="backslashreplace", write_through=True)
    code = 0
    with _environment(environ, cwd):
        saved = sys.stdin, sys.stdout, sys.stderr
        sys.stdin, sys.stdout, sys.stderr = stdin, stdout, stderr
        try:
            main(args)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        finally:
            sys.stdin, sys.stdout, sys.stderr = saved
    return subprocess.CompletedProcess(["slimlint", *args], code, stdout_bytes.getvalue().decode("utf-8", "replace"),
                                       stderr_bytes.getvalue().decode("utf-8", "replace"))


@contextlib.contextmanager
def _environment(environ: dict, cwd: Path):
    saved, saved_cwd = dict(os.environ), os.getcwd()
    os.environ.clear()
    os.environ.update(environ)
    os.chdir(cwd)
    try:
        yield
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved)


def lint_json(*args: str, cwd: Path, input: str | None = None) -> dict:
    proc = slimlint(*args, "--format", "json", cwd=cwd, input=input)
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout)


def rule_ids(document: dict) -> list[str]:
    return [f["rule_id"] for f in document["findings"]]


def usage_error(proc: subprocess.CompletedProcess) -> str:
    """Exit 2, exactly one line on stderr that starts `slimlint: error:`, no traceback; returns that line."""
    assert proc.returncode == 2, (proc.returncode, proc.stdout[-500:], proc.stderr[-2000:])
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("slimlint: error: "), lines[0]
    assert "Traceback" not in proc.stderr
    return lines[0]


def sarif_schema() -> dict:
    path = SARIF_SCHEMA
    return json.loads(path.read_text())


def sparse(path: Path, size: int) -> Path:
    """A file of `size` bytes that takes no disk (truncate), to fake large build-context files."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as handle:
        handle.truncate(size)
    return path
