"""SL401 compiler-base-final-image."""

import json
import textwrap

import pytest
from click.testing import CliRunner

from dockerlint_slim.cli import cli as main
from dockerlint_slim.knowledge import official_tags
from tests.rules.conftest import finding_lines, single_finding

RULE = "SL401"


def found(lint, text, **kwargs):
    return lint(text, select=(RULE,), **kwargs)


def one(lint, text, **kwargs):
    result = found(lint, text, **kwargs)
    assert len(result) == 1, [d.message for d in result]
    return result[0]


@pytest.mark.parametrize("image", [
    "golang:1.22", "docker.io/library/golang:1.22-bookworm", "index.docker.io/library/rust:1.79",
    "mirror.gcr.io/library/gcc:14", "public.ecr.aws/docker/library/maven:3.9-eclipse-temurin-21",
    "gradle:8-jdk21", "eclipse-temurin:21-jdk", "eclipse-temurin:21", "openjdk:17",
    "mcr.microsoft.com/dotnet/sdk:8.0", "swift:5.10", "haskell:9", "buildpack-deps:bookworm",
])
def test_compiler_images(lint, image):
    result = found(lint, f"""
        FROM {image}
        COPY . /src
        RUN make
        CMD ["/src/app"]
    """)
    assert len(result) == 1, image
    assert result[0].span.line == 1
    assert len(result[0].message) <= 160, result[0].message


@pytest.mark.parametrize("image", [
    "eclipse-temurin:21-jre", "openjdk:8-jre-alpine", "swift:5.10-slim", "buildpack-deps:bookworm-scm",
    "buildpack-deps:bookworm-curl", "mcr.microsoft.com/dotnet/aspnet:8.0", "debian:bookworm-slim",
    "gcr.io/distroless/static-debian12", "node:20", "python:3.12", "mygolang:1.22", "registry.example.com/golang:1",
])
def test_runtime_images(lint, image):
    assert found(lint, f"""
        FROM {image}
        COPY app /app
        CMD ["/app"]
    """) == []


def test_arg_default_in_from(lint):
    result = one(lint, """
        ARG GO_VERSION=1.22
        ARG BASE=golang
        FROM ${BASE}:${GO_VERSION}
        RUN go build -o /usr/local/bin/server ./cmd/server
        ENTRYPOINT ["/usr/local/bin/server"]
    """)
    assert "`golang:1.22`" in result.message
    assert "COPY --from=build /usr/local/bin/server /usr/local/bin/server" in result.fix.description
    assert "FROM gcr.io/distroless/static-debian12" in result.fix.description
    assert "FROM golang:1.22 AS build" in result.fix.description


def test_stage_inheritance(lint):
    result = one(lint, """
        FROM golang:1.22 AS build
        WORKDIR /src
        COPY . .
        RUN go build -o /out/app .
        FROM build AS final
        CMD ["/out/app"]
    """)
    assert result.span.line == 5
    assert "through stage `build`" in result.message
    assert "instead of `FROM build`" in result.fix.description
    assert "`COPY --from=build /out/app /out/app`" in result.fix.description


def test_multi_stage_with_runtime_base_is_fine_and_target_counts(lint):
    text = """
        FROM golang:1.22 AS build
        RUN go build -o /out/app .
        CMD ["/out/app"]
        FROM gcr.io/distroless/static-debian12
        COPY --from=build /out/app /app
        CMD ["/app"]
    """
    assert found(lint, text) == []
    assert [d.span.line for d in found(lint, text, target="build")] == [1]


def test_node_only_with_a_build_step(lint):
    text = """
        FROM node:20
        WORKDIR /app
        COPY . .
        RUN npm ci && {step}
        CMD ["node", "dist/server.js"]
    """
    for step in ("npm run build", "yarn build", "pnpm run build:prod", "npx tsc -p .", "npx vite build"):
        result = found(lint, text.format(step=step))
        assert len(result) == 1, step
        assert "runs `" in result[0].message
    for step in ("npm test", "npm run lint", "yarn install --frozen-lockfile", "npm ci --omit=dev"):
        assert found(lint, text.format(step=step)) == [], step


def test_jdk_without_java_build_gets_jre_advice(lint):
    result = one(lint, """
        FROM openjdk:8-alpine
        RUN wget -O /opt/zk.tgz https://example.com/zk.tgz
        CMD ["/opt/zk/bin/zkServer.sh", "start-foreground"]
    """)
    assert "a JRE is likely enough" in result.message and "compiles no Java here" in result.message
    assert "Unless the program uses the JDK at run time" in result.fix.description
    assert "FROM eclipse-temurin:8-jre-alpine" in result.fix.description
    assert "multi-stage" not in result.fix.description and "AS build" not in result.fix.description


