"""SL302 context-junk: the fix (lines appended to the ignore file). The rule's findings are tested with real
contexts in tests/context/test_context_rules.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.context.helpers import MiB, make_context
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
