"""SL301, SL302, SL304, SL501 through the engine, on real contexts with sparse files."""

from __future__ import annotations

import textwrap

import pytest

from dockerlint_slim.engine import Linter, LintOptions
from dockerlint_slim.engine.registry import load_rules

from .helpers import MiB, make_context

_RULES = load_rules(plugins=False)


def lint(text: str, context_dir, select: tuple[str, ...], target=None, **rule_options):
    options = {rule.id: dict(rule_options) for rule in _RULES}
    linter = Linter(_RULES, LintOptions(select=select, target=target, context_dir=context_dir, rule_options=options))
    return linter.lint(textwrap.dedent(text).lstrip("\n"), "Dockerfile").diagnostics


def ids_lines(diagnostics):
    return [(d.rule_id, d.span.line) for d in diagnostics]


# SL304 copy-source-missing ---------------------------------------------------------------------------------------

def test_sl304_missing_and_ignored_sources(tmp_path) -> None:
    ctx = make_context(tmp_path, {"dist/index.html": 10, "conf/Nginx.conf": 5, "src/a.py": 1}, dockerignore="# x\ndist\n")
    found = lint("""
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


def test_sl304_source_inside_a_pruned_folder(tmp_path) -> None:
    ctx = make_context(tmp_path, {"vendor/lib/x.so": 10, "app.py": 1}, dockerignore="vendor\n")
    found = lint("FROM alpine\nCOPY vendor/lib/x.so /usr/lib/\n", ctx, ("SL304",))
    assert ids_lines(found) == [("SL304", 2)]
    message = found[0].message
    assert 'source "vendor/lib/x.so" is inside "vendor/", which ' in message
    assert '.dockerignore excludes (line 1: "vendor")' in message and '"!vendor/lib/x.so"' in found[0].fix.description


def test_sl304_negatives(tmp_path) -> None:
    ctx = make_context(tmp_path, {"app.py": 1, "real/x": 1}, dockerignore="secret\n!keep\n")
    (ctx / "link").symlink_to("real")
    found = lint("""
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


def test_sl304_checks_stages_the_target_copies_from(tmp_path) -> None:
    ctx = make_context(tmp_path, {"go.mod": 1})
    found = lint("""
        FROM golang AS build
        COPY go.sum ./
        FROM scratch
        COPY --from=build /out /out
    """, ctx, ("SL304",))
    assert ids_lines(found) == [("SL304", 2)]


def test_context_rules_need_a_context(tmp_path) -> None:
    assert lint("FROM alpine\nCOPY nope /x\n", None, ("SL3", "SL5")) == []


# SL301 large-copy-consumed -------------------------------------------------------------------------------------

def test_sl301_archive_extracted_and_deleted(tmp_path) -> None:
    ctx = make_context(tmp_path, {"vendor/jdk.tar.gz": 190 * MiB, "small.tar.gz": 1 * MiB})
    found = lint("""
        FROM debian:bookworm-slim
        COPY vendor/jdk.tar.gz small.tar.gz /tmp/
        RUN tar -xzf /tmp/jdk.tar.gz -C /opt && tar -xzf /tmp/small.tar.gz -C /opt && rm /tmp/*.tar.gz
    """, ctx, ("SL301",))
    assert ids_lines(found) == [("SL301", 2)]
    d = found[0]
    assert d.wasted_bytes == 190 * MiB
    assert "190.0 MiB" in d.message and "line 3 extracts /tmp/jdk.tar.gz" in d.message
    assert "--mount=type=bind,source=vendor/jdk.tar.gz,target=/tmp/jdk.tar.gz" in d.fix.description


def test_sl301_installers_moves_and_threshold_option(tmp_path) -> None:
    ctx = make_context(tmp_path, {"setup.run": 40 * MiB, "tool.deb": 15 * MiB, "data.bin": 12 * MiB})
    found = lint("""
        FROM debian
        COPY setup.run /opt/
        RUN chmod +x /opt/setup.run && /opt/setup.run --silent
        COPY tool.deb /tmp/
        RUN apt-get install -y /tmp/tool.deb
        COPY data.bin /tmp/
        RUN mv /tmp/data.bin /srv/data.bin
        COPY setup.run /var/
        RUN rm -f /var/setup.run
    """, ctx, ("SL301",))
    assert ids_lines(found) == [("SL301", 2), ("SL301", 4), ("SL301", 6), ("SL301", 8)]
    assert "deletes /var/setup.run" in found[3].message
    assert "runs /opt/setup.run" in found[0].message and "installs /tmp/tool.deb" in found[1].message
    assert "moves /tmp/data.bin" in found[2].message
    assert lint("FROM debian\nCOPY tool.deb /tmp/\nRUN dpkg -i /tmp/tool.deb\n", ctx, ("SL301",), threshold="20MiB") == []


def test_sl301_negatives(tmp_path) -> None:
    ctx = make_context(tmp_path, {"big.tar.gz": 100 * MiB, "app/run.sh": 1000, "app/data.bin": 50 * MiB})
    found = lint("""
        FROM debian AS build
        COPY big.tar.gz /tmp/
        RUN tar -xzf /tmp/big.tar.gz -C /opt && rm /tmp/big.tar.gz
        FROM debian
        RUN --mount=type=bind,source=big.tar.gz,target=/tmp/big.tar.gz tar -xzf /tmp/big.tar.gz -C /opt
        COPY big.tar.gz /data/
        RUN --mount=type=bind,source=big.tar.gz,target=/data/big.tar.gz tar -xzf /data/big.tar.gz -C /opt
        COPY app /app/
        RUN /app/run.sh
        CMD ["/app/run.sh"]
    """, ctx, ("SL301",))
    # build-only stage; bind mount; a RUN path under its own mount target; running a small script of a folder
    assert found == []


def test_sl301_running_the_app_binary_is_not_consuming_it(tmp_path) -> None:
    ctx = make_context(tmp_path, {"dist/server": 60 * MiB, "tools/setup-x.run": 30 * MiB, "tools/readme": 1})
    found = lint("""
        FROM debian
        COPY dist/server /usr/local/bin/server
        RUN /usr/local/bin/server --version
        COPY tools /tmp/tools/
        RUN /tmp/tools/setup-x.run --quiet && rm -rf /tmp/tools
    """, ctx, ("SL301",))
    assert ids_lines(found) == [("SL301", 4)]  # one finding for the folder, at its first consumption
    assert "runs /tmp/tools/setup-x.run" in found[0].message


def test_sl301_ignored_file_is_not_copied(tmp_path) -> None:
    ctx = make_context(tmp_path, {"big.tar.gz": 100 * MiB, "x": 1}, dockerignore="*.tar.gz\n")
    found = lint("FROM debian\nCOPY . /src/\nRUN tar -xzf /src/big.tar.gz -C /opt\n", ctx, ("SL301",))
    assert found == []


# SL302 context-junk ------------------------------------------------------------------------------------------

def junk_context(tmp_path, dockerignore=None):
    return make_context(tmp_path, {
        "package.json": 500,
        "src/index.js": 10_000,
        "node_modules/react/index.js": 30 * MiB,
        ".git/objects/pack/p.pack": 90 * MiB,
        "src/__pycache__/x.pyc": 2 * MiB,
        "logs/app.log": 3 * MiB,
        "logs/old/x.log": 1 * MiB,
        ".env": 200,
        ".env.example": 100,
        ".venv/pyvenv.cfg": 10,
        ".venv/lib/site.py": 5 * MiB,
        "pyenv/pyvenv.cfg": 10,
        "pyenv/lib/x.so": 4 * MiB,
    }, dockerignore)


def test_sl302_reports_total_offenders_and_dockerignore_lines(tmp_path) -> None:
    ctx = junk_context(tmp_path)
    found = lint("""
        FROM node:20-slim
        WORKDIR /app
        COPY . .
        RUN npm ci --omit=dev
    """, ctx, ("SL302",))
    assert ids_lines(found) == [("SL302", 3)]
    d = found[0]
    junk = 30 * MiB + 90 * MiB + 2 * MiB + 4 * MiB + 200 + (5 * MiB + 10) + (4 * MiB + 10)
    assert d.wasted_bytes == junk
    assert d.message.startswith("COPY brings 135.0 MiB the image does not need: .git/ 90.0 MiB, node_modules/ 30.0 MiB")
    lines = d.properties["dockerignore_lines"]
    assert lines[:2] == [".git", "node_modules"]
    assert set(lines) == {".git", "node_modules", ".venv", "pyenv", "**/*.log", "**/__pycache__", ".env"}
    assert ".env.example" not in d.message


def test_sl302_respects_dockerignore_exclude_and_usage(tmp_path) -> None:
    ctx = junk_context(tmp_path, dockerignore=".git\nnode_modules\n**/__pycache__\n.venv\npyenv\n")
    found = lint("""
        FROM python:3.12-slim
        COPY --exclude=logs . /app/
    """, ctx, ("SL302",))
    assert found == []  # only .env (200 B) is left: under the 1 MiB default
    found = lint("FROM python:3.12-slim\nCOPY --exclude=logs . /app/\n", ctx, ("SL302",), min_bytes=100)
    assert ids_lines(found) == [("SL302", 2)] and ".env 200 B" in found[0].message


def test_sl302_negatives(tmp_path) -> None:
    ctx = junk_context(tmp_path)
    found = lint("""
        FROM node:20 AS build
        COPY . .
        FROM node:20-slim
        COPY src/index.js package.json /app/
        COPY .git /repo/.git
        RUN git -C /repo describe --tags > /version
    """, ctx, ("SL302",))
    # build-only stage; narrow copies; .git copied on purpose and used by git
    assert found == []
    # node_modules without an install in the image may be shipped on purpose: not junk
    found = lint("FROM node:20-slim\nCOPY node_modules /app/node_modules/\n", ctx, ("SL302",))
    assert found == []


# SL501 waste-budget -----------------------------------------------------------------------------------------------

BUDGET_FILE = """
    FROM debian:bookworm-slim
    COPY build/ /opt/app/
    RUN chown -R app:app /opt/app
    COPY big.bin /tmp/
    RUN rm /tmp/big.bin
"""


def test_sl501_budget_exceeded_points_at_biggest_contributor(tmp_path) -> None:
    ctx = make_context(tmp_path, {"build/app": 180 * MiB, "big.bin": 20 * MiB})
    found = lint(BUDGET_FILE, ctx, ("SL501",), max_wasted_bytes=50 * 1000 * 1000)
    assert ids_lines(found) == [("SL501", 3)]
    d = found[0]
    assert d.severity == "error" and d.wasted_bytes == 200 * MiB
    assert "known waste 200.0 MiB exceeds the budget of 50 MB" in d.message
    assert "line 3 wastes the most" in d.message and "/opt/app 180.0 MiB modified (stored by line 2)" in d.fix.description
    found = lint(BUDGET_FILE, ctx, ("SL501",), min_efficiency="0.9")
    assert ids_lines(found) == [("SL501", 3)] and "efficiency 47.4% is below 90.0%" in found[0].message


def test_sl501_silent_without_budget_or_within_it(tmp_path) -> None:
    ctx = make_context(tmp_path, {"build/app": 180 * MiB, "big.bin": 20 * MiB})
    assert lint(BUDGET_FILE, ctx, ("SL501",)) == []
    assert lint(BUDGET_FILE, ctx, ("SL501",), max_wasted_bytes="1GiB", min_efficiency=0.4) == []


@pytest.mark.parametrize("rule", ["SL301", "SL302", "SL304", "SL501"])
def test_rule_docs_have_the_four_sections(rule) -> None:
    docs = next(r.docs for r in _RULES if r.id == rule)
    for section in ("What it does", "Why is this bad?", "Example", "Use instead"):
        assert section in docs


# One replay per linted file ---------------------------------------------------------------------------------------

def test_every_rule_and_the_report_share_one_replay(tmp_path, monkeypatch) -> None:
    from dockerlint_slim import replay as layers

    calls = {"events": 0, "layers": 0}
    real_events, real_layers = layers.image_file_events, layers.build_layer_model

    def count(key, real):
        def counted(*args, **kwargs):
            calls[key] += 1
            return real(*args, **kwargs)
        return counted

    monkeypatch.setattr(layers, "image_file_events", count("events", real_events))
    monkeypatch.setattr(layers, "build_layer_model", count("layers", real_layers))
    ctx = make_context(tmp_path, {"big.tar.gz": 20 * MiB, "app.conf": 10, "notes.txt": 10})
    linter = Linter(_RULES, LintOptions(context_dir=ctx))
    result = linter.lint(textwrap.dedent("""
        FROM debian:bookworm-slim
        COPY big.tar.gz app.conf notes.txt /tmp/
        RUN tar -xzf /tmp/big.tar.gz -C /opt && rm /tmp/big.tar.gz /tmp/notes.txt && chmod 600 /tmp/app.conf
    """).lstrip("\n"), "Dockerfile")
    assert {"SL102", "SL103", "SL301"} <= {d.rule_id for d in result.diagnostics}
    assert result.report is not None and result.report["wasted_bytes"] >= 20 * MiB
    assert calls == {"events": 1, "layers": 1}
