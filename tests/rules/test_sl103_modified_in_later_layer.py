"""SL103 modified-in-later-layer: chown/chmod/mv/sed -i/touch over files an earlier layer added."""

import pytest

from tests.rules.conftest import CONDITIONAL_FORMS, SHELL_FORMS, finding_lines, single_finding

RULE = "SL103"


def found(lint, text, **kwargs):
    return lint(text, select=(RULE,), **kwargs)


def test_chown_after_copy_suggests_copy_chown(lint):
    result = found(lint, """
        FROM node:20-slim
        WORKDIR /app
        COPY . /app
        RUN chown -R node:node /app
    """)
    assert len(result) == 1
    assert result[0].span.line == 4
    assert "`COPY . /app` (line 3)" in result[0].message
    assert "COPY --chown=node:node" in result[0].fix.description


def test_chmod_after_copy_suggests_copy_chmod(lint):
    result = found(lint, """
        FROM debian:bookworm-slim
        COPY entrypoint.sh /usr/local/bin/
        RUN chmod +x /usr/local/bin/entrypoint.sh
    """)
    assert len(result) == 1 and "COPY --chmod=755" in result[0].fix.description
    result = found(lint, """
        FROM debian:bookworm-slim
        COPY --chown=app conf/app.ini /etc/app.ini
        RUN chmod 0640 /etc/app.ini
    """)
    assert len(result) == 1 and "COPY --chmod=0640" in result[0].fix.description


def test_add_download_chmod_suggests_add_chmod(lint):
    result = found(lint, """
        FROM alpine:3.20
        ADD https://github.com/krallin/tini/releases/download/v0.19.0/tini-static /tini
        RUN chmod +x /tini
    """)
    assert len(result) == 1 and "ADD --chmod=755" in result[0].fix.description


def test_mv_sed_touch_of_copied_files(lint):
    result = found(lint, """
        FROM nginx:1.27
        COPY nginx.conf /etc/nginx/nginx.conf
        COPY site/ /srv/site/
        RUN sed -i 's/80/8080/' /etc/nginx/nginx.conf
        RUN mv /srv/site/index.html /usr/share/nginx/html/
        RUN touch /etc/nginx/nginx.conf
    """)
    assert [d.span.line for d in result] == [4, 5, 6]
    assert "straight to their final path" in result[1].fix.description


def test_run_created_files_changed_in_a_later_run(lint):
    result = found(lint, """
        FROM debian:bookworm-slim
        RUN git clone --depth 1 https://github.com/example/tool.git /opt/tool
        RUN chown -R 1000:1000 /opt/tool
    """)
    assert len(result) == 1
    assert "at the end of the RUN at line 2" in result[0].fix.description


def test_changes_in_the_same_run_are_fine(lint):
    assert found(lint, """
        FROM debian:bookworm-slim
        RUN git clone https://github.com/example/tool.git /opt/tool && chown -R 1000 /opt/tool
        COPY --chown=1000 --chmod=755 run.sh /run.sh
    """) == []


def test_non_recursive_chmod_of_a_parent_directory_is_fine(lint):
    # only the directory entry changes, not the copied files in it
    assert found(lint, """
        FROM debian:bookworm-slim
        COPY app /opt/app/
        RUN chmod 755 /opt/app /opt
    """) == []


def test_base_image_files_are_not_reported(lint):
    assert found(lint, """
        FROM nginx:1.27
        RUN sed -i 's/80/8080/' /etc/nginx/conf.d/default.conf
        RUN chown -R nginx /var/cache/nginx && chmod +x /docker-entrypoint.sh
    """) == []


def test_recursive_change_over_a_parent_reaches_copied_files(lint):
    result = found(lint, """
        FROM debian:bookworm-slim
        COPY torrc /etc/tor/torrc
        RUN chown -R tor /etc/tor
    """)
    assert len(result) == 1 and "/etc/tor/torrc" in result[0].message


