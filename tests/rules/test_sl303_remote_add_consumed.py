"""SL303 remote-add-consumed: ADD <url>/<git> whose download a later RUN extracts, installs, runs or deletes."""

import pytest

from tests.rules.conftest import CONDITIONAL_FORMS, SHELL_FORMS, finding_lines, single_finding

RULE = "SL303"


def found(lint, text, **kwargs):
    return lint(text, select=(RULE,), **kwargs)


@pytest.mark.parametrize("consumer", [
    "tar -xzf /tmp/tool-1.2.tar.gz -C /opt",
    "cd /tmp && tar xzf tool-1.2.tar.gz",
    "rm /tmp/tool-1.2.tar.gz",
    "rm -rf /tmp/*",
])
def test_archive_download_consumed(lint, consumer):
    result = found(lint, f"""
        FROM debian:bookworm-slim
        ADD https://example.com/tool-1.2.tar.gz /tmp/
        RUN {consumer}
    """)
    assert len(result) == 1
    assert result[0].span.line == 2  # reported at the ADD
    assert "line 3" in result[0].message and "curl -fsSL https://example.com/tool-1.2.tar.gz" in result[0].fix.description


@pytest.mark.parametrize("dest,consumer", [
    ("/tmp/tool.deb", "dpkg -i /tmp/tool.deb"),
    ("/tmp/install.sh", "sh /tmp/install.sh --prefix /usr/local"),
    ("/tmp/install.sh", "/tmp/install.sh"),
    ("/tmp/pkg.whl", "pip install --no-cache-dir /tmp/pkg.whl"),
])
def test_installers_and_scripts(lint, dest, consumer):
    result = found(lint, f"""
        FROM python:3.12-slim
        ADD https://example.com/{dest.rsplit('/', 1)[1]} {dest}
        RUN {consumer}
    """)
    assert len(result) == 1


def test_git_checkout_built_in_place(lint):
    result = found(lint, """
        FROM debian:bookworm
        ADD https://github.com/example/tool.git /src/tool
        WORKDIR /src/tool
        RUN make install
    """)
    assert len(result) == 1 and "git clone --depth 1" in result[0].fix.description


def test_download_used_as_is_is_fine(lint):
    assert found(lint, """
        FROM alpine:3.20
        ADD --chmod=755 https://example.com/tini-static /tini
        ADD https://example.com/wee_slack.py /home/user/.weechat/python/autoload/wee_slack.py
        RUN /tini --version && echo "wine /usr/src/Setup.exe" > /root/.bash_history
        ENTRYPOINT ["/tini", "--"]
    """) == []


def test_local_add_and_copy_are_not_this_rule(lint):
    assert found(lint, """
        FROM debian:bookworm-slim
        ADD tool.tar.gz /opt/
        COPY tool.deb /tmp/
        RUN dpkg -i /tmp/tool.deb
    """) == []


def test_consumption_in_the_same_stage_only_after_the_add(lint):
    assert found(lint, """
        FROM debian:bookworm-slim
        RUN tar -xzf /tmp/tool.tar.gz || true
        ADD https://example.com/tool.tar.gz /tmp/
    """) == []


def test_build_only_stage_is_free(lint):
    text = """
        FROM debian:bookworm-slim AS fetch
        ADD https://example.com/tool.tar.gz /tmp/
        RUN tar -xzf /tmp/tool.tar.gz -C /opt
        FROM debian:bookworm-slim
        COPY --from=fetch /opt/tool /opt/tool
    """
    assert found(lint, text) == []
    assert [d.span.line for d in found(lint, text, target="fetch")] == [2]


def test_inherited_stage(lint):
    assert len(found(lint, """
        FROM debian:bookworm-slim AS base
        ADD https://example.com/tool.tar.gz /tmp/
        FROM base
        RUN tar -xzf /tmp/tool.tar.gz -C /opt
    """)) == 1


def test_one_finding_per_add(lint):
    assert len(found(lint, """
        FROM debian:bookworm-slim
        ADD https://example.com/tool.tar.gz /tmp/
        RUN tar -xzf /tmp/tool.tar.gz -C /opt
        RUN rm /tmp/tool.tar.gz
    """)) == 1


