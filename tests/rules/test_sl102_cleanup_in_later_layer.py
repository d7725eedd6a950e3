"""SL102 cleanup-in-later-layer: deletions of files an earlier layer of the same image created."""

import pytest

from tests.rules.conftest import CONDITIONAL_FORMS, SHELL_FORMS, finding_lines, single_finding

RULE = "SL102"


def ids(lint, text, **kwargs):
    return [(d.rule_id, d.span.line) for d in lint(text, select=(RULE,), **kwargs)]


def messages(lint, text, **kwargs):
    return [d.message for d in lint(text, select=(RULE,), **kwargs)]


def helps(lint, text, **kwargs):
    return [d.fix.description for d in lint(text, select=(RULE,), **kwargs)]


def test_apt_lists_removed_in_own_layer_names_the_update(lint):
    found = messages(lint, """
        FROM debian:bookworm
        RUN apt-get update && apt-get install -y --no-install-recommends curl
        RUN rm -rf /var/lib/apt/lists/*
    """)
    assert len(found) == 1
    assert "apt-get update` (line 2)" in found[0]
    assert "MiB, measured for Debian 12" in found[0]
    assert "RUN at line 2" in helps(lint, """
        FROM debian:bookworm
        RUN apt-get update && apt-get install -y --no-install-recommends curl
        RUN rm -rf /var/lib/apt/lists/*
    """)[0]


@pytest.mark.parametrize("cleanup", ["rm -rf /var/lib/apt/lists/*", "rm -fr /var/lib/apt/lists",
                                     "apt-get dist-clean", "rm -rf /var/lib/apt/lists/partial /var/lib/apt/lists/*"])
def test_apt_cleanups_in_a_later_layer(lint, cleanup):
    assert ids(lint, f"""
        FROM ubuntu:24.04
        RUN apt-get update && apt-get install -y curl
        RUN {cleanup}
    """) == [(RULE, 3)]


@pytest.mark.parametrize("base", ["debian:bookworm", "ubuntu:24.04", "python:3.12-slim", "node:20"])
@pytest.mark.parametrize("clean", ["apt-get clean", "apt-get autoclean", "apt clean", "rm -rf /var/cache/apt/*",
                                   "rm -rf /var/cache/apt/archives/*.deb"])
def test_apt_cache_cleaned_later_on_official_images_deletes_nothing(lint, base, clean):
    # The official Debian/Ubuntu images (and every image built from them) delete downloaded .deb files after each
    # install (/etc/apt/apt.conf.d/docker-clean): a later `apt-get clean` has nothing to delete.
    assert ids(lint, f"""
        FROM {base}
        RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*
        RUN {clean}
    """) == []


@pytest.mark.parametrize("keep", ["rm -f /etc/apt/apt.conf.d/docker-clean",
                                  "echo 'Binary::apt::APT::Keep-Downloaded-Packages \"true\";' > /etc/apt/apt.conf.d/keep"])
def test_apt_cache_cleaned_later_when_the_image_keeps_packages(lint, keep):
    assert ids(lint, f"""
        FROM debian:bookworm
        RUN {keep}
        RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*
        RUN apt-get clean
    """) == [(RULE, 4)]


def test_cleanup_in_the_same_run_is_fine(lint):
    assert ids(lint, """
        FROM debian:bookworm
        RUN apt-get update && apt-get install -y curl && apt-get clean && rm -rf /var/lib/apt/lists/*
        RUN rm -rf /var/lib/apt/lists/*
    """) == []


def test_base_image_tweaks_are_not_reported(lint):
    assert ids(lint, """
        FROM debian:bookworm
        RUN rm -f /etc/apt/apt.conf.d/docker-clean
        RUN rm -rf /var/lib/apt/lists/*
        RUN apt-get clean && yum clean all
        RUN rm /etc/nginx/conf.d/default.conf
    """) == []