def test_chmod_mode_that_looks_like_an_option(lint):
    result = found(lint, """
        FROM debian:bookworm-slim
        COPY tool /usr/local/bin/tool
        RUN chmod -x /usr/local/bin/tool
    """)
    assert len(result) == 1


def test_sed_without_in_place_does_not_modify(lint):
    assert found(lint, """
        FROM debian:bookworm-slim
        COPY app.conf /etc/app.conf
        RUN sed 's/a/b/' /etc/app.conf > /tmp/out
    """) == []


def test_build_only_stage_and_target(lint):
    text = """
        FROM golang:1.22 AS build
        COPY . /src
        RUN chown -R 1000 /src
        FROM gcr.io/distroless/static-debian12
        COPY --from=build /src/app /app
    """
    assert found(lint, text) == []
    assert [d.span.line for d in found(lint, text, target="build")] == [3]


def test_copy_from_stage_then_chmod(lint):
    result = found(lint, """
        FROM golang:1.22 AS build
        RUN go build -o /out/app .
        FROM debian:bookworm-slim
        COPY --from=build /out/app /usr/local/bin/app
        RUN chmod 0755 /usr/local/bin/app
    """)
    assert len(result) == 1 and "COPY --chmod=0755" in result[0].fix.description


def test_bytes_with_context(lint, tmp_path):
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "data.bin").write_bytes(b"y" * 50000)
    result = found(lint, """
        FROM debian:bookworm-slim
        COPY app /app
        RUN chown -R 1000 /app
    """, context_dir=tmp_path)
    assert len(result) == 1
    assert result[0].wasted_bytes == 50000
    assert "stored twice" in result[0].message


@pytest.mark.parametrize("form", [
    'RUN ["chmod", "+x", "/run.sh"]',
    "RUN <<EOF\nchmod +x /run.sh\nEOF",
    "RUN sh -c 'chmod +x /run.sh'",
])
def test_shell_forms(lint, form):
    assert len(found(lint, "FROM alpine:3.20\nCOPY run.sh /run.sh\n" + form + "\n")) == 1


def test_corpus_findings_name_an_earlier_instruction(lint, corpus):
    for path in corpus:
        for diagnostic in found(lint, path.read_text(errors="replace")):
            assert all(line < diagnostic.span.line for line in diagnostic.properties["createdAt"]), path


def test_min_bytes_option_with_a_context(lint, tmp_path):
    (tmp_path / "run.sh").write_text("#!/bin/sh\nexec app\n")
    text = "FROM alpine:3.20\nCOPY run.sh /run.sh\nRUN chmod +x /run.sh\n"
    assert len(found(lint, text, context_dir=tmp_path)) == 1
    assert found(lint, text, context_dir=tmp_path, min_bytes=4096) == []


@pytest.mark.parametrize("rewrite", ["chmod -R -x /app", "sed -i --expression=s/a/b/ /app/app.conf"])
def test_rewrites_read_through_their_options(lint, rewrite):
    result = found(lint, f"""
        FROM debian:bookworm-slim
        COPY app.conf /app/app.conf
        RUN {rewrite}
    """)
    assert len(result) == 1 and result[0].span.line == 3


def test_chmod_of_a_directory_the_run_just_made_is_fine(lint):
    # Real-world (mastodon): `mkdir -p DIR && chmod 1777 DIR` after `COPY . /opt/app`: DIR is a directory, so
    # a chmod without -R stores its entry again, not the copied files in it.
    assert found(lint, """
        FROM ruby:3.3-slim
        COPY . /opt/app
        RUN mkdir -p /opt/app/tmp && chmod 1777 /opt/app/tmp
    """) == []
    # ... but -R rewrites everything under it, and a file path is still a file
    assert len(found(lint, """
        FROM ruby:3.3-slim
        COPY . /opt/app
        RUN mkdir -p /opt/app/tmp && chmod -R 1777 /opt/app/tmp
    """)) == 1
    assert len(found(lint, """
        FROM ruby:3.3-slim
        COPY . /opt/app
        RUN mkdir -p /opt/app/log && chmod 600 /opt/app/config.yml
    """)) == 1


