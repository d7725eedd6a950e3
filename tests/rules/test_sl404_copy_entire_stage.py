"""SL404 copy-entire-stage: COPY --from of a stage's root or whole build tree."""

import pytest

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
    FROM gcr.io/distroless/static-debian12
"""


def found(lint, text, **kwargs):
    return lint(text, select=(RULE,), **kwargs)


@pytest.mark.parametrize("source", ["/", "/.", ".", "/*"])
def test_stage_root(lint, source):
    result = found(lint, STAGES + f"COPY --from=build {source} /\n")
    assert len(result) == 1
    assert "whole filesystem of stage `build`" in result[0].message
    assert "`COPY --from=build /out/server ...`" in result[0].message  # the artifact, seen in the build


def test_whole_build_tree(lint):
    result = found(lint, STAGES + "COPY --from=web /app /app\n")
    assert len(result) == 1
    assert "build tree" in result[0].message and "/app/dist" in result[0].message


@pytest.mark.parametrize("line", [
    "COPY --from=build /out/server /server",
    "COPY --from=web /app/dist /usr/share/nginx/html",
    "COPY --from=deps /app /app",  # a dependency stage: nothing was compiled there
    "COPY --from=rootfs / /",  # FROM scratch: an assembled root file system
    "COPY --from=docker/buildx-bin / /usr/libexec/docker/cli-plugins",
    "COPY --from=gloursdocker/docker / /",  # an artifact image made to be copied whole
])
def test_fine_copies(lint, line):
    assert found(lint, STAGES + line + "\n") == []


def test_copy_of_root_into_a_folder_is_still_whole(lint):
    assert len(found(lint, STAGES + "COPY --from=build / /rootfs/\n")) == 1


def test_known_os_image_root(lint):
    result = found(lint, "FROM scratch\nCOPY --from=alpine:3.20 / /\n")
    assert len(result) == 1 and "alpine:3.20" in result[0].message


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


def test_corpus_has_no_false_positives(lint, corpus):
    for path in corpus:
        for diagnostic in found(lint, path.read_text(errors="replace")):
            assert "gloursdocker" not in diagnostic.message, path