def test_second_update_replaces_the_lists_of_the_same_layer(lint):
    # RUN 3 downloads fresh lists and removes them itself: nothing to say about it (SL201 covers RUN 2).
    assert ids(lint, """
        FROM debian:bookworm
        RUN apt-get update && apt-get install -y curl
        RUN apt-get update && apt-get install -y git && rm -rf /var/lib/apt/lists/*
    """) == []


def test_cache_mount_means_no_layer_files(lint):
    assert ids(lint, """
        FROM debian:bookworm
        RUN --mount=type=cache,target=/var/lib/apt/lists --mount=type=cache,target=/var/cache/apt \\
            apt-get update && apt-get install -y curl
        RUN rm -rf /var/lib/apt/lists/* && apt-get clean
    """) == []


def test_copied_file_deleted_later_names_the_copy(lint):
    found = lint("""
        FROM debian:bookworm-slim
        COPY app.tar.gz /tmp/
        RUN tar -xzf /tmp/app.tar.gz -C /opt && rm /tmp/app.tar.gz
    """, select=(RULE,))
    assert [(d.span.line, d.span.column) for d in found] == [(3, 41)]  # the `rm` command itself
    assert "`COPY app.tar.gz /tmp/` (line 2)" in found[0].message
    assert ".dockerignore" in found[0].fix.description and "--mount=type=bind" in found[0].fix.description
    assert found[0].wasted_bytes is None  # no build context: no byte figure


def test_run_created_files_deleted_later(lint):
    found = messages(lint, """
        FROM alpine:3.20
        RUN wget -O /tmp/tool.tgz https://example.com/tool.tgz && tar -xzf /tmp/tool.tgz -C /tmp
        RUN rm -rf /tmp/tool /tmp/tool.tgz
    """)
    assert len(found) == 1
    assert "/tmp/tool.tgz" in found[0] and "line 2" in found[0]


def test_relative_paths_workdir_and_cd(lint):
    assert ids(lint, """
        FROM debian:bookworm-slim
        WORKDIR /build
        RUN curl -fsSLO https://example.com/src-1.0.tar.gz && tar xzf src-1.0.tar.gz
        RUN cd /build && rm -rf src-1.0 src-1.0.tar.gz
    """) == [(RULE, 4)]
    # an unknown directory: nothing is guessed
    assert ids(lint, """
        FROM debian:bookworm-slim
        RUN curl -fsSL -o /tmp/x.tgz https://example.com/x.tgz
        RUN cd "$SOMEWHERE" && rm -f x.tgz
    """) == []


def test_env_and_arg_expansion(lint):
    assert ids(lint, """
        FROM debian:bookworm-slim
        ARG DL=/downloads
        ENV PKG=tool.deb
        RUN curl -o $DL/${PKG} https://example.com/tool.deb && dpkg -i $DL/${PKG}
        RUN rm "$DL/$PKG"
    """) == [(RULE, 5)]


def test_package_removal_in_a_later_layer(lint):
    found = lint("""
        FROM alpine:3.20
        RUN apk add --no-cache --virtual .build-deps gcc musl-dev && make
        RUN apk del .build-deps
    """, select=(RULE,))
    assert len(found) == 1 and ".build-deps" in found[0].message and "line 2" in found[0].message
    assert "at the end of the RUN that installs them" in found[0].fix.description
    assert ids(lint, """
        FROM debian:bookworm-slim
        RUN apt-get update && apt-get install -y build-essential \\
         && make && apt-get purge -y --auto-remove build-essential && rm -rf /var/lib/apt/lists/*
    """) == []
    # packages of the base image
    assert ids(lint, "FROM debian:bookworm\nRUN apt-get purge -y perl\n") == []


def test_yum_and_pip_and_npm_caches(lint):
    assert ids(lint, """
        FROM rockylinux:9
        RUN yum install -y httpd
        RUN yum clean all
    """) == [(RULE, 3)]
    assert ids(lint, """
        FROM python:3.12-slim
        RUN pip install flask
        RUN pip cache purge && rm -rf /root/.cache
    """) == [(RULE, 3)]
    assert ids(lint, """
        FROM python:3.12-slim
        ENV PIP_NO_CACHE_DIR=1
        RUN pip install flask
        RUN rm -rf /root/.cache/pip
    """) == []
    assert ids(lint, """
        FROM node:20-slim
        RUN npm ci
        RUN npm cache clean --force
    """) == [(RULE, 3)]