def test_corpus(lint, corpus):
    for path in corpus:
        for diagnostic in found(lint, path.read_text(errors="replace")):
            assert diagnostic.properties["consumedAt"] > diagnostic.span.line, path


@pytest.mark.parametrize("source", ["https://example.com/tool.git#v1", "git@example.com:org/tool.git",
                                    "git://example.com/tool.git", "ssh://git@example.com/org/tool.git"])
def test_git_sources_classified_like_the_layer_model(lint, source):
    result = found(lint, f"""
        FROM golang:1.22
        ADD {source} /src/tool
        RUN cd /src/tool && go build -o /usr/local/bin/tool .
    """)
    assert len(result) == 1 and "git checkout" in result[0].message


# Wrappers that run the next word as the program; alone (no program after them) they must not break the replay.
WRAPPERS = ["env", "xargs", "sudo", "time", "nohup", "exec", "command", "sudo -u app", "env A=b", "xargs -r",
            "nice -n 5", "gosu app", "su-exec app", "doas", "stdbuf -oL", "ionice -c 3", "eatmydata"]


@pytest.mark.parametrize("wrapper", WRAPPERS)
def test_wrapper_without_a_program_next_to_add_url(lint, wrapper, tmp_path):
    text = f"""
        FROM debian:bookworm-slim
        ADD https://example.com/tool-1.2.tar.gz /tmp/
        RUN {wrapper}
        RUN {wrapper} && {wrapper} || true
    """
    assert found(lint, text) == []
    assert lint(text, select=("SL102", "SL103", "SL303", "SL301", "SL501"), context_dir=tmp_path) == []


@pytest.mark.parametrize("wrapper", WRAPPERS)
def test_wrapped_consumer_is_still_seen(lint, wrapper):
    result = found(lint, f"""
        FROM debian:bookworm-slim
        ADD https://example.com/tool-1.2.tar.gz /tmp/
        RUN {wrapper} tar -xzf /tmp/tool-1.2.tar.gz -C /opt
    """)
    assert [d.span.line for d in result] == [2]


# --- fix -----------------------------------------------------------------------------------------------------------

def test_fix_downloads_in_the_run_and_is_unsafe(fix):
    text = ("FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y curl\n"
            "ADD https://example.com/tool-1.2.tar.gz /tmp/\nRUN tar -xzf /tmp/tool-1.2.tar.gz -C /opt\n")
    assert fix(text, select="SL303") == text  # unsafe: only with --unsafe-fixes
    assert fix(text, select="SL303", unsafe=True) == (
        "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y curl\n"
        "RUN curl -fsSL -o /tmp/tool-1.2.tar.gz https://example.com/tool-1.2.tar.gz "
        "&& tar -xzf /tmp/tool-1.2.tar.gz -C /opt && rm -f /tmp/tool-1.2.tar.gz\n")


def test_fix_with_busybox_wget_keeps_the_existing_rm(fix):
    text = ("FROM alpine:3.20\nADD https://example.com/app.tgz /tmp/app.tgz\n"
            "RUN tar -xzf /tmp/app.tgz -C /opt \\\n && rm /tmp/app.tgz\n")
    assert fix(text, select="SL303", unsafe=True) == (
        "FROM alpine:3.20\nRUN wget -q -O /tmp/app.tgz https://example.com/app.tgz \\\n"
        " && tar -xzf /tmp/app.tgz -C /opt \\\n && rm /tmp/app.tgz\n")


