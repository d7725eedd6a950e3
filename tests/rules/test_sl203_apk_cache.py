"""SL203 apk-cache."""

import pytest
from conftest import run_lint


def sl203(text, **kw):
    return run_lint(text, select=("SL203",), **kw)


def test_apk_add_without_no_cache():
    found = sl203("FROM alpine:3.20\nRUN apk add curl\n")
    assert len(found) == 1
    assert "/var/cache/apk" in found[0].message and "--no-cache" in found[0].message
    # no Alpine mirror was reachable to measure the indexes: no figure is made up
    assert "size unknown" in found[0].message and found[0].wasted_bytes is None
    assert "--no-cache" in found[0].fix.description and len(found[0].message) <= 160


def test_fix_follows_the_subcommand():
    assert "Drop `apk update`" in sl203("FROM alpine\nRUN apk update\n")[0].fix.description
    assert "apk upgrade --no-cache" in sl203("FROM alpine\nRUN apk upgrade\n")[0].fix.description


@pytest.mark.parametrize(
    "run",
    [
        "RUN apk add --no-cache curl",
        "RUN apk --no-cache add curl",
        "RUN apk add --no-cache --virtual .build-deps gcc && apk del .build-deps",
        "RUN apk update && apk add curl && rm -rf /var/cache/apk/*",
        "RUN apk add --update curl && rm -rf /var/cache/apk",
        "RUN --mount=type=cache,target=/var/cache/apk apk add curl",
        "RUN --mount=type=cache,target=/var/cache apk add curl",
        "RUN apk add --no-network --virtual .rundeps so:libz.so.1",
        "RUN apk del curl",
        "RUN apk info",
    ],
)
def test_accepted(run):
    assert sl203(f"FROM alpine:3.20\n{run}\n") == []


def test_removal_before_the_add_does_not_count():
    assert len(sl203("FROM alpine\nRUN rm -rf /var/cache/apk/* && apk add curl\n")) == 1


def test_unrelated_rm_does_not_count():
    assert len(sl203("FROM alpine\nRUN apk add curl && rm -rf /tmp/*\n")) == 1


def test_apk_update_alone_stores_indexes():
    assert len(sl203("FROM alpine\nRUN apk update && apk add --no-cache curl\n")) == 1


def test_one_finding_per_run():
    assert len(sl203("FROM alpine\nRUN apk update && apk add curl && apk add git\n")) == 1


def test_heredoc_and_exec_form():
    assert len(sl203("FROM alpine\nRUN <<EOF\napk update\napk add git\nEOF\n")) == 1
    assert len(sl203('FROM alpine\nRUN ["apk", "add", "git"]\n')) == 1


def test_build_only_stage_not_flagged():
    assert sl203("""
        FROM alpine AS build
        RUN apk add gcc
        FROM alpine
        COPY --from=build /out /out
    """) == []


def test_relative_removal_after_cd_counts():
    assert sl203("FROM alpine\nRUN apk add curl && cd /var/cache && rm -rf apk\n") == []
    assert len(sl203("FROM alpine\nRUN apk add curl && cd /var && rm -rf apk\n")) == 1


def test_cache_mount_on_etc_apk_cache():
    # apk uses /etc/apk/cache as its cache (indexes included) when it exists: a cache mount there keeps it out.
    assert sl203("FROM alpine\nRUN --mount=type=cache,target=/etc/apk/cache apk add --update-cache curl\n") == []
    assert len(sl203("FROM alpine\nRUN --mount=type=cache,target=/etc/apk/keys apk add curl\n")) == 1


@pytest.mark.parametrize(
    "decl",
    ['ARG APK_OPTS="--no-cache"', "ENV APK_OPTS=--no-cache", 'ARG APK_OPTS="--no-cache --virtual .deps"'],
)
@pytest.mark.parametrize("use", ["$APK_OPTS", "${APK_OPTS}", '"$APK_OPTS"'])
def test_flags_held_in_arg_or_env_are_read_as_buildkit_substitutes_them(decl, use):
    assert sl203(f"FROM alpine:3.20\n{decl}\nRUN apk add {use} curl\n") == []


