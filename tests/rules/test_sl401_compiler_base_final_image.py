"""SL401 compiler-base-final-image."""

import pytest

RULE = "SL401"


def found(lint, text, **kwargs):
    return lint(text, select=(RULE,), **kwargs)


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
    result = found(lint, """
        ARG GO_VERSION=1.22
        ARG BASE=golang
        FROM ${BASE}:${GO_VERSION}
        RUN go build -o /usr/local/bin/server ./cmd/server
        ENTRYPOINT ["/usr/local/bin/server"]
    """)
    assert len(result) == 1
    assert "`golang:1.22`" in result[0].message
    assert "COPY --from=build /usr/local/bin/server /usr/local/bin/server" in result[0].message
    assert "distroless" in result[0].message


def test_stage_inheritance(lint):
    result = found(lint, """
        FROM golang:1.22 AS build
        WORKDIR /src
        COPY . .
        RUN go build -o /out/app .
        FROM build AS final
        CMD ["/out/app"]
    """)
    assert len(result) == 1
    assert result[0].span.line == 5
    assert "inherited through stage `build`" in result[0].message
    assert "replace `FROM build`" in result[0].message


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
    result = found(lint, """
        FROM openjdk:8-alpine
        RUN wget -O /opt/zk.tgz https://example.com/zk.tgz
        CMD ["/opt/zk/bin/zkServer.sh", "start-foreground"]
    """)
    assert len(result) == 1
    assert "eclipse-temurin:8-jre-alpine" in result[0].message
    assert "multi-stage" not in result[0].message


def test_maven_build_names_the_jar(lint):
    result = found(lint, """
        FROM maven:3.9-eclipse-temurin-21
        WORKDIR /app
        COPY . .
        RUN mvn -B package
        ENTRYPOINT ["java", "-jar", "target/app.jar"]
    """)
    assert len(result) == 1 and "/app/target/*.jar" in result[0].message and "-jre" in result[0].message


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


def test_corpus_findings_are_compiler_images(lint, corpus):
    from dockerlint_slim.knowledge.base_images import compiler_family, parse_image

    for path in corpus:
        for diagnostic in found(lint, path.read_text(errors="replace")):
            ref = parse_image(diagnostic.properties["baseImage"])
            assert compiler_family(ref) is not None or ref.name == "node", path
