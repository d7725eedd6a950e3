"""Ground truth for a built image: every stored file copy, followed from the layer that stored it to the layer that
made it unreadable (deleted it, overwrote it, or hid it under a replaced folder), if any.

This reader is deliberately independent of `dockerlint_slim.image` (the product code it helps to check): a small,
direct implementation of the OCI layer rules, for images podman saves (docker-archive or OCI layout folder):

- `.wh.NAME` deletes NAME (and everything below it) from the lower layers; `.wh..wh..opq` hides everything the
  lower layers put in its folder; neither touches entries of its own layer;
- an entry whose path a lower layer already has replaces it: a regular file's old copy becomes dead; a folder
  replaced by a non-folder takes its whole tree with it; a folder over a folder keeps the tree;
- a hard link shares its target's copy: the bytes stay alive while any of the names does;
- only regular files carry bytes (the tar header's size); links, folders and devices carry none.

A *copy* (class `Copy`) is one regular file stored in one layer. It is *alive* when some name of it is readable in
the final file system, else *dead*, with `killed_by` = the layer that removed its last name. Every figure is a
sum over copies, so everything adds up exactly:

    image_bytes = sum of all copies            final_bytes = sum of alive copies
    dead_bytes  = image_bytes - final_bytes    (dive calls these "wasted", but counts more, see docs/image.md)

Per Dockerfile line the questions the accuracy table asks are "bytes stored by layer L under path P" and "bytes
stored by layers S under P that layer K made unreadable": `Image.query`.
"""

from __future__ import annotations

import json
import posixpath
import tarfile
from dataclasses import dataclass, field
from pathlib import Path

WHITEOUT = ".wh."
OPAQUE = ".wh..wh..opq"


@dataclass
class Copy:
    layer: int  # index of the layer that stored it
    path: str  # the name it was stored under (no leading slash)
    size: int
    member: str  # its name in the layer tar (to read it back)
    names: int = 1  # readable names (hard links share a copy)
    killed_by: int | None = None  # layer that removed its last name

    @property
    def alive(self) -> bool:
        return self.names > 0


@dataclass
class Node:
    kind: str  # file | dir | other
    copy: Copy | None


@dataclass
class Layer:
    index: int
    created_by: str
    digest: str
    entries: int = 0
    bytes: int = 0


@dataclass
class Image:
    config: dict
    layers: list[Layer]
    copies: list[Copy]
    live: dict[str, Node]
    removed: set[str]  # paths a later layer deleted or hid (a whiteout, an opaque folder, a replaced folder)
    source: Path
    _opener: object = field(repr=False, default=None)

    @property
    def image_bytes(self) -> int:
        return sum(c.size for c in self.copies)

    @property
    def final_bytes(self) -> int:
        return sum(c.size for c in self.copies if c.alive)

    @property
    def efficiency(self) -> float | None:
        """dive's formula, with every file of a deleted folder counted as deleted: the sum over paths of the
        smallest size stored for the path (0 when a layer deleted it) over the sum of all stored sizes."""
        smallest: dict[str, int] = {}
        for c in self.copies:
            smallest[c.path] = min(smallest.get(c.path, c.size), c.size)
        total = self.image_bytes
        if total == 0:
            return None
        return sum(0 if path in self.removed else size for path, size in smallest.items()) / total

    def query(self, *, layers: set[int] | None = None, under: list[str] | None = None, alive: bool | None = None,
              killed_by: set[int] | None = None) -> int:
        """Bytes of the copies stored by `layers` (all when None), whose stored path is one of `under` or below
        it (all when None; `"var/lib/apt/lists"`, no leading slash; a trailing `*` matches names by prefix),
        alive or dead as asked, and made unreadable by one of `killed_by` when given."""
        total = 0
        prefixes = [_norm(p) for p in under] if under is not None else None
        for c in self.copies:
            if layers is not None and c.layer not in layers:
                continue
            if alive is not None and c.alive != alive:
                continue
            if killed_by is not None and c.killed_by not in killed_by:
                continue
            if prefixes is not None and not any(_below(c.path, p) for p in prefixes):
                continue
            total += c.size
        return total

    def read(self, path: str) -> bytes | None:
        """Content of a regular file of the final file system (None when it is not one)."""
        node = self.live.get(_norm(path))
        if node is None or node.copy is None:
            return None
        return self._opener(node.copy.layer, node.copy.member)

    def listdir(self, folder: str) -> list[str]:
        prefix = _norm(folder) + "/"
        return sorted({p[len(prefix):].split("/", 1)[0] for p in self.live if p.startswith(prefix)})

    def figures(self, base_layers: int) -> dict:
        user = set(range(base_layers, len(self.layers)))
        per_layer = []
        for layer in self.layers:
            mine = [c for c in self.copies if c.layer == layer.index]
            per_layer.append({
                "index": layer.index,
                "created_by": layer.created_by,
                "bytes": layer.bytes,
                "entries": layer.entries,
                "dead_bytes": sum(c.size for c in mine if not c.alive),
                "removed_bytes": sum(c.size for c in self.copies if c.killed_by == layer.index and c.layer != layer.index),
            })
        image, final = self.image_bytes, self.final_bytes
        return {
            "image_bytes": image,
            "final_bytes": final,
            "dead_bytes": image - final,
            "efficiency": self.efficiency,
            "base_layers": base_layers,
            "user_bytes": self.query(layers=user),
            # copies the Dockerfile's own layers stored that the final file system cannot read
            "user_dead_bytes": self.query(layers=user, alive=False),
            # base image copies the Dockerfile's layers deleted or overwrote (deleting them saves nothing)
            "base_bytes_hidden_by_user": sum(c.size for c in self.copies
                                             if c.layer < base_layers and c.killed_by is not None
                                             and c.killed_by >= base_layers),
            "layers": per_layer,
        }


