"""The layer and base-image rules (SL102, SL103, SL303, SL401, SL403, SL404) end to end: for each promise of their
docs, a small Dockerfile, the rule id expected (or not) and the words the message promises. Cases already covered
in the per-rule test modules are not repeated."""

from __future__ import annotations

import json
import textwrap

import pytest
from click.testing import CliRunner

from dockerlint_slim.cli import cli as main
from tests.rules.conftest import run_lint


def ids(text: str, rule: str, **kwargs) -> list[int]:
    """Lines of `rule`'s findings on `text`."""
    return [d.span.line for d in run_lint(text, select=(rule,), **kwargs)]


def one(text: str, rule: str, **kwargs):
    found = run_lint(text, select=(rule,), **kwargs)
    assert len(found) == 1, [d.message for d in found]
    return found[0]


# -- "Where they apply": the target stage and the stages it is built FROM, transitively -----------------------


def test_rules_follow_from_chains_transitively():
    text = """
        FROM debian:bookworm AS base
        RUN apt-get update && apt-get install -y curl
        COPY app /app
        ADD https://example.com/tool.tar.gz /tmp/
        FROM base AS middle
        RUN echo middle
        FROM middle AS final
        RUN rm -rf /var/lib/apt/lists/*
        RUN chown -R 1000 /app
        RUN tar -xzf /tmp/tool.tar.gz -C /opt
    """
    assert ids(text, "SL102") == [8]
    assert ids(text, "SL103") == [9]
    assert ids(text, "SL303") == [4]


def test_build_only_stage_copied_from_is_not_checked_but_target_is():
    text = """
        FROM debian:bookworm AS build
        RUN apt-get update && apt-get install -y gcc
        COPY src /src
        ADD https://example.com/tool.tar.gz /tmp/
        RUN rm -rf /var/lib/apt/lists/* && chown -R 1000 /src && tar -xzf /tmp/tool.tar.gz -C /opt
        FROM debian:bookworm-slim
        COPY --from=build /opt /opt
        CMD ["/opt/tool"]
    """
    for rule in ("SL102", "SL103", "SL303"):
        assert ids(text, rule) == [], rule
        assert ids(text, rule, target="build") != [], rule


# One cleanup / modification / consumption command, written in every way the shell model reads.
FORMS = [
    "RUN {cmd}",
    'RUN ["/bin/sh", "-c", "{cmd}"]',
    "RUN <<EOF\n{cmd}\nEOF",
    "RUN sh -c '{cmd}'",
    "RUN true && {cmd}",
    "RUN true; {cmd}",
    "RUN false || {cmd}",
    "RUN if [ -d / ]; then {cmd}; fi",
    "RUN (cd / && {cmd})",
    "RUN set -eux; \\\n    true \\\n    && {cmd}",
    "ONBUILD RUN {cmd}",
]


@pytest.mark.parametrize("form", FORMS)
def test_sl102_every_shell_form(form):
    text = "FROM alpine:3.20\nCOPY big.tar /big.tar\n" + form.format(cmd="rm /big.tar") + "\n"
    assert len(ids(text, "SL102")) == 1, text


@pytest.mark.parametrize("form", FORMS)
def test_sl103_every_shell_form(form):
    text = "FROM alpine:3.20\nCOPY app /app\n" + form.format(cmd="chown -R 1000:1000 /app") + "\n"
    assert len(ids(text, "SL103")) == 1, text


@pytest.mark.parametrize("form", FORMS)
def test_sl303_every_shell_form(form):
    text = ("FROM alpine:3.20\nADD https://example.com/tool.tar.gz /tmp/tool.tar.gz\n"
            + form.format(cmd="tar -xzf /tmp/tool.tar.gz -C /opt") + "\n")
    assert ids(text, "SL303") == [2], text


def test_exec_form_without_a_shell():
    assert len(ids('FROM alpine:3.20\nCOPY big.tar /big.tar\nRUN ["rm", "-f", "/big.tar"]\n', "SL102")) == 1
    assert len(ids('FROM alpine:3.20\nCOPY app /app\nRUN ["chown", "-R", "1000", "/app"]\n', "SL103")) == 1