@pytest.mark.parametrize("wrapper", ["env", "xargs", "sudo", "time", "nohup", "exec", "command", "sudo -u app",
                                     "env A=b", "xargs -r", "nice -n 5", "gosu app", "su-exec app", "doas"])
def test_wrappers_alone_and_wrapped_rewrites(lint, wrapper):
    found = lint(f"""
        FROM debian:bookworm
        ADD https://example.com/tool.tar.gz /tmp/
        COPY app.conf /etc/app.conf
        RUN {wrapper}
        RUN {wrapper} chmod 600 /etc/app.conf
    """, select=("SL103",))
    assert [(d.rule_id, d.span.line) for d in found] == [("SL103", 5)]


def test_a_file_built_in_the_same_run_is_not_the_clones(lint):
    found = lint("""
        FROM debian:bookworm
        RUN git clone https://example.com/tool.git /src/tool
        RUN cd /src/tool && make && strip /src/tool/bin/tool && chmod 755 /src/tool/bin/tool
        RUN cd /src && tar -xzf /tmp/x.tgz -C /src/tool/vendor && chmod -R 755 /src/tool/vendor
    """, select=("SL103",))
    assert found == []
    # rewriting the clone itself is still a finding
    found = lint("""
        FROM debian:bookworm
        RUN git clone https://example.com/tool.git /src/tool
        RUN cd /src/tool && make && chown -R app /src/tool
    """, select=("SL103",))
    assert [(d.span.line, "git clone" in d.message) for d in found] == [(3, True)]


def test_one_finding_for_a_file_rewritten_twice_in_one_run(lint):
    found = lint("""
        FROM debian:bookworm
        COPY entrypoint.sh /usr/local/bin/
        RUN chown app /usr/local/bin/entrypoint.sh && chmod u+x /usr/local/bin/entrypoint.sh \\
         && /usr/local/bin/entrypoint.sh --selftest && rm /usr/local/bin/entrypoint.sh
        RUN chmod 700 /usr/local/bin/entrypoint.sh || true
    """, select=("SL102", "SL103"))
    assert [(d.rule_id, d.span.line, d.span.column) for d in found] == [("SL103", 3, 5)]


@pytest.mark.parametrize("copy,change", [
    ("COPY scripts_14.0 /scripts", "chmod u+x /scripts/*"),  # a version, not an extension: a folder
    ("COPY . /app", "chmod +x /app/*.sh"),
    ("ADD crontab /etc/crontab", "chmod 644 /etc/crontab"),
    ("COPY ./bin /usr/local/bin", "chmod +x /usr/local/bin/doctor"),
    ("COPY harbor_registryctl /home/harbor", "chmod u+x /home/harbor/harbor_registryctl"),
])
def test_rewrites_of_copied_files_found_through_folders_and_globs(lint, copy, change):
    text = f"FROM debian:bookworm\nCOPY start.sh /home/harbor\n{copy}\nRUN {change}\n"
    assert [d.span.line for d in lint(text, select=("SL103",))] == [4]


# -- Each promise of the docs end to end: a small Dockerfile, the finding expected (or not), the words promised


@pytest.mark.parametrize("form", SHELL_FORMS)
def test_every_shell_form(form):
    text = "FROM alpine:3.20\nCOPY app /app\n" + form.format(cmd="chown -R 1000:1000 /app") + "\n"
    assert len(finding_lines(text, "SL103")) == 1, text


@pytest.mark.parametrize("form", CONDITIONAL_FORMS)
def test_rewrite_that_may_not_run_is_not_reported(form):
    text = "FROM alpine:3.20\nARG X\nCOPY app /app\n" + form.format(cmd="chown -R 1000:1000 /app") + "\n"
    assert finding_lines(text, "SL103") == [], text