def _norm(path: str) -> str:
    path = path.strip()
    while path.startswith("./"):
        path = path[2:]
    return posixpath.normpath("/" + path).lstrip("/") if path not in ("", ".", "/") else ""


def _below(path: str, prefix: str) -> bool:
    if prefix.endswith("*"):
        return path.startswith(prefix[:-1])
    return path == prefix or path.startswith(prefix + "/") or prefix == ""


# --- reading saved images -------------------------------------------------------------------------------------

class ImageFormatError(ValueError):
    pass


def _docker_archive(path: Path):
    outer = tarfile.open(path)
    manifest = json.load(outer.extractfile("manifest.json"))
    if len(manifest) != 1:
        raise ImageFormatError(f"{path}: {len(manifest)} images in the archive, expected 1")
    config = json.load(outer.extractfile(manifest[0]["Config"]))

    def layer_file(index: int):
        return outer.extractfile(manifest[0]["Layers"][index])

    digests = config.get("rootfs", {}).get("diff_ids", [])
    return config, len(manifest[0]["Layers"]), digests, layer_file


def _oci_layout(path: Path):
    def blob(digest: str) -> Path:
        algorithm, hexdigest = digest.split(":", 1)
        return path / "blobs" / algorithm / hexdigest

    index = json.loads((path / "index.json").read_text())
    manifest = json.loads(blob(index["manifests"][0]["digest"]).read_text())
    while "manifests" in manifest:  # a nested index
        manifest = json.loads(blob(manifest["manifests"][0]["digest"]).read_text())
    config = json.loads(blob(manifest["config"]["digest"]).read_text())
    layers = manifest["layers"]

    def layer_file(index: int):
        return open(blob(layers[index]["digest"]), "rb")

    # the layers' own digests (diff ids), not those of their possibly compressed blobs
    return config, len(layers), config.get("rootfs", {}).get("diff_ids", []), layer_file


def read_image(path: str | Path) -> Image:
    """Stack the layers of a docker-archive (`podman save`) or an OCI layout folder."""
    path = Path(path)
    config, count, digests, layer_file = _oci_layout(path) if path.is_dir() else _docker_archive(path)
    created = [h.get("created_by", "") for h in config.get("history", []) if not h.get("empty_layer")]
    if len(created) != count:
        created = [""] * count  # a history that does not pair with the layers: leave the commands out

    def opener(index: int, member: str) -> bytes:
        with tarfile.open(fileobj=layer_file(index), mode="r:*") as layer:
            extracted = layer.extractfile(member)
            return extracted.read() if extracted is not None else b""

    copies: list[Copy] = []
    live: dict[str, Node] = {}
    removed: set[str] = set()
    layers: list[Layer] = []
    for index in range(count):
        layer = Layer(index, created[index], digests[index] if index < len(digests) else "")
        with tarfile.open(fileobj=layer_file(index), mode="r:*") as archive:
            members = archive.getmembers()
        _apply_layer(index, members, layer, copies, live, removed)
        layers.append(layer)
    return Image(config, layers, copies, live, removed, path, opener)