@pytest.mark.parametrize("form", [
    'RUN ["sh", "-c", "rm -rf /var/lib/apt/lists/*"]',
    "RUN <<EOF\nset -e\nrm -rf /var/lib/apt/lists/*\nEOF",
    "RUN bash -c 'true && rm -rf /var/lib/apt/lists/*'",
    "RUN if [ -n \"$X\" ]; then echo x; fi; rm -rf /var/lib/apt/lists/*",
    "RUN (cd / && rm -rf /var/lib/apt/lists/*)",
])
def test_shell_forms(lint, form):
    text = "FROM debian:bookworm\nRUN apt-get update && apt-get install -y curl\n" + form + "\n"
    found = ids(lint, text)
    assert len(found) == 1 and found[0][1] in (3, 5)  # the command's own line (5 inside the heredoc body)


@pytest.mark.parametrize("form", [
    "RUN if [ -n \"$X\" ]; then rm -rf /var/lib/apt/lists/*; fi",
    "RUN if [ -z \"$X\" ]; then true; elif [ \"$X\" = 1 ]; then true; else rm -rf /var/lib/apt/lists/*; fi",
    "RUN [ \"$X\" = clean ] && rm -rf /var/lib/apt/lists/*",
    "RUN test -d /var/lib/apt/lists || rm -rf /var/lib/apt/lists/*",
    'RUN case "$X" in clean) apt-get clean && rm -rf /var/lib/apt/lists/*;; esac',
])
def test_cleanup_that_may_not_run_is_not_reported(lint, form):
    # Whether it runs depends on a build argument: the replay cannot say the lists are deleted.
    text = "FROM debian:bookworm\nARG X\nRUN apt-get update && apt-get install -y curl\n" + form + "\n"
    assert ids(lint, text) == []


def test_build_only_stage_is_not_checked(lint):
    text = """
        FROM debian:bookworm AS build
        RUN apt-get update && apt-get install -y gcc
        RUN rm -rf /var/lib/apt/lists/*
        FROM debian:bookworm-slim
        COPY --from=build /usr/bin/gcc /usr/bin/gcc
    """
    assert ids(lint, text) == []
    assert ids(lint, text, target="build") == [(RULE, 3)]


def test_inherited_stage_files_count(lint):
    assert ids(lint, """
        FROM debian:bookworm AS base
        RUN apt-get update && apt-get install -y curl
        FROM base AS final
        RUN rm -rf /var/lib/apt/lists/*
    """) == [(RULE, 4)]


def test_unrelated_rm_is_not_reported(lint):
    assert ids(lint, """
        FROM debian:bookworm-slim
        COPY rootfs/ /
        COPY conf /etc/myapp/
        RUN rm -rf /var/lib/apt/lists/* /etc/myapp.d /tmp/*
    """) == []


def test_add_url_deletion_is_superseded_by_sl303_only_when_sl303_reports_it(lint):
    text = """
        FROM debian:bookworm-slim
        ADD https://example.com/tool.tgz /tmp/
        RUN rm /tmp/tool.tgz
    """
    assert [d.rule_id for d in lint(text, select=(RULE, "SL303"))] == ["SL303"]
    # SL303 turned off (or not selected): the deletion is SL102's finding again.
    assert ids(lint, text) == [(RULE, 3)]


def test_byte_figures_with_a_build_context(lint, tmp_path):
    (tmp_path / "app.tar.gz").write_bytes(b"x" * 70000)
    text = """
        FROM debian:bookworm-slim
        COPY app.tar.gz /tmp/
        RUN rm /tmp/app.tar.gz
    """
    found = lint(text, select=(RULE,), context_dir=tmp_path)
    assert len(found) == 1
    assert found[0].wasted_bytes == 70000
    assert "68.4 KiB" in found[0].message