def test_jlink_is_named_only_for_java_9_and_later(lint):
    cmd = 'CMD ["java", "-jar", "/app.jar"]'
    eight = one(lint, f"FROM openjdk:8-jdk\nCOPY app.jar /app.jar\n{cmd}\n")
    seventeen = one(lint, f"FROM eclipse-temurin:17-jdk\nRUN javac Main.java\n{cmd}\n")
    assert "jlink" not in eight.message + eight.fix.description
    from dockerlint_slim.knowledge.base_images import compiler_family, parse_image
    assert "jlink" not in compiler_family(parse_image("openjdk:8u212-jdk")).what
    assert "jlink" in compiler_family(parse_image("eclipse-temurin:17-jdk")).what
    assert "javac" in seventeen.fix.description or "build" in seventeen.fix.description


def test_maven_build_names_the_jar(lint):
    result = one(lint, """
        FROM maven:3.9-eclipse-temurin-21
        WORKDIR /app
        COPY . .
        RUN mvn -B package
        ENTRYPOINT ["java", "-jar", "target/app.jar"]
    """)
    assert "/app/target/*.jar" in result.fix.description
    assert "FROM eclipse-temurin:21-jre" in result.fix.description


@pytest.mark.parametrize("cmd", ['CMD ["python3"]', "CMD bash", ""])
def test_toolchain_images_are_not_reported(lint, cmd):
    assert found(lint, f"""
        FROM buildpack-deps:bookworm
        RUN ./configure && make && make install
        {cmd}
    """) == []


def test_unresolved_base_is_skipped(lint):
    assert found(lint, """
        ARG BASE
        FROM ${BASE}
        CMD ["/app"]
    """) == []


# -- images whose toolchain is their purpose (real-world false positives) ---------------------------------------


@pytest.mark.parametrize("cmd", [
    'CMD ["pypy3"]', 'CMD ["python2"]', "CMD python3.11", 'CMD ["/usr/local/bin/python3"]', 'CMD ["node"]',
    'CMD ["irb"]', 'CMD ["ghci"]', 'CMD ["jshell"]', 'CMD "/bin/bash"', 'CMD ["bash", "-l"]',
    # the docker-library entrypoint script passes the interpreter through (`exec "$@"`)
    'ENTRYPOINT ["docker-entrypoint.sh"]\nCMD ["node"]', 'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]\nCMD ["python3"]',
])
def test_interpreter_images_on_buildpack_deps_are_the_product(lint, cmd):
    # pypy, python 2 and node images are built on buildpack-deps: the interpreter is the product
    assert found(lint, f"""
        FROM buildpack-deps:bookworm
        RUN curl -fsSL https://downloads.python.org/pypy/pypy3.10.tar.bz2 | tar -xj -C /opt
        {cmd}
    """) == []


@pytest.mark.parametrize("image,command", [
    ("gradle:8-jdk21", 'CMD ["gradle", "bootRun"]'),
    ("gradle:8-jdk21", "CMD gradle build --continuous"),
    ("maven:3.9-eclipse-temurin-21", 'CMD ["mvn", "spring-boot:run"]'),
    ("eclipse-temurin:21-jdk", 'ENTRYPOINT ["./gradlew", "run"]'),
    ("eclipse-temurin:21-jdk", 'CMD ["./mvnw", "quarkus:dev"]'),
    ("golang:1.22", 'ENTRYPOINT ["goreleaser"]'),
    ("golang:1.22", 'CMD ["go", "run", "./cmd/server"]'),
    ("golang:windowsservercore", "CMD go get github.com/docker/distribution/cmd/registry"),
    ("mcr.microsoft.com/dotnet/sdk:7.0", 'ENTRYPOINT ["dotnet", "run", "--no-build", "-c", "Debug", "--"]'),
    ("mcr.microsoft.com/dotnet/sdk:8.0", 'ENTRYPOINT ["dotnet", "watch", "run"]'),
    ("rust:1.79", 'CMD ["cargo", "run", "--release"]'),
    ("gcc:14", 'CMD ["make", "test"]'),
    ("swift:5.10", 'CMD ["swift", "run"]'),
    ("golang:1.22", 'ENTRYPOINT ["/sbin/tini", "--", "make"]'),
    ("golang:1.22", "CMD sh -c 'cd /src && go test ./...'"),
])
def test_images_whose_command_is_a_build_tool(lint, image, command):
    # no "run on a JRE" advice either: gradle and maven need the JDK to run
    assert found(lint, f"""
        FROM {image}
        WORKDIR /src
        COPY . .
        RUN go build ./... || true
        {command}
    """) == []


