"""`slimlint --fix` proven by building: the seed article's pattern (a tar copied into the image, extracted in one
RUN, deleted in another) and its fixed version, built with podman, compared.

Needs no network (nothing is installed): skipped where podman or the debian:bookworm base image is missing.
benchmarks/autofix_build.py does the same with package installs (apt lists, pip's cache) and the network.
"""

from __future__ import annotations

import io
import json
import os
import random
import shutil
import stat
import subprocess
import tarfile
from pathlib import Path

import pytest

from tests.clirun import slimlint

pytestmark = pytest.mark.realbuild

BASE = "docker.io/library/debian:bookworm"
PODMAN = shutil.which("podman")
PAYLOAD_BYTES = 12 * 1024 * 1024  # above SL301's threshold (10 MiB)

ORIGINAL = """\
FROM debian:bookworm
COPY app-1.0.tar /opt/
RUN tar -xf /opt/app-1.0.tar -C /opt
RUN rm /opt/app-1.0.tar
"""


def _skip_reason() -> str | None:
    if PODMAN is None:
        return "podman is not installed (../shared/tools/realbuild-setup.sh)"
    if subprocess.run([PODMAN, "image", "exists", BASE], capture_output=True, check=False).returncode != 0:
        return f"the base image {BASE} is not in podman's storage (../shared/tools/realbuild-setup.sh imports it)"
    return None


def _payload(path: Path) -> None:
    rng = random.Random(11)  # random bytes: as incompressible as a real release's binaries
    with tarfile.open(path, "w") as tar:
        for index in range(3):
            data = rng.randbytes(PAYLOAD_BYTES // 3)
            info = tarfile.TarInfo(f"app/bin/tool{index}")
            info.size, info.mode, info.mtime = len(data), 0o755, 1700000000
            tar.addfile(info, io.BytesIO(data))


def _podman(*args: str) -> str:
    done = subprocess.run([PODMAN, *args], capture_output=True, text=True, check=False, timeout=900)
    assert done.returncode == 0, f"podman {' '.join(args)}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def _tree(root: Path) -> dict[str, tuple]:
    found = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            info = os.lstat(os.path.join(folder, name))
            path = "/" + os.path.relpath(os.path.join(folder, name), root)
            found[path] = (stat.S_IFMT(info.st_mode), stat.S_IMODE(info.st_mode),
                           info.st_size if stat.S_ISREG(info.st_mode) else None)
    return found


@pytest.fixture
def built(tmp_path):
    """Build the original and the fixed Dockerfile; yield their tags; remove every image the builds made."""
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    context = tmp_path / "context"
    context.mkdir()
    _payload(context / "app-1.0.tar")
    (context / "Dockerfile").write_text(ORIGINAL)
    shutil.copy(context / "Dockerfile", context / "Dockerfile.fixed")
    tags, steps = [], []

    def build(name: str) -> str:
        tag = f"localhost/slimlint-test-fix-{name.lower().replace('.', '-')}-{os.getpid()}-{os.urandom(3).hex()}:1"
        done = subprocess.run([PODMAN, "build", "--isolation", "chroot", "--network", "host", "--pull=never",
                               "--layers", "--no-cache", "-t", tag, "-f", str(context / name), str(context)],
                              capture_output=True, text=True, check=False, timeout=900)
        steps.extend(line[4:].strip() for line in done.stdout.splitlines() if line.startswith("--> "))
        assert done.returncode == 0, f"{name} does not build:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        tags.append(tag)
        return tag

    try:
        yield context, build
    finally:
        for name in tags + steps[::-1]:
            subprocess.run([PODMAN, "rmi", name], capture_output=True, check=False)


def _predicted_waste(context: Path, name: str) -> int:
    done = slimlint(name, "--context", ".", "--format", "json", "--fail-level", "none", cwd=context)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)["summary"]["wasted_bytes"]


def test_fixed_seed_pattern_builds_does_the_same_job_and_saves_what_the_findings_claimed(built):
    context, build = built
    fixed = slimlint("Dockerfile.fixed", "--context", ".", "--fix-only", cwd=context)
    assert fixed.returncode == 0, fixed.stderr
    text = (context / "Dockerfile.fixed").read_text()
    assert "COPY" not in text and "--mount=type=bind,source=app-1.0.tar" in text and text.count("RUN") == 1
    claimed = _predicted_waste(context, "Dockerfile") - _predicted_waste(context, "Dockerfile.fixed")
    assert claimed >= PAYLOAD_BYTES  # the tar's bytes, known from the context

    original_tag, fixed_tag = build("Dockerfile"), build("Dockerfile.fixed")
    sizes = {tag: int(_podman("image", "inspect", "--format", "{{.Size}}", tag).strip())
             for tag in (original_tag, fixed_tag)}
    # The COPY layer with the tar is gone: at least the claimed bytes.
    assert sizes[original_tag] - sizes[fixed_tag] >= claimed

    trees = {}
    try:
        for tag in (original_tag, fixed_tag):
            trees[tag] = _tree(Path(_podman("image", "mount", tag).strip()))
    finally:
        for tag in trees:
            subprocess.run([PODMAN, "image", "unmount", tag], capture_output=True, check=False)
    assert trees[fixed_tag] == trees[original_tag]
    assert trees[fixed_tag]["/opt/app/bin/tool0"] == (stat.S_IFREG, 0o755, PAYLOAD_BYTES // 3)
    assert "/opt/app-1.0.tar" not in trees[fixed_tag]
