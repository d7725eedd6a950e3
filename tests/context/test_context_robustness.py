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


def test_ignore_file_linked_out_of_the_context_or_too_big_is_an_error_not_read(tmp_path) -> None:
    from dockerlint_slim.context import DockerignoreError
    from dockerlint_slim.context.dockerignore import MAX_DOCKERIGNORE_BYTES, load_dockerignore

    outside = tmp_path / "outside.txt"
    outside.write_text("secret\n")
    context = tmp_path / "context"
    context.mkdir()
    (context / ".dockerignore").symlink_to(outside)
    try:
        load_dockerignore(str(context))
    except DockerignoreError as exc:
        assert "leads out of its folder" in str(exc)
    else:
        raise AssertionError("a .dockerignore linked out of the context was read")
    (context / ".dockerignore").unlink()
    (context / "real-ignore").write_text("*.log\n")
    (context / ".dockerignore").symlink_to("real-ignore")  # inside the context: followed
    assert load_dockerignore(str(context)).excluded("a.log")
    (context / ".dockerignore").unlink()
    with open(context / ".dockerignore", "wb") as handle:
        handle.truncate(MAX_DOCKERIGNORE_BYTES + 1)
    try:
        load_dockerignore(str(context))
    except DockerignoreError as exc:
        assert "larger than 4 MiB" in str(exc)
    else:
        raise AssertionError("an oversized .dockerignore was read")
    (context / ".dockerignore").unlink()
    (context / ".dockerignore").symlink_to("/dev/zero")
    try:
        load_dockerignore(str(context))
    except DockerignoreError as exc:
        assert "leads out of its folder" in str(exc)
    else:
        raise AssertionError("a .dockerignore linked to /dev/zero was read")


def test_redos_patterns_through_the_command_line(tmp_path) -> None:
    # A subprocess with a timeout: a hang fails the test instead of stalling the run.
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / ("a" * 60)).write_text("x")
    deep = tmp_path.joinpath(*["d"] * 60)
    deep.mkdir(parents=True)
    (deep / "f").write_text("x")
    (tmp_path / ".dockerignore").write_text("a/*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b\n" + "**/" * 16 + "x\n")
    (tmp_path / "Dockerfile").write_text("FROM alpine\nCOPY . /app/\n")
    done = subprocess.run(
        [sys.executable, "-m", "dockerlint_slim", "Dockerfile", "--context", ".", "--format", "json"],
        capture_output=True, text=True, cwd=tmp_path, timeout=120,
    )
    assert done.returncode in (0, 1), done.stderr
