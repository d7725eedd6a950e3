"""SL403 heavy-base-image: a smaller official variant exists; sizes from the offline table."""

import pytest

from dockerlint_slim.knowledge import official_tags
from dockerlint_slim.knowledge.base_images import MB, SIZES
from tests.rules.conftest import finding_lines, single_finding

RULE = "SL403"


APP = 'CMD ["/app/run"]\n'


def found(lint, text, **kwargs):
    return lint(text, select=(RULE,), **kwargs)


@pytest.mark.parametrize("image,suggested", [
    ("python:3.12", "python:3.12-slim"),
    ("docker.io/library/python:3.12-bookworm", "python:3.12-slim-bookworm"),
    ("node:20", "node:20-slim"),
    ("node:20-bookworm", "node:20-bookworm-slim"),
    ("debian:bookworm", "debian:bookworm-slim"),
    ("ruby:3.3", "ruby:3.3-slim"),
    ("nginx:1.27", "nginx:1.27-alpine"),
])
def test_heavy_bases(lint, image, suggested):
    result = found(lint, f"FROM {image}\nCOPY app /app\n" + APP)
    assert len(result) == 1
    assert f"`{suggested}`" in result[0].message and f"FROM {suggested}" in result[0].fix.description
    assert result[0].severity == "info"
    assert len(result[0].message) <= 160


def test_quotes_sizes_from_the_table(lint):
    result = found(lint, "FROM python:3.12\nCMD [\"python\", \"app.py\"]\n")[0]
    full, slim = SIZES[("python", "full")], SIZES[("python", "slim")]
    assert f"about {full[1]} MB" in result.message
    assert f"about {slim[1]} MB" in result.message and "estimated" in result.message
    assert result.wasted_bytes == (full[1] - slim[1]) * MB
    assert result.properties["estimate"]  # totals keep it apart from measured waste


@pytest.mark.parametrize("image", [
    "python:3.12-slim", "python:3.12-alpine3.20", "node:20-alpine", "debian:bookworm-slim", "ubuntu:24.04",
    "php:8.3-apache", "python:${PY}", "python@sha256:" + "a" * 64, "scratch", "example.com/python:3.12",
    "eclipse-temurin:21-jre",
])
def test_small_or_unknown_bases(lint, image):
    assert found(lint, f"FROM {image}\nCOPY app /app\n" + APP) == []


def test_compiler_bases_are_left_to_sl401(lint):
    assert found(lint, "FROM golang:1.22\nCMD [\"/app\"]\n") == []
    # a JDK that compiles Java needs SL401's multi-stage fix; one that only runs Java gets the JRE's size here
    assert found(lint, "FROM eclipse-temurin:21-jdk\nRUN ./mvnw package\nCMD [\"java\"]\n") == []
    jre = found(lint, "FROM eclipse-temurin:21-jdk\nCMD [\"java\", \"-jar\", \"/app.jar\"]\n")[0]
    assert "`eclipse-temurin:21-jre`" in jre.message
    # SL401 names the same JRE
    sl401 = lint("FROM eclipse-temurin:21-jdk\nCMD [\"java\", \"-jar\", \"/app.jar\"]\n", select=("SL401",))[0]
    assert sl401.properties["suggestedImage"] == jre.properties["suggestedImage"] == "eclipse-temurin:21-jre"
    text = "FROM node:20\nRUN npm ci && npm run build\nCMD [\"node\", \"dist/main.js\"]\n"
    assert found(lint, text) == []
    assert [d.rule_id for d in lint(text, select=("SL401",))] == ["SL401"]


def test_only_the_final_base_counts(lint):
    text = """
        FROM python:3.12 AS build
        RUN pip wheel -w /wheels flask
        CMD ["python", "-m", "flask", "run"]
        FROM python:3.12-slim
        COPY --from=build /wheels /wheels
        CMD ["python", "-m", "app"]
    """
    assert found(lint, text) == []
    assert [d.span.line for d in found(lint, text, target="build")] == [1]


def test_inherited_base_reported_at_the_root_from(lint):
    result = found(lint, """
        FROM node:20 AS base
        WORKDIR /app
        FROM base
        COPY . .
        CMD ["node", "index.js"]
    """)
    assert [d.span.line for d in result] == [1]


def test_min_saving_option(lint):
    assert found(lint, "FROM debian:bookworm\n" + APP, min_saving_mb=100) == []
    assert len(found(lint, "FROM debian:bookworm\n" + APP)) == 1


def test_arg_default_is_resolved(lint):
    result = found(lint, "ARG PY=3.12\nFROM python:${PY}\n" + APP)
    assert len(result) == 1 and "`python:3.12-slim`" in result[0].message
    assert found(lint, "ARG PY=3.12-slim\nFROM python:${PY}\n" + APP) == []


