"""SL403 heavy-base-image: a smaller official variant exists; sizes from the offline table."""

import pytest

from dockerlint_slim.knowledge.base_images import MB, SIZES

RULE = "SL403"


def found(lint, text, **kwargs):
    return lint(text, select=(RULE,), **kwargs)


@pytest.mark.parametrize("image,suggested", [
    ("python:3.12", "python:3.12-slim"),
    ("docker.io/library/python:3.12-bookworm", "python:3.12-slim-bookworm"),
    ("node:20", "node:20-slim"),
    ("node:20-bookworm", "node:20-bookworm-slim"),
    ("debian:bookworm", "debian:bookworm-slim"),
    ("ruby:3.3", "ruby:3.3-slim"),
    ("nginx:1.27", "nginx:1.27-alpine"),
])
def test_heavy_bases(lint, image, suggested):
    result = found(lint, f"FROM {image}\nCOPY app /app\n")
    assert len(result) == 1
    assert f"`{suggested}`" in result[0].message
    assert result[0].severity == "info"


def test_quotes_sizes_from_the_table(lint):
    result = found(lint, "FROM python:3.12\nCMD [\"python\"]\n")[0]
    full, slim = SIZES[("python", "full")], SIZES[("python", "slim")]
    assert f"about {full[1]} MB uncompressed" in result.message
    assert f"about {slim[1]} MB" in result.message
    assert result.wasted_bytes == (full[1] - slim[1]) * MB


@pytest.mark.parametrize("image", [
    "python:3.12-slim", "python:3.12-alpine3.20", "node:20-alpine", "debian:bookworm-slim", "ubuntu:24.04",
    "php:8.3-apache", "python:${PY}", "python@sha256:" + "a" * 64, "scratch", "example.com/python:3.12",
    "eclipse-temurin:21-jre",
])
def test_small_or_unknown_bases(lint, image):
    assert found(lint, f"FROM {image}\nCOPY app /app\n") == []


def test_compiler_bases_are_left_to_sl401(lint):
    assert found(lint, "FROM golang:1.22\nCMD [\"/app\"]\n") == []
    # a JDK that compiles Java needs SL401's multi-stage fix; one that only runs Java gets the JRE's size here
    assert found(lint, "FROM eclipse-temurin:21-jdk\nRUN ./mvnw package\nCMD [\"java\"]\n") == []
    assert "`eclipse-temurin:21-jre`" in found(lint, "FROM eclipse-temurin:21-jdk\nCMD [\"java\"]\n")[0].message
    text = "FROM node:20\nRUN npm ci && npm run build\nCMD [\"node\", \"dist/main.js\"]\n"
    assert found(lint, text) == []
    assert [d.rule_id for d in lint(text, select=("SL401",))] == ["SL401"]


def test_only_the_final_base_counts(lint):
    text = """
        FROM python:3.12 AS build
        RUN pip wheel -w /wheels flask
        FROM python:3.12-slim
        COPY --from=build /wheels /wheels
    """
    assert found(lint, text) == []
    assert [d.span.line for d in found(lint, text, target="build")] == [1]


def test_inherited_base_reported_at_the_root_from(lint):
    result = found(lint, """
        FROM node:20 AS base
        WORKDIR /app
        FROM base
        COPY . .
    """)
    assert [d.span.line for d in result] == [1]


def test_min_saving_option(lint):
    assert found(lint, "FROM debian:bookworm\n", min_saving_mb=100) == []
    assert len(found(lint, "FROM debian:bookworm\n")) == 1


def test_arg_default_is_resolved(lint):
    result = found(lint, "ARG PY=3.12\nFROM python:${PY}\n")
    assert len(result) == 1 and "`python:3.12-slim`" in result[0].message
    assert found(lint, "ARG PY=3.12-slim\nFROM python:${PY}\n") == []


def test_onbuild_tags_have_no_smaller_twin(lint):
    # Real-world: `FROM node:onbuild` was told to use `node:onbuild-slim`, a tag that never existed.
    assert found(lint, 'FROM node:onbuild\nCMD ["npm", "start"]\n') == []
    assert found(lint, 'FROM python:3.6-onbuild\nCMD ["python", "app.py"]\n') == []
