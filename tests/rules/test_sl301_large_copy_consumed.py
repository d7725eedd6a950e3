"""SL301 large-copy-consumed: the fix (bind mount instead of COPY, COPY to the final path instead of mv). The rule's
findings are tested with real contexts in tests/context/test_context_rules.py."""

from __future__ import annotations

import pytest

from tests.context.helpers import MiB, make_context


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
