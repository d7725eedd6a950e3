"""SL304 copy-source-missing: COPY/ADD sources that are not in the build context or that .dockerignore excludes, on
real contexts, through the engine and through the command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockerlint_slim.engine import Linter, LintOptions
from dockerlint_slim.engine.registry import load_rules
from tests.clirun import lint_json, slimlint
from tests.context.helpers import context_findings, ids_lines, make_context


# -- Findings through the engine, on real contexts with sparse files ---------------------------------------------

def test_missing_and_ignored_sources(tmp_path) -> None:
    ctx = make_context(tmp_path, {"dist/index.html": 10, "conf/Nginx.conf": 5, "src/a.py": 1}, dockerignore="# x\ndist\n")
    found = context_findings("""
        FROM nginx:alpine
        COPY dist/ /usr/share/nginx/html/
        COPY conf/nginx.conf /etc/nginx/
        COPY src/a.py /app/
    """, ctx, ("SL304",))
    assert ids_lines(found) == [("SL304", 2), ("SL304", 3)]
    assert 'source "dist/" exists but ' in found[0].message
    assert 'excludes (line 2: "dist")' in found[0].message and '"!dist"' in found[0].fix.description
    assert "not in the build context" in found[1].message and 'did you mean "conf/Nginx.conf"' in found[1].fix.description
    assert found[0].severity == "error"


def test_source_inside_a_pruned_folder(tmp_path) -> None:
    ctx = make_context(tmp_path, {"vendor/lib/x.so": 10, "app.py": 1}, dockerignore="vendor\n")
    found = context_findings("FROM alpine\nCOPY vendor/lib/x.so /usr/lib/\n", ctx, ("SL304",))
    assert ids_lines(found) == [("SL304", 2)]
    message = found[0].message
    assert 'source "vendor/lib/x.so" is inside "vendor/", which ' in message
    assert '.dockerignore excludes (line 1: "vendor")' in message and '"!vendor/lib/x.so"' in found[0].fix.description


def test_negatives(tmp_path) -> None:
    ctx = make_context(tmp_path, {"app.py": 1, "real/x": 1}, dockerignore="secret\n!keep\n")
    (ctx / "link").symlink_to("real")
    found = context_findings("""
        FROM alpine AS unused
        COPY not-there /x
        FROM golang AS build
        COPY --from=alpine:3.20 /not-there /x
        FROM alpine
        COPY requirements*.txt app.py ./
        COPY link/x /y
        COPY <<EOF /etc/motd
        hi
        EOF
        ADD https://example.com/x.tgz /tmp/
        COPY --from=build /out /out
        ARG APP_DIR
        ARG JAR=target/app.jar
        COPY ${APP_DIR}/settings.py $JAR /app/
    """, ctx, ("SL304",))
    assert found == []  # unused stage, --from, empty wildcard, symlinked folder, heredoc, URL, build-arg paths


def test_checks_stages_the_target_copies_from(tmp_path) -> None:
    ctx = make_context(tmp_path, {"go.mod": 1})
    found = context_findings("""
        FROM golang AS build
        COPY go.sum ./
        FROM scratch
        COPY --from=build /out /out
    """, ctx, ("SL304",))
    assert ids_lines(found) == [("SL304", 2)]


# -- Findings through the command line --------------------------------------------------------------------------

def sl304(tmp_path: Path, dockerfile: str, *extra: str) -> list[tuple[int, str]]:
    (tmp_path / "Dockerfile").write_text(dockerfile)
    document = lint_json("Dockerfile", "--context", ".", "--select", "SL304", *extra, cwd=tmp_path)
    return [(f["line"], f["message"]) for f in document["findings"]]


@pytest.fixture
def small_context(tmp_path):
    (tmp_path / "app.py").write_text("print(1)\n")
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "x.py").write_text("x = 1\n")
    (tmp_path / "secret.txt").write_text("s\n")
    (tmp_path / "private").mkdir()
    (tmp_path / "private" / "key").write_text("k\n")
    (tmp_path / ".dockerignore").write_text("secret.txt\nprivate\n")
    return tmp_path


def test_missing_and_ignored_sources_on_the_command_line(small_context):
    """"a COPY/ADD source that is not in the context or is excluded by .dockerignore" is an error."""
    found = sl304(small_context, "FROM alpine\nCOPY app.py missing.py /app/\nCOPY secret.txt /s\nADD private /p\n")
    assert [line for line, _ in found] == [2, 3, 4]
    assert '"missing.py"' in found[0][1] and "not in the build context" in found[0][1]
    assert '"secret.txt"' in found[1][1] and ".dockerignore" in found[1][1] and 'line 1: "secret.txt"' in found[1][1]
    assert ".dockerignore" in found[2][1]
    proc = slimlint("Dockerfile", "--context", ".", "--fail-level", "error", "--select", "SL304", cwd=small_context)
    assert proc.returncode == 1  # an error finding


def test_sources_not_from_the_context_are_not_checked(small_context):
    dockerfile = (
        "FROM alpine AS build\nRUN mkdir /out\n"
        "FROM alpine AS unused\nCOPY not-there /x\n"  # a stage the target does not need is never built
        "FROM alpine\n"
        "COPY --from=build /out /out\n"
        "COPY --from=nginx:1.27 /etc/nginx/nginx.conf /etc/nginx/\n"
        "ADD https://example.com/tool.tar.gz /opt/\n"
        "ADD https://github.com/moby/moby.git#v27.0.0 /src\n"
        "COPY <<EOF /etc/motd\nhello\nEOF\n"
        "COPY *.py lib/ /app/\n"
        "COPY ./lib/../app.py /app/again.py\n"
        "RUN --mount=type=bind,source=app.py,target=/mnt/app.py cat /mnt/app.py\n"
    )
    assert sl304(small_context, dockerfile) == []


def test_wildcard_sources_follow_buildkit(small_context):
    # BuildKit allows a wildcard that matches nothing; a wildcard whose only match is ignored matches nothing too.
    assert sl304(small_context, "FROM alpine\nCOPY *.md /docs/\nCOPY secret.* /s/\n") == []


def test_git_ignored_source_is_probably_generated_before_the_build(tmp_path) -> None:
    # Held-out repositories: a binary the Makefile builds (coredns), files a script prepares (searxng, SeleniumHQ).
    ctx = make_context(tmp_path, {".gitignore": "# build output\n/coredns\n*.jar\nlocal/\n!keep.jar\n",
                                  "docker/.gitignore": "generated/\n", "main.go": 1, "keep.jar": 1})
    found = context_findings("""
        FROM debian:bookworm
        COPY coredns /coredns
        COPY build/selenium-server.jar /opt/
        COPY local/searxng/ /usr/local/searxng/
        COPY docker/generated/conf.yml /etc/
        COPY docker/other/conf.yml /etc/
        COPY notes.txt /etc/
        COPY sub/coredns /x
    """, ctx, ("SL304",))
    assert ids_lines(found) == [("SL304", n) for n in (2, 3, 4, 5, 6, 7, 8)]
    assert [d.severity for d in found] == ["info", "info", "info", "info", "error", "error", "error"]
    assert found[0].message == ('COPY source "coredns" is not in the context (git-ignored: probably generated before '
                                "the build)")
    assert "the build fails" not in found[0].message and "the build fails" in found[4].message
    # a configured severity for the rule still wins
    linter = Linter(load_rules(plugins=False), LintOptions(select=("SL304",), context_dir=ctx,
                                                           severity={"SL304": "warning"}))
    assert {d.severity for d in linter.lint("FROM debian\nCOPY coredns /x\n", "Dockerfile").diagnostics} == {"warning"}


def test_git_ignored_only_by_an_unrelated_pattern_still_fails(tmp_path) -> None:
    ctx = make_context(tmp_path, {".gitignore": "!important\n", "app/.gitignore": "dist\n", "x": 1})
    found = context_findings("FROM debian\nCOPY important /x\nCOPY dist /y\nCOPY app/dist /z\n", ctx, ("SL304",))
    assert [(d.span.line, d.severity) for d in found] == [(2, "error"), (3, "error"), (4, "info")]
