"""dockerlint_slim.knowledge.build_tools: build commands, build outputs, and what an image is for."""

import textwrap

import pytest

from dockerlint_slim.knowledge.build_tools import (
    build_artifacts,
    builds_native_code,
    compiles,
    default_command,
    development_path,
    image_purpose,
    is_interpreter,
    prunes,
)
from dockerlint_slim.parser import parse_dockerfile


def stage(text: str):
    return parse_dockerfile(textwrap.dedent(text).lstrip("\n"), "Dockerfile").target_stage()


@pytest.mark.parametrize("argv,expected", [
    (("gcc", "-o", "app", "main.c"), True), (("go", "build", "./..."), True), (("mvn", "-B", "package"), True),
    (("cargo", "build", "--release"), True), (("dotnet", "publish", "-c", "Release"), True), (("make",), True),
    (("npm", "run", "build"), True), (("rustc", "--version"), False), (("gcc", "--version"), False),
    (("go", "version"), False), (("mvn", "dependency:resolve"), False), (("npm", "ci"), False), ((), False),
])
def test_compiles(argv, expected):
    assert compiles(argv) is expected


@pytest.mark.parametrize("argv,expected", [
    (("pip", "install", "psycopg2"), True), (("npm", "ci"), True), (("yarn",), True), (("gem", "install", "x"), True),
    (("docker-php-ext-install", "zip"), True), (("uv", "sync"), True), (("uv", "venv"), False),
    (("go", "build", "."), True), (("go", "version"), False), (("conda", "install", "numpy"), False),
    (("npm", "--version"), False), (("make", "-j4"), True), (("./configure", "--prefix=/usr"), True),
])
def test_builds_native_code(argv, expected):
    assert builds_native_code(argv) is expected


def test_interpreters():
    for name in ("python3", "pypy3", "python2.7", "/usr/local/bin/node", "perl5.38.0", "bash", "ruby"):
        assert is_interpreter(name), name
    for name in ("php-fpm", "nginx", "gradle"):
        assert not is_interpreter(name), name


def test_build_artifacts_are_built_never_copied():
    assert build_artifacts(stage("""
        FROM golang:1.22
        WORKDIR /src
        COPY entrypoint.sh /entrypoint.sh
        RUN go build -o bin/server ./cmd/server && cd /other && gcc -o tool tool.c
        ENTRYPOINT ["/entrypoint.sh"]
    """)) == ["/src/bin/server", "/other/tool"]
    assert build_artifacts(stage("FROM golang:1.22\nCOPY app /app\nCMD [\"/app\"]\n")) == []
    assert build_artifacts(stage("FROM maven:3\nWORKDIR /w\nRUN mvn package\n")) == ["/w/target/*.jar"]
    assert build_artifacts(stage("FROM gradle:8\nWORKDIR /w\nRUN ./gradlew installDist\n")) == ["/w/build/install"]


@pytest.mark.parametrize("path,rm,expected", [
    ("/app", ("rm", "-rf", "src"), True), ("/app", ("rm", "-rf", "/app/node_modules"), True),
    ("/app", ("rm", "-rf", "/app"), False), ("/app", ("rm", "-rf", "/tmp/x"), False),
    ("/app", ("npm", "prune", "--omit=dev"), True), ("/app", ("yarn", "workspaces", "focus", "--production"), True),
    ("/app", ("npm", "ci", "--omit=dev"), True), ("/app", ("npm", "ci"), False), ("/app", ("make", "clean"), True),
])
def test_prunes(path, rm, expected):
    assert prunes(rm, "/app", path) is expected


def test_default_command_combines_entrypoint_and_cmd_as_the_builder_does():
    assert default_command(stage('FROM x\nENTRYPOINT ["tini", "--"]\nCMD ["app"]\n')) == ("tini", "--", "app")
    assert default_command(stage("FROM x\nENTRYPOINT /run.sh\nCMD [\"ignored\"]\n")) == ("/bin/sh", "-c", "/run.sh")
    assert default_command(stage('FROM x\nCMD "/bin/bash"\n')) == ("/bin/sh", "-c", '"/bin/bash"')
    # an ENTRYPOINT resets the CMD of the image (or stage) it is built on
    assert default_command(stage('FROM x AS a\nCMD ["old"]\nFROM a\nENTRYPOINT ["/app"]\n')) == ("/app",)
    assert default_command(stage("FROM x\nRUN true\n")) is None


