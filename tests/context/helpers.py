"""Build contexts on disk for tests: sparse files fake large sizes without using the disk."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

from dockerlint_slim.context import scan_context
from dockerlint_slim.engine import Linter, LintOptions
from dockerlint_slim.parser import parse_dockerfile
from tests.clirun import sparse
from tests.rules.conftest import _RULES, run_lint

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


def context_findings(text: str, context_dir, select: tuple[str, ...], target=None, **rule_options):
    """Diagnostics of the `select`ed rules on `text` (dedented) with `context_dir` as the build context;
    `**rule_options` go to every rule."""
    return run_lint(text, target=target, select=select, context_dir=context_dir, **rule_options)


def ids_lines(diagnostics):
    return [(d.rule_id, d.span.line) for d in diagnostics]


def lint_with_context(text, root, **options):
    """The whole result of linting `text` (diagnostics and build report) with `root` as the build context;
    `**options` are SL501's."""
    linter = Linter(_RULES, LintOptions(context_dir=root, rule_options={"SL501": options}))
    return linter.lint(text, "Dockerfile")


def wasteful_context(root: Path) -> Path:
    """20,500,000 bytes of predicted waste: above 20MB (20,000,000), below 20MiB (20,971,520)."""
    sparse(root / "big.tar.gz", 19_500_000)
    sparse(root / "small.tar.gz", 1_000_000)
    (root / "Dockerfile").write_text(
        "FROM alpine:3.20\nCOPY big.tar.gz small.tar.gz /tmp/\nCOPY . /app\n"
        "RUN tar -xzf /tmp/big.tar.gz -C /opt && rm /tmp/big.tar.gz /tmp/small.tar.gz\n"
    )
    return root