@pytest.mark.parametrize("command", [
    'ENTRYPOINT ["/scripts/entrypoint.sh"]\nCMD ["tail", "-f", "/dev/null"]',
    'CMD ["sleep", "infinity"]',
    "CMD sleep 86400",
    'CMD ["/bin/sh", "-c", "while true; do sleep 1000; done"]',
    'ENTRYPOINT ["/usr/local/bin/dev-entrypoint.sh"]',
    'ENTRYPOINT ["./entrypoint.dev.sh"]',
    'ENTRYPOINT ["bash", "/ci/run-ci.sh"]',
    'CMD ["/bin/bash", "ci/test.sh"]',
])
def test_development_and_ci_images(lint, command):
    assert found(lint, f"""
        FROM golang:1-bullseye
        COPY scripts/ /scripts/
        RUN go install github.com/go-delve/delve/cmd/dlv@latest && go build -o /usr/local/bin/tool ./tool
        {command}
    """) == []


def test_development_server_on_node(lint):
    assert found(lint, """
        FROM node:20
        COPY . .
        RUN npm ci && npm run build
        CMD ["npm", "run", "dev"]
    """) == []


def test_base_image_without_a_command_is_not_reported_for_a_node_build(lint):
    # outline's Dockerfile.base: a build image other Dockerfiles copy from
    assert found(lint, """
        FROM node:20 AS deps
        COPY . .
        RUN yarn install && yarn build
        RUN yarn workspaces focus --production
        ENV PORT=3000
    """) == []


def test_program_compiled_without_a_command_is_reported(lint):
    assert len(found(lint, "FROM golang:1.22\nCOPY . .\nRUN go build -o /usr/local/bin/app .\n")) == 1
    assert found(lint, "FROM golang:1.22\nRUN apt-get update && apt-get install -y git\n") == []


@pytest.mark.parametrize("final", [
    # hugo: the final stage keeps Go for Hugo modules; the binary is built in another stage
    """
    FROM golang:1.22-alpine AS gorun
    FROM gorun
    COPY --from=build /usr/bin/hugo /usr/bin/hugo
    COPY scripts/entrypoint.sh /entrypoint.sh
    ENTRYPOINT ["/entrypoint.sh"]
    CMD ["--help"]
    """,
    # a Go module proxy runs `go` at run time
    """
    FROM golang:alpine
    ADD https://github.com/krallin/tini/releases/download/v0.19.0/tini-static-amd64 /usr/bin/tini
    RUN apk add --no-cache git mercurial subversion
    COPY --from=build /src/goproxy/bin/goproxy /goproxy
    ENTRYPOINT ["/usr/bin/tini", "--"]
    CMD ["/goproxy", "-listen", "0.0.0.0:8888"]
    """,
])
def test_toolchain_kept_on_purpose_after_a_build_stage(lint, final):
    text = "FROM golang:1.22 AS build\nRUN go build -o /usr/bin/hugo . && make -C /src/goproxy\n" + final
    assert found(lint, text) == []


def test_jdk_after_a_build_stage_still_gets_the_jre(lint):
    result = one(lint, """
        FROM debian:10 AS build
        RUN apt-get update && apt-get -y install maven
        COPY . /opt/shipping
        RUN cd /opt/shipping && mvn package
        FROM openjdk:8-jdk
        COPY --from=build /opt/shipping/target/shipping-1.0.jar shipping.jar
        CMD ["java", "-jar", "shipping.jar"]
    """)
    assert "FROM eclipse-temurin:8-jre" in result.fix.description


def test_copy_hint_is_a_built_file_never_a_copied_script(lint):
    result = one(lint, """
        FROM golang:1
        COPY scripts/entrypoint.sh /entrypoint.sh
        ADD https://example.com/tini /usr/bin/tini
        RUN go install example.com/tool@latest
        ENTRYPOINT ["/usr/bin/tini", "--", "/entrypoint.sh"]
        CMD ["tool"]
    """)
    assert "entrypoint.sh" not in result.fix.description and "tini" not in result.fix.description
    assert result.properties["artifact"] is None