def test_corpus_findings_name_an_earlier_instruction(lint, corpus):
    """Every SL102 finding on the corpus names the earlier instruction that created the files."""
    for path in corpus:
        for diagnostic in lint(path.read_text(errors="replace"), select=(RULE,)):
            assert "line" in diagnostic.message, (path, diagnostic.message)
            assert diagnostic.properties["createdAt"], path
            assert all(line < diagnostic.span.line for line in diagnostic.properties["createdAt"])


def test_onbuild_run_is_a_later_layer(lint):
    assert ids(lint, """
        FROM debian:bookworm
        RUN apt-get update && apt-get install -y curl
        ONBUILD RUN rm -rf /var/lib/apt/lists/*
    """) == [(RULE, 3)]


@pytest.mark.parametrize("text", [
    "", "FROM", "FROM ${X}", "FROM debian\nRUN rm", "FROM debian\nRUN chmod", "FROM debian\nRUN tar x",
    "FROM debian\nRUN git clone", "FROM debian\nRUN cd", "FROM debian\nADD http:// /", "FROM debian\nCOPY",
    "FROM debian\nRUN curl -o", "FROM debian\nRUN wget -O", "FROM debian\nRUN mv a", "FROM debian\nRUN sed -i",
    "FROM debian\nWORKDIR", "FROM debian\nUSER", "FROM debian\nRUN apk add --virtual", "FROM debian\nRUN rm -rf ~",
    "FROM debian\nRUN rm -rf ~user/x", "FROM debian\nCOPY x /\nRUN rm -rf /", "FROM debian\nRUN unzip -d",
    "FROM debian\nRUN tar -C", "FROM 0 AS 0\nCOPY --from=0 . .", 'FROM debian\nRUN ["rm"]', "\x00\xff\xfe",
    "FROM debian\nSHELL [\"pwsh\", \"-c\"]\nRUN rm -rf /var/lib/apt/lists/*",
])
def test_odd_input_never_crashes_any_of_these_rules(lint, text):
    lint(text, select=("SL102", "SL103", "SL303", "SL401", "SL403", "SL404"))


def test_min_bytes_option_with_a_context(lint, tmp_path):
    (tmp_path / "requirements.txt").write_text("flask\n")
    text = """
        FROM python:3.12-slim
        COPY requirements.txt /tmp/
        RUN pip install --no-cache-dir -r /tmp/requirements.txt
        RUN rm /tmp/requirements.txt
    """
    assert len(lint(text, select=(RULE,), context_dir=tmp_path)) == 1
    assert lint(text, select=(RULE,), context_dir=tmp_path, min_bytes=1024) == []
    assert len(lint(text, select=(RULE,), min_bytes=1024)) == 1  # size unknown without a context: kept


def test_context_shows_the_copied_tree_lacks_the_path(lint, tmp_path):
    (tmp_path / "index.js").write_text("console.log(1)\n")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "a.test.js").write_text("x" * 3000)
    text = """
        FROM node:20-slim
        COPY . /app
        RUN rm -rf /app/node_modules
        RUN rm -rf /app/tests
    """
    assert ids(lint, text) == [(RULE, 3), (RULE, 4)]  # without a context both may have been copied
    found = lint(text, select=(RULE,), context_dir=tmp_path)
    assert [(d.span.line, d.wasted_bytes) for d in found] == [(4, 3000)]


def test_package_lists_from_env(lint):
    found = messages(lint, """
        FROM debian:bookworm-slim
        ENV BUILD_DEPS="gcc make libc6-dev"
        RUN apt-get update && apt-get install -y --no-install-recommends $BUILD_DEPS && make \\
         && rm -rf /var/lib/apt/lists/*
        RUN apt-get purge -y --auto-remove $BUILD_DEPS
    """)
    assert len(found) == 1 and "gcc, libc6-dev, make" in found[0]