@pytest.mark.parametrize("text", [
    # no downloader known in the stage (curl without CA certificates cannot fetch https)
    "FROM debian:bookworm-slim\nADD https://example.com/t.tgz /tmp/\nRUN tar -xzf /tmp/t.tgz -C /opt\n",
    "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y --no-install-recommends curl\n"
    "ADD https://example.com/t.tgz /tmp/\nRUN tar -xzf /tmp/t.tgz -C /opt\n",
    # --checksum is a verification the RUN would lose
    "FROM alpine\nADD --checksum=sha256:abc https://example.com/t.tgz /tmp/\nRUN tar -xzf /tmp/t.tgz -C /opt\n",
    # the RUN is not one && chain; another user; another instruction names the path
    "FROM alpine\nADD https://example.com/t.tgz /tmp/\nRUN tar -xzf /tmp/t.tgz -C /opt; echo done\n",
    "FROM alpine\nADD https://example.com/t.tgz /tmp/\nUSER app\nRUN tar -xzf /tmp/t.tgz -C /home/app\n",
    "FROM alpine\nADD https://example.com/t.tgz /tmp/\nRUN tar -xzf /tmp/t.tgz -C /opt\nRUN ls /tmp/t.tgz\n",
])
def test_no_fix(lint, text):
    fixes = [d.fix for d in lint(text) if d.rule_id == "SL303"]
    assert fixes and all(f.edits == () for f in fixes), text


@pytest.mark.parametrize("run", [
    "curl -fsSLo /tmp/node.tar.xz https://nodejs.org/node.tar.xz && tar -xJf /tmp/node.tar.xz -C /usr/local",
    "curl -fsSLo /tmp/node.tar.xz https://nodejs.org/node.tar.xz && tar -xJf /tmp/node.tar.xz -C /usr/local "
    "&& rm /tmp/node.tar.gz",
    "cd /tmp && wget -q https://example.com/tool_1.0_amd64.deb && dpkg -i tool_1.0_amd64.deb",
    "wget -O /opt/app.zip https://example.com/app.zip && unzip /opt/app.zip -d /opt && rm -rf /opt/app.ZIP",
])
def test_download_left_behind_in_the_run_that_consumed_it(lint, run):
    [finding] = found(lint, f"""
        FROM debian:bookworm-slim
        RUN {run}
    """)
    assert finding.span.line == 2 and "never deleted" in finding.message
    assert ("instead" in finding.message) is ("rm " in run)
    assert finding.fix.description.startswith("End the RUN with `&& rm /")


@pytest.mark.parametrize("run", [
    "curl -fsSLo /tmp/node.tar.xz https://nodejs.org/node.tar.xz && tar -xJf /tmp/node.tar.xz && rm /tmp/node.tar.xz",
    "curl -fsSL https://nodejs.org/node.tar.xz | tar -xJ -C /usr/local",
    "curl -fsSLo /tmp/x.tgz https://e.com/x.tgz && tar -xzf /tmp/x.tgz && rm -rf /tmp/*",
    "curl -fsSLo /usr/local/bin/kubectl https://dl.k8s.io/kubectl && chmod +x /usr/local/bin/kubectl",
    "curl -fsSLo /tmp/get-pip.py https://bootstrap.pypa.io/get-pip.py && python3 /tmp/get-pip.py",
    "curl -fsSLo x.tgz https://e.com/x.tgz",
    "wget https://e.com/x.tar.gz && tar -xzf x.tar.gz && mv x.tar.gz /srv/archive/",
    "curl -fsSLo /tmp/x.gz https://e.com/x.gz && gunzip /tmp/x.gz",
])
def test_downloads_deleted_streamed_or_kept_are_fine(lint, run):
    assert found(lint, f"FROM debian:bookworm-slim\nWORKDIR /src\nRUN {run}\n") == []


def test_download_left_behind_and_deleted_later_is_one_finding(lint):
    text = """
        FROM debian:bookworm-slim
        RUN curl -fsSLo /tmp/x.tgz https://e.com/x.tgz && tar -xzf /tmp/x.tgz -C /opt
        RUN rm -f /tmp/x.tgz
    """
    assert [(d.rule_id, d.span.line) for d in lint(text, select=(RULE, "SL102"))] == [(RULE, 2)]
    assert [(d.rule_id, d.span.line) for d in lint(text, select=("SL102",))] == [("SL102", 3)]


