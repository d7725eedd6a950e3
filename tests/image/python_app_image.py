"""A python app and its image, synthesized: the Dockerfile, the base image's and the app's history steps, and
`slimlint image` on it (click's CliRunner on the command). Used by test_image_cli.py and by SL601's tests
(tests/rules/test_sl601_image_layer_waste.py); the module name is one no other test folder uses."""

from __future__ import annotations

from click.testing import CliRunner
from image_synth import ImageSpec, Step, build_docker_archive, directory, file, whiteout

from dockerlint_slim.image.command import image_command

MIB = 1024 * 1024

DOCKERFILE = """\
FROM python:3.12-slim
ARG VERSION=1.0
ENV PIP_NO_CACHE_DIR=1
WORKDIR /app
# compilers for the wheels
RUN apt-get update && \\
    apt-get install -y gcc
COPY requirements.txt .
RUN pip install -r requirements.txt
RUN apt-get purge -y gcc && rm -rf /var/lib/apt/lists/*
COPY . .
CMD ["python", "app.py"]
"""


BASE_STEPS = [
    Step("# debian.sh --arch 'amd64' out/ 'bookworm' '@1719792000'",
         [directory("usr"), directory("usr/share"), directory("usr/share/doc"), file("usr/share/doc/copyright", 2 * MIB),
          directory("usr/lib"), file("usr/lib/libc.so.6", 3 * MIB)], created="2024-07-01T00:00:00Z"),
    Step("ENV PATH=/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", None, created="2024-07-02T00:00:00Z"),
    Step("RUN /bin/sh -c set -eux; make install python # buildkit",
         [directory("usr"), directory("usr/local"), directory("usr/local/bin"),
          file("usr/local/bin/python3", 5 * MIB)], created="2024-07-02T00:00:00Z"),
    Step('CMD ["python3"]', None, created="2024-07-02T00:00:00Z"),
]


def user_steps(buildkit: bool = True):
    def run(cmd):
        return f"RUN |1 VERSION=1.0 /bin/sh -c {cmd} # buildkit" if buildkit else f"|1 VERSION=1.0 /bin/sh -c {cmd}"

    def nop(text):
        return text if buildkit else f"/bin/sh -c #(nop)  {text}"

    def copy(source, dest):
        return f"COPY {source} {dest} # buildkit" if buildkit else f"/bin/sh -c #(nop) COPY file:1f2e3d in {dest} "

    return [
        Step(nop("ARG VERSION=1.0"), None),
        Step(nop("ENV PIP_NO_CACHE_DIR=1"), None),
        Step(nop("WORKDIR /app") if buildkit else "/bin/sh -c #(nop) WORKDIR /app", [directory("app")]),
        Step(run("apt-get update &&     apt-get install -y gcc"),
             [directory("var"), directory("var/lib"), directory("var/lib/apt"), directory("var/lib/apt/lists"),
              file("var/lib/apt/lists/deb.debian.org_Packages", 9 * MIB), directory("usr"), directory("usr/bin"),
              file("usr/bin/gcc-12", 20 * MIB), directory("usr/share"), directory("usr/share/doc"),
              file("usr/share/doc/copyright", 2 * MIB + 10)]),
        Step(copy("requirements.txt", "."), [directory("app"), file("app/requirements.txt", 40)]),
        Step(run("pip install -r requirements.txt"),
             [directory("usr"), directory("usr/local"), directory("usr/local/lib"), file("usr/local/lib/flask.py", MIB)]),
        Step(run("apt-get purge -y gcc && rm -rf /var/lib/apt/lists/*"),
             [directory("usr"), directory("usr/bin"), whiteout("usr/bin/gcc-12"), directory("var"),
              directory("var/lib"), directory("var/lib/apt"), directory("var/lib/apt/lists"),
              whiteout("var/lib/apt/lists/deb.debian.org_Packages"), directory("usr/lib"),
              whiteout("usr/lib/libc.so.6")]),
        Step(copy(".", "."), [directory("app"), file("app/app.py", 300)]),
        Step(nop('CMD ["python" "app.py"]') if buildkit else '/bin/sh -c #(nop)  CMD ["python" "app.py"]', None),
    ]


def build_project(tmp_path):
    """The app's folder (its Dockerfile) and its image, a docker-save archive tagged app:1."""
    (tmp_path / "Dockerfile").write_text(DOCKERFILE)
    archive = build_docker_archive(ImageSpec(BASE_STEPS + user_steps(), tag="app:1"), tmp_path / "app.tar")
    return tmp_path, archive


def invoke(*args):
    return CliRunner().invoke(image_command, [str(a) for a in args], catch_exceptions=False)