def test_large_copied_archive_is_superseded_by_sl301_only_where_sl301_reports(lint, tmp_path):
    (tmp_path / "big.tar.gz").write_bytes(b"z" * (11 * 1024 * 1024))
    (tmp_path / "small.tar.gz").write_bytes(b"z" * 1000)
    text = """
        FROM debian:bookworm-slim
        COPY big.tar.gz /tmp/
        COPY small.tar.gz /tmp/
        RUN tar -xzf /tmp/big.tar.gz -C /opt && tar -xzf /tmp/small.tar.gz -C /opt
        RUN rm /tmp/big.tar.gz
        RUN rm /tmp/small.tar.gz
    """
    found = lint(text, select=(RULE, "SL301"), context_dir=tmp_path)
    assert sorted((d.rule_id, d.span.line, d.wasted_bytes) for d in found) == [
        ("SL102", 6, 1000), ("SL301", 2, 11 * 1024 * 1024)]
    # SL301 off, or its threshold above the file: the `rm` in a later layer is reported by SL102.
    for found in (lint(text, select=(RULE,), context_dir=tmp_path),
                  lint(text, select=(RULE, "SL301"), context_dir=tmp_path, rule_options={"SL301": {"threshold": "1GiB"}})):
        assert sorted((d.rule_id, d.span.line, d.wasted_bytes) for d in found) == [
            ("SL102", 5, 11 * 1024 * 1024), ("SL102", 6, 1000)]


def test_one_deletion_partly_superseded_keeps_its_finding_and_counts_the_rest(lint, tmp_path):
    (tmp_path / "big.tar.gz").write_bytes(b"z" * (11 * 1024 * 1024))
    (tmp_path / "small.tar.gz").write_bytes(b"z" * 1000)
    text = """
        FROM debian:bookworm-slim
        COPY big.tar.gz small.tar.gz /tmp/
        RUN tar -xzf /tmp/big.tar.gz -C /opt && tar -xzf /tmp/small.tar.gz -C /opt
        RUN rm /tmp/big.tar.gz /tmp/small.tar.gz
    """
    found = {d.rule_id: d for d in lint(text, select=(RULE, "SL301"), context_dir=tmp_path)}
    assert found["SL301"].wasted_bytes == 11 * 1024 * 1024
    sl102 = found[RULE]
    assert sl102.wasted_bytes == 11 * 1024 * 1024 + 1000
    from dockerlint_slim.diagnostics import ByteTotals

    totals = ByteTotals()
    totals.add(found.values())
    assert (totals.known, totals.estimated) == (11 * 1024 * 1024 + 1000, 0)  # the archive counted once


# The shared argv parsing (`dockerlint_slim.shell`) reads these command lines the same way for SL102 and the layer model.
@pytest.mark.parametrize("create, delete", [
    ("curl -fsSL -otool.tgz https://example.com/tool.tgz", "rm tool.tgz"),
    ("wget -qO /src/tool.tgz https://example.com/tool.tgz", "rm /src/tool.tgz"),
    ("tar xfz /opt/tool.tgz -C /src", "rm -rf /src/tool"),
    ("git clone --filter blob:none https://example.com/tool.git", "rm -rf tool"),
])
def test_files_a_run_created_then_deleted_later(lint, create, delete):
    text = f"""
        FROM debian:bookworm-slim
        WORKDIR /src
        RUN {create}
        RUN {delete}
    """
    assert ids(lint, text) == [("SL102", 4)]


def test_download_to_stdout_creates_no_file(lint):
    assert ids(lint, """
        FROM debian:bookworm-slim
        WORKDIR /src
        RUN wget -qO- https://example.com/install.sh | sh
        RUN rm -f install.sh
    """) == []


def test_variables_read_as_buildkit_does(lint):
    # A later ARG default replaces an earlier one; an ENV hides an ARG of the same name.
    assert ids(lint, """
        FROM debian:bookworm-slim
        ARG DL=/elsewhere
        ARG DL=/tmp
        COPY tool.tgz /tmp/
        RUN rm ${DL}/tool.tgz
    """) == [("SL102", 5)]
    assert ids(lint, """
        FROM debian:bookworm-slim
        ENV DL=/tmp
        ARG DL=/elsewhere
        COPY tool.tgz /tmp/
        RUN rm $DL/tool.tgz
    """) == [("SL102", 5)]


