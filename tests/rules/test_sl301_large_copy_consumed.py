"""SL301 large-copy-consumed: the fix (bind mount instead of COPY, COPY to the final path instead of mv), and the
findings on real contexts, through the engine and through the command line."""

from __future__ import annotations

import pytest

from tests.clirun import lint_json, rule_ids, slimlint, sparse, usage_error
from tests.context.helpers import MiB, context_findings, ids_lines, make_context


@pytest.fixture
def ctx(tmp_path):
    return make_context(tmp_path / "ctx", {"vendor/jdk.tar.gz": 20 * MiB, "app.jar": 15 * MiB,
                                           "tool.deb": 12 * MiB, "install.sh": 11 * MiB, "lib/": 0,
                                           "lib/big.bin": 30 * MiB})


def _fix(fix, ctx, text, **options):
    return fix(text, select="SL301", context_dir=ctx, **options)


def test_bind_mount_replaces_the_copy_and_drops_the_rm(fix, ctx):
    assert _fix(fix, ctx, """
        FROM debian:bookworm-slim
        COPY vendor/jdk.tar.gz /tmp/
        RUN tar -xzf /tmp/jdk.tar.gz -C /opt && rm /tmp/jdk.tar.gz
    """) == ("FROM debian:bookworm-slim\nRUN --mount=type=bind,source=vendor/jdk.tar.gz,target=/tmp/jdk.tar.gz "
             "\\\n    tar -xzf /tmp/jdk.tar.gz -C /opt\n")


def test_rm_with_other_operands_keeps_them(fix, ctx):
    assert _fix(fix, ctx, """
        FROM debian
        COPY tool.deb /tmp/tool.deb
        RUN dpkg -i /tmp/tool.deb \\
         && rm -f /tmp/tool.deb /tmp/other
    """) == ("FROM debian\nRUN --mount=type=bind,source=tool.deb,target=/tmp/tool.deb dpkg -i /tmp/tool.deb \\\n"
             " && rm -f /tmp/other\n")


def test_move_becomes_a_copy_to_the_final_path(fix, ctx):
    assert _fix(fix, ctx, "FROM debian\nCOPY app.jar /tmp/\nRUN mv /tmp/app.jar /opt/app/ && java -version\n") == \
        "FROM debian\nCOPY app.jar /opt/app/\nRUN java -version\n"
    assert _fix(fix, ctx, "FROM debian\nCOPY --chown=app app.jar /tmp/app.jar\nRUN mv /tmp/app.jar /srv/app.jar\n") == \
        "FROM debian\nCOPY --chown=app app.jar /srv/app.jar\n"


def test_old_frontend_pin_is_updated_and_none_is_added(fix, ctx):
    text = "# syntax=docker/dockerfile:1.0\nFROM debian\nCOPY install.sh /tmp/\nRUN sh /tmp/install.sh && rm /tmp/install.sh\n"
    assert _fix(fix, ctx, text) == ("# syntax=docker/dockerfile:1\nFROM debian\n"
                                    "RUN --mount=type=bind,source=install.sh,target=/tmp/install.sh \\\n"
                                    "    sh /tmp/install.sh\n")


def test_file_kept_in_the_image_makes_the_fix_unsafe(fix, ctx, lint):
    text = "FROM debian\nCOPY tool.deb /tmp/\nRUN dpkg -i /tmp/tool.deb\n"
    assert _fix(fix, ctx, text) == text
    assert _fix(fix, ctx, text, unsafe=True) == \
        "FROM debian\nRUN --mount=type=bind,source=tool.deb,target=/tmp/tool.deb dpkg -i /tmp/tool.deb\n"


@pytest.mark.parametrize("text", [
    # another instruction names the path
    "FROM debian\nCOPY tool.deb /tmp/\nRUN dpkg -i /tmp/tool.deb && rm /tmp/tool.deb\nRUN ls /tmp/tool.deb || true\n",
    # a command that writes to it, or deletes it through a glob (fails on a mount point)
    "FROM debian\nCOPY install.sh /tmp/\nRUN chmod +x /tmp/install.sh && /tmp/install.sh && rm /tmp/install.sh\n",
    "FROM debian\nCOPY tool.deb /tmp/\nRUN dpkg -i /tmp/tool.deb && rm -rf /tmp/*\n",
    # --chmod changes the mode a mount would not have; a folder; the folder may not exist
    "FROM debian\nCOPY --chmod=755 install.sh /tmp/\nRUN /tmp/install.sh && rm /tmp/install.sh\n",
    "FROM debian\nCOPY lib /tmp/lib\nRUN cp -r /tmp/lib /opt/ && rm -rf /tmp/lib\n",
    "FROM debian\nCOPY tool.deb /pkgs/\nRUN dpkg -i /pkgs/tool.deb && rm /pkgs/tool.deb\n",
    # ADD (it may extract or download): left to a person
    "FROM debian\nADD app.jar /tmp/\nRUN mv /tmp/app.jar /opt/\n",
    # a move that is not the RUN's first command, or into a relative path
    "FROM debian\nCOPY app.jar /tmp/\nRUN mkdir -p /opt/app && mv /tmp/app.jar /opt/app/\n",
])
def test_no_fix(lint, ctx, text):
    fixes = [d.fix for d in lint(text, context_dir=ctx) if d.rule_id == "SL301"]
    assert fixes and all(f.edits == () for f in fixes), text



