"""SL302 context-junk: the fix (lines appended to the ignore file), and the findings on real contexts, through the
engine and through the command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.clirun import lint_json, rule_ids, sparse
from tests.context.helpers import MiB, context_findings, ids_lines, make_context
from tests.rules.conftest import run_fix

NODE = "FROM node:20-slim\nWORKDIR /app\nCOPY . .\nRUN npm ci --omit=dev\n"


def fixed(tmp_path: Path, text: str, files: dict, dockerignore: str | None = None, unsafe: bool = False):
    ctx = make_context(tmp_path / "ctx", files, dockerignore)
    (ctx / "Dockerfile").write_text(text)
    path = str(ctx / "Dockerfile")
    outcome = run_fix(text, select="SL302", context_dir=ctx, unsafe=unsafe, path=path)
    assert outcome.error is None, outcome.error
    write_outcome_in(ctx, outcome)
    again = run_fix(outcome.text, select="SL302", context_dir=ctx, unsafe=unsafe, dedent=False, path=path)
    assert not again.changed, "not idempotent"
    ignore = ctx / ".dockerignore"
    return outcome, (ignore.read_text() if ignore.exists() else None)


def write_outcome_in(ctx: Path, outcome) -> None:
    """Write the other files the fix changed (the Dockerfile text is compared by the tests)."""
    for path, (_, after) in outcome.others.items():
        Path(path).write_text(after)


def test_creates_the_dockerignore(tmp_path):
    outcome, ignore = fixed(tmp_path, NODE, {".git/objects/pack": 6 * MiB, "node_modules/x/index.js": 30 * MiB,
                                             "app.js": 100})
    assert ignore == "node_modules\n.git\n"
    assert outcome.text == NODE and [d.rule_id for d in outcome.fixed] == ["SL302"]


def test_appends_to_an_existing_one_without_a_final_newline(tmp_path):
    _, ignore = fixed(tmp_path, NODE, {".git/objects/pack": 6 * MiB, "app.js": 100}, dockerignore="*.md")
    assert ignore == "*.md\n.git\n"


@pytest.mark.parametrize("text, kept", [
    # a COPY names it itself
    ("FROM node:20\nCOPY .env.production .env\nCOPY . .\nRUN npm ci\n", ".env.production"),
    # a stage runs git on it
    ("FROM node:20 AS build\nCOPY . .\nRUN git describe --tags > VERSION\nFROM node:20\nCOPY --from=build /VERSION /\n"
     "COPY . .\nRUN npm ci\n", ".git"),
])
def test_never_a_line_that_drops_what_the_build_uses(tmp_path, text, kept):
    _, ignore = fixed(tmp_path, text, {".git/objects/pack": 6 * MiB, ".env.production": 2 * MiB,
                                       "node_modules/x/index.js": 3 * MiB, "app.js": 100})
    assert ignore is not None and kept not in ignore.splitlines()


def test_shared_context_makes_the_fix_unsafe(tmp_path, lint):
    ctx = make_context(tmp_path / "ctx", {".git/objects/pack": 6 * MiB, "app.js": 100, "worker/Dockerfile": "FROM x\n"})
    (ctx / "Dockerfile").write_text(NODE)
    (finding,) = [d for d in lint(NODE, context_dir=ctx) if d.rule_id == "SL302"]  # ctx/Dockerfile is not this one
    assert finding.fix.applicability == "unsafe" and finding.fix.edits[0].path.endswith(".dockerignore")



# -- Findings through the engine, on real contexts with sparse files ---------------------------------------------

def junk_context(tmp_path, dockerignore=None):
    return make_context(tmp_path, {
        "package.json": 500,
        "src/index.js": 10_000,
        "node_modules/react/index.js": 30 * MiB,
        ".git/objects/pack/p.pack": 90 * MiB,
        "src/__pycache__/x.pyc": 2 * MiB,
        "logs/app.log": 3 * MiB,
        "logs/old/x.log": 1 * MiB,
        ".env": 200,
        ".env.example": 100,
        ".venv/pyvenv.cfg": 10,
        ".venv/lib/site.py": 5 * MiB,
        "pyenv/pyvenv.cfg": 10,
        "pyenv/lib/x.so": 4 * MiB,
    }, dockerignore)


def test_reports_total_offenders_and_dockerignore_lines(tmp_path) -> None:
    ctx = junk_context(tmp_path)
    found = context_findings("""
        FROM node:20-slim
        WORKDIR /app
        COPY . .
        RUN npm ci --omit=dev
    """, ctx, ("SL302",))
    assert ids_lines(found) == [("SL302", 3)]
    d = found[0]
    junk = 30 * MiB + 90 * MiB + 2 * MiB + 4 * MiB + 200 + (5 * MiB + 10) + (4 * MiB + 10)
    assert d.wasted_bytes == junk
    assert d.message.startswith("COPY brings 135.0 MiB the image does not need: .git/ 90.0 MiB, node_modules/ 30.0 MiB")
    lines = d.properties["dockerignore_lines"]
    assert lines[:2] == [".git", "node_modules"]
    assert set(lines) == {".git", "node_modules", ".venv", "pyenv", "**/*.log", "**/__pycache__", ".env"}
    assert ".env.example" not in d.message


def test_respects_dockerignore_exclude_and_usage(tmp_path) -> None:
    ctx = junk_context(tmp_path, dockerignore=".git\nnode_modules\n**/__pycache__\n.venv\npyenv\n")
    found = context_findings("""
        FROM python:3.12-slim
        COPY --exclude=logs . /app/
    """, ctx, ("SL302",))
    assert found == []  # only .env (200 B) is left: under the 1 MiB default
    found = context_findings("FROM python:3.12-slim\nCOPY --exclude=logs . /app/\n", ctx, ("SL302",), min_bytes=100)
    assert ids_lines(found) == [("SL302", 2)] and ".env 200 B" in found[0].message


def test_negatives(tmp_path) -> None:
    ctx = junk_context(tmp_path)
    found = context_findings("""
        FROM node:20 AS build
        COPY . .
        FROM node:20-slim
        COPY src/index.js package.json /app/
        COPY .git /repo/.git
        RUN git -C /repo describe --tags > /version
    """, ctx, ("SL302",))
    # build-only stage; narrow copies; .git copied on purpose and used by git
    assert found == []
    # node_modules without an install in the image may be shipped on purpose: not junk
    found = context_findings("FROM node:20-slim\nCOPY node_modules /app/node_modules/\n", ctx, ("SL302",))
    assert found == []


# -- Findings through the command line --------------------------------------------------------------------------

def test_reports_junk_with_sizes_and_dockerignore_lines(tmp_path):
    junk = [".git/objects/pack/p.pack", ".venv/lib/site.so", "__pycache__/m.pyc", ".pytest_cache/v/x",
            "app.log", ".env", ".idea/workspace.xml"]
    for index, name in enumerate(junk):
        sparse(tmp_path / name, (index + 1) * 400 * 1024)
    (tmp_path / "main.py").write_text("print(1)\n")
    (tmp_path / "Dockerfile").write_text("FROM python:3.12-slim\nCOPY . /app\n")
    findings = [f for f in lint_json("Dockerfile", "--context", ".", cwd=tmp_path)["findings"] if f["rule_id"] == "SL302"]
    assert len(findings) == 1
    finding = findings[0]
    total = sum((index + 1) * 400 * 1024 for index in range(len(junk)))
    assert finding["wasted_bytes"] == total and finding["severity"] == "warning"
    message = finding["message"]
    assert message.startswith("COPY brings 10.9 MiB the image does not need: .idea/ 2.7 MiB, .env 2.3 MiB, **/*.log 2.0 MiB")
    assert finding["fix"]["description"].startswith("Add to .dockerignore:")
    for line in (".git", ".venv", "__pycache__", ".pytest_cache", ".env", ".idea"):
        assert line in finding["properties"]["dockerignore_lines"]


def test_threshold_and_dockerignore(tmp_path):
    """"Default threshold 1 MiB, configurable"; what .dockerignore already excludes is not junk."""
    (tmp_path / "Dockerfile").write_text("FROM alpine\nCOPY . /app\n")
    sparse(tmp_path / ".git" / "pack", MiB - 4096)
    assert "SL302" not in rule_ids(lint_json("Dockerfile", "--context", ".", cwd=tmp_path))
    (tmp_path / ".slimlint.toml").write_text('[rules.SL302]\nmin_bytes = "512KiB"\n')
    assert "SL302" in rule_ids(lint_json("Dockerfile", "--context", ".", cwd=tmp_path))
    (tmp_path / ".slimlint.toml").unlink()
    sparse(tmp_path / ".git" / "pack", 5 * MiB)
    assert "SL302" in rule_ids(lint_json("Dockerfile", "--context", ".", cwd=tmp_path))
    (tmp_path / ".dockerignore").write_text(".git\n")
    assert "SL302" not in rule_ids(lint_json("Dockerfile", "--context", ".", cwd=tmp_path))


@pytest.mark.parametrize("run, why", [
    # a held-out repository: the install script opens the repository with pygit2, no `git` command anywhere
    ("python3 -c \"import pygit2; print(pygit2.Repository('.').head.shorthand)\" && python3 setup.py",
     "`python3 -c` code names git"),
    ("python3 setup.py bdist_wheel", "`python3 setup.py` runs a script of the copied tree"),
    ("pip install --no-cache-dir .", "installing the local project may take its version from git"),
    ("python -m pip install -e .", "installing the local project"),
    ("python -m build --wheel", "building the local project"),
    ("make release", "`make` may take the version"),
    ("./scripts/build.sh", "`./scripts/build.sh` is a script of the copied tree"),
    ("poetry build", "`poetry build` runs the project's own build"),
])
def test_git_readers_keep_the_finding_but_make_the_git_line_unsafe(tmp_path, lint, run, why):
    text = f"FROM python:3.12-slim\nWORKDIR /src\nCOPY . .\nRUN {run}\n"
    ctx = make_context(tmp_path / "ctx", {".git/objects/pack": 6 * MiB, "setup.py": "print('x')\n"})
    (ctx / "Dockerfile").write_text(text)
    (finding,) = [d for d in lint(text, context_dir=ctx) if d.rule_id == "SL302"]
    assert finding.wasted_bytes == 6 * MiB and ".git/" in finding.message
    assert finding.fix.applicability == "unsafe", run
    assert "check first that the build does not need the VCS folder: line 4: " in finding.fix.description
    assert why in finding.fix.description
    _, ignore = fixed(tmp_path / "fix", text, {".git/objects/pack": 6 * MiB, "setup.py": "print('x')\n"})
    assert ignore is None  # not applied by a safe --fix
    _, ignore = fixed(tmp_path / "unsafe", text, {".git/objects/pack": 6 * MiB, "setup.py": "x\n"}, unsafe=True)
    assert ignore == ".git\n"


@pytest.mark.parametrize("run", ["pip install -r requirements.txt", "pip install flask", "python3 -c 'print(1)'",
                                 "/usr/local/bin/app --version", "npm ci"])
def test_commands_that_do_not_read_the_repository_keep_the_fix_safe(tmp_path, run):
    text = f"FROM python:3.12-slim\nWORKDIR /src\nCOPY . .\nRUN {run}\n"
    _, ignore = fixed(tmp_path, text, {".git/objects/pack": 6 * MiB, "requirements.txt": "flask\n"})
    assert ignore == ".git\n"