@pytest.mark.parametrize("change,words", [
    ("chown -R app:app /app", "--chown=app:app"),
    ("chown app /app/run.sh", "--chown=app"),
    ("chmod -R 755 /app", "--chmod=755"),
    ("chmod 755 /app/run.sh", "--chmod=755"),
    ("chmod -R g+w /app", "--chmod"),
])
def test_ownership_and_mode_changes_of_copied_files_suggest_copy_flags(change, words):
    finding = single_finding(f"""
        FROM debian:bookworm-slim
        COPY app /app
        RUN {change}
    """, "SL103")
    assert finding.span.line == 3 and finding.severity == "warning"
    assert "COPY " in finding.fix.description and words in finding.fix.description
    assert "line 2" in finding.message


@pytest.mark.parametrize("change", [
    "mv /app/run.sh /usr/local/bin/run.sh",
    "sed -i 's/a/b/' /app/app.conf",
    "touch /app/app.conf",
    "chgrp -R 0 /app",
])
def test_other_rewrites_of_copied_files(change):
    finding = single_finding(f"""
        FROM debian:bookworm-slim
        COPY app /app
        RUN {change}
    """, "SL103")
    assert finding.span.line == 3 and "line 2" in finding.message


def test_mv_suggests_copying_to_the_final_path():
    finding = single_finding("""
        FROM debian:bookworm-slim
        COPY run.sh /tmp/run.sh
        RUN mv /tmp/run.sh /usr/local/bin/run.sh
    """, "SL103")
    assert "/usr/local/bin/run.sh" in finding.message or "final path" in finding.message


@pytest.mark.parametrize("change", ["chown -R 1000 /opt/tool", "chmod -R a+rX /opt/tool",
                                    "sed -i s/x/y/ /opt/tool/conf.ini", "mv /opt/tool /opt/tool2",
                                    "touch /opt/tool/conf.ini"])
def test_files_an_earlier_run_added(change):
    assert finding_lines(f"""
        FROM debian:bookworm-slim
        RUN curl -fsSL https://example.com/tool.tgz | tar -xz -C /opt/tool \\
            && curl -fsSL -o /opt/tool/conf.ini https://example.com/conf.ini
        RUN {change}
    """, "SL103") == [4]


def test_file_written_by_a_redirection_then_edited():
    assert finding_lines("""
        FROM debian:bookworm-slim
        RUN printf 'listen=80' > /etc/app.conf
        RUN sed -i s/80/8080/ /etc/app.conf
    """, "SL103") == [3]


def test_nothing_for_copy_with_flags_or_base_files():
    assert finding_lines("""
        FROM debian:bookworm-slim
        COPY --chown=1000:1000 --chmod=755 app /app
        RUN chown -R www-data /var/www && chmod 640 /etc/shadow && sed -i s/a/b/ /etc/apt/sources.list
    """, "SL103") == []


def _app_context(root, mode=0o644):
    (root / "app").mkdir()
    for name in ("a.bin", "b.bin"):
        (root / "app" / name).write_bytes(b"y" * 40000)
        (root / "app" / name).chmod(mode)
    (root / "app").chmod(0o755)
    (root / "entry.sh").write_bytes(b"#!/bin/sh\n" * 3000)
    (root / "entry.sh").chmod(0o755)
    return root


@pytest.mark.parametrize("copy, change", [
    ("COPY --chown=1001:1001 app /opt/app", "chown -R 1001:1001 /opt/app"),
    ("COPY --chown=app:app app /opt/app", "chown -R app:app /opt/app"),
    ("COPY --chown=app:staff app /opt/app", "chown -R app /opt/app"),
    ("COPY --chown=app:staff app /opt/app", "chgrp -R staff /opt/app"),
])
def test_chown_to_the_owner_the_copy_gave_stores_nothing(lint, tmp_path, change, copy):
    # A real build (podman): 16.4 kB for the chown layer after a 30.4 MB `COPY --chown=1001:1001`.
    text = f"FROM debian:bookworm\n{copy}\nRUN {change}\n"
    assert found(lint, text) == []
    ctx = _app_context(tmp_path)
    assert found(lint, text, context_dir=ctx) == []
    assert lint(text, select=("SL501",), context_dir=ctx, max_wasted_bytes="1kB") == []