# -- Findings through the engine, on real contexts with sparse files ---------------------------------------------

def test_archive_extracted_and_deleted(tmp_path) -> None:
    ctx = make_context(tmp_path, {"vendor/jdk.tar.gz": 190 * MiB, "small.tar.gz": 1 * MiB})
    found = context_findings("""
        FROM debian:bookworm-slim
        COPY vendor/jdk.tar.gz small.tar.gz /tmp/
        RUN tar -xzf /tmp/jdk.tar.gz -C /opt && tar -xzf /tmp/small.tar.gz -C /opt && rm /tmp/*.tar.gz
    """, ctx, ("SL301",))
    assert ids_lines(found) == [("SL301", 2)]
    d = found[0]
    assert d.wasted_bytes == 190 * MiB
    assert "190.0 MiB" in d.message and "line 3 extracts /tmp/jdk.tar.gz" in d.message
    assert "--mount=type=bind,source=vendor/jdk.tar.gz,target=/tmp/jdk.tar.gz" in d.fix.description


def test_installers_moves_and_threshold_option(tmp_path) -> None:
    ctx = make_context(tmp_path, {"setup.run": 40 * MiB, "tool.deb": 15 * MiB, "data.bin": 12 * MiB})
    found = context_findings("""
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
    assert context_findings("FROM debian\nCOPY tool.deb /tmp/\nRUN dpkg -i /tmp/tool.deb\n", ctx, ("SL301",), threshold="20MiB") == []


def test_negatives(tmp_path) -> None:
    ctx = make_context(tmp_path, {"big.tar.gz": 100 * MiB, "app/run.sh": 1000, "app/data.bin": 50 * MiB})
    found = context_findings("""
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


def test_running_the_app_binary_is_not_consuming_it(tmp_path) -> None:
    ctx = make_context(tmp_path, {"dist/server": 60 * MiB, "tools/setup-x.run": 30 * MiB, "tools/readme": 1})
    found = context_findings("""
        FROM debian
        COPY dist/server /usr/local/bin/server
        RUN /usr/local/bin/server --version
        COPY tools /tmp/tools/
        RUN /tmp/tools/setup-x.run --quiet && rm -rf /tmp/tools
    """, ctx, ("SL301",))
    assert ids_lines(found) == [("SL301", 4)]  # one finding for the folder, at its first consumption
    assert "runs /tmp/tools/setup-x.run" in found[0].message


def test_ignored_file_is_not_copied(tmp_path) -> None:
    ctx = make_context(tmp_path, {"big.tar.gz": 100 * MiB, "x": 1}, dockerignore="*.tar.gz\n")
    found = context_findings("FROM debian\nCOPY . /src/\nRUN tar -xzf /src/big.tar.gz -C /opt\n", ctx, ("SL301",))
    assert found == []


# -- Findings through the command line --------------------------------------------------------------------------

CONSUMED = [
        ("vendor.tar.gz", "tar -xzf /tmp/vendor.tar.gz -C /opt", "extracts"),
        ("tool.zip", "unzip /tmp/tool.zip -d /opt", "extracts"),
        ("app.deb", "dpkg -i /tmp/app.deb", "installs"),
        ("pkg-1.0-py3-none-any.whl", "pip install --no-cache-dir /tmp/pkg-1.0-py3-none-any.whl", "installs"),
        ("install.sh", "sh /tmp/install.sh", "runs"),
        ("data.bin", "mv /tmp/data.bin /srv/data.bin", "moves"),
        ("data.bin", "rm /tmp/data.bin", "deletes"),
]


@pytest.fixture(scope="module")
def consumed_results(tmp_path_factory) -> dict[int, list[dict]]:
    root = tmp_path_factory.mktemp("sl301")
    contexts = []
    for case, (name, run, _) in enumerate(CONSUMED):
        sparse(root / f"case{case}" / name, 11 * MiB)
        (root / f"case{case}" / "Dockerfile").write_text(f"FROM debian:12-slim\nCOPY {name} /tmp/\nRUN {run}\n")
        contexts.append(f'"case{case}/*" = "case{case}"')
    (root / ".slimlint.toml").write_text("[contexts]\n" + "\n".join(contexts) + "\n")
    document = lint_json(*(f"case{case}/Dockerfile" for case in range(len(CONSUMED))), "--select", "SL301", cwd=root)
    return {int(entry["path"].split("/")[0][4:]): entry["findings"] for entry in document["files"]}


@pytest.mark.parametrize("case", range(len(CONSUMED)), ids=[verb + ":" + name for name, _, verb in CONSUMED])
def test_copy_consumed_by_a_later_run(consumed_results, case):
    """"a COPY/ADD of a large file ... that a later RUN extracts, installs, runs, moves or deletes"."""
    name, run, verb = CONSUMED[case]
    findings = consumed_results[case]
    assert len(findings) == 1, findings
    finding = findings[0]
    assert finding["line"] == 2 and finding["severity"] == "warning" and finding["wasted_bytes"] == 11 * MiB
    message = finding["message"]
    assert "11.0 MiB" in message and verb in message
    # The fix: a bind mount (BuildKit), or fetch it inside the consuming RUN and delete it there; a file that is only
    # moved is copied straight to its final place.
    help_text = finding["fix"]["description"]
    if verb == "moves":
        assert help_text.startswith("Copy it straight to its final place (") and finding["fix"]["edits"]
    else:
        assert f"--mount=type=bind,source={name}" in help_text and "inside the RUN that consumes it" in help_text


def test_threshold_default_and_configurable(tmp_path):
    """Default 10 MiB, configurable."""
    (tmp_path / "Dockerfile").write_text("FROM alpine\nCOPY blob.tar /tmp/\nRUN tar -xf /tmp/blob.tar -C /opt\n")
    sparse(tmp_path / "blob.tar", 10 * MiB - 1)
    assert "SL301" not in rule_ids(lint_json("Dockerfile", "--context", ".", cwd=tmp_path))
    sparse(tmp_path / "blob.tar", 10 * MiB)
    assert "SL301" in rule_ids(lint_json("Dockerfile", "--context", ".", cwd=tmp_path))
    sparse(tmp_path / "blob.tar", 3 * MiB)
    (tmp_path / ".slimlint.toml").write_text('[rules.SL301]\nthreshold = "2MiB"\n')
    assert "SL301" in rule_ids(lint_json("Dockerfile", "--context", ".", cwd=tmp_path))
    (tmp_path / ".slimlint.toml").write_text("[rules.SL301]\nthreshold = 4000000\n")
    assert "SL301" not in rule_ids(lint_json("Dockerfile", "--context", ".", cwd=tmp_path))
    (tmp_path / ".slimlint.toml").write_text("[rules.SL301]\nthreshold = -1\n")
    assert "SL301" in usage_error(slimlint("Dockerfile", "--context", ".", cwd=tmp_path))
# A held-out repository's Dockerfile: the copied tree is deleted (and cloned again) only when a build argument says
# so. The static replay cannot know: no consumption, no waste.
CONDITIONAL_RM = """
    FROM debian:bookworm
    ARG LOCAL_CHANGES
    COPY ./ serve
    RUN if echo "$LOCAL_CHANGES" | grep -q "false"; then rm -rf serve; git clone https://example.invalid/x.git serve; fi
    WORKDIR /serve
    RUN ls app/data.bin
"""


def test_rm_in_a_branch_on_a_build_argument_is_not_a_consumption(lint, tmp_path):
    ctx = make_context(tmp_path / "ctx", {"app/data.bin": 12 * MiB})
    found = lint(CONDITIONAL_RM, select=("SL301", "SL501", "SL102"), context_dir=ctx, max_wasted_bytes="1MB")
    assert found == []
    for guarded in ('[ -n "$LOCAL_CHANGES" ] && rm -rf serve', 'case "$LOCAL_CHANGES" in no) rm -rf serve;; esac',
                    'true || rm -rf serve'):
        text = f"FROM debian:bookworm\nARG LOCAL_CHANGES\nCOPY ./ serve\nRUN {guarded}\n"
        assert lint(text, select=("SL301", "SL501", "SL102"), context_dir=ctx, max_wasted_bytes="1MB") == [], guarded


def test_rm_after_the_branch_still_consumes_the_copy(lint, tmp_path):
    ctx = make_context(tmp_path / "ctx", {"app/data.bin": 12 * MiB})
    text = ("FROM debian:bookworm\nARG LOCAL_CHANGES\nCOPY ./ serve\n"
            'RUN if [ -n "$LOCAL_CHANGES" ]; then echo changed; fi; rm -rf serve\n')
    found = lint(text, select=("SL301", "SL501"), context_dir=ctx, max_wasted_bytes="1MB")
    assert sorted((d.rule_id, d.span.line) for d in found) == [("SL301", 3), ("SL501", 4)]
    assert "line 4 deletes /serve" in next(d.message for d in found if d.rule_id == "SL301")
