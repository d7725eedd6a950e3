"""SL101 scattered-run: consecutive RUNs in a stage that reaches the image."""

import textwrap


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


# --- fix -----------------------------------------------------------------------------------------------------------

def test_fix_joins_the_chain_keeping_comments(fix):
    assert fix("""
        FROM debian:bookworm-slim
        RUN apt-get update
        # curl for the health check

        RUN apt-get install -y --no-install-recommends curl
        COPY . /app
        RUN echo single
    """, select="SL101") == textwrap.dedent("""\
        FROM debian:bookworm-slim
        RUN apt-get update \\
        # curl for the health check
            && apt-get install -y --no-install-recommends curl
        COPY . /app
        RUN echo single
    """)


def test_fix_keeps_each_runs_shell_state_to_itself(fix):
    assert fix("""
        FROM alpine:3.20
        WORKDIR /src
        RUN cd build && make
        RUN make install
    """, select="SL101") == textwrap.dedent("""\
        FROM alpine:3.20
        WORKDIR /src
        RUN (cd build && make) \\
            && make install
    """)


def test_fix_joins_only_what_can_be_joined_and_the_finding_stays(lint, fix):
    text = """
        FROM alpine:3.20
        RUN a
        RUN b
        RUN <<EOF
        c
        EOF
    """
    assert fix(text, select="SL101").startswith("FROM alpine:3.20\nRUN a \\\n    && b\nRUN <<EOF\n")
    left = _sl101(lint(fix(text, select="SL101")))
    assert len(left) == 1 and left[0].fix.edits == ()  # a chain with a heredoc is left for a person


def test_no_fix_where_joining_would_change_the_build(lint):
    for text in (
        "FROM alpine\nRUN set -e; a; b\nRUN c\n",  # errexit is ignored in a subshell that && tests
        "FROM alpine\nRUN a # note\nRUN b\n",  # the comment would swallow `b`
        "FROM alpine\nRUN a &\nRUN b\n",
        "FROM alpine\nRUN a\n# slimlint ignore=SL201\nRUN b\n",  # the pragma belongs to the second RUN
    ):
        (finding,) = _sl101(lint(text))
        assert finding.fix.edits == (), text


def test_fix_of_a_build_only_stage_is_never_made(lint):
    assert _sl101(lint("FROM alpine AS build\nRUN a\nRUN b\nFROM alpine\nCOPY --from=build /x /x\n")) == []