def test_wrapped_commands_read_as_the_program_they_run(lint):
    found = messages(lint, """
        FROM debian:bookworm
        RUN apt-get update && apt-get install -y --no-install-recommends curl
        RUN sudo -u root rm -rf /var/lib/apt/lists/*
    """)
    assert len(found) == 1 and "`sudo -u root rm -rf /var/lib/apt/lists/*`" in found[0]
    assert ids(lint, """
        FROM python:3.12-slim
        RUN env PIP_NO_CACHE_DIR=1 pip install requests
        RUN pip cache purge
    """) == []


@pytest.mark.parametrize("wrapper", ["env", "xargs", "sudo", "time", "nohup", "exec", "command", "sudo -u app",
                                     "env A=b", "xargs -r", "nice -n 5", "gosu app", "su-exec app", "doas"])
def test_wrappers_alone_and_wrapped_deletions(lint, wrapper):
    assert ids(lint, f"""
        FROM debian:bookworm
        ADD https://example.com/tool.tar.gz /tmp/
        COPY app.conf /etc/app.conf
        RUN {wrapper}
        RUN {wrapper} rm /etc/app.conf
    """) == [(RULE, 5)]


# --- fix -----------------------------------------------------------------------------------------------------------

def test_fix_moves_the_cleanup_and_drops_the_empty_run(fix):
    assert fix("""
        FROM debian:bookworm-slim
        RUN apt-get update \\
         && apt-get install -y --no-install-recommends curl
        ENV LANG=C.UTF-8
        RUN rm -rf /var/lib/apt/lists/*
        CMD ["curl"]
    """, select="SL102") == (
        "FROM debian:bookworm-slim\nRUN apt-get update \\\n && apt-get install -y --no-install-recommends curl \\\n"
        " && rm -rf /var/lib/apt/lists/*\nENV LANG=C.UTF-8\nCMD [\"curl\"]\n")


def test_fix_moves_only_the_cleanup_out_of_a_longer_run(fix):
    assert fix("""
        FROM debian:bookworm-slim
        RUN curl -fsSL -o /tmp/tool.tgz https://example.com/tool.tgz && tar -xzf /tmp/tool.tgz -C /opt
        RUN rm -f /tmp/tool.tgz && /opt/tool/bin/setup
    """, select="SL102") == (
        "FROM debian:bookworm-slim\nRUN curl -fsSL -o /tmp/tool.tgz https://example.com/tool.tgz "
        "&& tar -xzf /tmp/tool.tgz -C /opt && rm -f /tmp/tool.tgz\nRUN /opt/tool/bin/setup\n")


def _sl102_fixes(lint, text):
    return [d.fix for d in lint(text) if d.rule_id == "SL102"]


@pytest.mark.parametrize("text", [
    # a RUN in between may add more files under the same path
    "FROM debian\nRUN curl -o /tmp/a.tgz https://x/a.tgz\nRUN make\nRUN rm -rf /tmp/a.tgz\n",
    # another user: the move would delete with other rights
    "FROM debian\nRUN curl -o /tmp/a.tgz https://x/a.tgz\nUSER app\nRUN rm -rf /tmp/a.tgz\n",
    # a command before the cleanup may still read the file
    "FROM debian\nRUN curl -o /tmp/a.tgz https://x/a.tgz\nRUN tar -xzf /tmp/a.tgz && rm /tmp/a.tgz\n",
    # a variable or a relative path: its meaning may differ in the other RUN
    "FROM debian\nRUN curl -o /tmp/a.tgz https://x/a.tgz\nENV T=/tmp\nRUN rm -rf $T/a.tgz\n",
    "FROM debian\nWORKDIR /tmp\nRUN curl -o a.tgz https://x/a.tgz\nRUN rm -rf a.tgz\n",
    # files from a COPY: the fix is not to copy them (SL301, .dockerignore)
    "FROM debian\nCOPY a.tgz /tmp/\nRUN rm -rf /tmp/a.tgz\n",
])
def test_no_fix_when_the_move_could_change_the_build(lint, text):
    fixes = _sl102_fixes(lint, text)
    assert fixes and all(f.edits == () for f in fixes), text


