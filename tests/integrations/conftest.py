"""Fixtures of the integration tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from .support import git


@pytest.fixture
def git_repo(tmp_path: Path) -> Path:
    """An empty git repository (SARIF/GitLab paths are relative to the repository root)."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = tmp_path / "repo"
    repo.mkdir()
    git("init", "-q", cwd=repo)
    git("config", "user.email", "test@example.com", cwd=repo)
    git("config", "user.name", "test", cwd=repo)
    git("config", "commit.gpgsign", "false", cwd=repo)
    return repo
