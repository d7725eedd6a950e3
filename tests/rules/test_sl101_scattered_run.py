"""SL101 scattered-run: consecutive RUNs in a stage that reaches the image."""


def _sl101(diagnostics):
    return [d for d in diagnostics if d.rule_id == "SL101"]


def test_consecutive_runs_in_final_stage(lint):
    found = _sl101(lint("""
        FROM debian:bookworm-slim
        RUN apt-get update
        # comment lines do not break the chain

        RUN apt-get install -y --no-install-recommends curl
        COPY . /app
        RUN echo single
    """))
    assert [(d.span.line, d.span.end_line) for d in found] == [(2, 5)]
    assert "lines 2, 5" in found[0].message


def test_other_instruction_breaks_chain(lint):
    assert _sl101(lint("""
        FROM alpine:3.20
        RUN echo a
        WORKDIR /x
        RUN echo b
    """)) == []


def test_different_mounts_are_not_chained(lint):
    assert _sl101(lint("""
        FROM python:3.12-slim
        RUN --mount=type=cache,target=/root/.cache/pip pip install flask
        RUN echo done
    """)) == []


def test_build_only_stage_is_not_reported(lint):
    # The builder's layers never reach the image: only COPY --from output does (real-world rust/node builders).
    text = """
        FROM rust:1.80 AS build
        RUN cargo build --release
        RUN rm -r ./src
        RUN cargo build --release

        FROM debian:bookworm-slim
        COPY --from=build /target/release/app /app
        CMD ["/app"]
    """
    assert _sl101(lint(text)) == []
    # ... unless it is the target being built.
    found = _sl101(lint(text, target="build"))
    assert [d.span.line for d in found] == [2]


def test_parent_stage_of_final_image_is_reported(lint):
    found = _sl101(lint("""
        FROM node:20-alpine AS base
        RUN apk add --no-cache git
        RUN corepack enable

        FROM base
        CMD ["node", "index.js"]
    """))
    assert [d.span.line for d in found] == [2]