@pytest.mark.parametrize("copy,rm", [
    ("COPY nginx.conf /etc/nginx", "rm /etc/nginx/conf.d/default.conf"),  # a file into a folder of the base image
    ("COPY app.conf /etc/app", "rm -rf /etc/app/old"),
    ("COPY Percona-Server.rpm /tmp", "rm -rf /tmp/percona-release.rpm"),  # another file of that folder
    ("COPY conf/ /etc/nginx/", "rm /etc/nginx/conf.d/default.conf"),  # a folder into a configuration folder
    ("COPY ./Docker/*.Apache.conf /etc/apache2/conf.d/", "rm -f /etc/apache2/conf.d/info.conf"),
])
def test_files_of_the_base_image_next_to_a_copied_file_are_not_its(lint, copy, rm):
    assert ids(lint, f"FROM nginx:1.27\n{copy}\nRUN {rm}\n") == []


@pytest.mark.parametrize("copy,rm", [
    ("COPY nginx.conf /etc/nginx", "rm /etc/nginx/nginx.conf"),  # the file landed inside the folder
    ("COPY nginx.conf /etc/nginx/nginx.conf", "rm /etc/nginx/nginx.conf"),
    ("COPY password.txt .", "rm password.txt"),
    ("COPY Percona-Server.rpm /tmp", "rm -rf /tmp/*.rpm"),
    ("COPY --from=composer /usr/bin/composer /usr/local/bin", "rm -f /usr/local/bin/composer"),
    ("COPY --from=builder /out/ui /usr/share/app", "rm -rf /usr/share/app/tests"),
    ("COPY --from=extensions /tmp /tmp", "rm -rf /tmp/*"),
])
def test_copied_files_deleted_later(lint, copy, rm):
    assert ids(lint, f"FROM nginx:1.27\n{copy}\nRUN {rm}\n") == [(RULE, 3)]


@pytest.mark.parametrize("moved", [
    "RUN curl -fsSLo /tmp/tool.tgz https://e.com/tool.tgz\nRUN mv /tmp/tool.tgz /opt/",
    "RUN curl -fsSLo /tmp/tool.tgz https://e.com/tool.tgz && mv /tmp/tool.tgz /opt/",
    "COPY tool.tgz /tmp/\nRUN mv /tmp/tool.tgz /opt/tool.tgz",
])
def test_a_file_moved_out_leaves_nothing_to_delete(lint, moved):
    assert ids(lint, f"FROM debian:bookworm\n{moved}\nRUN rm -rf /tmp/*\n") == []


def test_a_file_a_run_built_or_extracted_itself_is_not_the_earlier_layers(lint):
    assert ids(lint, """
        FROM debian:bookworm
        RUN git clone https://example.com/tool.git /src/tool
        RUN cd /src/tool && make && rm -rf /src/tool/build
        COPY . /app
        RUN cd /app && curl -fsSLo vendor.zip https://e.com/v.zip && unzip vendor.zip -d vendor && rm -rf vendor
        RUN cp /app/nginx.conf.template /app/nginx.conf.smoke && nginx -t -c /app/nginx.conf.smoke \\
         && rm /app/nginx.conf.smoke
    """) == []
    # what the earlier layer put there is still reported
    assert ids(lint, """
        FROM debian:bookworm
        RUN git clone https://example.com/tool.git /src/tool
        RUN cd /src/tool && make install && rm -rf /src/tool
    """) == [(RULE, 3)]


# -- Each promise of the docs end to end: a small Dockerfile, the finding expected (or not), the words promised


