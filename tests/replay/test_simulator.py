"""The static layer model: what later layers waste of earlier ones, with byte figures from the context."""

from __future__ import annotations

import pytest

from dockerlint_slim.model.queries import needed_stages
from dockerlint_slim.replay.layer_model import (
    DELETED,
    EXECUTED,
    EXTRACTED,
    INSTALLED,
    MODIFIED,
    MOVED,
    OVERWRITTEN,
)
from dockerlint_slim.replay.report import layer_report
from dockerlint_slim.replay.simulator import build_layer_model
from tests.context.helpers import KiB, MiB, dockerfile, make_context, scan

FILES = {
    "big.tar.gz": 50 * MiB,
    "package.json": 1000,
    "app/main.js": 2 * MiB,
    "app/logs/a.log": 3 * MiB,
    "app/logs/b.log": 1 * MiB,
    "app/.hidden.log": 5,
    "tools/setup.run": 12 * MiB,
    "pkgs/tool.deb": 20 * MiB,
}


@pytest.fixture
def ctx(tmp_path):
    return scan(make_context(tmp_path, FILES))


def model(text: str, ctx, target=None):
    return build_layer_model(dockerfile(text, target), ctx)


def events(m):
    return [(e.action, e.path, e.bytes, e.instruction.span.line, e.created_by.span.line) for e in m.events]


def test_delete_in_later_layer_is_waste(ctx) -> None:
    m = model("""
        FROM debian
        COPY big.tar.gz /tmp/
        RUN tar -xzf /tmp/big.tar.gz -C /opt && rm /tmp/big.tar.gz
    """, ctx)
    assert events(m) == [(DELETED, "/tmp/big.tar.gz", 50 * MiB, 3, 2)]
    assert m.stored_bytes == 50 * MiB and m.wasted_bytes == 50 * MiB and m.efficiency == 0.0
    assert [(c.action, c.path, c.bytes, c.whole_item) for c in m.consumptions] == [
        (EXTRACTED, "/tmp/big.tar.gz", 50 * MiB, True), (DELETED, "/tmp/big.tar.gz", 50 * MiB, True)
    ]
    assert m.context_bytes == 50 * MiB
    assert [u.span.line for u in m.unknown_layers] == [3]  # what tar extracted cannot be sized


def test_created_and_deleted_in_the_same_run_is_not_waste(ctx) -> None:
    m = model("""
        FROM debian
        RUN curl -fsSLo /tmp/x.tgz https://example.com/x.tgz && tar -xzf /tmp/x.tgz -C /opt && rm -f /tmp/x.tgz
        COPY package.json /app/
    """, ctx)
    # 1,000 known bytes (package.json): too few for an efficiency (see MEANINGFUL_KNOWN_BYTES)
    assert m.events == [] and m.wasted_bytes == 0 and m.efficiency is None