def test_suggested_images_are_published_tags(lint):
    cases = {
        "rust:1.79-bullseye": "debian:bullseye-slim", "buildpack-deps:jammy": "ubuntu:jammy",
        "golang:1.22-alpine3.20": "alpine:3.20", "eclipse-temurin:21-jdk-noble": "eclipse-temurin:21-jre-noble",
        "openjdk:11-jdk-stretch": "eclipse-temurin:11-jre", "gradle:jdk17-alpine": "eclipse-temurin:17-jre-alpine",
        "swift:5.10": "swift:5.10-slim",
    }
    for image, expected in cases.items():
        result = one(lint, f"FROM {image}\nCOPY . /src\nRUN make -C /src\nCMD [\"/src/app\"]\n")
        assert result.properties["suggestedImage"] == expected, (image, result.properties)
        name, tag = expected.split(":")
        assert official_tags.tag_exists(name, tag), expected


def test_no_made_up_tag_when_the_release_is_unknown(lint):
    # rust:1.79 is a past tag whose Debian release the tag does not say: no debian tag is guessed
    result = one(lint, "FROM rust:1.79\nCOPY . .\nRUN cargo build --release\nCMD [\"/app\"]\n")
    assert result.properties["suggestedImage"] is None
    assert "debian:" not in result.fix.description


def test_corpus_findings_are_compiler_images(lint, corpus):
    from dockerlint_slim.knowledge.base_images import compiler_family, parse_image

    for path in corpus:
        for diagnostic in found(lint, path.read_text(errors="replace")):
            ref = parse_image(diagnostic.properties["baseImage"])
            assert compiler_family(ref) is not None or ref.name == "node", path
            assert len(diagnostic.message) <= 160, diagnostic.message


@pytest.mark.parametrize("text", [
    # a Cloud Build step: the image is the SDK's own command line
    'FROM mcr.microsoft.com/dotnet/core/sdk:2.1\nENTRYPOINT ["dotnet"]\n',
    # podman's docs generator: the command copies the sources, then runs make
    "FROM golang:latest\nRUN apt-get update && apt-get install -y pandoc man\n"
    "CMD echo copying && cp -a /podman/ /podman-copy/ && make podman-remote-docs && cp -a out /podman/\n",
    # a Tilt (local development) image, and a stage named for development
    "FROM golang:1.26\nCOPY . .\nRUN go build -o /app ./cmd\nCMD [\"/app\"]\n",
    "FROM golang:1.26 AS dev-base\nRUN go install golang.org/x/tools/gopls@latest\nFROM dev-base AS dev\nCOPY . .\n",
    # a library's CI checks that it compiles (no command, no output), also cross-compiled
    "FROM golang:1.18.2\nWORKDIR pty\nADD . .\nRUN go build\n",
    "FROM golang:1.23\nENV CC=arm-linux-gnueabihf-gcc\nRUN apt install -y gcc-arm-linux-gnueabihf libc6-dev-armhf-cross\n"
    "COPY . /src\nRUN go build ./...\n",
])
def test_builder_dev_and_ci_images(text):
    path = "Dockerfile.tilt" if "go build -o /app ./cmd" in text else "Dockerfile"
    assert lint_file(text, path) == []
    if path != "Dockerfile":
        assert len(lint_file(text, "Dockerfile")) == 1  # only the file name made it a development image


def lint_file(text, path):
    """SL401's findings for `text` read as the Dockerfile at `path` (the path is one of the purpose signals)."""
    from dockerlint_slim.engine import Linter, LintOptions
    from tests.rules.conftest import _RULES

    return Linter(_RULES, LintOptions(select=(RULE,))).lint(text, path).diagnostics


def test_output_built_in_the_final_stage_itself(lint):
    # gobizfly: the last stage inherits the module cache and builds; it becomes the build stage
    result = one(lint, """
        FROM golang:1.13 AS build_base
        RUN apt-get update && apt-get install -y git
        FROM build_base AS build_go
        RUN go mod download
        FROM build_go AS server_builder
        COPY . .
        RUN CGO_ENABLED=1 go build -o /bin/gobizfly *.go
        ENTRYPOINT ["/bin/gobizfly"]
    """)
    assert "COPY --from=server_builder /bin/gobizfly /bin/gobizfly" in result.fix.description
    assert "FROM build_go AS server_builder" in result.fix.description


def test_no_placeholder_copy_line_when_the_output_is_unknown(lint):
    result = one(lint, 'FROM golang:1.22-alpine\nRUN go install github.com/skibish/ddns@latest\nCMD ["ddns"]\n')
    assert "<" not in result.fix.description and "COPY --from=build`" in result.fix.description
    assert "`alpine`" in result.fix.description


def test_dotnet_core_sdk_suggests_the_core_runtime(lint):
    result = one(lint, 'FROM mcr.microsoft.com/dotnet/core/sdk:3.1\nRUN dotnet publish -o /app\nCMD ["dotnet", "/app/a.dll"]\n')
    assert "mcr.microsoft.com/dotnet/core/aspnet:3.1" in result.fix.description


