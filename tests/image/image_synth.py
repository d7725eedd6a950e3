"""Build synthetic container images (docker-save legacy layout, OCI archive, OCI folder) for tests and benchmarks.

Layers are written as real tar streams to temporary files, so a benchmark can make a multi-GB image without holding
it in memory: file contents are either given bytes or `size` zero bytes produced by a reader.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import shutil
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class E:
    """One layer entry. kind: file | dir | symlink | hardlink | whiteout | opaque."""

    path: str
    kind: str = "file"
    size: int = 0
    data: bytes | None = None
    link: str = ""
    mode: int = 0o644


def file(path: str, size: int = 0, data: bytes | None = None, mode: int = 0o644) -> E:
    return E(path, "file", size if data is None else len(data), data, mode=mode)


def directory(path: str) -> E:
    return E(path, "dir", mode=0o755)


def symlink(path: str, target: str) -> E:
    return E(path, "symlink", link=target)


def hardlink(path: str, target: str) -> E:
    return E(path, "hardlink", link=target)


def whiteout(path: str) -> E:
    """Delete `path` (a file or a whole directory) from the layers below."""
    parent, _, name = path.rstrip("/").rpartition("/")
    return E(f"{parent}/.wh.{name}".lstrip("/"), "file")


def opaque(directory_path: str) -> E:
    """Mark `directory_path` opaque: the lower layers' contents of it are hidden."""
    return E(f"{directory_path.rstrip('/')}/.wh..wh..opq".lstrip("/"), "file")


@dataclass
class Step:
    """A history entry. `entries` None means an empty layer (ENV, CMD, ...)."""

    created_by: str
    entries: list[E] | None = None
    created: str = "2026-01-01T00:00:00Z"


@dataclass
class ImageSpec:
    steps: list[Step]
    tag: str = "synthetic:latest"
    os: str = "linux"
    architecture: str = "amd64"
    variant: str | None = None
    extra_history: list[dict] = field(default_factory=list)