def _apply_layer(index: int, members: list[tarfile.TarInfo], layer: Layer, copies: list[Copy],
                 live: dict[str, Node], removed: set[str]) -> None:
    def remove(path: str, tree: bool, keep_self: bool = False, overwrite: bool = False) -> None:
        if not keep_self:
            _unlink(live.pop(path, None), index)
            if not overwrite:
                removed.add(path)
        if tree:
            prefix = path + "/" if path else ""
            for below in [p for p in live if p.startswith(prefix) and p != path]:
                _unlink(live.pop(below), index)
                removed.add(below)

    adds = []
    for member in members:
        path = _norm(member.name)
        if path == "":
            continue
        layer.entries += 1
        folder, name = posixpath.split(path)
        if name == OPAQUE:
            remove(folder, tree=True, keep_self=True)
        elif name.startswith(WHITEOUT):
            remove(posixpath.join(folder, name[len(WHITEOUT):]), tree=True)
        else:
            adds.append((path, member))
    for path, member in adds:
        old = live.get(path)
        if old is not None:
            if old.kind == "dir" and member.isdir():
                continue  # a folder over a folder: its tree stays
            remove(path, tree=old.kind == "dir", overwrite=True)
        if member.isdir():
            live[path] = Node("dir", None)
        elif member.islnk():
            target = live.get(_norm(member.linkname))
            if target is not None and target.copy is not None:
                target.copy.names += 1
                live[path] = Node("file", target.copy)
            else:  # a link to nothing readable: an empty file
                live[path] = Node("other", None)
        elif member.isreg():
            copy = Copy(index, path, member.size, member.name)
            copies.append(copy)
            layer.bytes += member.size
            live[path] = Node("file", copy)
        else:
            live[path] = Node("other", None)


def _unlink(node: Node | None, index: int) -> None:
    if node is None or node.copy is None:
        return
    node.copy.names -= 1
    if node.copy.names == 0:
        node.copy.killed_by = index


# --- what the image says about itself -----------------------------------------------------------------------

def dpkg_packages(image: Image) -> dict[str, int]:
    """Installed packages of the final file system -> Installed-Size in bytes (dpkg states it in KiB)."""
    status = image.read("var/lib/dpkg/status")
    packages: dict[str, int] = {}
    if status is None:
        return packages
    for paragraph in status.decode("utf-8", "replace").split("\n\n"):
        fields = {}
        for line in paragraph.splitlines():
            if line and not line[0].isspace() and ":" in line:
                key, value = line.split(":", 1)
                fields[key] = value.strip()
        if fields.get("Package") and fields.get("Status", "").endswith(" installed"):
            packages[fields["Package"]] = int(fields.get("Installed-Size", "0") or 0) * 1024
    return packages


def dpkg_files(image: Image, package: str) -> list[str]:
    """Paths dpkg lists for an installed package (from /var/lib/dpkg/info/<package>[:arch].list)."""
    for name in (f"{package}.list", f"{package}:amd64.list", f"{package}:all.list"):
        data = image.read(f"var/lib/dpkg/info/{name}")
        if data is not None:
            return [line for line in data.decode("utf-8", "replace").splitlines() if line not in ("", "/.")]
    return []


def bytes_of_packages(image: Image, packages: set[str]) -> int:
    """Bytes of the regular files those packages own in the final file system (a file two of them list is
    counted once; conffiles and folders included as dpkg lists them)."""
    paths: set[str] = set()
    for package in packages:
        paths.update(_norm(p) for p in dpkg_files(image, package))
    total = 0
    for path in paths:
        node = image.live.get(path)
        if node is not None and node.copy is not None:
            total += node.copy.size
    return total
