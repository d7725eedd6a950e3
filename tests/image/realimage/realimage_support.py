"""Real images built with podman from debian:bookworm, once per session, read through every source: helpers and
fixtures (conftest.py re-exports the fixtures).

Skipped (one reason) where podman, skopeo or the debian:bookworm base are missing; the registry tests also need
/usr/bin/docker-registry (Debian's reference registry), started here on 127.0.0.1 with a temporary config."""

from __future__ import annotations

import base64
import json
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

BASE = "docker.io/library/debian:bookworm"
PODMAN, SKOPEO = shutil.which("podman"), shutil.which("skopeo")
REGISTRY = "/usr/bin/docker-registry"
# Image names unique to this test session: several checkouts may run the suite at once on one machine, and podman's
# image store is shared by all of them.
SESSION = f"{os.getpid()}-{os.urandom(3).hex()}"


def _base_available() -> str | None:
    if PODMAN is None or SKOPEO is None:
        return "podman and skopeo are not installed (run ../shared/tools/realbuild-setup.sh or apt-get install them)"
    done = subprocess.run([PODMAN, "image", "exists", BASE], capture_output=True, check=False)
    if done.returncode != 0:
        return f"the base image {BASE} is not in podman's storage (../shared/tools/realbuild-setup.sh imports it)"
    return None


_WHY = _base_available()


def pytest_collection_modifyitems(items):
    for item in items:
        if "realimage" in str(item.fspath) and _WHY is not None:
            item.add_marker(pytest.mark.skip(reason=_WHY))
        if "realimage" in str(item.fspath):
            item.add_marker(pytest.mark.realbuild)


def podman(*args, **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run([PODMAN, *map(str, args)], capture_output=True, text=True, check=False, timeout=900,
                          **kwargs)
    assert done.returncode == 0, f"podman {' '.join(map(str, args))}:\n{done.stdout}\n{done.stderr}"
    return done


def build(tag: str, dockerfile: str, folder: Path, *extra: str) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "Dockerfile").write_text(dockerfile)
    podman("build", "--isolation", "chroot", "--network", "host", "--pull=never", "-q", *extra, "-t", tag,
           "-f", folder / "Dockerfile", folder)
    return tag


# Several layers: a file deleted, a file overwritten, a directory deleted (directory whiteout), a directory
# emptied and refilled in one RUN (opaque), files kept. Tiny random files: built in seconds.
LAYERED = """\
FROM debian:bookworm
RUN mkdir -p /data/dir /data/refill && head -c 300000 /dev/urandom > /data/dir/a.bin \\
 && head -c 200000 /dev/urandom > /data/keep.bin && head -c 100000 /dev/urandom > /data/over.bin \\
 && head -c 50000 /dev/urandom > /data/refill/old.bin && head -c 70000 /dev/urandom > /data/gone.bin
RUN rm -rf /data/dir && head -c 100000 /dev/urandom > /data/over.bin
RUN rm /data/gone.bin && rm -rf /data/refill && mkdir /data/refill && head -c 1000 /dev/urandom > /data/refill/new
"""
# File deletions and rewrites only: where dive's model is sound (no directory whiteout, no opaque directory)
FILES_ONLY = """\
FROM debian:bookworm
RUN head -c 400000 /dev/urandom > /srv-a.bin && head -c 250000 /dev/urandom > /srv-b.bin \\
 && head -c 90000 /dev/urandom > /srv-c.bin
RUN head -c 400000 /dev/urandom > /srv-a.bin && rm /srv-c.bin
RUN head -c 10000 /dev/urandom > /srv-d.bin
"""


@pytest.fixture(scope="session")
def realimages(tmp_path_factory):
    """Build the test images once; save each as docker-archive, oci-archive and an OCI folder."""
    root = tmp_path_factory.mktemp("realimage")
    images = {}
    for name, text in (("layered", LAYERED), ("filesonly", FILES_ONLY)):
        tag = f"localhost/slimlint-test-{name}-{SESSION}:1"
        build(tag, text, root / name)
        saved = {"podman": f"podman://{tag}"}
        saved["docker-archive"] = root / f"{name}.tar"
        podman("save", "--format", "docker-archive", "-o", saved["docker-archive"], tag)
        saved["oci-archive"] = root / f"{name}-oci.tar"
        podman("save", "--format", "oci-archive", "-o", saved["oci-archive"], tag)
        saved["oci"] = root / f"{name}-oci"
        subprocess.run([SKOPEO, "copy", "-q", f"containers-storage:{tag}", f"oci:{saved['oci']}:{name}"],
                       check=True, capture_output=True, timeout=600)
        images[name] = (tag, saved)
    yield images
    for tag, _ in images.values():
        subprocess.run([PODMAN, "rmi", "-f", tag], capture_output=True, check=False)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Registry:
    def __init__(self, folder: Path, htpasswd: str | None = None):
        self.port = _free_port()
        self.host = f"127.0.0.1:{self.port}"
        folder.mkdir(parents=True, exist_ok=True)
        auth = ""
        if htpasswd:
            (folder / "htpasswd").write_text(htpasswd)
            auth = f"auth:\n  htpasswd:\n    realm: slimlint-test\n    path: {folder / 'htpasswd'}\n"
        (folder / "config.yml").write_text(
            f"version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {folder / 'data'}\n"
            f"http:\n  addr: 127.0.0.1:{self.port}\n{auth}")
        self.log = open(folder / "registry.log", "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen([REGISTRY, "serve", str(folder / "config.yml")], stdout=self.log,
                                        stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.1)
        self.stop()
        pytest.fail(f"docker-registry did not start: {(folder / 'registry.log').read_text()[-2000:]}")

    def push(self, source: str, name: str, *extra: str) -> str:
        reference = f"{self.host}/{name}"
        done = subprocess.run([SKOPEO, "copy", "-q", "--dest-tls-verify=false", *extra, source,
                               f"docker://{reference}"], capture_output=True, text=True, timeout=600, check=False)
        assert done.returncode == 0, done.stderr
        return reference

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def _need_registry():
    if not os.access(REGISTRY, os.X_OK):
        pytest.skip(f"{REGISTRY} is not installed (apt-get install docker-registry)")


@pytest.fixture(scope="session")
def registry(tmp_path_factory, realimages):
    _need_registry()
    server = Registry(tmp_path_factory.mktemp("registry"))
    yield server
    server.stop()


USER, PASSWORD = "slimlint", "s3cret-test"


@pytest.fixture(scope="session")
def auth_registry(tmp_path_factory, realimages):
    _need_registry()
    crypt = pytest.importorskip("crypt", reason="bcrypt for htpasswd needs the crypt module")
    hashed = crypt.crypt(PASSWORD, crypt.mksalt(crypt.METHOD_BLOWFISH))
    if not hashed or not hashed.startswith("$2"):
        pytest.skip("this libc's crypt() has no bcrypt for an htpasswd file")
    folder = tmp_path_factory.mktemp("auth-registry")
    server = Registry(folder, f"{USER}:{hashed}\n")
    auth_file = folder / "auth.json"
    token = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    auth_file.write_text(json.dumps({"auths": {server.host: {"auth": token}}}))
    server.auth_file = auth_file
    yield server
    server.stop()
