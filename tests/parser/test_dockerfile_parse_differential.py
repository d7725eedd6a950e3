"""slimlint's parser against `dockerfile-parse`, the Python parser most tools use: they agree on plain files, and
the two ways it is wrong for a linter (heredoc bodies, `Dockerfile.*` paths) are why slimlint ports BuildKit's own
parser instead (docs/architecture.md)."""

from __future__ import annotations

import io

import pytest

from dockerlint_slim.parser import parse_dockerfile
from tests.paths import corpus_files

dockerfile_parse = pytest.importorskip("dockerfile_parse")


def _theirs(data: bytes) -> list[tuple[str, int]]:
    parser = dockerfile_parse.DockerfileParser(fileobj=io.BytesIO(data))
    return [(item["instruction"], item["startline"] + 1) for item in parser.structure if item["instruction"] != "COMMENT"]


def _ours(data: bytes) -> list[tuple[str, int]]:
    return [(i.keyword, i.span.line) for i in parse_dockerfile(data, "Dockerfile").instructions]


def test_same_instructions_and_lines_on_every_corpus_file_without_heredocs(corpus):
    compared = 0
    for path in corpus:
        data = path.read_bytes()
        if any(i.heredocs for i in parse_dockerfile(data, str(path)).instructions):
            continue
        assert _theirs(data) == _ours(data), path
        compared += 1
    assert compared > 300


def test_heredoc_bodies_are_script_for_slimlint_and_instructions_for_dockerfile_parse():
    data = b"FROM debian:bookworm\nRUN <<EOF\napt-get update\nrm -rf /var/lib/apt/lists/*\nEOF\n"
    assert _ours(data) == [("FROM", 1), ("RUN", 2)]
    theirs = [keyword for keyword, _ in _theirs(data)]
    assert "APT-GET" in theirs and "EOF" in theirs  # body lines read as instructions


def test_a_dockerfile_named_like_a_suffix_is_a_file(tmp_path, monkeypatch):
    (tmp_path / "Dockerfile.prod").write_text("FROM alpine\nRUN echo hi\n")
    monkeypatch.chdir(tmp_path)
    parser = dockerfile_parse.DockerfileParser(path="Dockerfile.prod")
    assert parser.dockerfile_path.endswith("Dockerfile.prod/Dockerfile")  # taken for a folder
    assert _ours((tmp_path / "Dockerfile.prod").read_bytes()) == [("FROM", 1), ("RUN", 2)]


def test_the_corpus_has_heredoc_files_to_show_the_difference():
    assert any(b"<<EOF" in p.read_bytes() for p in corpus_files())