def _text_block(size: int = 1 << 20) -> bytes:
    """1 MiB of pseudo-random words: compresses like real text (about 2.5x with gzip), and since it repeats only
    every MiB, far beyond gzip's 32 KiB window, a big file of it costs a real decompression."""
    import random

    rng = random.Random(1)
    words = [bytes(rng.choice(b"abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 9))) for _ in range(4000)]
    out = bytearray()
    while len(out) < size:
        out += rng.choice(words) + b" "
    return bytes(out[:size])


FILL = {"pattern": None}  # None: zero bytes (sparse-friendly); set_fill("text") for realistic compression


def set_fill(kind: str) -> None:
    FILL["pattern"] = _text_block() if kind == "text" else None


class _Zeros(io.RawIOBase):
    """A reader of `size` bytes (zeros, or the FILL pattern), so big files cost no memory."""

    def __init__(self, size: int):
        self.left = size
        self.done = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        count = min(len(buffer), self.left)
        pattern = FILL["pattern"]
        if pattern is None:
            buffer[:count] = bytes(count)
        else:
            start = self.done % len(pattern)
            chunk = (pattern[start:] + pattern)[:count]
            while len(chunk) < count:
                chunk += pattern
            buffer[:count] = chunk[:count]
        self.left -= count
        self.done += count
        return count


def _write_layer(entries: list[E], out_path: Path) -> None:
    with tarfile.open(out_path, "w", format=tarfile.PAX_FORMAT) as tar:
        for entry in entries:
            info = tarfile.TarInfo(entry.path.lstrip("/"))
            info.mode = entry.mode
            info.mtime = 1_700_000_000
            if entry.kind == "dir":
                info.type = tarfile.DIRTYPE
                tar.addfile(info)
            elif entry.kind == "symlink":
                info.type = tarfile.SYMTYPE
                info.linkname = entry.link
                tar.addfile(info)
            elif entry.kind == "hardlink":
                info.type = tarfile.LNKTYPE
                info.linkname = entry.link.lstrip("/")
                tar.addfile(info)
            else:
                info.size = entry.size
                reader = io.BytesIO(entry.data) if entry.data is not None else io.BufferedReader(_Zeros(entry.size))
                tar.addfile(info, reader)


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _compress(raw: Path, compression: str | None) -> Path:
    if compression is None:
        return raw
    out = raw.with_suffix("." + compression)
    with open(raw, "rb") as src:
        if compression == "gzip":
            with gzip.GzipFile(out, "wb", compresslevel=1, mtime=0) as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
        elif compression == "zstd":
            from backports import zstd  # test-only: skipped where missing

            with zstd.ZstdFile(out, "wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
        else:
            raise ValueError(compression)
    raw.unlink()
    return out


@dataclass
class _Built:
    layer_files: list[Path]  # on disk, possibly compressed
    diff_ids: list[str]
    config: bytes


def _build_parts(spec: ImageSpec, workdir: Path, compression: str | None) -> _Built:
    layer_files: list[Path] = []
    diff_ids: list[str] = []
    history = list(spec.extra_history)
    for index, step in enumerate(spec.steps):
        entry = {"created": step.created, "created_by": step.created_by}
        if step.entries is None:
            entry["empty_layer"] = True
        else:
            raw = workdir / f"layer{index}.tar"
            _write_layer(step.entries, raw)
            diff_ids.append("sha256:" + _sha256_file(raw))
            layer_files.append(_compress(raw, compression))
        history.append(entry)
    config = {
        "architecture": spec.architecture,
        "os": spec.os,
        "config": {"Env": ["PATH=/usr/bin:/bin"], "Cmd": ["sh"]},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": history,
        "created": "2026-01-01T00:00:00Z",
    }
    if spec.variant:
        config["variant"] = spec.variant
    return _Built(layer_files, diff_ids, json.dumps(config).encode())


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o644
    tar.addfile(info, io.BytesIO(data))


def build_docker_archive(spec: ImageSpec, out: Path, compression: str | None = None) -> Path:
    """The legacy `docker save` layout: manifest.json, <config>.json, <id>/layer.tar."""
    with tempfile.TemporaryDirectory(dir=out.parent) as tmp:
        built = _build_parts(spec, Path(tmp), compression)
        config_name = hashlib.sha256(built.config).hexdigest() + ".json"
        layer_names = []
        with tarfile.open(out, "w") as tar:
            for number, layer in enumerate(built.layer_files):
                name = f"{hashlib.sha256(f'{number}{built.diff_ids[number]}'.encode()).hexdigest()}/layer.tar"
                tar.add(layer, name)
                layer_names.append(name)
            _add_bytes(tar, config_name, built.config)
            manifest = [{"Config": config_name, "RepoTags": [spec.tag] if spec.tag else None, "Layers": layer_names}]
            # docker writes manifest.json after the layers: readers must not rely on member order
            _add_bytes(tar, "manifest.json", json.dumps(manifest).encode())
    return out


def _blob(tar_or_dir, data_or_path, media_type: str) -> dict:
    """Add a blob to an OCI layout (tar or folder); return its descriptor."""
    if isinstance(data_or_path, Path):
        digest, size = _sha256_file(data_or_path), data_or_path.stat().st_size
    else:
        digest, size = hashlib.sha256(data_or_path).hexdigest(), len(data_or_path)
    name = f"blobs/sha256/{digest}"
    if isinstance(tar_or_dir, Path):
        target = tar_or_dir / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data_or_path, Path):
            shutil.copyfile(data_or_path, target)
        else:
            target.write_bytes(data_or_path)
    elif isinstance(data_or_path, Path):
        tar_or_dir.add(data_or_path, name)
    else:
        _add_bytes(tar_or_dir, name, data_or_path)
    return {"mediaType": media_type, "digest": f"sha256:{digest}", "size": size}


def _write_oci(target, specs: list[ImageSpec], compression: str | None, workdir: Path, nested_index: bool) -> None:
    layer_type = "application/vnd.oci.image.layer.v1.tar" + {None: "", "gzip": "+gzip", "zstd": "+zstd"}[compression]

    def put(name: str, data: bytes) -> None:
        if isinstance(target, Path):
            (target / name).write_bytes(data)
        else:
            _add_bytes(target, name, data)

    put("oci-layout", b'{"imageLayoutVersion": "1.0.0"}')
    manifests = []
    for number, spec in enumerate(specs):
        sub = workdir / f"img{number}"
        sub.mkdir()
        built = _build_parts(spec, sub, compression)
        layers = [_blob(target, path, layer_type) for path in built.layer_files]
        config = _blob(target, built.config, "application/vnd.oci.image.config.v1+json")
        manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                    "config": config, "layers": layers}
        descriptor = _blob(target, json.dumps(manifest).encode(), "application/vnd.oci.image.manifest.v1+json")
        descriptor["platform"] = {"os": spec.os, "architecture": spec.architecture}
        if spec.variant:
            descriptor["platform"]["variant"] = spec.variant
        if spec.tag:
            descriptor["annotations"] = {"io.containerd.image.name": f"docker.io/library/{spec.tag}",
                                         "org.opencontainers.image.ref.name": spec.tag.rsplit(":", 1)[-1]}
        manifests.append(descriptor)
    if nested_index:
        inner = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": manifests}
        descriptor = _blob(target, json.dumps(inner).encode(), "application/vnd.oci.image.index.v1+json")
        descriptor["annotations"] = {"org.opencontainers.image.ref.name": "latest"}
        manifests = [descriptor]
    index = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": manifests}
    put("index.json", json.dumps(index).encode())


def build_oci_archive(specs: ImageSpec | list[ImageSpec], out: Path, compression: str | None = None,
                      nested_index: bool = False) -> Path:
    """The OCI layout as Docker 25+ `docker save` writes it, as one tar."""
    specs = [specs] if isinstance(specs, ImageSpec) else specs
    with tempfile.TemporaryDirectory(dir=out.parent) as tmp, tarfile.open(out, "w") as tar:
        _write_oci(tar, specs, compression, Path(tmp), nested_index)
    return out


def build_oci_dir(specs: ImageSpec | list[ImageSpec], out: Path, compression: str | None = None,
                  nested_index: bool = False) -> Path:
    """The OCI layout folder `skopeo copy ... oci:DIR` writes."""
    specs = [specs] if isinstance(specs, ImageSpec) else specs
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent) as tmp:
        _write_oci(out, specs, compression, Path(tmp), nested_index)
    return out


def disk_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.is_dir() else os.path.getsize(path)
