"""SL404 copy-entire-stage: COPY --from of a stage's root or whole build tree."""

import pytest
from click.testing import CliRunner

from dockerlint_slim.cli import cli as main
from tests.rules.conftest import finding_lines, single_finding

RULE = "SL404"

STAGES = """
    FROM golang:1.22 AS build
    WORKDIR /src
    COPY . .
    RUN go build -o /out/server ./cmd/server
    FROM node:20 AS web
    WORKDIR /app
    COPY package*.json ./
    RUN npm ci
    COPY . .
    RUN npm run build
    FROM node:20-slim AS deps
    WORKDIR /app
    COPY . .
    RUN npm ci --omit=dev
    FROM scratch AS rootfs
    COPY --from=build /out/server /server
    FROM tonistiigi/xx:1.9.0 AS xx
    FROM gcr.io/distroless/static-debian12
"""


def found(lint, text, **kwargs):
    return lint(text, select=(RULE,), **kwargs)


@pytest.mark.parametrize("source", ["/", "/.", ".", "/*"])
def test_stage_root(lint, source):
    result = found(lint, STAGES + f"COPY --from=build {source} /\n")
    assert len(result) == 1
    assert "whole filesystem of stage `build`" in result[0].message
    assert "`COPY --from=build /out/server /out/server`" in result[0].fix.description  # the artifact, seen in the build


def test_whole_build_tree(lint):
    result = found(lint, STAGES + "COPY --from=web /app /app\n")
    assert len(result) == 1
    assert "build tree" in result[0].message and "built in /app at line 10" in result[0].message
    assert "`dist/`" in result[0].fix.description


@pytest.mark.parametrize("line", [
    "COPY --from=build /out/server /server",
    "COPY --from=web /app/dist /usr/share/nginx/html",
    "COPY --from=deps /app /app",  # a dependency stage: nothing was compiled there
    "COPY --from=rootfs / /",  # FROM scratch: an assembled root file system
    "COPY --from=docker/buildx-bin / /usr/libexec/docker/cli-plugins",
    "COPY --from=gloursdocker/docker / /",  # an artifact image made to be copied whole
    "COPY --from=xx / /",  # the same, named by a stage (`FROM tonistiigi/xx AS xx`)
])
def test_fine_copies(lint, line):
    assert found(lint, STAGES + line + "\n") == []


def test_copy_of_root_into_a_folder_is_still_whole(lint):
    assert len(found(lint, STAGES + "COPY --from=build / /rootfs/\n")) == 1


def test_known_os_image_root(lint):
    result = found(lint, "FROM debian:bookworm-slim\nCOPY --from=alpine:3.20 / /\n")
    assert len(result) == 1 and "alpine:3.20" in result[0].message
    # into scratch it is the OS image itself, stored once
    assert found(lint, "FROM scratch\nCOPY --from=alpine:3.20 / /\n") == []
    assert len(found(lint, "FROM scratch\nCOPY --from=golang:1.22 / /\n")) == 1


def test_build_only_stage_and_target(lint):
    text = """
        FROM golang:1.22 AS build
        RUN go build -o /out/app .
        FROM debian:bookworm-slim AS debug
        COPY --from=build / /
        FROM gcr.io/distroless/static-debian12
        COPY --from=build /out/app /app
    """
    assert found(lint, text) == []
    assert [d.span.line for d in found(lint, text, target="debug")] == [4]


def test_stage_index_reference(lint):
    assert len(found(lint, "FROM golang:1.22\nRUN go build -o /app .\nFROM scratch\nCOPY --from=0 / /\n")) == 1


@pytest.mark.parametrize("final", [
    "FROM scratch\nCOPY --from=base / /",
    "FROM scratch AS final\nCOPY --from=base / /\nENTRYPOINT [\"/init\"]",
    # home-assistant: "Final flattened image" on the same base, inheriting its configuration
    "FROM debian:trixie-slim\nCOPY --from=base / /\nENTRYPOINT [\"/init\"]",
])
def test_flattening_a_squashed_root_is_not_a_finding(lint, final):
    text = """
        FROM debian:trixie-slim AS base
        RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
        RUN rm -rf /usr/share/doc
    """ + final
    assert found(lint, text) == []


def test_flattening_needs_the_same_base_and_the_root_destination(lint):
    base = "FROM debian:trixie-slim AS base\nRUN apt-get update && apt-get install -y curl\n"
    assert len(found(lint, base + "FROM alpine:3.20\nCOPY --from=base / /\n")) == 1
    assert len(found(lint, base + "FROM debian:trixie-slim\nCOPY --from=base / /rootfs/\n")) == 1
    # a compiler stage copied into scratch ships its toolchain
    assert len(found(lint, "FROM golang:1.22 AS base\nRUN go build -o /app .\nFROM scratch\nCOPY --from=base / /\n")) == 1