@pytest.mark.parametrize("size,efficiency", [(499_999, None), (500_000, 0.5), (4096, None)])
def test_efficiency_needs_meaningful_known_bytes(tmp_path, size, efficiency) -> None:
    """An entrypoint script re-stored by `chmod +x` is not a 50 % efficient image: below 1 MB known, unknown."""
    root = make_context(tmp_path, {"docker-entrypoint.sh": size // 2, "config.yml": size - size // 2})
    m = build_layer_model(dockerfile("""FROM postgres:16
COPY docker-entrypoint.sh config.yml /usr/local/bin/
RUN chmod +x /usr/local/bin/docker-entrypoint.sh /usr/local/bin/config.yml
"""), scan(root))
    assert m.stored_bytes == 2 * size and m.wasted_bytes == size
    assert m.efficiency == efficiency


def test_chmod_recursive_restores_the_folder_and_plain_chmod_does_not(ctx) -> None:
    m = model("""
        FROM debian
        COPY app /srv/app/
        RUN chmod 755 /srv/app
        RUN chown -R www-data:www-data /srv/app
    """, ctx)
    size = 2 * MiB + 4 * MiB + 5
    assert events(m) == [(MODIFIED, "/srv/app", size, 4, 2)]
    assert m.stored_bytes == 2 * size and m.wasted_bytes == size and m.efficiency == 0.5
    assert m.dive_wasted_bytes == 2 * size  # dive counts both copies of a re-stored path


def test_sed_touch_and_sub_paths_of_a_copied_folder(ctx) -> None:
    m = model("""
        FROM debian
        WORKDIR /srv
        COPY . .
        RUN sed -i 's/a/b/' package.json && touch app/main.js
        RUN rm -rf app/logs/*.log
    """, ctx)
    got = {(a, p, b) for a, p, b, _, _ in events(m)}
    assert got == {
        (MODIFIED, "/srv/package.json", 1000),
        (MODIFIED, "/srv/app/main.js", 2 * MiB),
        (DELETED, "/srv/app/logs/a.log", 3 * MiB),
        (DELETED, "/srv/app/logs/b.log", 1 * MiB),
    }


def test_glob_skips_dot_files_like_the_shell(ctx) -> None:
    m = model("""
        FROM debian
        COPY app /srv/
        RUN rm -f /srv/*.log /srv/logs/*
    """, ctx)
    assert sorted(e.path for e in m.events) == ["/srv/logs/a.log", "/srv/logs/b.log"]


def test_overwrite_by_a_later_copy(ctx) -> None:
    m = model("""
        FROM node:20
        WORKDIR /app
        COPY package.json ./
        RUN npm ci
        COPY . .
    """, ctx)
    assert events(m) == [(OVERWRITTEN, "/app/package.json", 1000, 5, 3)]


def test_two_folder_copies_overlap(ctx) -> None:
    m = model("""
        FROM debian
        COPY app /srv/
        COPY app/logs /srv/logs/
    """, ctx)
    assert events(m) == [(OVERWRITTEN, "/srv/logs", 4 * MiB, 3, 2)]


def test_mv_and_cp(ctx) -> None:
    m = model("""
        FROM debian
        COPY big.tar.gz package.json /tmp/
        RUN mv /tmp/big.tar.gz /opt/ && cp /tmp/package.json /etc/
        RUN rm /opt/big.tar.gz
    """, ctx)
    assert events(m) == [(MOVED, "/tmp/big.tar.gz", 50 * MiB, 3, 2), (DELETED, "/opt/big.tar.gz", 50 * MiB, 4, 3)]
    # stored: COPY 50 MiB + 1000, RUN 3 moved 50 MiB + copied 1000; needed: the two package.json
    assert m.stored_bytes == 100 * MiB + 2000 and m.needed_bytes == 2000


def test_installers_and_executables_are_consumptions(ctx) -> None:
    m = model("""
        FROM debian
        COPY tools/setup.run pkgs/tool.deb /tmp/
        RUN /tmp/setup.run --quiet && dpkg -i /tmp/tool.deb
    """, ctx)
    assert [(c.action, c.path) for c in m.consumptions] == [
        (EXECUTED, "/tmp/setup.run"), (INSTALLED, "/tmp/tool.deb")
    ]


def test_cd_variables_and_mount_targets(ctx) -> None:
    m = model("""
        FROM debian
        ENV DL=/downloads
        COPY big.tar.gz package.json ${DL}/
        RUN cd $DL && rm big.tar.gz
        RUN --mount=type=cache,target=/downloads rm -f /downloads/package.json
    """, ctx)
    assert events(m) == [(DELETED, "/downloads/big.tar.gz", 50 * MiB, 4, 3)]


def test_unknown_stays_unknown(ctx) -> None:
    m = model("""
        FROM debian
        RUN apt-get update && apt-get install -y curl
        RUN rm -rf /var/lib/apt/lists/* /usr/share/doc
        RUN rm -rf "$UNSET_VAR"/x
    """, ctx)
    assert m.events == [] and m.stored_bytes == 0 and m.efficiency is None
    assert len(m.unknown_layers) == 3


def test_only_stages_that_reach_the_image(ctx) -> None:
    text = """
        FROM debian AS build
        COPY big.tar.gz /tmp/
        RUN rm /tmp/big.tar.gz
        FROM debian AS base
        COPY package.json /app/
        FROM base
        RUN rm /app/package.json
    """
    m = model(text, ctx)
    assert [s.name for s in m.stages] == ["base", None]
    assert events(m) == [(DELETED, "/app/package.json", 1000, 7, 5)]
    m = model(text, ctx, target="build")
    assert events(m) == [(DELETED, "/tmp/big.tar.gz", 50 * MiB, 3, 2)]


def test_events_of_a_command_name_their_origin_and_bytes(ctx) -> None:
    df = dockerfile("""
        FROM debian
        COPY app /srv/app/
        RUN curl -o /tmp/x.bin https://example.com/x.bin
        RUN rm -rf /srv/app/logs /tmp/x.bin
    """)
    m = build_layer_model(df, ctx)
    run = df.stages[0].instructions[3]
    [rm] = run.commands
    events = {e.path: e for e in m.events_of_command(rm)}
    assert events == {e.path: e for e in m.events_for(run)}
    logs, downloaded = events["/srv/app/logs"], events["/tmp/x.bin"]
    assert logs.bytes == 4 * MiB and logs.created_by.span.line == 2 and logs.source == "app/logs"
    assert downloaded.bytes is None and downloaded.created_by.span.line == 3  # known origin, unknown size
    assert m.events_for(df.stages[0].instructions[1]) == []


def test_a_folder_rewritten_over_many_items_becomes_one_item(tmp_path) -> None:
    """`chown -R` of a folder holding many separately copied items stores them again as one item: the waste is the
    same, a later rewrite of the folder costs one item, and what is deleted inside it is of unknown size."""
    from dockerlint_slim.replay.simulator import MERGE_AFTER

    count = MERGE_AFTER + 1
    root = make_context(tmp_path, {f"f{i}": 1000 for i in range(count)})
    lines = [f"COPY f{i} /app/d{i}/f" for i in range(count)]
    m = build_layer_model(dockerfile("FROM debian\n" + "\n".join(lines) + "\nRUN chown -R u /app\nRUN chown -R v /app\n"
                                     "RUN rm /app/d0/f\n"), scan(root))
    first, second, deletion = m.layers[-3:]
    assert sum(e.bytes for e in m.events_for(first)) == count * 1000 and len(m.events_for(first)) == count
    [again] = m.events_for(second)
    assert again.path == "/app" and again.bytes == count * 1000 and again.created_by is first
    [inside] = m.events_for(deletion)
    assert inside.path == "/app/d0/f" and inside.bytes is None and inside.created_by is second
    assert m.stored_bytes == 3 * count * 1000 and m.wasted_bytes == 2 * count * 1000


def test_without_context_paths_are_tracked_but_not_sized() -> None:
    df = dockerfile("""
        FROM debian
        COPY big.tar.gz /tmp/
        RUN rm /tmp/big.tar.gz
    """)
    m = build_layer_model(df, None)
    assert m.events == [] and m.stored_bytes == 0 and [u.span.line for u in m.unknown_layers] == [2, 3]


def test_report_shape(ctx) -> None:
    m = model("""
        FROM debian
        COPY big.tar.gz app /tmp/
        RUN rm -rf /tmp/big.tar.gz /tmp/logs
    """, ctx)
    report = layer_report(m)
    assert report["context_bytes"] == 50 * MiB + 6 * MiB + 5
    assert report["wasted_bytes"] == 54 * MiB
    assert [t["path"] for t in report["top_wasted"]] == ["/tmp/big.tar.gz", "/tmp/logs"]
    assert report["top_wasted"][0] == {
        "path": "/tmp/big.tar.gz", "wasted_bytes": 50 * MiB, "action": DELETED, "line": 3, "created_line": 2,
        "source": "big.tar.gz",
    }
    assert 0 < report["known_bytes_efficiency"] < 0.05 and report["efficiency"] is None  # RUN rm: a layer not sized


def test_needed_stages_follow_copy_from_and_mounts() -> None:
    df = dockerfile("""
        FROM alpine AS unused
        FROM alpine AS assets
        FROM golang AS build
        RUN --mount=from=assets,target=/a true
        FROM scratch
        COPY --from=build /out /out
    """)
    assert [s.name for s in needed_stages(df)] == ["assets", "build", None]


def test_copy_from_another_image_overwrites_nothing_we_can_claim(ctx) -> None:
    m = model("""
        FROM python:3.12-alpine
        WORKDIR /app
        COPY . /app
        COPY --from=gloursdocker/docker / /
        ADD https://example.com/x /app/package.json
    """, ctx)
    # The URL replaces a known file (its size is known from the context); the image copy could be anything.
    assert events(m) == [(OVERWRITTEN, "/app/package.json", 1000, 5, 3)]


def test_context_report_carries_scan_warnings(tmp_path, monkeypatch) -> None:
    import os

    from dockerlint_slim.replay.report import context_report

    root = make_context(tmp_path, {"a.bin": 3 * KiB, "locked/x": 1})
    real = os.scandir
    monkeypatch.setattr(os, "scandir", lambda p: (_ for _ in ()).throw(PermissionError(13, "Permission denied"))
                        if str(p).endswith("locked") else real(p))
    report = context_report(dockerfile("FROM x\nCOPY . /app/\nRUN rm /app/a.bin\n"), scan(root))
    assert report["context_warnings"] == ["locked/: cannot read folder: Permission denied; its content is not counted"]
    assert report["context_files"] == 1 and report["wasted_bytes"] == 3 * KiB
    assert context_report(dockerfile("FROM x\n"), None) is None


def test_file_copied_onto_an_existing_folder_lands_inside_it(ctx) -> None:
    m = model("""
        FROM python:3.12-slim
        WORKDIR /app
        COPY package.json /app
        RUN mkdir -p /opt/cfg
        COPY package.json /opt/cfg
        RUN rm /app/package.json /opt/cfg/package.json
    """, ctx)
    assert [(e.path, e.bytes, e.created_by.span.line) for e in m.events] == [
        ("/app/package.json", 1000, 3), ("/opt/cfg/package.json", 1000, 5)
    ]


def test_folder_copy_used_then_deleted_is_consumed_whole(ctx) -> None:
    m = model("""
        FROM debian
        COPY tools /tmp/tools/
        RUN /tmp/tools/setup.run && rm -rf /tmp/tools
    """, ctx)
    assert [(c.action, c.path, c.whole_item, c.bytes) for c in m.consumptions] == [
        (EXECUTED, "/tmp/tools/setup.run", False, 12 * MiB), (DELETED, "/tmp/tools", True, 12 * MiB)
    ]



@pytest.mark.parametrize("variables", [
    "ENV DL=/tmp\nARG DL=/elsewhere",  # an ENV hides an ARG of the same name declared after it
    "ARG DL=/elsewhere\nARG DL=/tmp",  # a later ARG default replaces an earlier one
])
def test_variables_read_as_buildkit_does(ctx, variables) -> None:
    text = "FROM debian\n" + variables + "\nCOPY big.tar.gz /tmp/\nRUN rm ${DL}/big.tar.gz\n"
    assert events(model(text, ctx)) == [(DELETED, "/tmp/big.tar.gz", 50 * MiB, 5, 4)]


@pytest.mark.parametrize("wrapper", ["sudo -u app", "gosu app", "nice -n 5", "env TMPDIR=/x"])
def test_wrapped_commands_are_replayed(ctx, wrapper) -> None:
    m = model(f"""
        FROM debian
        COPY big.tar.gz /tmp/
        RUN {wrapper} rm /tmp/big.tar.gz
    """, ctx)
    assert events(m) == [(DELETED, "/tmp/big.tar.gz", 50 * MiB, 3, 2)]


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st

_WORDS = ["rm", "-rf", "-f", "mv", "cp", "-r", "chmod", "-R", "755", "chown", "touch", "sed", "-i", "s/a/b/",
          "tar", "-xzf", "xf", "-C", "unzip", "-d", "gunzip", "dpkg", "-i", "sh", "curl", "-o", "wget", "-O",
          "git", "clone", "cd", "mkdir", "-p", "--", "/tmp", "/tmp/big.tar.gz", "/app", "/app/*", "app/logs",
          "*.log", "/app/app/logs/*", ".", "..", "/", "$HOME", "${DL}", "~", "package.json", "x", "-t"]
_script = st.lists(
    st.lists(st.sampled_from(_WORDS), min_size=1, max_size=6).map(" ".join), min_size=1, max_size=4
).map(" && ".join)


@settings(max_examples=150, deadline=None)
@given(st.lists(_script, min_size=1, max_size=3))
def test_random_scripts_never_crash_and_keep_invariants(tmp_path_factory, scripts) -> None:
    root = tmp_path_factory.mktemp("ctx")
    ctx = scan(make_context(root, FILES))
    runs = "\n".join(f"RUN {s}" for s in scripts)
    m = model(f"FROM debian\nWORKDIR /app\nENV DL=/tmp\nCOPY . .\nCOPY big.tar.gz /tmp/\n{runs}\n", ctx)
    assert 0 <= m.wasted_bytes <= m.stored_bytes
    assert m.efficiency is None or 0.0 <= m.efficiency <= 1.0
    assert all(e.bytes is None or e.bytes > 0 for e in m.events)


def test_heredoc_exec_form_and_sh_c_runs_are_read(ctx) -> None:
    m = model("""
        FROM debian
        COPY big.tar.gz package.json tools/setup.run /tmp/
        RUN <<EOF
        set -e
        rm -f /tmp/big.tar.gz
        EOF
        RUN ["sh", "-c", "rm /tmp/package.json"]
        RUN bash -c 'chmod +x /tmp/setup.run'
    """, ctx)
    assert [(e.action, e.path) for e in m.events] == [
        (DELETED, "/tmp/big.tar.gz"), (DELETED, "/tmp/package.json"), (MODIFIED, "/tmp/setup.run")
    ]


def test_rewritten_folder_keeps_what_was_already_overwritten(tmp_path) -> None:
    """A `chmod -R` re-stores what is left of a copied folder; a later COPY over it must not overwrite the files an
    earlier COPY had already replaced again (fuzzer: waste exceeded the stored bytes)."""
    root = make_context(tmp_path, {"big.tar.gz": 12 * MiB, "app/main.py": 2 * MiB})
    m = build_layer_model(dockerfile("FROM debian\nCOPY . /app\nCOPY . /app\nCOPY big.tar.gz /app\n"
                                     "RUN chmod -R 755 /app\nCOPY . /app\n"), scan(root))
    total = 14 * MiB
    assert m.stored_bytes == 4 * total + 12 * MiB
    assert m.wasted_bytes == m.stored_bytes - total  # everything but the last COPY is dead
