"""Build the cases with podman, once: a build is cached by the case's content hash and the base image's id.

    podman build --isolation chroot --network host --pull=never --layers --no-cache -f Dockerfile.podman CONTEXT

(the flags of `../shared/tools/realbuild-setup.sh`; `--layers` keeps one layer per instruction, which is what is
being measured). After a build the image is measured from a `podman save` docker-archive (the ground truth of
`truth.py` and dive's figures, written to `truth.json`), saved once more as an OCI layout folder (uncompressed
layers) for later measurements by `slimlint image`, and removed from podman's storage together with its
intermediate images.

Why not keep the images in podman's storage: with the vfs driver these machines use, every layer is a full copy
of the file system (a 10-layer case holds ~2.5 GB), so the 44 cases would take tens of GB. The cache keeps each
image as an OCI layout whose blobs are hard links into one blob store, so the 120 MB base layer is stored once.

Cache layout (`$SLIMLINT_REALBUILD_CACHE`, default `~/.cache/slimlint/realbuild`):

    blobs/sha256/<hex>                 every layer and config blob, once
    cases/<case>/<key>/context/        the materialized build context (committed + generated files)
    cases/<case>/<key>/Dockerfile.podman
    cases/<case>/<key>/build.log
    cases/<case>/<key>/image/          OCI layout (blobs hard-linked to the store)
    cases/<case>/<key>/truth.json      ground truth and dive's figures, measured right after the build
    cases/<case>/<key>/failed.json     a failed build (kept so that a rerun does not retry it; --rebuild does)

`<key>` is sha256 of the case's content hash and the base image id: another base (a new machine importing a
newer Debian point release, a change to base/Dockerfile) means new builds.

The base: this machine's `debian:bookworm` is a debootstrap minbase with the official image's docker-clean hook
but not its other apt settings, so `apt-get update` would store four times the lists the official image stores.
Cases are built on `base/Dockerfile` (that image plus the official apt sources and settings, one layer; podman
builds it once and keeps it) by rewriting their `FROM debian:bookworm`; a case with `base = "debootstrap"` uses
the image as it is. Either way the base's layers are the first ones of the case's image (`BaseImage.diff_ids`).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from .cases import Case, buildable_dockerfile, materialize

BASE_IMAGE = "docker.io/library/debian:bookworm"
# --no-cache: every step runs (a step taken from another image would tie this build to images it does not own)
BUILD_FLAGS = ("--isolation", "chroot", "--network", "host", "--pull=never", "--layers", "--no-cache")
IMAGE_REPOSITORY = "localhost/slimlint-realbuild"
BUILD_TIMEOUT = 1800


def stop_cleanly_on_signals() -> None:
    """SIGTERM (and SIGINT, which a shell's background job ignores) raise KeyboardInterrupt, so that an
    interrupted run stops its podman build and removes the images it made."""
    import signal

    signal.signal(signal.SIGTERM, signal.default_int_handler)
    signal.signal(signal.SIGINT, signal.default_int_handler)


def cache_root() -> Path:
    configured = os.environ.get("SLIMLINT_REALBUILD_CACHE")
    return Path(configured) if configured else Path.home() / ".cache" / "slimlint" / "realbuild"


def unavailable_reason() -> str | None:
    """Why real builds cannot run here (None when they can)."""
    if shutil.which("podman") is None:
        return "podman is not installed (run ../shared/tools/realbuild-setup.sh)"
    try:
        found = subprocess.run(["podman", "image", "exists", BASE_IMAGE], capture_output=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"podman does not answer ({error})"
    if found.returncode != 0:
        return f"the base image {BASE_IMAGE} is not in podman's storage (run ../shared/tools/realbuild-setup.sh)"
    return None


@dataclass(frozen=True)
class BaseImage:
    """What a case is built FROM: `ref` replaces `debian:bookworm` in the Dockerfile podman builds."""

    kind: str  # official-apt | debootstrap
    ref: str
    id: str
    diff_ids: tuple[str, ...]  # its layers: the first layers of every image built on it


BASE_DIR = Path(__file__).resolve().parent / "base"


def _inspect(ref: str) -> tuple[str, tuple[str, ...]]:
    image_id = _podman("image", "inspect", "--format", "{{.Id}}", ref).strip()
    layers = json.loads(_podman("image", "inspect", "--format", "{{json .RootFS.Layers}}", ref))
    return image_id, tuple(layers)


def ensure_base(kind: str) -> BaseImage:
    """`debootstrap`: this machine's debian:bookworm as it is. `official-apt`: the same plus one layer with the
    official image's apt sources and settings (base/Dockerfile), built once and kept in podman's storage."""
    debian_id, debian_layers = _inspect(BASE_IMAGE)
    if kind == "debootstrap":
        return BaseImage(kind, BASE_IMAGE, debian_id, debian_layers)
    import hashlib

    digest = hashlib.sha256(debian_id.encode())
    for file in sorted(p for p in BASE_DIR.rglob("*") if p.is_file()):
        digest.update(f"{file.relative_to(BASE_DIR).as_posix()}\0".encode() + file.read_bytes())
    ref = f"{IMAGE_REPOSITORY}/debian-bookworm-{kind}:{digest.hexdigest()[:16]}"
    with _locked(cache_root() / "locks" / "base.lock"):
        if subprocess.run(["podman", "image", "exists", ref], capture_output=True, timeout=120).returncode != 0:
            built: list[str] = []
            log = cache_root() / f"base-{kind}.build.log"
            try:
                _build(ref, BASE_DIR / "Dockerfile", BASE_DIR, log, built)
            except BuildError:
                _remove_images(ref, built)
                raise
    image_id, layers = _inspect(ref)
    return BaseImage(kind, ref, image_id, layers)


def podman_version() -> str:
    return _podman("--version").strip()


def _podman(*args: str, timeout: int = 600) -> str:
    done = subprocess.run(["podman", *args], capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise BuildError(f"podman {' '.join(args)}: {done.stderr.strip() or done.stdout.strip()}")
    return done.stdout


class BuildError(RuntimeError):
    pass


@dataclass
class Build:
    case: Case
    key: str
    dir: Path
    cached: bool  # True when this call found it built
    error: str | None = None

    @property
    def context(self) -> Path:
        return self.dir / "context"

    @property
    def image(self) -> Path:
        return self.dir / "image"

    @property
    def ok(self) -> bool:
        return self.error is None

    def truth(self) -> dict:
        return json.loads((self.dir / "truth.json").read_text())


def cache_key(case: Case, base_id: str) -> str:
    import hashlib

    return hashlib.sha256(f"{case.content_hash()}\n{base_id}\n".encode()).hexdigest()[:16]


@contextlib.contextmanager
def _locked(path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_context(case: Case, base: BaseImage) -> Path:
    """The case's materialized build context in the cache (generated once per content hash)."""
    entry = cache_root() / "cases" / case.name / cache_key(case, base.id)
    context = entry / "context"
    marker = entry / "context.done"
    with _locked(cache_root() / "locks" / f"{case.name}.lock"):
        if not marker.exists():
            entry.mkdir(parents=True, exist_ok=True)
            materialize(case, context)
            marker.write_text(case.content_hash() + "\n")
    return context


def ensure_built(case: Case, base: BaseImage, measure, *, rebuild: bool = False,
                 keep_archive: Path | None = None, log=print) -> Build:
    """Build `case` on `base` unless the cache has it. `measure(archive_path, build)` returns the dict stored as
    truth.json; it runs on the docker-archive right after the build."""
    key = cache_key(case, base.id)
    entry = cache_root() / "cases" / case.name / key
    with _locked(cache_root() / "locks" / f"{case.name}.lock"):
        if not rebuild and (entry / "truth.json").exists() and (entry / "image" / "index.json").exists():
            return Build(case, key, entry, cached=True)
        if not rebuild and (entry / "failed.json").exists():
            failure = json.loads((entry / "failed.json").read_text())
            return Build(case, key, entry, cached=True, error=failure["error"])
        _drop_other_keys(entry)
        entry.mkdir(parents=True, exist_ok=True)
        for stale in ("truth.json", "failed.json", "image"):
            _remove(entry / stale)
        if not (entry / "context.done").exists():
            materialize(case, entry / "context")
            (entry / "context.done").write_text(case.content_hash() + "\n")
        dockerfile = entry / "Dockerfile.podman"
        dockerfile.write_text(buildable_dockerfile(case.dockerfile.read_text(), base.ref))
        tag = f"{IMAGE_REPOSITORY}/{case.name}:{key}"
        log(f"building {case.name} ({key}) ...")
        started = time.monotonic()
        built_ids: list[str] = []
        try:
            _build(tag, dockerfile, entry / "context", entry / "build.log", built_ids)
            seconds = round(time.monotonic() - started, 1)
            with tempfile.TemporaryDirectory(prefix="realbuild-", dir=cache_root()) as scratch:
                archive = Path(scratch) / "image.tar"
                _podman("save", "--format", "docker-archive", "-o", str(archive), tag)
                truth = measure(archive, Build(case, key, entry, cached=False))
                truth["build_seconds"] = seconds
                truth["podman"] = podman_version()
                truth["base_image"] = {"kind": base.kind, "ref": base.ref, "id": base.id}
                truth["built_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
                _podman("save", "--format", "oci-dir", "--uncompressed", "-o", str(entry / "image"), tag)
                _dedupe_blobs(entry / "image")
                if keep_archive is not None:
                    keep_archive.mkdir(parents=True, exist_ok=True)
                    shutil.move(str(archive), keep_archive / f"{case.name}.tar")
            (entry / "truth.json").write_text(json.dumps(truth, indent=1) + "\n")
            log(f"built {case.name} in {seconds:.0f} s")
            return Build(case, key, entry, cached=False)
        except (BuildError, OSError, subprocess.TimeoutExpired) as error:
            message = str(error).strip().splitlines()
            text = message[-1] if message else repr(error)
            (entry / "failed.json").write_text(json.dumps({"error": text}) + "\n")
            log(f"FAILED {case.name}: {text}")
            return Build(case, key, entry, cached=False, error=text)
        finally:
            _remove_images(tag, built_ids)


_STEP_ID = re.compile(r"^--> ([0-9a-f]{11,64})\s*$")


def _build(tag: str, dockerfile: Path, context: Path, log_path: Path, built_ids: list[str]) -> None:
    """Run podman build; `built_ids` receives the ids of the images it committed (also when it fails)."""
    command = ["podman", "build", *BUILD_FLAGS, "-t", tag, "-f", str(dockerfile), str(context)]
    with open(log_path, "w") as log:
        log.write("$ " + " ".join(command) + "\n")
        log.flush()
        child = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            returncode = child.wait(timeout=BUILD_TIMEOUT)
        except KeyboardInterrupt:
            # a podman build stopped half-way leaves its working container in the storage: let it finish, so
            # that the caller removes everything it made, then stop
            print(f"interrupted: waiting for the build of {tag} to finish", file=sys.stderr, flush=True)
            child.wait()
            raise
        except subprocess.TimeoutExpired:
            child.terminate()
            child.wait()
            raise
    text = log_path.read_text(errors="replace")
    built_ids.extend(m.group(1) for line in text.splitlines() if (m := _STEP_ID.match(line.strip())))
    if returncode != 0:
        tail = [line for line in text.splitlines() if line.strip()][-3:]
        raise BuildError(" | ".join(tail))


def _remove_images(tag: str, built_ids: list[str]) -> None:
    """Remove the built image and the intermediate images this build committed (podman removes an image's
    dangling parents with it; a failed build leaves its steps behind). Images this build did not create are
    never touched."""
    subprocess.run(["podman", "rmi", tag], capture_output=True, timeout=600)
    for image_id in reversed(built_ids):
        subprocess.run(["podman", "rmi", image_id], capture_output=True, timeout=600)


def _drop_other_keys(entry: Path) -> None:
    """Older builds of the same case (another content hash or base image) are stale: remove them."""
    if entry.parent.is_dir():
        for other in entry.parent.iterdir():
            if other != entry and other.is_dir():
                shutil.rmtree(other, ignore_errors=True)


def _dedupe_blobs(layout: Path) -> None:
    store = cache_root() / "blobs" / "sha256"
    store.mkdir(parents=True, exist_ok=True)
    for blob in (layout / "blobs" / "sha256").iterdir():
        shared = store / blob.name
        try:
            os.link(blob, shared)
        except FileExistsError:
            blob.unlink()
            os.link(shared, blob)


def prune_blobs() -> int:
    """Delete blobs no cached image uses any more; returns the bytes freed."""
    store = cache_root() / "blobs" / "sha256"
    freed = 0
    if store.is_dir():
        for blob in store.iterdir():
            stat = blob.stat()
            if stat.st_nlink == 1:
                freed += stat.st_size
                blob.unlink()
    return freed


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()