@pytest.mark.parametrize("prune", [
    "RUN npm prune --omit=dev", "RUN npm prune --production", "RUN yarn workspaces focus --production",
    "RUN rm -rf src tsconfig.json", "RUN rm -rf /app/src", "RUN npm ci --omit=dev", "RUN pnpm prune --prod",
])
def test_tree_pruned_after_the_build_is_not_the_whole_stage(lint, prune):
    assert found(lint, f"""
        FROM node:20 AS build
        WORKDIR /app
        COPY . .
        RUN npm ci && npm run build
        {prune}
        FROM node:20-slim
        COPY --from=build /app /app
        CMD ["node", "/app/dist/main.js"]
    """) == []


def test_pruning_elsewhere_does_not_count(lint):
    for prune in ("RUN rm -rf /tmp/cache", "RUN cd /other && npm prune --omit=dev"):
        text = f"""
            FROM node:20 AS build
            WORKDIR /app
            COPY . .
            RUN npm ci
            {prune}
            RUN npm run build
            FROM node:20-slim
            COPY --from=build /app /app
        """
        assert len(found(lint, text)) == 1, prune


def test_folder_only_copied_there_was_not_built_in(lint):
    # the build ran in /src; /app only received a copy of the context
    assert found(lint, """
        FROM golang:1.22 AS build
        COPY . /app
        WORKDIR /src
        COPY . .
        RUN go build -o /out/app .
        FROM debian:bookworm-slim
        COPY --from=build /app /app
    """) == []
    result = found(lint, """
        FROM golang:1.22 AS build
        COPY . /app
        RUN cd /app && go build -o bin/app .
        FROM debian:bookworm-slim
        COPY --from=build /app /app
    """)
    assert len(result) == 1 and "(context copied to /app at line 2, built in /app at line 3)" in result[0].message
    assert "`COPY --from=build /app/bin/app /app/bin/app`" in result[0].fix.description


def test_gradle_install_dist_is_named(lint):
    result = found(lint, """
        FROM eclipse-temurin:21-jdk AS builder
        WORKDIR /app
        COPY . .
        RUN ./gradlew installDist
        FROM eclipse-temurin:21-jre-alpine
        WORKDIR /app
        COPY --from=builder /app .
        ENTRYPOINT ["/app/build/install/hipstershop/bin/AdService"]
    """)
    assert len(result) == 1 and "/app/build/install" in result[0].fix.description


def test_messages_are_short(lint):
    for text in (STAGES + "COPY --from=build / /\n", STAGES + "COPY --from=web /app /app\n"):
        assert all(len(d.message) <= 160 for d in found(lint, text))


def test_corpus_has_no_false_positives(lint, corpus):
    for path in corpus:
        for diagnostic in found(lint, path.read_text(errors="replace")):
            assert "gloursdocker" not in diagnostic.message, path
            assert "\n" not in diagnostic.message and len(diagnostic.message) <= 160, diagnostic.message
            assert diagnostic.fix and diagnostic.fix.description


def test_tree_with_production_only_dependencies_is_what_the_app_runs(lint):
    # kubernetes-engine-samples hello-app-cloud-spanner: `npm ci --omit=dev`, then the server runs from src/
    assert found(lint, """
        FROM node:18 AS build-env
        COPY . /app
        WORKDIR /app
        RUN npm ci --omit=dev
        RUN npm run build
        FROM gcr.io/distroless/nodejs18-debian11
        COPY --from=build-env /app /app
        CMD ["./src/server.js"]
    """) == []


# -- Each promise of the docs end to end: a small Dockerfile, the finding expected (or not), the words promised


@pytest.mark.parametrize("copy", ["COPY --from=build / /", "COPY --from=build / /opt/root/",
                                  "COPY --from=build /. /", "COPY --from=0 / /"])
def test_whole_stage_copies(copy):
    finding = single_finding(f"""
        FROM golang:1.22 AS build
        WORKDIR /src
        COPY . .
        RUN go build -o /out/app .
        FROM debian:bookworm-slim
        {copy}
        CMD ["/out/app"]
    """, "SL404")
    assert finding.span.line == 6 and finding.severity == "warning"
    assert "build" in finding.message and "/out/app" in finding.fix.description


def test_whole_go_build_tree():
    assert finding_lines("""
        FROM golang:1.22 AS build
        WORKDIR /src
        COPY . .
        RUN go build -o /src/bin/app ./cmd/app
        FROM debian:bookworm-slim
        COPY --from=build /src /src
        CMD ["/src/bin/app"]
    """, "SL404") == [6]


def test_precise_copies_and_build_only_stages_are_fine():
    text = """
        FROM golang:1.22 AS build
        WORKDIR /src
        COPY . .
        RUN go build -o /out/app .
        FROM debian:bookworm-slim AS debug
        COPY --from=build / /
        FROM gcr.io/distroless/static-debian12
        COPY --from=build /out/app /app
        CMD ["/app"]
    """
    assert finding_lines(text, "SL404") == []
    assert finding_lines(text, "SL404", target="debug") == [6]


def test_docs_name_the_hadolint_overlap():
    result = CliRunner().invoke(main, ["rules", "SL404"])
    assert "DL3067" in result.output or "hadolint" in result.output.lower()