@pytest.mark.parametrize("form", SHELL_FORMS)
def test_every_shell_form(form):
    text = "FROM alpine:3.20\nCOPY big.tar /big.tar\n" + form.format(cmd="rm /big.tar") + "\n"
    assert len(finding_lines(text, "SL102")) == 1, text


@pytest.mark.parametrize("form", CONDITIONAL_FORMS)
def test_rm_that_may_not_run_is_not_reported(form):
    text = "FROM alpine:3.20\nARG X\nCOPY big.tar /big.tar\n" + form.format(cmd="rm /big.tar") + "\n"
    assert finding_lines(text, "SL102") == [], text


def test_rm_of_a_copied_file_names_the_copy_and_says_to_clean_up_there():
    finding = single_finding("""
        FROM debian:bookworm-slim
        COPY big.tar /big.tar
        RUN rm /big.tar
    """, "SL102")
    assert finding.span.line == 3
    assert finding.severity == "warning"
    assert "line 2" in finding.message and "COPY" in finding.message
    assert "stay" in finding.message  # it saves nothing: the bytes stay in the COPY's layer


def test_rm_of_a_file_a_run_made_names_that_run():
    finding = single_finding("""
        FROM debian:bookworm-slim
        RUN curl -fsSL -o /big.tar https://example.com/big.tar
        RUN echo unrelated
        RUN rm /big.tar
    """, "SL102")
    assert finding.span.line == 4 and "line 2" in finding.message


def test_rm_rf_of_files_an_earlier_run_extracted():
    assert finding_lines("""
        FROM debian:bookworm-slim
        COPY src.tar.gz /tmp/src.tar.gz
        RUN mkdir -p /usr/src/app && tar -xzf /tmp/src.tar.gz -C /usr/src/app && make -C /usr/src/app
        RUN rm -rf /usr/src/app
    """, "SL102") == [4]


@pytest.mark.parametrize("install,clean", [
    ("yum install -y httpd", "yum clean all"),
    ("dnf install -y httpd", "dnf clean all"),
    ("rm /etc/apt/apt.conf.d/docker-clean && apt-get update && apt-get install -y curl", "apt-get clean"),
    ("apt-get update && apt-get install -y curl", "rm -rf /var/lib/apt/lists/*"),
    ("apt update && apt install -y curl", "rm -rf /var/lib/apt/lists/*"),
])
def test_package_manager_cleanups_in_their_own_layer(install, clean):
    image = "rockylinux:9" if "yum" in install or "dnf" in install else "debian:bookworm"
    finding = single_finding(f"""
        FROM {image}
        RUN {install}
        RUN {clean}
    """, "SL102")
    assert finding.span.line == 3 and "line 2" in finding.message


@pytest.mark.parametrize("tweak", [
    "rm -f /etc/apt/apt.conf.d/docker-clean",
    "rm -f /etc/nginx/conf.d/default.conf",
    "rm -rf /usr/share/doc/*",
    "rm -f /etc/localtime",
])
def test_each_base_image_tweak_alone_is_not_reported(tweak):
    assert finding_lines(f"FROM nginx:1.27\nRUN {tweak}\n", "SL102") == []
    assert finding_lines(f"FROM debian:bookworm\nCOPY app /app\nRUN {tweak}\n", "SL102") == []


def test_download_and_apt_cleanup_in_the_same_run_are_fine():
    assert finding_lines("""
        FROM debian:bookworm-slim
        RUN curl -fsSL -o /tmp/big.tar https://example.com/big.tar && tar -xf /tmp/big.tar -C /opt && rm /tmp/big.tar
        RUN apt-get update && apt-get install -y --no-install-recommends curl && apt-get clean \\
            && rm -rf /var/lib/apt/lists/*
    """, "SL102") == []


def test_build_only_stage_then_copy_from_is_fine():
    assert finding_lines("""
        FROM debian:bookworm AS build
        COPY big.tar /big.tar
        RUN rm /big.tar
        FROM debian:bookworm-slim
        COPY --from=build /etc/os-release /etc/os-release
    """, "SL102") == []