# -- SL102 cleanup-in-later-layer ----------------------------------------------------------------------------


def test_sl102_rm_of_a_copied_file_names_the_copy_and_says_to_clean_up_there():
    finding = one("""
        FROM debian:bookworm-slim
        COPY big.tar /big.tar
        RUN rm /big.tar
    """, "SL102")
    assert finding.span.line == 3
    assert finding.severity == "warning"
    assert "line 2" in finding.message and "COPY" in finding.message
    assert "stay" in finding.message  # it saves nothing: the bytes stay in the COPY's layer


def test_sl102_rm_of_a_file_a_run_made_names_that_run():
    finding = one("""
        FROM debian:bookworm-slim
        RUN curl -fsSL -o /big.tar https://example.com/big.tar
        RUN echo unrelated
        RUN rm /big.tar
    """, "SL102")
    assert finding.span.line == 4 and "line 2" in finding.message


def test_sl102_rm_rf_of_files_an_earlier_run_extracted():
    assert ids("""
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
def test_sl102_package_manager_cleanups_in_their_own_layer(install, clean):
    image = "rockylinux:9" if "yum" in install or "dnf" in install else "debian:bookworm"
    finding = one(f"""
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
def test_sl102_base_image_tweaks_are_not_reported(tweak):
    assert ids(f"FROM nginx:1.27\nRUN {tweak}\n", "SL102") == []
    assert ids(f"FROM debian:bookworm\nCOPY app /app\nRUN {tweak}\n", "SL102") == []


def test_sl102_cleanup_in_the_same_run_is_fine():
    assert ids("""
        FROM debian:bookworm-slim
        RUN curl -fsSL -o /tmp/big.tar https://example.com/big.tar && tar -xf /tmp/big.tar -C /opt && rm /tmp/big.tar
        RUN apt-get update && apt-get install -y --no-install-recommends curl && apt-get clean \\
            && rm -rf /var/lib/apt/lists/*
    """, "SL102") == []


def test_sl102_build_only_stage_then_copy_from_is_fine():
    assert ids("""
        FROM debian:bookworm AS build
        COPY big.tar /big.tar
        RUN rm /big.tar
        FROM debian:bookworm-slim
        COPY --from=build /etc/os-release /etc/os-release
    """, "SL102") == []


# -- SL103 modified-in-later-layer ---------------------------------------------------------------------------


@pytest.mark.parametrize("change,words", [
    ("chown -R app:app /app", "--chown=app:app"),
    ("chown app /app/run.sh", "--chown=app"),
    ("chmod -R 755 /app", "--chmod=755"),
    ("chmod 755 /app/run.sh", "--chmod=755"),
    ("chmod -R g+w /app", "--chmod"),
])
def test_sl103_ownership_and_mode_changes_of_copied_files_suggest_copy_flags(change, words):
    finding = one(f"""
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
def test_sl103_other_rewrites_of_copied_files(change):
    finding = one(f"""
        FROM debian:bookworm-slim
        COPY app /app
        RUN {change}
    """, "SL103")
    assert finding.span.line == 3 and "line 2" in finding.message


def test_sl103_mv_suggests_copying_to_the_final_path():
    finding = one("""
        FROM debian:bookworm-slim
        COPY run.sh /tmp/run.sh
        RUN mv /tmp/run.sh /usr/local/bin/run.sh
    """, "SL103")
    assert "/usr/local/bin/run.sh" in finding.message or "final path" in finding.message


@pytest.mark.parametrize("change", ["chown -R 1000 /opt/tool", "chmod -R a+rX /opt/tool",
                                    "sed -i s/x/y/ /opt/tool/conf.ini", "mv /opt/tool /opt/tool2",
                                    "touch /opt/tool/conf.ini"])
def test_sl103_files_an_earlier_run_added(change):
    assert ids(f"""
        FROM debian:bookworm-slim
        RUN curl -fsSL https://example.com/tool.tgz | tar -xz -C /opt/tool \\
            && curl -fsSL -o /opt/tool/conf.ini https://example.com/conf.ini
        RUN {change}
    """, "SL103") == [4]


def test_sl103_file_written_by_a_redirection_then_edited():
    assert ids("""
        FROM debian:bookworm-slim
        RUN printf 'listen=80' > /etc/app.conf
        RUN sed -i s/80/8080/ /etc/app.conf
    """, "SL103") == [3]


def test_sl103_nothing_for_copy_with_flags_or_base_files():
    assert ids("""
        FROM debian:bookworm-slim
        COPY --chown=1000:1000 --chmod=755 app /app
        RUN chown -R www-data /var/www && chmod 640 /etc/shadow && sed -i s/a/b/ /etc/apt/sources.list
    """, "SL103") == []


# -- SL303 remote-add-consumed -------------------------------------------------------------------------------


@pytest.mark.parametrize("url,consumer", [
    ("http://example.com/tool.tar.gz", "tar -xzf /tmp/tool.tar.gz -C /opt"),
    ("https://example.com/tool.zip", "unzip /tmp/tool.zip -d /opt"),
    ("https://example.com/tool.rpm", "rpm -i /tmp/tool.rpm"),
    ("https://example.com/tool.deb", "apt-get install -y /tmp/tool.deb"),
    ("https://example.com/tool.tar.gz", "rm -f /tmp/tool.tar.gz"),
    ("https://example.com/tool.tar.gz", "rm -rf /tmp/tool.tar.gz /var/tmp/*"),
    ("https://example.com/tool.tar.xz", "tar -xJf /tmp/tool.tar.xz -C /usr/local --strip-components=1"),
])
def test_sl303_download_extracted_installed_or_deleted(url, consumer):
    name = url.rsplit("/", 1)[1]
    finding = one(f"""
        FROM debian:bookworm-slim
        ADD {url} /tmp/{name}
        RUN {consumer}
    """, "SL303")
    assert finding.span.line == 2 and finding.severity == "warning"
    assert "line 3" in finding.message
    assert url in finding.message  # the fetch command to put in the consuming RUN


def test_sl303_relative_destination_under_workdir():
    assert ids("""
        FROM debian:bookworm-slim
        WORKDIR /downloads
        ADD https://example.com/tool.tar.gz .
        RUN tar -xzf tool.tar.gz -C /opt && rm tool.tar.gz
    """, "SL303") == [3]


def test_sl303_git_url_built_and_deleted():
    finding = one("""
        FROM debian:bookworm
        ADD https://github.com/example/tool.git#v1.0 /src/tool
        RUN make -C /src/tool install && rm -rf /src/tool
    """, "SL303")
    assert "git" in finding.message


def test_sl303_download_kept_as_is_or_local_add():
    assert ids("""
        FROM debian:bookworm-slim
        ADD https://example.com/config.json /etc/app/config.json
        ADD app.tar.gz /opt/
        RUN cat /etc/app/config.json && tar -tzf /dev/null || true
        CMD ["/opt/app"]
    """, "SL303") == []


# -- SL401 compiler-base-final-image -------------------------------------------------------------------------

RUNTIME_WORDS = ("scratch", "distroless", "alpine", "slim", "jre", "runtime")


@pytest.mark.parametrize("image,build", [
    ("golang:1.22", "go build -o /out/app ."),
    ("rust:1.79", "cargo build --release"),
    ("gcc:14", "gcc -O2 -o /out/app main.c"),
    ("maven:3.9-eclipse-temurin-21", "mvn -B package"),
    ("gradle:8.7-jdk21", "gradle build"),
    ("eclipse-temurin:17-jdk", "./mvnw package"),
    ("eclipse-temurin:21-jdk-jammy", "javac Main.java"),
    ("openjdk:17-jdk-slim", "javac Main.java"),
    ("mcr.microsoft.com/dotnet/sdk:8.0", "dotnet publish -c Release -o /out"),
    ("swift:5.10", "swift build -c release"),
    ("haskell:9.8", "stack build"),
    ("buildpack-deps:bookworm", "make"),
])
def test_sl401_every_listed_compiler_base(image, build):
    finding = one(f"""
        FROM {image}
        WORKDIR /src
        COPY . .
        RUN {build}
        CMD ["/out/app"]
    """, "SL401")
    assert finding.span.line == 1 and finding.severity == "warning"
    assert any(word in finding.fix.description for word in RUNTIME_WORDS), finding.fix.description


@pytest.mark.parametrize("image", ["golang:1.22", "rust:1.79", "mcr.microsoft.com/dotnet/sdk:8.0"])
def test_sl401_without_cmd_but_with_a_build(image):
    """The sentence has no exception for a missing CMD: an image that compiles its program on a compiler base
    ships the compiler, whatever starts it."""
    build = {"golang": "go build -o /usr/local/bin/app .", "rust": "cargo build --release",
             "mcr.microsoft.com/dotnet/sdk": "dotnet publish -c Release -o /app"}[image.split(":")[0]]
    assert ids(f"""
        FROM {image}
        WORKDIR /src
        COPY . .
        RUN {build}
    """, "SL401") == [1]


def test_sl401_names_the_artifact_and_a_runtime_base():
    finding = one("""
        FROM golang:1.22
        WORKDIR /src
        COPY . .
        RUN CGO_ENABLED=0 go build -o /bin/server ./cmd/server
        ENTRYPOINT ["/bin/server"]
    """, "SL401")
    assert "/bin/server" in finding.fix.description  # the advice is the finding's fix, its message stays short
    assert "Build in a stage of its own" in finding.fix.description
    assert "MB" in finding.message  # the cost


@pytest.mark.parametrize("from_line", [
    "ARG GO=1.22\nFROM golang:${GO}",
    "ARG IMG=golang:1.22\nFROM ${IMG}",
    "ARG REG=docker.io/library\nFROM ${REG}/golang:1.22",
    "ARG GO=1.22\nFROM golang:${GO}-alpine",
    "FROM docker.io/library/golang:1.22",
    "FROM docker.io/golang:1.22",
    "FROM index.docker.io/library/golang:1.22",
    "FROM mirror.gcr.io/library/golang:1.22",
    "FROM public.ecr.aws/docker/library/golang:1.22",
    "FROM registry.example.com/library/golang:1.22",  # a private Docker Hub mirror keeps `library/`
    "FROM harbor.example.com:8443/dockerhub/library/golang:1.22",
    "FROM golang:1.22@sha256:" + "a" * 64,
    "FROM --platform=$BUILDPLATFORM golang:1.22",
])
def test_sl401_resolves_arg_defaults_and_registry_prefixes(from_line):
    text = from_line + "\nCOPY . /src\nRUN cd /src && go build -o /app .\nCMD [\"/app\"]\n"
    assert len(ids(text, "SL401")) == 1, text


@pytest.mark.parametrize("image", ["registry.example.com/golang:1.22", "ghcr.io/acme/golang:1.22",
                                   "acme/library/golang:1.22", "ghcr.io/library/golang:1.22"])
def test_sl401_unknown_repositories_are_not_guessed(image):
    assert ids(f"FROM {image}\nRUN go build -o /app .\nCMD [\"/app\"]\n", "SL401") == []


def test_sl401_inheritance_through_two_stages():
    finding = one("""
        FROM golang:1.22 AS build
        RUN go build -o /out/app .
        FROM build AS test
        RUN go test ./...
        FROM test AS final
        CMD ["/out/app"]
    """, "SL401")
    assert finding.span.line == 5
    assert "golang" in finding.message


@pytest.mark.parametrize("final", [
    "FROM scratch", "FROM gcr.io/distroless/static-debian12", "FROM alpine:3.20", "FROM debian:bookworm-slim",
    "FROM eclipse-temurin:21-jre", "FROM mcr.microsoft.com/dotnet/runtime:8.0",
    "FROM mcr.microsoft.com/dotnet/aspnet:8.0", "FROM node:20-slim",
])
def test_sl401_multi_stage_with_a_small_final_base_is_fine(final):
    assert ids(f"""
        FROM golang:1.22 AS build
        RUN go build -o /out/app .
        {final}
        COPY --from=build /out/app /app
        CMD ["/app"]
    """, "SL401") == []


def test_sl401_node_needs_a_build_step_in_the_final_stage():
    assert ids("""
        FROM node:20
        WORKDIR /app
        COPY . .
        RUN npm ci && npm run build
        CMD ["node", "dist/index.js"]
    """, "SL401") == [1]
    assert ids("""
        FROM node:20
        WORKDIR /app
        COPY . .
        RUN npm ci --omit=dev
        CMD ["node", "index.js"]
    """, "SL401") == []
    # the build in a build-only stage, the final stage only runs the output
    assert ids("""
        FROM node:20 AS build
        WORKDIR /app
        COPY . .
        RUN npm ci && npm run build
        FROM node:20-slim
        COPY --from=build /app/dist /app/dist
        CMD ["node", "/app/dist/index.js"]
    """, "SL401") == []


@pytest.mark.parametrize("form", ['RUN ["npm", "run", "build"]', "RUN <<EOF\nnpm ci\nnpm run build\nEOF",
                                  "RUN npm ci \\\n && npm run build"])
def test_sl401_node_build_step_in_any_form(form):
    assert ids("FROM node:20\nWORKDIR /app\nCOPY . .\n" + form + "\nCMD [\"node\", \"dist/index.js\"]\n",
               "SL401") == [1]


def test_sl401_target_flag_on_the_command_line(tmp_path):
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(textwrap.dedent("""\
        FROM golang:1.22 AS build
        RUN go build -o /out/app .
        CMD ["/out/app"]
        FROM gcr.io/distroless/static-debian12
        COPY --from=build /out/app /app
        CMD ["/app"]
    """))
    runner = CliRunner()
    plain = runner.invoke(main, ["check", str(dockerfile), "--format", "json", "--select", "SL401"])
    targeted = runner.invoke(main, ["check", str(dockerfile), "--format", "json", "--select", "SL401",
                                    "--target", "build"])
    assert [f["rule_id"] for f in json.loads(plain.output)["findings"]] == []
    assert [(f["rule_id"], f["line"]) for f in json.loads(targeted.output)["findings"]] == [("SL401", 1)]


# -- SL403 heavy-base-image ----------------------------------------------------------------------------------


@pytest.mark.parametrize("image,smaller", [
    ("python:3.12", "python:3.12-slim"),
    ("python:3.11-bookworm", "slim"),
    ("node:20", "node:20-"),
    ("debian:bookworm", "debian:bookworm-slim"),
    ("debian:12", "debian:12-slim"),
    ("eclipse-temurin:21-jdk", "eclipse-temurin:21-jre"),
    ("eclipse-temurin:17", "eclipse-temurin:17-jre"),
])
def test_sl403_smaller_official_variant_with_a_size_difference(image, smaller):
    finding = one(f"""
        FROM {image}
        COPY app /app
        CMD ["/app/run"]
    """, "SL403")
    assert finding.severity == "info" and finding.span.line == 1
    assert smaller in finding.message
    assert "MB" in finding.message and "less" in finding.message
    assert finding.wasted_bytes and finding.wasted_bytes > 0


def test_sl403_jdk_running_a_jar_gets_the_jre_size_difference():
    finding = one("""
        FROM eclipse-temurin:21-jdk
        COPY target/app.jar /app.jar
        ENTRYPOINT ["java", "-jar", "/app.jar"]
    """, "SL403")
    assert "jre" in finding.message and "MB" in finding.message


@pytest.mark.parametrize("image", ["python:3.12-slim", "node:20-alpine", "debian:bookworm-slim",
                                   "eclipse-temurin:21-jre", "node:20-slim"])
def test_sl403_already_small(image):
    assert ids(f"FROM {image}\nCOPY app /app\n", "SL403") == []


@pytest.mark.parametrize("text", ["ARG PY=3.12\nFROM python:${PY}\n", "ARG PY\nFROM python:${PY:-3.12}\n",
                                  "ARG REG=docker.io\nFROM ${REG}/library/python:3.12\n"])
def test_sl403_arg_defaults_in_from(text):
    assert "`python:3.12-slim`" in one(text + "CMD [\"python\", \"app.py\"]\n", "SL403").message


def test_sl403_only_the_final_base():
    text = """
        FROM python:3.12 AS build
        RUN pip wheel -w /wheels flask
        FROM debian:bookworm AS other
        FROM python:3.12-slim
        COPY --from=build /wheels /wheels
    """
    assert ids(text, "SL403") == []


# -- SL404 copy-entire-stage ---------------------------------------------------------------------------------


@pytest.mark.parametrize("copy", ["COPY --from=build / /", "COPY --from=build / /opt/root/",
                                  "COPY --from=build /. /", "COPY --from=0 / /"])
def test_sl404_whole_stage_copies(copy):
    finding = one(f"""
        FROM golang:1.22 AS build
        WORKDIR /src
        COPY . .
        RUN go build -o /out/app .
        FROM debian:bookworm-slim
        {copy}
        CMD ["/out/app"]
    """, "SL404")
    assert finding.span.line == 6 and finding.severity == "warning"
    assert "build" in finding.message and "/out/app" in finding.fix.description


def test_sl404_whole_build_tree():
    assert ids("""
        FROM golang:1.22 AS build
        WORKDIR /src
        COPY . .
        RUN go build -o /src/bin/app ./cmd/app
        FROM debian:bookworm-slim
        COPY --from=build /src /src
        CMD ["/src/bin/app"]
    """, "SL404") == [6]


def test_sl404_precise_copies_and_build_only_stages_are_fine():
    text = """
        FROM golang:1.22 AS build
        WORKDIR /src
        COPY . .
        RUN go build -o /out/app .
        FROM debian:bookworm-slim AS debug
        COPY --from=build / /
        FROM gcr.io/distroless/static-debian12
        COPY --from=build /out/app /app
        CMD ["/app"]
    """
    assert ids(text, "SL404") == []
    assert ids(text, "SL404", target="debug") == [6]


# -- docs, names and severities of the rules -----------------------------------------------------------------

RULES = {
    "SL102": ("cleanup-in-later-layer", "warning"),
    "SL103": ("modified-in-later-layer", "warning"),
    "SL303": ("remote-add-consumed", "warning"),
    "SL401": ("compiler-base-final-image", "warning"),
    "SL403": ("heavy-base-image", "info"),
    "SL404": ("copy-entire-stage", "warning"),
}


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_rule_names_severities_and_docs(rule_id):
    from dockerlint_slim.engine.registry import load_rules

    rule = {r.id: r for r in load_rules(plugins=False)}[rule_id]
    name, severity = RULES[rule_id]
    assert (rule.name, rule.severity) == (name, severity)
    result = CliRunner().invoke(main, ["rules", rule_id])
    assert result.exit_code == 0
    for part in ("Why is this bad?", "Example", "Use instead", "```dockerfile"):
        assert part in result.output, (rule_id, part)
    by_name = CliRunner().invoke(main, ["rules", name])
    assert by_name.exit_code == 0 and rule_id in by_name.output


def test_sl404_docs_name_the_hadolint_overlap():
    result = CliRunner().invoke(main, ["rules", "SL404"])
    assert "DL3067" in result.output or "hadolint" in result.output.lower()


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_select_by_name_on_the_command_line(rule_id, tmp_path):
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text("FROM alpine:3.20\nCOPY app /app\n")
    result = CliRunner().invoke(main, ["check", str(dockerfile), "--select", RULES[rule_id][0], "--format", "json"])
    assert result.exit_code in (0, 1), result.output
