"""The pre-commit hook for real: a temporary repository whose .pre-commit-config.yaml points at this repository.

pre-commit clones this repository at the current commit (`git rev-parse HEAD`, so only committed code counts) and
pip-installs it in its own environment (PyPI must be reachable for the dependencies).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .support import BAD_DOCKERFILE, CLEAN_DOCKERFILE, ROOT, git

yaml = pytest.importorskip("yaml")

HOOKS = ROOT / ".pre-commit-hooks.yaml"


def hook() -> dict:
    hooks = yaml.safe_load(HOOKS.read_text())
    return next(h for h in hooks if h["id"] == "slimlint")


@pytest.mark.parametrize(
    ("path", "linted"),
    [
        ("Dockerfile", True),
        ("services/api/Dockerfile", True),
        ("Dockerfile.prod", True),
        ("Dockerfile-dev", True),
        ("deploy/Dockerfile.alpine", True),
        ("app.dockerfile", True),
        ("docker/App.Dockerfile", True),
        ("Containerfile", True),
        ("build/Containerfile.fedora", True),
        ("Containerfile-dev", True),
        ("worker.containerfile", True),
        ("dockerfile", True),
        # BuildKit's per-Dockerfile ignore files are not Dockerfiles.
        ("Dockerfile.dockerignore", False),
        ("app.Dockerfile.dockerignore", False),
        ("docs/Dockerfile.md", False),
        ("README.md", False),
        ("docs/dockerfiles.md", False),
        ("Dockerfiles/readme.txt", False),
        ("mydockerfile", False),
        ("dockerfile_parse.py", False),
    ],
)
def test_file_filter(path: str, linted: bool):
    spec = hook()
    assert bool(re.search(spec["files"], path)) is linted
    assert not re.search(spec.get("exclude", "^$"), path)


def test_hook_definition():
    spec = hook()
    assert spec["language"] == "python"
    assert spec["entry"] == "slimlint"
    assert spec.get("pass_filenames", True)
    # One run for all files: pre-commit would otherwise split them into batches, each with its own summary.
    assert spec["require_serial"] is True


def test_hook_file_is_generated_from_the_discovery_rule():
    """`files:` is the rule `slimlint DIR` uses, written by scripts/gen_precommit_hooks.py."""
    from dockerlint_slim.knowledge.dockerfile_names import hook_files_regex

    assert hook()["files"] == hook_files_regex()
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "gen_precommit_hooks.py"), "--check"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_local_hook_snippet_is_the_shipped_hook():
    """The `repo: local` snippet of the docs is the shipped hook with `language: system`."""
    page = (ROOT / "docs" / "integrations" / "pre-commit.md").read_text()
    blocks = [yaml.safe_load(b) for b in re.findall(r"```yaml\n(.*?)```", page, re.S)]
    local = next(b["repos"][0]["hooks"][0] for b in blocks
                 if isinstance(b, dict) and b.get("repos") and b["repos"][0]["repo"] == "local")
    shipped = {k: v for k, v in hook().items() if k not in ("language", "description", "minimum_pre_commit_version")}
    assert local.pop("language") == "system"
    assert local == shipped


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory) -> Path:
    if shutil.which("pre-commit") is None:
        pytest.skip("pre-commit is not installed (pip install pre-commit)")
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    return tmp_path_factory.mktemp("pre-commit-home")


def run_pre_commit(repo: Path, home: Path, args: list[str]) -> subprocess.CompletedProcess:
    rev = git("rev-parse", "HEAD", cwd=ROOT)
    committed = git("ls-tree", "--name-only", rev, ".pre-commit-hooks.yaml", cwd=ROOT)
    assert committed, "commit .pre-commit-hooks.yaml first: pre-commit only sees committed code"
    config = {"repos": [{"repo": str(ROOT), "rev": rev, "hooks": [{"id": "slimlint", "args": args}]}]}
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config))
    git("add", "-A", cwd=repo)
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "NO_COLOR": "1"}
    env.pop("FORCE_COLOR", None)
    return subprocess.run(
        ["pre-commit", "run", "--all-files", "--color", "never"],
        cwd=repo, env=env, capture_output=True, text=True, timeout=900,
    )


def test_pre_commit_fails_on_findings_and_passes_on_a_clean_repository(git_repo: Path, pre_commit_home: Path):
    (git_repo / "services" / "api").mkdir(parents=True)
    (git_repo / "services" / "api" / "app.dockerfile").write_text(BAD_DOCKERFILE)
    (git_repo / "web").mkdir()
    (git_repo / "web" / "Containerfile").write_text(CLEAN_DOCKERFILE)
    (git_repo / "README.md").write_text("FROM is not a Dockerfile here\nRUN neither\n")

    done = run_pre_commit(git_repo, pre_commit_home, ["--no-color"])
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "slimlint" in output and "Failed" in output
    assert "services/api/app.dockerfile:2:5: SL201 warning:" in output
    assert "services/api/app.dockerfile:2:1: SL101 info:" in output
    assert "README.md:" not in output  # not a Dockerfile: never passed to the hook

    # Hook args reach slimlint: at --fail-level error the same warnings no longer fail the commit.
    relaxed = run_pre_commit(git_repo, pre_commit_home, ["--no-color", "--fail-level", "error"])
    assert relaxed.returncode == 0, relaxed.stdout + relaxed.stderr

    (git_repo / "services" / "api" / "app.dockerfile").write_text(CLEAN_DOCKERFILE)
    clean = run_pre_commit(git_repo, pre_commit_home, ["--no-color"])
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert re.search(r"slimlint\.+Passed", clean.stdout), clean.stdout


def test_per_dockerfile_contexts_from_config(git_repo: Path, pre_commit_home: Path):
    """The hook passes file names only; `[contexts]` in .slimlint.toml gives each Dockerfile its build context."""
    (git_repo / "services" / "api").mkdir(parents=True)
    (git_repo / "services" / "api" / "Dockerfile").write_text(CLEAN_DOCKERFILE)
    (git_repo / ".slimlint.toml").write_text('[contexts]\n"services/api/*" = "services/does-not-exist"\n')
    done = run_pre_commit(git_repo, pre_commit_home, ["--no-color"])
    # The mapped context is applied to that file: a missing folder is a clear usage error (exit 2).
    assert done.returncode != 0
    assert "build context is not a folder" in done.stdout + done.stderr
    assert "services/does-not-exist" in done.stdout + done.stderr

    (git_repo / "services" / "api" / "app").write_text("binary\n")
    (git_repo / ".slimlint.toml").write_text('[contexts]\n"services/api/*" = "services/api"\n')
    ok = run_pre_commit(git_repo, pre_commit_home, ["--no-color"])
    assert ok.returncode == 0, ok.stdout + ok.stderr