@pytest.mark.parametrize("dest,use", [
    ("/opt/models/", "python3 /app/warmup.py --model /opt/models/model.onnx"),
    ("/opt/app/", "java -jar /opt/app/app.jar --version"),
    ("/app/", "python /app/server.py --check"),
    ("/etc/pki/rpm-gpg/", "rpm --import /etc/pki/rpm-gpg/RPM-GPG-KEY"),
    ("/tmp/", "pip install -r /tmp/requirements.txt"),
    ("/usr/share/keyrings/", "gpg --dearmor /usr/share/keyrings/key.asc"),
])
def test_downloads_the_image_keeps_or_only_reads_are_not_consumed(lint, dest, use):
    url = {"/opt/models/": "model.onnx", "/opt/app/": "app.jar", "/app/": "server.py",
           "/etc/pki/rpm-gpg/": "RPM-GPG-KEY", "/tmp/": "requirements.txt", "/usr/share/keyrings/": "key.asc"}[dest]
    assert found(lint, f"""
        FROM python:3.12-slim
        ADD https://example.com/{url} {dest}
        RUN {use}
    """) == []


def test_message_names_the_path_the_download_gets(lint):
    [finding] = found(lint, """
        FROM debian:bookworm-slim
        WORKDIR /build
        ADD https://example.com/dl/tool-1.2.tar.gz?mirror=eu ./
        RUN tar -xzf tool-1.2.tar.gz
    """)
    assert "stores /build/tool-1.2.tar.gz " in finding.message


# -- Each promise of the docs end to end: a small Dockerfile, the finding expected (or not), the words promised


@pytest.mark.parametrize("form", SHELL_FORMS)
def test_every_shell_form(form):
    text = ("FROM alpine:3.20\nADD https://example.com/tool.tar.gz /tmp/tool.tar.gz\n"
            + form.format(cmd="tar -xzf /tmp/tool.tar.gz -C /opt") + "\n")
    assert finding_lines(text, "SL303") == [2], text


@pytest.mark.parametrize("form", CONDITIONAL_FORMS)
def test_extraction_that_may_not_run_is_not_a_consumption(form):
    text = ("FROM alpine:3.20\nARG X\nADD https://example.com/tool.tar.gz /tmp/tool.tar.gz\n"
            + form.format(cmd="tar -xzf /tmp/tool.tar.gz -C /opt") + "\n")
    assert finding_lines(text, "SL303") == [], text


@pytest.mark.parametrize("url,consumer", [
    ("http://example.com/tool.tar.gz", "tar -xzf /tmp/tool.tar.gz -C /opt"),
    ("https://example.com/tool.zip", "unzip /tmp/tool.zip -d /opt"),
    ("https://example.com/tool.rpm", "rpm -i /tmp/tool.rpm"),
    ("https://example.com/tool.deb", "apt-get install -y /tmp/tool.deb"),
    ("https://example.com/tool.tar.gz", "rm -f /tmp/tool.tar.gz"),
    ("https://example.com/tool.tar.gz", "rm -rf /tmp/tool.tar.gz /var/tmp/*"),
    ("https://example.com/tool.tar.xz", "tar -xJf /tmp/tool.tar.xz -C /usr/local --strip-components=1"),
])
def test_download_extracted_installed_or_deleted(url, consumer):
    name = url.rsplit("/", 1)[1]
    finding = single_finding(f"""
        FROM debian:bookworm-slim
        ADD {url} /tmp/{name}
        RUN {consumer}
    """, "SL303")
    assert finding.span.line == 2 and finding.severity == "warning"
    assert "line 3" in finding.message
    assert url in finding.message  # the fetch command to put in the consuming RUN


def test_relative_destination_under_workdir():
    assert finding_lines("""
        FROM debian:bookworm-slim
        WORKDIR /downloads
        ADD https://example.com/tool.tar.gz .
        RUN tar -xzf tool.tar.gz -C /opt && rm tool.tar.gz
    """, "SL303") == [3]


def test_git_url_built_and_deleted():
    finding = single_finding("""
        FROM debian:bookworm
        ADD https://github.com/example/tool.git#v1.0 /src/tool
        RUN make -C /src/tool install && rm -rf /src/tool
    """, "SL303")
    assert "git" in finding.message


def test_download_kept_as_is_or_local_add():
    assert finding_lines("""
        FROM debian:bookworm-slim
        ADD https://example.com/config.json /etc/app/config.json
        ADD app.tar.gz /opt/
        RUN cat /etc/app/config.json && tar -tzf /dev/null || true
        CMD ["/opt/app"]
    """, "SL303") == []

