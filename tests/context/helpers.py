"""Build contexts on disk for tests: sparse files fake large sizes without using the disk."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

from dockerlint_slim.context import scan_context
from dockerlint_slim.parser import parse_dockerfile

KiB = 1024
MiB = 1024 * 1024


def make_context(root: Path, files: dict[str, int | str], dockerignore: str | None = None) -> Path:
    """`files`: relative path -> size (sparse) or text content; a path ending in `/` is an empty folder."""
    root.mkdir(parents=True, exist_ok=True)
    for rel, spec in files.items():
        path = root / rel
        if rel.endswith("/"):
            path.mkdir(parents=True, exist_ok=True)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(spec, str):
            path.write_text(spec)
        else:
            with open(path, "wb") as handle:
                handle.truncate(spec)
    if dockerignore is not None:
        (root / ".dockerignore").write_text(dockerignore)
    return root


def dockerfile(text: str, target: str | None = None):
    return parse_dockerfile(textwrap.dedent(text).lstrip("\n"), "Dockerfile", target=target)


def scan(root: Path):
    return scan_context(os.fspath(root))