@pytest.mark.parametrize("command,kind", [
    ('CMD ["/app/server"]', "program"),
    ('CMD ["python", "app.py"]', "program"),
    ('ENTRYPOINT ["/usr/bin/tini", "--"]\nCMD ["/goproxy", "-listen", ":8888"]', "program"),
    ('CMD ["python3"]', "development"),
    ('CMD ["pypy3"]', "development"),
    ('CMD "/bin/bash"', "development"),
    ("CMD /bin/bash", "development"),
    ('CMD ["bash", "-l"]', "development"),
    ('ENTRYPOINT ["docker-entrypoint.sh"]\nCMD ["node"]', "development"),
    ('CMD ["sleep", "infinity"]', "development"),
    ('CMD ["tail", "-f", "/dev/null"]', "development"),
    ("CMD while true; do sleep 60; done", "development"),
    ("CMD ./lib/iventoy && sleep inf", "program"),  # the daemon runs; the sleep keeps the container up
    ("CMD cp -a /src /w && make docs", "toolchain"),
    ('ENTRYPOINT ["/scripts/dev-entrypoint.sh"]', "development"),
    ('CMD ["npm", "run", "dev"]', "development"),
    ('CMD ["gradle", "bootRun"]', "toolchain"),
    ('CMD ["./mvnw", "spring-boot:run"]', "toolchain"),
    ('ENTRYPOINT ["goreleaser"]', "toolchain"),
    ('ENTRYPOINT ["dotnet", "watch", "run"]', "development"),  # a watcher: a development server
    ('ENTRYPOINT ["dotnet", "app.dll"]', "program"),
    ('ENTRYPOINT ["go.bash"]', "toolchain"),
    ('ENTRYPOINT ["/build.sh"]', "toolchain"),  # jellyfin's portable builder
    ("CMD sh -c 'cd /src && make test'", "toolchain"),
    ('ENTRYPOINT ["/sbin/my_init", "--", "/scripts/start.sh"]', "program"),
])
def test_purpose_from_the_command(command, kind):
    assert image_purpose(stage(f"FROM debian:bookworm\n{command}\n")).kind == kind


def test_purpose_without_a_command():
    assert image_purpose(stage("FROM debian:bookworm\nRUN true\n")).kind == "none"
    assert image_purpose(stage("FROM nginx:1.27\nCOPY site /usr/share/nginx/html\n")).kind == "program"
    assert image_purpose(stage("FROM php:8.3-fpm\nRUN docker-php-ext-install zip\n")).kind == "program"
    assert image_purpose(stage("FROM nvidia/cuda:12.4.1-devel-ubuntu22.04\nRUN make\n")).kind == "development"


@pytest.mark.parametrize("text", [
    "FROM python:3.12\nRUN pip install jupyterlab\nCMD [\"python\", \"/start.py\"]\n",
    "FROM ubuntu:22.04\nRUN apt-get install -y php8.3-cli php8.3-xdebug\nENTRYPOINT [\"start-container\"]\n",
    'FROM debian:13\nLABEL com.github.containers.toolbox="true"\nCMD ["/app"]\n',
])
def test_development_images_by_what_they_install(text):
    assert image_purpose(stage(text)).kind == "development"


@pytest.mark.parametrize("path,expected", [
    (".devcontainer/Dockerfile", ".devcontainer"), ("docker/ubuntu-ci/Dockerfile", "ubuntu-ci"),
    ("tests/ci_build/Dockerfile.cpu", "tests"), ("Dockerfile.dev", "Dockerfile.dev"),
    ("dev.Dockerfile", "dev.Dockerfile"), ("build/Dockerfile", None), ("Dockerfile", None), (None, None),
    ("docker/latest/Dockerfile", None), ("services/devices/Dockerfile", None),
    # absolute paths: the folders above the project say nothing
    ("/home/me/dev/project/Dockerfile", None), ("/tmp/pytest-1/test_x0/Dockerfile", None),
    ("/src/app/ci/Dockerfile", "ci"), ("/src/app/Dockerfile.test", "Dockerfile.test"),
])
def test_development_path(path, expected):
    assert development_path(path) == expected
