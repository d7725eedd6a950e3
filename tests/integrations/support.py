"""Dockerfiles and helpers shared by the integration tests (pre-commit, GitHub Action, GitLab, docs site)."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# apt-get update without removing the lists (SL201, a warning) in two consecutive RUNs (SL101, info): no error-level
# finding, so `--fail-level error` passes on it.
BAD_DOCKERFILE = """\
FROM debian:12
RUN apt-get update
RUN apt-get install -y --no-install-recommends curl
"""

# One static binary on scratch: nothing for any size rule to report.
CLEAN_DOCKERFILE = """\
FROM scratch
COPY app /app
ENTRYPOINT ["/app"]
"""


def git(*args: str, cwd: Path) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True)
    return done.stdout.strip()

