"""The context rules and the layer model on every real Dockerfile of the corpus, and the CLI's error path."""

from __future__ import annotations

import subprocess
import sys

from dockerlint_slim.context import scan_context
from dockerlint_slim.parser import parse_dockerfile
from dockerlint_slim.replay.report import context_report
from dockerlint_slim.replay.simulator import build_layer_model


def test_layer_model_on_the_corpus_with_its_own_folder_as_context(corpus) -> None:
    files = corpus
    known = 0
    for path in files:
        dockerfile = parse_dockerfile(path.read_bytes(), str(path))
        context = scan_context(str(path.parent), str(path))
        model = build_layer_model(dockerfile, context)
        assert 0 <= model.wasted_bytes <= model.stored_bytes, path
        report = context_report(dockerfile, context)
        assert report["image_bytes"] == model.stored_bytes
        assert build_layer_model(dockerfile, None).stored_bytes <= model.stored_bytes
        known += bool(model.stored_bytes)
    # The corpus folders hold the Dockerfiles (and a few scripts): some COPYs resolve to real bytes.
    assert known > 0


def test_cli_bad_dockerignore_is_exit_2_with_one_line(tmp_path) -> None:
    (tmp_path / ".dockerignore").write_text("ok\n[oops\n")
    (tmp_path / "Dockerfile").write_text("FROM alpine\nCOPY . /app/\n")
    done = subprocess.run(
        [sys.executable, "-m", "dockerlint_slim", str(tmp_path / "Dockerfile"), "--context", str(tmp_path)],
        capture_output=True, text=True, cwd=tmp_path,
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and ".dockerignore:2: bad pattern '[oops'" in lines[0]
