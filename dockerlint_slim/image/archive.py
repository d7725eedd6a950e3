"""Find one image in a saved archive or OCI layout folder: its config, history and layer blobs.

Supported inputs:
- `docker save` / `podman save` legacy layout: `manifest.json`, `<config>.json`, `<id>/layer.tar`;
- the OCI image layout (Docker 25+ `docker save`, `skopeo copy ... oci-archive:`), as a tar or as a folder
  (`skopeo copy ... oci:DIR`), with nested image indexes (multi-platform).
The outer tar is opened for random access (headers only, data is skipped by seeking), so a layer blob is read once,
as a stream, when its turn comes; nothing is extracted to disk.
"""

from __future__ import annotations

import json
import os
import posixpath
import tarfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Any

INDEX_TYPES = {
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
}
MANIFEST_TYPES = {
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
}
# JSON documents in an archive are small; anything bigger is not a manifest or config and is refused, so a corrupt
# archive cannot make us load gigabytes into memory.
MAX_JSON_BYTES = 64 * 1024 * 1024


class ImageError(Exception):
    """The input cannot be read as an image (missing, malformed, unsupported): the command exits 2."""


@dataclass(frozen=True)
class HistoryEntry:
    created_by: str
    empty_layer: bool
    created: str = ""
    comment: str = ""


@dataclass
class LayerRef:
    index: int  # position among the image's layers (0 = bottom)
    diff_id: str  # digest of the uncompressed tar, from the config ("" when unknown)
    blob: str  # member name in the archive / path in the folder
    media_type: str
    opener: Callable[[], IO[bytes]] = field(repr=False)
    history_index: int | None = None  # which config.history entry created this layer
    created_by: str = ""
    blob_bytes: int = 0  # the layer as stored in the archive (compressed or not): what a pull downloads


@dataclass
class ImageRef:
    source: str
    layout: str  # docker-archive | oci-archive | oci-dir | docker-dir
    names: list[str]
    platform: str
    config: dict[str, Any]
    layers: list[LayerRef]
    history: list[HistoryEntry]


class _Store:
    """Read-only access to named members: a tar archive or a folder."""

    def exists(self, name: str) -> bool:
        raise NotImplementedError

    def open(self, name: str) -> IO[bytes]:
        raise NotImplementedError

    def size(self, name: str) -> int:
        raise NotImplementedError

    def close(self) -> None:
        pass

    def read_json(self, name: str) -> Any:
        if not self.exists(name):
            raise ImageError(f"{name} is missing from the archive")
        if self.size(name) > MAX_JSON_BYTES:
            raise ImageError(f"{name} is {self.size(name)} bytes: too big for a manifest or config")
        with self.open(name) as handle:
            data = handle.read()
        try:
            return json.loads(data)
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise ImageError(f"{name} is not valid JSON: {error}") from None
        except RecursionError:
            raise ImageError(f"{name}: JSON nested too deeply") from None


def _norm(name: str) -> str:
    """Member names as `a/b`: no leading `./` or `/`, `..` resolved (so it cannot climb out of the archive)."""
    return posixpath.normpath("/" + name).lstrip("/")


class _TarStore(_Store):
    def __init__(self, path: str):
        try:
            # "r:*": transparent for `docker save | gzip`; an uncompressed archive is scanned by seeking over data.
            self.tar = tarfile.open(path, "r:*")  # noqa: SIM115 - open for the store's lifetime, closed by close()
            self.members = {}
            for info in self.tar:
                self.members[_norm(info.name)] = info
        except (tarfile.TarError, EOFError, OSError, ValueError) as error:
            raise ImageError(f"{path}: not a readable tar archive ({error})") from None

    def exists(self, name: str) -> bool:
        return _norm(name) in self.members

    def size(self, name: str) -> int:
        return self.members[_norm(name)].size

    def open(self, name: str) -> IO[bytes]:
        info = self.members[_norm(name)]
        try:
            handle = self.tar.extractfile(info)  # follows hard and symbolic links between layers (docker dedup)
        except (tarfile.TarError, KeyError) as error:
            raise ImageError(f"{name}: cannot open archive member ({error})") from None
        if handle is None:
            raise ImageError(f"{name} is not a regular file in the archive")
        return handle

    def close(self) -> None:
        self.tar.close()