# -- Each promise of the docs end to end: a small Dockerfile, the finding expected (or not), the words promised


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
def test_every_listed_compiler_base(image, build):
    finding = single_finding(f"""
        FROM {image}
        WORKDIR /src
        COPY . .
        RUN {build}
        CMD ["/out/app"]
    """, "SL401")
    assert finding.span.line == 1 and finding.severity == "warning"
    assert any(word in finding.fix.description for word in RUNTIME_WORDS), finding.fix.description


@pytest.mark.parametrize("image", ["golang:1.22", "rust:1.79", "mcr.microsoft.com/dotnet/sdk:8.0"])
def test_without_cmd_but_with_a_build(image):
    """The sentence has no exception for a missing CMD: an image that compiles its program on a compiler base
    ships the compiler, whatever starts it."""
    build = {"golang": "go build -o /usr/local/bin/app .", "rust": "cargo build --release",
             "mcr.microsoft.com/dotnet/sdk": "dotnet publish -c Release -o /app"}[image.split(":")[0]]
    assert finding_lines(f"""
        FROM {image}
        WORKDIR /src
        COPY . .
        RUN {build}
    """, "SL401") == [1]


def test_names_the_artifact_and_a_runtime_base():
    finding = single_finding("""
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
def test_resolves_arg_defaults_and_registry_prefixes(from_line):
    text = from_line + "\nCOPY . /src\nRUN cd /src && go build -o /app .\nCMD [\"/app\"]\n"
    assert len(finding_lines(text, "SL401")) == 1, text


@pytest.mark.parametrize("image", ["registry.example.com/golang:1.22", "ghcr.io/acme/golang:1.22",
                                   "acme/library/golang:1.22", "ghcr.io/library/golang:1.22"])
def test_unknown_repositories_are_not_guessed(image):
    assert finding_lines(f"FROM {image}\nRUN go build -o /app .\nCMD [\"/app\"]\n", "SL401") == []


def test_inheritance_through_two_stages():
    finding = single_finding("""
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
def test_multi_stage_with_a_small_final_base_is_fine(final):
    assert finding_lines(f"""
        FROM golang:1.22 AS build
        RUN go build -o /out/app .
        {final}
        COPY --from=build /out/app /app
        CMD ["/app"]
    """, "SL401") == []


def test_node_needs_a_build_step_in_the_final_stage():
    assert finding_lines("""
        FROM node:20
        WORKDIR /app
        COPY . .
        RUN npm ci && npm run build
        CMD ["node", "dist/index.js"]
    """, "SL401") == [1]
    assert finding_lines("""
        FROM node:20
        WORKDIR /app
        COPY . .
        RUN npm ci --omit=dev
        CMD ["node", "index.js"]
    """, "SL401") == []
    # the build in a build-only stage, the final stage only runs the output
    assert finding_lines("""
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
def test_node_build_step_in_any_form(form):
    assert finding_lines("FROM node:20\nWORKDIR /app\nCOPY . .\n" + form + "\nCMD [\"node\", \"dist/index.js\"]\n",
               "SL401") == [1]


def test_target_flag_on_the_command_line(tmp_path):
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



@pytest.mark.parametrize("use", [
    'HEALTHCHECK CMD jcmd 1 VM.uptime || exit 1\n',
    "RUN jps -l\n",
    'ENTRYPOINT ["sh", "-c", "jstack 1 > /tmp/t; exec java -jar /app.jar"]\n',
    'RUN jshell --version\n',
])
def test_jdk_tools_used_by_the_image_keep_the_jdk(lint, use):
    # a JRE has no jcmd/jstack/jlink/jshell: the JDK is needed
    text = f"FROM eclipse-temurin:21-jdk\nCOPY app.jar /app.jar\n{use}CMD [\"java\", \"-jar\", \"/app.jar\"]\n"
    assert found(lint, text) == []
    assert lint(text, select=("SL403",)) == []


def test_java_server_on_a_jdk_is_not_claimed_certain(lint):
    # a vendor's Java server on a JDK (compiles nothing visible): the message does not claim a JRE is certainly enough
    result = one(lint, "FROM eclipse-temurin:21-jdk-noble\nCOPY sonar /opt/sonar\n"
                       "ENTRYPOINT [\"/opt/sonar/docker/entrypoint.sh\"]\nCMD [\"/opt/java/openjdk/bin/java\", \"-jar\", "
                       "\"lib/sonar-application.jar\"]\n")
    assert "likely" in result.message and "a JRE is enough" not in result.message
    assert result.fix.description.startswith("Unless the program uses the JDK at run time")
