"""knowledge.dockerfile_names: the one list of Dockerfile names, and the pre-commit regex generated from it."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dockerlint_slim.knowledge.dockerfile_names import (
    OTHER_EXTENSIONS,
    SOURCE_EXTENSIONS,
    hook_files_regex,
    is_dockerfile_name,
    names_markdown,
)

HOOK = re.compile(hook_files_regex())

NAMES = [
    # BuildKit's and Podman's defaults, any case
    ("Dockerfile", True), ("dockerfile", True), ("DOCKERFILE", True), ("Containerfile", True),
    # <name>.Dockerfile, as Docker's docs name them; *.containerfile
    ("api.Dockerfile", True), ("app.dockerfile", True), ("docker/App.Dockerfile", True), ("worker.containerfile", True),
    ("ubuntu-24.04-cpp.dockerfile", True),
    # variants of the default names
    ("Dockerfile.prod", True), ("Dockerfile-dev", True), ("Containerfile-dev", True), ("Dockerfile_windows", True),
    ("Dockerfile-py3.gpu", True), ("Containerfile.fedora", True), ("Dockerfile.alpine3.20", True),
    ("Dockerfile.go", True), ("Dockerfile.node", True), ("DOCKERFILE.go", True),
    # BuildKit's per-Dockerfile ignore files
    ("Dockerfile.dockerignore", False), ("app.Dockerfile.dockerignore", False), ("Dockerfile-dev.dockerignore", False),
    # other kinds of files that start with the name
    ("Dockerfile.md", False), ("docs/Dockerfile.md", False), ("Dockerfile.prod.md", False), ("Dockerfile.txt", False),
    ("Dockerfile.j2", False), ("Dockerfile.template", False), ("Dockerfile.in", False), ("Dockerfile.orig", False),
    ("Dockerfile.yaml", False), ("Containerfile.sh", False),
    # a program's modules
    ("dockerfile.go", False), ("dockerfile_test.go", False), ("dockerfile_parse.py", False), ("dockerfile.GO", False),
    ("containerfile.rs", False),
    # not Dockerfile names at all
    ("README.md", False), ("mydockerfile", False), ("Dockerfiles", False), ("Dockerfile.", False), (".dockerfile", False),
    ("Dockerfile~", False), ("docker-compose.yml", False), ("notes/dockerfile.txt.bak/x", False),
]


@pytest.mark.parametrize("path, linted", NAMES)
def test_names(path: str, linted: bool):
    assert is_dockerfile_name(path.rsplit("/", 1)[-1]) is linted
    assert bool(HOOK.search(path)) is linted


def test_every_excluded_extension_is_excluded_by_both():
    for extension in OTHER_EXTENSIONS:
        for name in (f"Dockerfile.{extension}", f"Containerfile-dev.{extension.upper()}"):
            assert not is_dockerfile_name(name) and not HOOK.search(name), name
    for extension in SOURCE_EXTENSIONS:
        assert not is_dockerfile_name(f"dockerfile.{extension}") and not HOOK.search(f"dockerfile.{extension}")
        assert is_dockerfile_name(f"Dockerfile.{extension}") and HOOK.search(f"Dockerfile.{extension}")


_PIECES = st.sampled_from(["Dockerfile", "dockerfile", "DockerFile", "Containerfile", "containerfile", ".", "-", "_",
                           "dockerignore", "md", "go", "py", "prod", "app", "x", "Md", "GO", "/", "a.b", "~", "J2"])


@settings(max_examples=400, deadline=None)
@given(st.lists(_PIECES, min_size=1, max_size=6).map("".join))
def test_the_hook_regex_is_the_same_rule_as_discovery(path: str):
    """The generated regex and the function agree on any path built from the pieces that matter."""
    assert bool(HOOK.search(path)) is is_dockerfile_name(path.rsplit("/", 1)[-1]), path


def test_docs_text_names_every_excluded_extension():
    text = names_markdown()
    for extension in sorted(OTHER_EXTENSIONS) + list(SOURCE_EXTENSIONS):
        assert f"`.{extension}`" in text