@pytest.mark.parametrize("copy, change", [
    ("COPY --chown=1001:1001 app /opt/app", "chown -R 1001:1002 /opt/app"),
    ("COPY --chown=1001 app /opt/app", "chown -R 1001:1001 /opt/app"),
    ("COPY --chown=app:app app /opt/app", "chown -R 1001:1001 /opt/app"),  # names and ids are not compared
    ("COPY app /opt/app", "chown -R root:root /opt/app"),
    ("COPY --chown=$UID:$UID app /opt/app", "chown -R $UID:$UID /opt/app"),
])
def test_chown_to_another_owner_still_reported(lint, tmp_path, change, copy):
    text = f"FROM debian:bookworm\nARG UID=1000\n{copy}\nRUN {change}\n"
    assert len(found(lint, text)) == 1
    result = found(lint, text, context_dir=_app_context(tmp_path))
    assert len(result) == 1 and result[0].wasted_bytes == 80000


def test_chown_keeps_only_the_files_of_the_copy_with_that_owner(lint, tmp_path):
    ctx = _app_context(tmp_path)
    result = found(lint, """
        FROM debian:bookworm
        COPY --chown=1001:1001 app /opt/app
        COPY entry.sh /opt/app/entry.sh
        RUN chown -R 1001:1001 /opt/app
    """, context_dir=ctx)
    assert len(result) == 1 and result[0].wasted_bytes == 30000 and "line 3" in result[0].message


@pytest.mark.parametrize("change", ["chmod 755 /entry.sh", "chmod 0755 /entry.sh", "chmod +x /entry.sh",
                                    "chmod a+rx /entry.sh", "chmod go-w /entry.sh", "chmod -R go-w /app",
                                    "chmod -R a+r /app"])
def test_chmod_to_the_mode_the_file_has_stores_nothing(lint, tmp_path, change):
    # A real build (podman): 2.05 kB for `chmod 755` of a copied 755 file; 302 kB of a 644 one (300 kB).
    ctx = _app_context(tmp_path)
    text = f"FROM debian:bookworm\nCOPY entry.sh /entry.sh\nCOPY app /app\nRUN {change}\n"
    assert found(lint, text, context_dir=ctx) == []
    assert lint(text, select=("SL501",), context_dir=ctx, max_wasted_bytes="1kB") == []
    assert len(found(lint, text)) == 1  # without the context the mode is unknown: reported as before


@pytest.mark.parametrize("change, wasted", [
    ("chmod 700 /entry.sh", 30000), ("chmod u+s /entry.sh", 30000), ("chmod g+w /entry.sh", 30000),
    ("chmod =rx /entry.sh", 30000), ("chmod -R 755 /app", 80000), ("chmod -R +x /app", 80000),
    ("chmod 755 /app/a.bin", 40000),
])
def test_chmod_that_changes_a_mode_still_reported(lint, tmp_path, change, wasted):
    ctx = _app_context(tmp_path)
    text = f"FROM debian:bookworm\nCOPY entry.sh /entry.sh\nCOPY app /app\nRUN {change}\n"
    result = found(lint, text, context_dir=ctx)
    assert len(result) == 1 and result[0].wasted_bytes == wasted


def test_chmod_after_copy_chmod_compares_with_the_copy_mode(lint, tmp_path):
    ctx = _app_context(tmp_path)
    same = "FROM debian:bookworm\nCOPY --chmod=0644 entry.sh /entry.sh\nRUN chmod 644 /entry.sh\n"
    assert found(lint, same, context_dir=ctx) == []
    other = "FROM debian:bookworm\nCOPY --chmod=0644 entry.sh /entry.sh\nRUN chmod 755 /entry.sh\n"
    assert len(found(lint, other, context_dir=ctx)) == 1
