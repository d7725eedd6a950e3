"""Find one image in a saved archive or OCI layout folder: its config, history and layer blobs.

Supported inputs:
- `docker save` / `podman save` legacy layout: `manifest.json`, `<config>.json`, `<id>/layer.tar`;
- the OCI image layout (Docker 25+ `docker save`, `skopeo copy ... oci-archive:`), as a tar or as a folder
  (`skopeo copy ... oci:DIR`), with nested image indexes (multi-platform).
A tar archive is read in one forward pass (also when it is compressed, `docker save | gzip`, or a pipe from an
engine); an OCI folder by name. Every blob whose name is its digest, every layer's diff_id and every layer
descriptor's digest is verified while streaming; nothing is extracted to disk.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import lzma
import os
import posixpath
import re
import stat
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any, Protocol

from dockerlint_slim.image.errors import ImageError
from dockerlint_slim.image.tar_stream import (
    BZIP2_MAGIC,
    GZIP_MAGIC,
    IN_CHUNK,
    XZ_MAGIC,
    ZSTD_MAGIC,
    Blocks,
    Entry,
    InflateBudget,
    LayerHashes,
    Malformed,
    decompressed,
    entries_of,
    file_chunks,
    headers,
)

__all__ = ["ImageError", "ImageRef", "LayerRef", "LayerSink", "read_image", "read_tar_stream"]

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
MAX_DOCUMENT_BYTES = 256 * 1024 * 1024  # all JSON documents of one archive together
_HEX64 = re.compile(r"[0-9a-f]{64}")




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
    history_index: int | None = None  # which config.history entry created this layer
    created_by: str = ""
    blob_bytes: int = 0  # the layer as stored in the archive (compressed or not): what a pull downloads
    digest: str = ""  # the blob's own digest when the layout names it (OCI), verified while reading


@dataclass
class ImageRef:
    source: str
    layout: str  # docker-archive | oci-archive | oci-dir | docker-dir
    names: list[str]
    platform: str
    config: dict[str, Any]
    layers: list[LayerRef]
    history: list[HistoryEntry]


def _norm(name: str) -> str:
    """Member names as `a/b`: no leading `./` or `/`, `..` resolved (so it cannot climb out of the archive)."""
    return posixpath.normpath("/" + name).lstrip("/")


class _NotYet(Exception):
    """A document the forward pass has not reached yet (the plan is tried again after the next one)."""


def _sha256_name(name: str) -> str | None:
    """The sha256 a member's content must have when its name says it: `blobs/sha256/<hex>` (OCI) or
    `<hex>.json` (the config of a `docker save` archive, named by its digest)."""
    base = name.rsplit("/", 1)[-1]
    if name.startswith("blobs/sha256/"):
        return base
    if name.count("/") == 0 and base.endswith(".json") and _HEX64.fullmatch(base[:-5]):
        return base[:-5]
    return None


def _looks_like_json(head: bytes) -> bool:
    return head.lstrip(b" \t\r\n")[:1] in (b"{", b"[")


class _Store:
    """Named members of an image archive or folder, for finding the image (documents) and reading its layers."""

    final = True  # False while a forward pass has not reached the end of the archive

    def has(self, name: str) -> bool:
        raise NotImplementedError

    def size(self, name: str) -> int:
        raise NotImplementedError

    def document(self, name: str) -> bytes:
        raise NotImplementedError

    def read_json(self, name: str) -> Any:
        if not self.has(name):
            raise ImageError(f"{name} is missing from the archive")
        data = self.document(name)
        expected = _sha256_name(name)
        if expected is not None and hashlib.sha256(data).hexdigest() != expected.lower():
            raise ImageError(f"{name}: content does not match its digest: corrupt or tampered")
        return parse_json(data, name)


def parse_json(data: bytes, name: str) -> Any:
    """A manifest, index or config; anything that is not plain JSON is one clear error."""
    try:
        return json.loads(data)
    except RecursionError:
        raise ImageError(f"{name}: JSON nested too deeply") from None
    except (UnicodeDecodeError, ValueError) as error:  # ValueError: also a number of more than 4,300 digits
        raise ImageError(f"{name} is not valid JSON: {_one_line(str(error))}") from None


def _one_line(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class _DirStore(_Store):
    """An OCI layout folder. Every member is a regular file inside the folder: a symbolic link anywhere below the
    folder (blobs/, a blob, index.json) is refused, so a crafted layout cannot make us read files outside it."""

    def __init__(self, root: str):
        self.root = root

    def _path(self, name: str) -> str | None:
        path = self.root
        for part in _norm(name).split("/"):
            path = os.path.join(path, part)
            try:
                info = os.lstat(path)
            except OSError:
                return None
            if stat.S_ISLNK(info.st_mode):
                raise ImageError(f"{name}: a symbolic link inside the OCI folder ({path}): refused, as a layout "
                                 "must hold its blobs itself")
        return path if stat.S_ISREG(info.st_mode) else None

    def has(self, name: str) -> bool:
        return self._path(name) is not None

    def size(self, name: str) -> int:
        path = self._path(name)
        return os.path.getsize(path) if path else 0

    def document(self, name: str) -> bytes:
        path = self._path(name)
        if path is None:
            raise ImageError(f"{name} is missing from the archive")
        try:
            with open(path, "rb") as handle:
                data = handle.read(MAX_JSON_BYTES + 1)
        except OSError as error:
            raise ImageError(f"{name}: {error.strerror}") from None
        if len(data) > MAX_JSON_BYTES:
            raise ImageError(f"{name} is bigger than {MAX_JSON_BYTES} bytes: too big for a manifest or config")
        return data

    def chunks(self, name: str) -> Iterator[bytes]:
        path = self._path(name)
        if path is None:
            raise ImageError(f"{name} is missing from the folder")
        try:
            handle = open(path, "rb")  # noqa: SIM115 - closed when the generator ends
        except OSError as error:
            raise ImageError(f"{name}: {error.strerror}") from None
        with handle:
            yield from file_chunks(handle)


@dataclass
class _ReadAhead:
    """A layer met before the reader knew its turn, in a stream that cannot be read again: its entries (memory per
    entry, never per byte) and the digests of its bytes, checked when the image says what they must be."""

    entries: list[Entry]
    hashes: LayerHashes
    error: ImageError | None = None


class _TarStore(_Store):
    """One forward pass over a tar archive (a file, `docker save | gzip`, or a pipe from `podman image save`).

    Documents (small JSON members) are kept. A layer is streamed into the analysis as it passes when its turn is
    known (the image's manifest and config came first, or the engine said which layers to expect); otherwise a
    seekable archive remembers where the layer is (read again later by offset) and a stream reads it ahead into
    its entries. No index of unrelated members is kept."""

    def __init__(self, label: str, handle: IO[bytes], seekable: bool, budget: InflateBudget | None):
        self.label = label
        self.handle = handle
        self.budget = budget
        self.final = False
        self.docs: dict[str, bytes] = {}
        self.doc_bytes = 0
        self.offsets: dict[str, tuple[int, int]] = {}  # seekable archive: member -> (data offset, size)
        self.ahead: dict[str, _ReadAhead] = {}  # stream: layers read before their turn
        self.passed: dict[str, int] = {}  # members streamed into the analysis -> size
        self.aliases: dict[str, str] = {}  # hard and symbolic links between members (docker save's dedup)
        self.members = 0
        head = handle.peek(8)[:8] if hasattr(handle, "peek") else b""
        compressed = head.startswith((GZIP_MAGIC, ZSTD_MAGIC, BZIP2_MAGIC, XZ_MAGIC))
        self.seekable = seekable and not compressed
        if self.seekable:
            self.fd = handle.fileno()
            self.blocks: Blocks = SeekBlocks(handle)
        else:
            stream, _ = decompressed(file_chunks(handle), budget)
            self.blocks = Blocks(stream)

    def resolve(self, name: str) -> str:
        name = _norm(name)
        for _ in range(16):
            if name not in self.aliases:
                return name
            name = self.aliases[name]
        raise ImageError(f"{name}: links between archive members loop")

    def has(self, name: str) -> bool:
        name = self.resolve(name)
        if name in self.docs or name in self.offsets or name in self.ahead or name in self.passed:
            return True
        if not self.final:
            raise _NotYet(name)
        return False

    def size(self, name: str) -> int:
        name = self.resolve(name)
        if name in self.docs:
            return len(self.docs[name])
        if name in self.offsets:
            return self.offsets[name][1]
        return self.passed.get(name, 0)

    def document(self, name: str) -> bytes:
        name = self.resolve(name)
        if name in self.docs:
            return self.docs[name]
        if name in self.offsets:
            offset, size = self.offsets[name]
            if size > MAX_JSON_BYTES:
                raise ImageError(f"{name} is {size} bytes: too big for a manifest or config")
            return b"".join(_pread_chunks(self.fd, offset, size))
        if not self.final:
            raise _NotYet(name)
        raise ImageError(f"{name} is not a JSON document in the archive")

    def chunks(self, name: str) -> Iterator[bytes]:
        offset, size = self.offsets[self.resolve(name)]
        return _pread_chunks(self.fd, offset, size)

    def members_iter(self) -> Iterator[tuple[str, int]]:
        """(name, size) of each regular-file member whose data the caller may take from self.blocks."""
        try:
            for name, typeflag, size, link in headers(self.blocks):
                self.members += 1
                name = _norm(name)
                if typeflag == b"1":
                    self.aliases[name] = _norm(link)
                elif typeflag == b"2":
                    self.aliases[name] = _norm(posixpath.join(posixpath.dirname(name), link))
                elif typeflag in (b"0", b"\x00", b"7"):
                    yield name, size
            self.blocks.drain()
        except Malformed as error:
            if self.members == 0:
                raise ImageError(f"{self.label}: not a readable tar archive ({error})") from None
            raise ImageError(f"{self.label}: malformed archive ({error})") from None
        except (OSError, EOFError, lzma.LZMAError, zlib.error) as error:
            raise ImageError(f"{self.label}: malformed archive ({type(error).__name__}: {error})") from None
        if self.members == 0:
            raise ImageError(f"{self.label}: not a readable tar archive (no members)")
        self.final = True

    def keep_document(self, name: str, size: int, head: bytes) -> None:
        self.doc_bytes += size
        if self.doc_bytes > MAX_DOCUMENT_BYTES:
            raise ImageError(f"{self.label}: more than {MAX_DOCUMENT_BYTES} bytes of JSON documents: not an image "
                             "archive")
        self.docs[name] = head + b"".join(self.blocks.take(size - len(head)))

    def read_ahead(self, name: str, size: int, head: bytes) -> None:
        if self.seekable:
            self.offsets[name] = (self.blocks.offset - len(head), size)
            return
        hashes = LayerHashes()
        entries: list[Entry] = []
        chunks = itertools.chain((head,), self.blocks.take(size - len(head)))
        ahead = _ReadAhead(entries, hashes)
        try:
            entries.extend(entries_of(chunks, f"{name}", self.budget, hashes))
        except ImageError as error:  # not a layer, maybe: an error only if the image needs it as one
            ahead.error = error
            ahead.entries = []
            for _ in chunks:  # the rest of the member
                pass
        self.ahead[name] = ahead


class SeekBlocks(Blocks):
    """Blocks over a seekable file: data that is not needed is skipped by seeking."""

    def __init__(self, handle: IO[bytes]):
        self.handle = handle
        self.offset = handle.tell()
        self.end = handle.seek(0, os.SEEK_END)
        handle.seek(self.offset)

    def read(self, count: int) -> bytes:
        data = self.handle.read(count)
        self.offset += len(data)
        return data

    def skip(self, count: int) -> None:
        if count <= 0:
            return
        if self.offset + count > self.end:
            raise Malformed(f"file data cut short at byte {self.end}")
        self.offset += count
        self.handle.seek(self.offset)

    def take(self, count: int) -> Iterator[bytes]:
        if self.offset + count > self.end:
            raise Malformed(f"file data cut short at byte {self.end}")
        for chunk in file_chunks(self.handle, count):
            self.offset += len(chunk)
            yield chunk

    def drain(self) -> None:
        self.offset = self.end


def _pread_chunks(fd: int, offset: int, size: int) -> Iterator[bytes]:
    end = offset + size
    while offset < end:
        chunk = os.pread(fd, min(IN_CHUNK, end - offset), offset)
        if not chunk:
            raise ImageError(f"archive cut short at byte {offset}")
        offset += len(chunk)
        yield chunk

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
        if not store.has(blob):
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


class LayerSink(Protocol):
    def layer(self, index: int, entries: Iterator[Entry]) -> None:
        """Consume the entries of layer `index` (called in order: 0, 1, 2 ...), to their end."""


def read_image(path: str, sink: LayerSink, tag: str | None = None, platform: str | None = None,
               budget: InflateBudget | None = None) -> ImageRef:
    """Find the image in an archive file or OCI folder and feed its layers, in order, to `sink`."""
    if os.path.isdir(path):
        return _read_folder(path, sink, tag, platform, budget)
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed below
    except FileNotFoundError:
        raise ImageError(f"{path}: no such file or directory") from None
    except OSError as error:
        raise ImageError(f"{path}: {error.strerror}") from None
    with handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise ImageError(f"{path}: not a regular file or folder")
        return read_tar_stream(handle, path, sink, tag, platform, budget, seekable=True)


def _read_folder(path: str, sink: LayerSink, tag: str | None, platform: str | None,
                 budget: InflateBudget | None) -> ImageRef:
    store = _DirStore(path)
    layout = "oci-dir" if store.has("index.json") else "docker-dir"
    image = _plan(store, path, layout, tag, platform)
    for layer in image.layers:
        if not store.has(layer.blob):
            raise _missing_layer(layer)
        layer.blob_bytes = store.size(layer.blob)
        _feed(sink, layer, store.chunks(layer.blob), budget)
    return image


def read_tar_stream(handle: IO[bytes], label: str, sink: LayerSink, tag: str | None = None,
                    platform: str | None = None, budget: InflateBudget | None = None, seekable: bool = False,
                    expected_diff_ids: list[str] | None = None) -> ImageRef:
    """One forward pass over a `docker save` or OCI archive (plain or compressed, a file or a pipe).

    `expected_diff_ids`: the image's layers as the engine that writes the stream lists them; a layer member named
    by the next one's digest (as podman and Docker 25+ name them) is analysed as it passes, so a saved stream
    needs no memory for its layers. What the archive's own manifest says is checked against it at the end."""
    try:
        return _read_tar(handle, label, sink, tag, platform, budget, seekable, expected_diff_ids)
    except Malformed as error:
        raise ImageError(f"{label}: malformed archive ({error})") from None
    except (OSError, EOFError, lzma.LZMAError, zlib.error) as error:
        raise ImageError(f"{label}: malformed archive ({type(error).__name__}: {error})") from None


def _read_tar(handle: IO[bytes], label: str, sink: LayerSink, tag: str | None, platform: str | None,
              budget: InflateBudget | None, seekable: bool, expected_diff_ids: list[str] | None) -> ImageRef:
    store = _TarStore(label, handle, seekable, budget)
    image: ImageRef | None = None
    done = 0  # layers handed to the sink
    hinted: dict[str, int] = {}  # members streamed on the engine's word -> layer index
    expected = [digest.partition(":")[2] for digest in expected_diff_ids or []]

    def flush() -> None:
        nonlocal done
        while image is not None and done < len(image.layers):
            layer = image.layers[done]
            name = store.resolve(layer.blob)
            if name in store.ahead:
                ahead = store.ahead[name]
                if ahead.error is not None:
                    raise ahead.error
                layer.blob_bytes = ahead.hashes.size
                _verify(layer, ahead.hashes)
                sink.layer(layer.index, iter(ahead.entries))
                if not _needed_again(image, done, name, store):
                    del store.ahead[name]
            elif name in store.offsets:
                layer.blob_bytes = store.offsets[name][1]
                _feed(sink, layer, store.chunks(name), budget)
            elif name in hinted:
                if hinted[name] != done:
                    raise ImageError(f"{label}: the saved archive's layers are not the ones the engine listed")
            else:
                return
            done += 1

    for name, size in store.members_iter():
        if image is not None and done < len(image.layers) and store.resolve(image.layers[done].blob) == name:
            layer = image.layers[done]
            layer.blob_bytes = size
            if _needed_again(image, done, name, store):
                store.read_ahead(name, size, b"")  # a stream cannot be read twice: keep its entries
            else:
                store.passed[name] = size
                _feed(sink, layer, store.blocks.take(size), budget)
                done += 1
            flush()
            continue
        if image is None and done < len(expected) and expected[done] and expected[done] in name \
                and name.rsplit("/", 1)[-1].startswith(expected[done]):
            hinted[name] = done
            store.passed[name] = size
            probe = LayerRef(index=done, diff_id=(expected_diff_ids or [])[done], blob=name, media_type="")
            _feed(sink, probe, store.blocks.take(size), budget)
            done += 1
            continue
        if not _may_be_needed(name, size, image, store):
            continue  # skipped by the header loop: unrelated members cost nothing
        head = store.blocks.read(min(size, 512))
        if size <= MAX_JSON_BYTES and _looks_like_json(head):
            store.keep_document(name, size, head)
            if image is None:
                image = _try_plan(store, label, tag, platform)
                if image is not None:
                    _check_hinted(image, hinted, expected_diff_ids or [], store, label)
                    flush()
        else:
            store.read_ahead(name, size, head)
            flush()
    if image is None:
        image = _try_plan(store, label, tag, platform)
        assert image is not None  # final: _try_plan raises rather than waits
        _check_hinted(image, hinted, expected_diff_ids or [], store, label)
    flush()
    if done < len(image.layers):
        raise _missing_layer(image.layers[done])
    return image


_BLOB_NAME = re.compile(r"(blobs/[^/]+/[^/]+|[^/]+\.json|[^/]+/json|[^/]+\.tar(\.[a-z0-9]+)?|[^/]+/layer\.tar|"
                        r"index\.json|manifest\.json|oci-layout|repositories)")


def _may_be_needed(name: str, size: int, image: ImageRef | None, store: _TarStore) -> bool:
    """Members an image archive can need: its documents and layer blobs, as docker, podman and OCI layouts name
    them (and, once the image is known, only its own layers)."""
    if size == 0 or not _BLOB_NAME.fullmatch(name):
        return False
    if image is not None:
        return any(store.resolve(layer.blob) == name for layer in image.layers)
    return True


def _needed_again(image: ImageRef, done: int, name: str, store: _TarStore) -> bool:
    return any(store.resolve(layer.blob) == name for layer in image.layers[done + 1:])


def _check_hinted(image: ImageRef, hinted: dict[str, int], expected: list[str], store: _TarStore, label: str) -> None:
    for name, index in hinted.items():
        if index >= len(image.layers) or store.resolve(image.layers[index].blob) != name \
                or image.layers[index].diff_id != expected[index]:
            raise ImageError(f"{label}: the saved archive's layers are not the ones the engine listed "
                             "(was the image replaced while it was saved?)")
        image.layers[index].blob_bytes = store.passed.get(name, 0)


def _try_plan(store: _TarStore, label: str, tag: str | None, platform: str | None) -> ImageRef | None:
    """The image, once the documents that describe it have passed; None while some are still to come."""
    if "index.json" in store.docs:
        layout = "oci-archive"
    elif "manifest.json" in store.docs and (store.final or not _refers_to_blobs(store.docs["manifest.json"])):
        layout = "docker-archive"  # Docker 25+ writes manifest.json beside index.json: wait for index.json
    elif store.final:
        raise ImageError(f"{label}: neither an OCI layout (index.json) nor a docker save archive (manifest.json)")
    else:
        return None
    try:
        return _plan(store, label, layout, tag, platform)
    except _NotYet:
        return None


def _refers_to_blobs(manifest: bytes) -> bool:
    return b'"blobs/' in manifest


def _missing_layer(layer: LayerRef) -> ImageError:
    return ImageError(f"layer {layer.index} ({layer.blob}) is missing from the archive"
                      + (" (a foreign/non-distributable layer?)" if "foreign" in layer.media_type
                         or "nondistributable" in layer.media_type else ""))


def _feed(sink: LayerSink, layer: LayerRef, chunks: Iterable[bytes], budget: InflateBudget | None) -> None:
    hashes = LayerHashes(tar_digest=not layer.digest)
    entries = entries_of(chunks, f"layer {layer.index} ({layer.blob})", budget, hashes)
    try:
        sink.layer(layer.index, entries)
    finally:
        entries.close()
    _verify(layer, hashes)


def _verify(layer: LayerRef, hashes: LayerHashes) -> None:
    """The blob's digest (OCI descriptors) and the uncompressed tar's diff_id (the image config) must match."""
    label = f"layer {layer.index} ({layer.blob})"
    for expected, actual, what in ((layer.digest, hashes.stored_hex(), "digest"),
                                   (layer.diff_id, hashes.tar_hex(), "diff_id")):
        if not expected or actual is None:  # diff_id of a compressed blob whose own digest is verified
            continue
        algorithm, _, hexdigest = expected.partition(":")
        if algorithm != "sha256":
            raise ImageError(f"{label}: unsupported {what} algorithm {algorithm!r} (sha256 expected)")
        if hexdigest.lower() != actual:
            raise ImageError(f"{label}: content does not match its {what} {expected[:19]}...: corrupt or tampered")


def _plan(store: _Store, label: str, layout: str, tag: str | None, platform: str | None) -> ImageRef:
    if layout.startswith("oci"):
        index = store.read_json("index.json")
        if not isinstance(index, dict):
            raise ImageError("index.json is not an image index")
        candidates = _oci_candidates(store, index, [])
    elif store.has("manifest.json"):
        candidates = _legacy_candidates(store)
    else:
        raise ImageError(f"{label}: neither an OCI layout (index.json) nor a docker save archive (manifest.json)")
    # The legacy layout has no platform in the manifest: take it from the config, which we read anyway.
    configs: dict[str, dict[str, Any]] = {}
    for candidate in candidates:
        if not candidate.platform and (platform or len(candidates) > 1):
            config = configs.setdefault(candidate.config_name, _read_config(store, candidate.config_name))
            candidate.platform = _platform_string(config)
    chosen = _choose(candidates, tag, platform)
    config = configs.get(chosen.config_name) or _read_config(store, chosen.config_name)
    return _build_ref(label, layout, chosen, config)


def _read_config(store: _Store, name: str) -> dict[str, Any]:
    config = store.read_json(name)
    if not isinstance(config, dict):
        raise ImageError(f"{name}: image config is not a JSON object")
    return config


def image_from_documents(label: str, layout: str, manifest: dict[str, Any], config: dict[str, Any],
                         names: list[str], platform: str = "") -> ImageRef:
    """The image described by a manifest and its config fetched from elsewhere (a registry)."""
    layer_list = manifest.get("layers")
    if not isinstance(layer_list, list):
        raise ImageError("image manifest without layers")
    layers = [(_text(_object(layer).get("digest")), _text(_object(layer).get("mediaType")))
              for layer in layer_list]
    chosen = _Candidate(names, platform, "", layers)
    return _build_ref(label, layout, chosen, config)


def _build_ref(label: str, layout: str, chosen: _Candidate, config: dict[str, Any]) -> ImageRef:
    diff_ids = _strings(_object(config.get("rootfs")).get("diff_ids"), "the image config's rootfs.diff_ids")
    if diff_ids and len(diff_ids) != len(chosen.layers):
        raise ImageError(f"the manifest lists {len(chosen.layers)} layers but the config has {len(diff_ids)} diff_ids")
    history = _history(config)
    layer_history = [number for number, entry in enumerate(history) if not entry.empty_layer]
    if len(layer_history) != len(chosen.layers):
        layer_history = []  # history does not describe these layers (hand-made image): no pairing rather than a wrong one
    layers = []
    for number, (blob, media_type) in enumerate(chosen.layers):
        history_index = layer_history[number] if layer_history else None
        layers.append(LayerRef(
            index=number,
            diff_id=diff_ids[number] if diff_ids else "",
            blob=blob,
            media_type=media_type,
            blob_bytes=0,
            history_index=history_index,
            created_by=history[history_index].created_by if history_index is not None else "",
            digest=_blob_digest(blob),
        ))
    return ImageRef(source=label, layout=layout, names=chosen.names,
                    platform=chosen.platform or _platform_string(config), config=config, layers=layers,
                    history=history)


def _blob_digest(blob: str) -> str:
    """`blobs/sha256/<hex>` -> `sha256:<hex>` (the blob must have that digest); "" for other names."""
    if blob.startswith("blobs/"):
        _, algorithm, hexdigest = blob.split("/", 2)
        return f"{algorithm}:{hexdigest}"
    if blob.startswith("sha256:"):
        return blob
    return ""