def test_onbuild_tags_have_no_smaller_twin(lint):
    # Real-world: `FROM node:onbuild` was told to use `node:onbuild-slim`, a tag that never existed.
    assert found(lint, 'FROM node:onbuild\nCMD ["npm", "start"]\n') == []
    assert found(lint, 'FROM python:3.6-onbuild\nCMD ["python", "app.py"]\n') == []


@pytest.mark.parametrize("image,suggested", [
    ("nginx:1.25-perl", "nginx:1.25-alpine-perl"),  # not 1.25-perl-alpine
    ("perl:5.38-threaded", "perl:5.38-slim-threaded"),  # not 5.38-threaded-slim
    ("openjdk:11-jdk-stretch", "eclipse-temurin:11-jre"),  # no Temurin tag for stretch was ever published
    ("debian", "debian:trixie-slim"),  # `latest` through its alias
    ("postgres:9.3", "postgres:9.3-alpine"),  # a past tag gets a past tag
])
def test_only_published_tags_are_suggested(lint, image, suggested):
    result = found(lint, f"FROM {image}\nCOPY app /app\n" + APP)
    assert len(result) == 1 and result[0].properties["suggestedImage"] == suggested
    name, tag = suggested.split(":")
    assert official_tags.tag_exists(name, tag)


@pytest.mark.parametrize("image", ["debian:bookworm-backports", "debian:%%TAG%%", "python:{{ .Tag }}",
                                   "node:onbuild", "php:8.3-apache"])
def test_no_suggestion_without_a_published_tag(lint, image):
    assert found(lint, f"FROM {image}\nCOPY app /app\n" + APP) == []


@pytest.mark.parametrize("run", [
    "apt-get update && apt-get install -y --no-install-recommends ghostscript",
    "dpkg -i /tmp/module.deb",
])
def test_no_alpine_for_a_file_that_uses_debian_tools(lint, run):
    # wordpress:php8.2-fpm, nextcloud, nginx's debian-perl: apt-get on an Alpine base fails the build
    for image in ("php:8.2-fpm", "nginx:1.27.4", "php:8.4-fpm-trixie"):
        assert found(lint, f"FROM {image}\nRUN {run}\n") == [], image
    # a glibc slim twin is still fine
    result = found(lint, f"FROM python:3.12\nRUN {run}\n" + APP)
    assert result[0].properties["suggestedImage"] == "python:3.12-slim"


def test_programs_the_slim_image_lacks_are_named(lint):
    # Kaixhin fglab: `git clone` on node, which node:slim does not have
    text = "FROM node\nRUN git clone https://github.com/Kaixhin/FGLab.git && cd FGLab && npm install\n"
    result = found(lint, text + 'ENTRYPOINT ["node", "lab"]\n')[0]
    assert result.properties["missingPrograms"] == ["git"]
    assert "`git`" in result.fix.description
    installed = "FROM node\nRUN apt-get update && apt-get install -y git && git clone x\nCMD [\"node\", \"lab\"]\n"
    assert found(lint, installed)[0].properties["missingPrograms"] == []


@pytest.mark.parametrize("text", [
    # dev containers, toolbox images and base images: no command of their own
    "FROM python:3-trixie\nRUN python3 -m pip install --upgrade setuptools\n",
    'FROM docker.io/library/debian:13\nLABEL com.github.containers.toolbox="true"\nRUN apt-get update\n',
    "FROM ruby:2\nRUN gem install github-pages\n",
    # development containers with a command
    'FROM node:24\nRUN apt-get update && apt-get install -y git\nCMD ["tail", "-f", "/dev/null"]\n',
    'FROM node:lts-buster\nCOPY . .\nRUN npm ci\nCMD ["npm", "run", "dev"]\n',
    'FROM python:3.12\nCMD ["python3"]\n',
    'FROM python:3.12\nCMD ["sleep", "infinity"]\n',
])
def test_development_and_base_images(lint, text):
    assert found(lint, text) == []


def test_service_base_without_a_command_is_checked(lint):
    # nginx's own command runs: the image is a web server
    assert len(found(lint, "FROM nginx:1.23\nCOPY nginx.conf /etc/nginx/conf.d/default.conf\n")) == 1


def test_corpus_messages_and_suggestions(lint, corpus):
    for path in corpus:
        for finding in found(lint, path.read_text(errors="replace")):
            assert "\n" not in finding.message and len(finding.message) <= 160, finding.message
            assert finding.fix and finding.properties["estimate"]
            name, tag = finding.properties["suggestedImage"].split(":")
            assert official_tags.tag_exists(name, tag), (path, finding.properties["suggestedImage"])