def test_unknown_or_unrelated_variables_are_not_guessed():
    assert len(sl203("FROM alpine:3.20\nARG APK_OPTS\nRUN apk add $APK_OPTS curl\n")) == 1
    assert len(sl203("FROM alpine:3.20\nARG APK_OPTS=--quiet\nRUN apk add $APK_OPTS curl\n")) == 1
    # the ARG is declared after the RUN: not in its environment
    assert len(sl203("FROM alpine:3.20\nRUN apk add $APK_OPTS curl\nARG APK_OPTS=--no-cache\n")) == 1


# --- fix -----------------------------------------------------------------------------------------------------------

def test_fix_adds_no_cache_and_drops_apk_update(fix):
    assert fix("FROM alpine:3.20\nRUN apk update && apk add curl && apk add --virtual .b gcc\n", select="SL203") == \
        "FROM alpine:3.20\nRUN apk add --no-cache curl && apk add --no-cache --virtual .b gcc\n"
    assert fix("FROM alpine:3.20\nRUN apk upgrade\n", select="SL203") == "FROM alpine:3.20\nRUN apk upgrade --no-cache\n"
    assert fix("FROM alpine:3.20\nRUN set -eux; apk update; apk add --no-cache curl\n", select="SL203") == \
        "FROM alpine:3.20\nRUN set -eux; apk add --no-cache curl\n"


def test_no_fix_when_a_later_run_reads_the_indexes(lint):
    for text in (
        "FROM alpine\nRUN apk update\nRUN apk add curl\n",  # the update is the RUN's last apk call
        # a stage built FROM this one installs jq from RUN 1's indexes
        "FROM alpine AS base\nRUN apk update && apk add curl\nFROM base\nRUN apk add jq\n",
        "FROM alpine\nARG ADD=add\nRUN apk $ADD curl\n",  # read through a variable
    ):
        found = [d for d in lint(text) if d.rule_id == "SL203"]
        assert found and found[0].fix.edits == (), text


def test_fix_of_both_runs_settles_in_two_passes(fix):
    # RUN 1 drops its update and gives --no-cache to RUN 2, which read the indexes RUN 1 left
    assert fix("FROM alpine\nRUN apk update && apk add curl\nRUN apk add jq\n", select="SL203") == \
        "FROM alpine\nRUN apk add --no-cache curl\nRUN apk add --no-cache jq\n"


@pytest.mark.parametrize("text", [
    "FROM alpine:3.20\nRUN apk update\nRUN apk add curl\n",
    "FROM alpine:3.20\nRUN apk update\nRUN apk add curl\nRUN apk add git && echo ok\n",
    "FROM alpine:3.20\nRUN apk add -U tzdata\nRUN apk add curl\n",
    "FROM alpine:3.20 AS base\nRUN apk update\nFROM base\nRUN apk add curl\n",
])
def test_install_reading_the_indexes_of_an_earlier_layer_adds_none(text):
    found = sl203(text)
    assert len(found) == 1 and found[0].span.line in (2, 3) and "apk update" in text.splitlines()[found[0].span.line - 1] \
        or (len(found) == 1 and "-U" in text.splitlines()[found[0].span.line - 1])


@pytest.mark.parametrize("text", [
    # this RUN updates itself
    "FROM alpine:3.20\nRUN apk update\nRUN apk update && apk add curl\n",
    "FROM alpine:3.20\nRUN apk update\nRUN apk add --update-cache curl\n",
    # the earlier indexes were removed in between, or never left (--no-cache, removed in the same RUN)
    "FROM alpine:3.20\nRUN apk update\nRUN rm -rf /var/cache/apk/*\nRUN apk add curl\n",
    "FROM alpine:3.20\nRUN apk update && apk add git && rm -rf /var/cache/apk/*\nRUN apk add curl\n",
    "FROM alpine:3.20\nRUN apk add --no-cache git\nRUN apk add curl\n",
    # no earlier RUN at all
    "FROM alpine:3.20\nRUN apk add curl\n",
])
def test_install_that_fetches_indexes_itself_is_still_flagged(text):
    found = sl203(text)
    assert found and found[-1].span.line == len(text.splitlines())