class _DirStore(_Store):
    def __init__(self, root: str):
        self.root = root

    def _path(self, name: str) -> str:
        return os.path.join(self.root, *_norm(name).split("/"))

    def exists(self, name: str) -> bool:
        return os.path.isfile(self._path(name))

    def size(self, name: str) -> int:
        return os.path.getsize(self._path(name))

    def open(self, name: str) -> IO[bytes]:
        try:
            return open(self._path(name), "rb")
        except OSError as error:
            raise ImageError(f"{name}: {error.strerror}") from None


@dataclass
class _Candidate:
    names: list[str]
    platform: str
    config_name: str
    layers: list[tuple[str, str]]  # (blob name, media type)
    descriptor: dict[str, Any] = field(default_factory=dict)


def _text(value: Any) -> str:
    """A string field of a manifest or config; anything else (null, a number, a list) counts as absent."""
    return value if isinstance(value, str) else ""


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _strings(value: Any, what: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ImageError(f"{what} must be a list of strings")
    return value


def _platform_string(platform: Any) -> str:
    platform = _object(platform)
    if not platform:
        return ""
    parts = [_text(platform.get("os")), _text(platform.get("architecture"))]
    if _text(platform.get("variant")):
        parts.append(platform["variant"])
    return "/".join(parts)


def _normalize_platform(text: str) -> tuple[str, str, str]:
    parts = (text.strip().lower().split("/") + ["", "", ""])[:3]
    os_name, arch, variant = parts
    arch = {"x86_64": "amd64", "aarch64": "arm64"}.get(arch, arch)
    if arch == "arm64" and variant == "v8":  # arm64 means arm64/v8
        variant = ""
    return os_name, arch, variant


def platform_matches(wanted: str, actual: str) -> bool:
    w_os, w_arch, w_variant = _normalize_platform(wanted)
    a_os, a_arch, a_variant = _normalize_platform(actual)
    return w_os == a_os and w_arch == a_arch and (not w_variant or w_variant == a_variant)


def canonical_name(name: str) -> str:
    """`app` -> `docker.io/library/app:latest`, `ghcr.io/o/app:1` unchanged: how Docker resolves a reference."""
    first, _, rest = name.partition("/")
    if not rest or ("." not in first and ":" not in first and first != "localhost"):
        name = "docker.io/" + name
    if name.startswith("docker.io/") and name.count("/") == 1:
        name = "docker.io/library/" + name[len("docker.io/"):]
    last = name.rsplit("/", 1)[-1]
    if ":" not in last and "@" not in last:
        name += ":latest"
    return name


def tag_matches(wanted: str, names: list[str]) -> bool:
    """`--tag` matches a full reference in any spelling, or an OCI `ref.name` exactly (`skopeo ... oci:DIR:mytag`)."""
    return any(wanted == name or canonical_name(wanted) == canonical_name(name) for name in names)


def _oci_blob_name(digest: Any) -> str:
    if not isinstance(digest, str):
        raise ImageError(f"malformed digest {digest!r}")
    algorithm, _, hexdigest = digest.partition(":")
    if not algorithm or not hexdigest or "/" in hexdigest or ".." in hexdigest:
        raise ImageError(f"malformed digest {digest!r}")
    return f"blobs/{algorithm}/{hexdigest}"


def _descriptor_names(descriptor: dict[str, Any]) -> list[str]:
    annotations = _object(descriptor.get("annotations"))
    return [_text(annotations.get(key)) for key in ("io.containerd.image.name", "org.opencontainers.image.ref.name")
            if _text(annotations.get(key))]


def _oci_candidates(store: _Store, index: dict[str, Any], inherited: list[str], depth: int = 0) -> list[_Candidate]:
    if depth > 4:
        raise ImageError("image indexes nested too deeply")
    found = []
    manifests = index.get("manifests")
    if not isinstance(manifests, list):
        raise ImageError("an image index has no list of manifests")
    for descriptor in manifests:
        if not isinstance(descriptor, dict) or "digest" not in descriptor:
            raise ImageError("an image index lists a manifest without digest")
        annotations = _object(descriptor.get("annotations"))
        if annotations.get("vnd.docker.reference.type") == "attestation-manifest":
            continue  # BuildKit provenance/SBOM, not an image
        names = _descriptor_names(descriptor) or inherited
        blob = _oci_blob_name(descriptor["digest"])
        if not store.exists(blob):
            continue  # a multi-platform index whose other platforms were not saved
        document = store.read_json(blob)
        if not isinstance(document, dict):
            raise ImageError(f"{blob}: not an image manifest or index")
        media_type = _text(descriptor.get("mediaType")) or _text(document.get("mediaType"))
        if media_type in INDEX_TYPES or (not media_type and "manifests" in document):
            found.extend(_oci_candidates(store, document, names, depth + 1))
            continue
        if media_type and media_type not in MANIFEST_TYPES:
            continue
        config = _object(document.get("config"))
        layer_list = document.get("layers")
        if "digest" not in config or not isinstance(layer_list, list):
            raise ImageError(f"{blob}: image manifest without config or layers")
        platform = _platform_string(descriptor.get("platform"))
        layers = [(_oci_blob_name(_object(layer).get("digest")), _text(_object(layer).get("mediaType")))
                  for layer in layer_list]
        found.append(_Candidate(names, platform, _oci_blob_name(config["digest"]), layers, descriptor))
    return found


def _legacy_candidates(store: _Store) -> list[_Candidate]:
    manifest = store.read_json("manifest.json")
    if not isinstance(manifest, list):
        raise ImageError("manifest.json is not a list of images")
    found = []
    for item in manifest:
        if not isinstance(item, dict) or not isinstance(item.get("Config"), str):
            raise ImageError("manifest.json: an entry has no Config")
        layers = [(_norm(name), "") for name in _strings(item.get("Layers"), "manifest.json Layers")]
        found.append(_Candidate(_strings(item.get("RepoTags"), "manifest.json RepoTags"), "", _norm(item["Config"]),
                                layers))
    return found


def _choose(candidates: list[_Candidate], tag: str | None, platform: str | None) -> _Candidate:
    def describe(candidate: _Candidate) -> str:
        return f"{', '.join(candidate.names) or '<untagged>'} ({candidate.platform or 'unknown platform'})"

    if not candidates:
        raise ImageError("the archive holds no image whose manifest and layers are present")
    chosen = candidates
    if tag:
        chosen = [c for c in chosen if tag_matches(tag, c.names)]
        if not chosen:
            raise ImageError(f"no image tagged {tag!r}; the archive holds: " + "; ".join(map(describe, candidates)))
    if platform:
        matching = [c for c in chosen if platform_matches(platform, c.platform)]
        if not matching:
            raise ImageError(f"no image for platform {platform!r}; the archive holds: "
                             + "; ".join(map(describe, chosen)))
        chosen = matching
    if len(chosen) > 1:
        raise ImageError(f"the archive holds {len(chosen)} images, choose one with --tag or --platform: "
                         + "; ".join(map(describe, chosen)))
    return chosen[0]


def _history(config: dict[str, Any]) -> list[HistoryEntry]:
    history = config.get("history")
    if history is not None and not isinstance(history, list):
        raise ImageError("the image config's history is not a list")
    entries = []
    for item in history or []:
        item = _object(item)
        entries.append(HistoryEntry(_text(item.get("created_by")), item.get("empty_layer") is True,
                                    _text(item.get("created")), _text(item.get("comment"))))
    return entries


def open_image(path: str, tag: str | None = None, platform: str | None = None) -> tuple[ImageRef, _Store]:
    """Locate the image; the caller must `close()` the returned store after reading the layers."""
    if path == "-":
        # a docker-save stream writes manifest.json last: layers could not be read in order without spooling
        raise ImageError("reading an image from stdin is not supported: save it first (docker save -o app.tar app)")
    if os.path.isdir(path):
        store: _Store = _DirStore(path)
        layout = "oci-dir" if store.exists("index.json") else "docker-dir"
    elif os.path.isfile(path):
        store = _TarStore(path)
        layout = "oci-archive" if store.exists("index.json") else "docker-archive"
    else:
        raise ImageError(f"{path}: no such file or directory")
    try:
        return _open(store, path, layout, tag, platform), store
    except BaseException:
        store.close()
        raise


def _open(store: _Store, path: str, layout: str, tag: str | None, platform: str | None) -> ImageRef:
    if layout.startswith("oci"):
        index = store.read_json("index.json")
        if not isinstance(index, dict):
            raise ImageError("index.json is not an image index")
        candidates = _oci_candidates(store, index, [])
    elif store.exists("manifest.json"):
        candidates = _legacy_candidates(store)
    else:
        raise ImageError(f"{path}: neither an OCI layout (index.json) nor a docker save archive (manifest.json)")
    # The legacy layout has no platform in the manifest: take it from the config, which we read anyway.
    configs: dict[str, dict[str, Any]] = {}
    for candidate in candidates:
        if not candidate.platform and (platform or len(candidates) > 1):
            config = configs.setdefault(candidate.config_name, _read_config(store, candidate.config_name))
            candidate.platform = _platform_string(config)
    chosen = _choose(candidates, tag, platform)
    config = configs.get(chosen.config_name) or _read_config(store, chosen.config_name)
    return _build_ref(store, path, layout, chosen, config)


def _read_config(store: _Store, name: str) -> dict[str, Any]:
    config = store.read_json(name)
    if not isinstance(config, dict):
        raise ImageError(f"{name}: image config is not a JSON object")
    return config


def _build_ref(store: _Store, path: str, layout: str, chosen: _Candidate, config: dict[str, Any]) -> ImageRef:
    diff_ids = _strings(_object(config.get("rootfs")).get("diff_ids"), "the image config's rootfs.diff_ids")
    if diff_ids and len(diff_ids) != len(chosen.layers):
        raise ImageError(f"the manifest lists {len(chosen.layers)} layers but the config has {len(diff_ids)} diff_ids")
    history = _history(config)
    layer_history = [number for number, entry in enumerate(history) if not entry.empty_layer]
    if len(layer_history) != len(chosen.layers):
        layer_history = []  # history does not describe these layers (hand-made image): no pairing rather than a wrong one
    layers = []
    for number, (blob, media_type) in enumerate(chosen.layers):
        if not store.exists(blob):
            raise ImageError(f"layer {number} ({blob}) is missing from the archive"
                             + (" (a foreign/non-distributable layer?)" if "foreign" in media_type
                                or "nondistributable" in media_type else ""))
        history_index = layer_history[number] if layer_history else None
        layers.append(LayerRef(
            index=number,
            diff_id=diff_ids[number] if diff_ids else "",
            blob=blob,
            media_type=media_type,
            opener=(lambda name=blob: store.open(name)),
            history_index=history_index,
            created_by=history[history_index].created_by if history_index is not None else "",
            blob_bytes=store.size(blob),
        ))
    return ImageRef(source=path, layout=layout, names=chosen.names,
                    platform=chosen.platform or _platform_string(config), config=config, layers=layers,
                    history=history)