def test_no_alpine_for_the_debian_flavour_or_glibc_binaries(lint):
    from dockerlint_slim.engine import Linter, LintOptions
    from tests.rules.conftest import _RULES

    # nginx-proxy: Dockerfile.debian copies forego/docker-gen built for Debian (glibc) next to nginx
    text = """
        FROM docker.io/nginxproxy/forego:0.18.8-debian AS forego
        FROM docker.io/library/nginx:1.31.3
        COPY --from=forego /usr/local/bin/forego /usr/local/bin/forego
        CMD ["forego", "start", "-r"]
    """
    assert found(lint, text) == []
    plain = 'FROM nginx:1.27\nCOPY site /usr/share/nginx/html\nCMD ["nginx", "-g", "daemon off;"]\n'
    assert len(found(lint, plain)) == 1
    linter = Linter(_RULES, LintOptions(select=(RULE,)))
    assert linter.lint(plain, "Dockerfile.debian").diagnostics == []


def test_healthcheck_and_apt_key_needs_are_named(lint):
    text = """
        FROM node:20
        RUN apt-key adv --keyserver hkp://keyserver.ubuntu.com --recv-keys 0xABCDEF && npm ci
        HEALTHCHECK CMD curl --fail http://localhost:3000 || exit 1
        CMD ["node", "server.js"]
    """
    result = found(lint, text)[0]
    assert result.properties["missingPrograms"] == ["curl", "gnupg"]


# --- fix -----------------------------------------------------------------------------------------------------------

def test_fix_switches_to_the_published_slim_tag_keeping_the_registry(fix):
    text = 'FROM docker.io/library/python:3.12\nCOPY app.py /app/\nCMD ["python", "/app/app.py"]\n'
    assert fix(text, select="SL403") == text  # unsafe
    assert fix(text, select="SL403", unsafe=True) == text.replace("python:3.12\n", "python:3.12-slim\n")


def test_no_fix_for_alpine_missing_programs_or_digests(lint):
    for text in (
        'FROM nginx:1.25-perl\nCOPY site /usr/share/nginx/html\n',  # the smaller twin is an alpine tag
        'FROM python:3.12\nRUN git clone https://example.com/x /x\nCMD ["python", "/x/app.py"]\n',  # no git in slim
    ):
        hits = [d for d in lint(text) if d.rule_id == "SL403"]
        assert hits and hits[0].fix.edits == (), text


def test_a_shell_script_command_may_need_bash_on_alpine(lint):
    # kubernetes-engine-samples redis-follower: CMD /run.sh, a `#!/bin/bash` script; redis:alpine has no bash
    result = found(lint, "FROM redis:6.2.17\nADD run.sh /run.sh\nRUN chmod a+x /run.sh\nCMD /run.sh\n")[0]
    assert result.properties["suggestedImage"] == "redis:6.2.17-alpine"
    assert result.properties["missingPrograms"] == ["bash"] and "`bash`" in result.fix.description


# -- Each promise of the docs end to end: a small Dockerfile, the finding expected (or not), the words promised


@pytest.mark.parametrize("image,smaller", [
    ("python:3.12", "python:3.12-slim"),
    ("python:3.11-bookworm", "slim"),
    ("node:20", "node:20-"),
    ("debian:bookworm", "debian:bookworm-slim"),
    ("debian:12", "debian:12-slim"),
    ("eclipse-temurin:21-jdk", "eclipse-temurin:21-jre"),
    ("eclipse-temurin:17", "eclipse-temurin:17-jre"),
])
def test_smaller_official_variant_with_a_size_difference(image, smaller):
    finding = single_finding(f"""
        FROM {image}
        COPY app /app
        CMD ["/app/run"]
    """, "SL403")
    assert finding.severity == "info" and finding.span.line == 1
    assert smaller in finding.message
    assert "MB" in finding.message and "less" in finding.message
    assert finding.wasted_bytes and finding.wasted_bytes > 0


def test_jdk_running_a_jar_gets_the_jre_size_difference():
    finding = single_finding("""
        FROM eclipse-temurin:21-jdk
        COPY target/app.jar /app.jar
        ENTRYPOINT ["java", "-jar", "/app.jar"]
    """, "SL403")
    assert "jre" in finding.message and "MB" in finding.message


@pytest.mark.parametrize("image", ["python:3.12-slim", "node:20-alpine", "debian:bookworm-slim",
                                   "eclipse-temurin:21-jre", "node:20-slim"])
def test_already_small(image):
    assert finding_lines(f"FROM {image}\nCOPY app /app\n", "SL403") == []


@pytest.mark.parametrize("text", ["ARG PY=3.12\nFROM python:${PY}\n", "ARG PY\nFROM python:${PY:-3.12}\n",
                                  "ARG REG=docker.io\nFROM ${REG}/library/python:3.12\n"])
def test_arg_defaults_in_from(text):
    assert "`python:3.12-slim`" in single_finding(text + "CMD [\"python\", \"app.py\"]\n", "SL403").message


def test_only_the_final_base():
    text = """
        FROM python:3.12 AS build
        RUN pip wheel -w /wheels flask
        FROM debian:bookworm AS other
        FROM python:3.12-slim
        COPY --from=build /wheels /wheels
    """
    assert finding_lines(text, "SL403") == []

