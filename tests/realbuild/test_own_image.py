"""slimlint's own image (the root `Dockerfile`) builds with podman, and the slimlint in it works.

The image is built as `docker build` would build it, on `debian:bookworm` (the only base these machines have; the
Dockerfile's default is `debian:bookworm-slim`, the same Debian release, through `--build-arg BASE`), with pip
reaching PyPI. A second build FROM it runs slimlint on a Dockerfile with findings in a RUN step (`podman run` is not
available here). That RUN runs as root: these machines cannot start a process as another user in a build
(`USER 65532` fails with "permission denied" for any image), so the image's user is checked from its config and
the files of the virtual environment are checked to be readable by every user.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from realbuild import podman  # benchmarks/realbuild, put on the path by conftest.py
from tests.paths import ROOT

pytestmark = [pytest.mark.realbuild, pytest.mark.slow]

BUILD = ("podman", "build", "--isolation", "chroot", "--network", "host", "--pull=never", "--layers=false")
CHECK = r"""set -e
/opt/slimlint/bin/slimlint --version
code=0
/opt/slimlint/bin/slimlint --no-color /tmp/check/Dockerfile > /tmp/out.txt || code=$?
cat /tmp/out.txt
test "$code" -eq 1
grep -q 'SL201 warning' /tmp/out.txt
test ! -e /opt/slimlint/bin/pip
test -z "$(find /opt/slimlint ! -perm -o+r)"
! command -v gcc
echo own-image-check-passed
"""


def build(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([*BUILD, *args], cwd=cwd, capture_output=True, text=True, timeout=1800)


def test_own_image_builds_and_runs_slimlint(tmp_path: Path):
    reason = podman.unavailable_reason()
    if reason:
        pytest.skip(f"real builds need podman and debian:bookworm: {reason}")
    image = f"localhost/slimlint-own-image-{os.getpid()}:test"
    check = f"localhost/slimlint-own-image-check-{os.getpid()}:test"
    try:
        done = build("--build-arg", "BASE=debian:bookworm", "-t", image, "-f", "Dockerfile", ".", cwd=ROOT)
        assert done.returncode == 0, f"the root Dockerfile did not build:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
        [config] = json.loads(subprocess.run(["podman", "image", "inspect", image], capture_output=True, text=True,
                                             check=True).stdout)
        assert config["Config"]["User"] == "65532:65532"
        assert config["Config"]["Entrypoint"] == ["/opt/slimlint/bin/slimlint"]
        (tmp_path / "Dockerfile.bad").write_text("FROM debian:12\nRUN apt-get update\n"
                                                 "RUN apt-get install -y --no-install-recommends curl\n")
        (tmp_path / "check.sh").write_text(CHECK)
        (tmp_path / "Containerfile").write_text(
            f"FROM {image}\nUSER root\nCOPY Dockerfile.bad /tmp/check/Dockerfile\nCOPY check.sh /tmp/check.sh\n"
            'RUN ["/bin/sh", "/tmp/check.sh"]\n')
        done = build("-t", check, "-f", "Containerfile", ".", cwd=tmp_path)
        assert done.returncode == 0, f"slimlint in the image failed:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
        assert "own-image-check-passed" in done.stdout and "SL201 warning" in done.stdout
    finally:
        subprocess.run(["podman", "rmi", "--force", check, image], capture_output=True, timeout=300)
