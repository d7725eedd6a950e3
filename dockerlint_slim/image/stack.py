"""Stack layers like an overlay file system and account for every stored byte.

A *copy* is the data of one regular file (one inode) stored in one layer. A copy is live while at least one path
of the stacked file system refers to it (hard links share a copy), and becomes waste the moment the last such path
is deleted or overwritten by a later layer: its bytes are still shipped in the image but nobody can read them.
Each dead copy is recorded with the layer that stored it and the layer that killed it, so the report can blame
both Dockerfile lines.

Whiteouts follow the OCI image spec: `.wh.NAME` deletes NAME (a whole directory included) from the layers below,
`.wh..wh..opq` hides everything the layers below put in its directory; neither touches entries of its own layer,
whatever their order in the tar. A non-directory that replaces a directory (or the reverse) hides the lower tree.

Per path we also keep dive's figures (how many layers touched it, the sum and the minimum of the sizes seen, a
deletion counting as size 0) so `efficiency` uses dive's definition, on top of a correct stacking.
Memory is per path, never per byte.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from dockerlint_slim.image.bookkeeping import is_bookkeeping
from dockerlint_slim.image.tar_stream import (
    DIR,
    HARDLINK,
    OPAQUE,
    WHITEOUT,
    Entry,
)


def _parent(path: str) -> str:
    """posixpath.dirname for our normalized absolute paths, without its generality (hot path)."""
    return path[: path.rfind("/")] or "/"


class _Copy:
    __slots__ = ("layer", "links", "path", "size")

    def __init__(self, layer: int, size: int, path: str):
        self.layer = layer
        self.size = size
        self.path = path  # the path whose tar entry carried the data
        self.links = 0


class _Node:
    """A path of the stacked file system: a directory (copy None) or a file/link/device sharing a copy."""

    __slots__ = ("copy", "is_dir", "layer")

    def __init__(self, layer: int, copy: _Copy | None, is_dir: bool):
        self.layer = layer
        self.copy = copy
        self.is_dir = is_dir


class PathStat:
    """dive's per-path figures plus the exact waste of the path."""

    __slots__ = ("count", "last_layer", "minimum", "total", "wasted")

    def __init__(self) -> None:
        self.count = 0  # layers that added, changed or deleted the path
        self.total = 0  # bytes stored for the path over all layers
        self.minimum = -1  # smallest size seen, a deletion being 0
        self.wasted = 0  # bytes stored for the path that no final path can read
        self.last_layer = -1

    def seen(self, layer: int, size: int) -> None:
        if layer != self.last_layer:
            self.count += 1
            self.last_layer = layer
        self.total += size
        self.minimum = size if self.minimum < 0 else min(self.minimum, size)


@dataclass
class LayerFigures:
    index: int
    bytes: int = 0  # sum of the sizes of its regular files (uncompressed)
    entries: int = 0
    wasted_bytes: int = 0  # bytes stored by this layer that a later layer deleted or overwrote
    removed_bytes: int = 0  # bytes of earlier layers that this layer deleted or overwrote


@dataclass
class WasteGroup:
    """Dead bytes that one layer stored and another layer killed, under one directory."""

    directory: str
    bytes: int = 0
    files: int = 0
    example: str = ""  # the largest dead file, for the message
    example_bytes: int = 0
    overwritten_bytes: int = 0  # of `bytes`, those replaced by a new version of the same path (not deleted)
    bookkeeping: bool = False  # package databases, logs, /etc/passwd... rewritten by any install: nobody's fault


@dataclass
class StackResult:
    layers: list[LayerFigures]
    paths: dict[str, PathStat]
    # (storing layer, killing layer) -> directory -> group: which line stored the dead bytes, which line killed them
    waste: dict[tuple[int, int], dict[str, WasteGroup]] = field(default_factory=dict)
    final_bytes: int = 0
    final_files: int = 0

    @property
    def image_bytes(self) -> int:
        return sum(layer.bytes for layer in self.layers)

    @property
    def wasted_bytes(self) -> int:
        return sum(layer.wasted_bytes for layer in self.layers)

    @property
    def efficiency(self) -> float:
        """dive's score: the sum over paths of the smallest size seen over the sum of all sizes stored."""
        total = sum(stat.total for stat in self.paths.values())
        if total == 0:
            return 1.0
        return sum(max(stat.minimum, 0) for stat in self.paths.values()) / total

    def wasted_between(self, first_user_layer: int) -> int:
        """Waste the user's layers are responsible for: stored or killed by a layer at or after `first_user_layer`."""
        return sum(group.bytes for (stored, killed), groups in self.waste.items()
                   if stored >= first_user_layer or killed >= first_user_layer for group in groups.values())


class Stacker:
    def __init__(self) -> None:
        self.live: dict[str, _Node] = {}
        self.children: dict[str, set[str]] = defaultdict(set)
        self.paths: dict[str, PathStat] = {}
        self.layers: list[LayerFigures] = []
        self.waste: dict[tuple[int, int], dict[str, WasteGroup]] = defaultdict(dict)
        # non-directories deleted by the current layer; a deletion is seen (as size 0) only if the layer does not
        # also write the path, so the figures do not depend on the order of entries in the layer tar
        self.deleted_now: set[str] = set()

    # -- helpers -----------------------------------------------------------------------------------------------

    def _stat(self, path: str) -> PathStat:
        stat = self.paths.get(path)
        if stat is None:
            stat = self.paths[path] = PathStat()
        return stat

    def _release(self, copy: _Copy, killer: int, overwritten: bool = False) -> None:
        copy.links -= 1
        if copy.links > 0 or copy.size == 0:
            return  # another hard link still reads these bytes (or there are none)
        self.layers[copy.layer].wasted_bytes += copy.size
        self.layers[killer].removed_bytes += copy.size
        self._stat(copy.path).wasted += copy.size
        directory = _parent(copy.path)
        bookkeeping = overwritten and is_bookkeeping(copy.path)
        key = directory + "\0" if bookkeeping else directory
        groups = self.waste[(copy.layer, killer)]
        group = groups.get(key)
        if group is None:
            group = groups[key] = WasteGroup(directory, bookkeeping=bookkeeping)
        group.bytes += copy.size
        group.files += 1
        if overwritten:
            group.overwritten_bytes += copy.size
        if copy.size > group.example_bytes:
            group.example, group.example_bytes = copy.path, copy.size

    def _unlink(self, path: str) -> _Node | None:
        node = self.live.pop(path, None)
        if node is not None:
            self.children[_parent(path)].discard(path)
        return node

    def _delete(self, path: str, layer: int, only_below: bool) -> None:
        """Delete `path` and its subtree, keeping entries of `layer` itself when `only_below` (a directory stays
        when something below it stays). Deleted non-directories are seen by dive's figures as size 0 in `layer`.
        Iterative, post-order: a crafted archive with very deep paths cannot exhaust the recursion limit."""
        pending = [(path, False)]
        while pending:
            current, children_done = pending.pop()
            node = self.live.get(current)
            if node is None:
                continue
            if not node.is_dir:
                if only_below and node.layer == layer:
                    continue
                self._unlink(current)
                self.deleted_now.add(current)
                if node.copy is not None:
                    self._release(node.copy, layer)
            elif not children_done:
                pending.append((current, True))
                pending.extend((child, False) for child in self.children.get(current, ()))
            elif not self.children.get(current) and not (only_below and node.layer == layer):
                self._unlink(current)
                self.children.pop(current, None)

    def _ensure_parents(self, path: str, layer: int) -> None:
        parent = _parent(path)
        missing = []
        while parent != "/":
            node = self.live.get(parent)
            if node is not None and node.is_dir:
                break
            if node is not None:  # a file or symlink where we need a directory: it is replaced
                self._delete(parent, layer, only_below=False)
            missing.append(parent)
            parent = _parent(parent)
        for directory in reversed(missing):
            self.live[directory] = _Node(layer, None, True)
            self.children[_parent(directory)].add(directory)

    def _replace(self, path: str, layer: int, is_dir: bool) -> _Node | None:
        """Prepare `path` for a new entry of `layer`; return the existing directory node to keep, if any."""
        self._ensure_parents(path, layer)
        node = self.live.get(path)
        if node is None:
            return None
        if node.is_dir and is_dir:
            return node
        if node.is_dir:
            self._delete(path, layer, only_below=False)  # a file replaces a whole directory tree
        else:
            self._unlink(path)
            if node.copy is not None:
                self._release(node.copy, layer, overwritten=not is_dir)
            if is_dir:
                self.deleted_now.add(path)
        return None

    # -- public --------------------------------------------------------------------------------------------------

    def add_layer(self, entries: Iterable[Entry]) -> LayerFigures:
        layer = len(self.layers)
        figures = LayerFigures(layer)
        self.layers.append(figures)
        live, children, paths = self.live, self.children, self.paths
        count = stored = 0  # kept in locals: this loop runs once per entry of the image
        for entry in entries:
            count += 1
            kind = entry.kind
            if kind == WHITEOUT:
                self._delete(entry.path, layer, only_below=True)
            elif kind == OPAQUE:
                for child in list(self.children.get(entry.path, ())):
                    self._delete(child, layer, only_below=True)
            elif kind == DIR:
                existing = self._replace(entry.path, layer, is_dir=True)
                if existing is not None:
                    existing.layer = layer
                else:
                    self.live[entry.path] = _Node(layer, None, True)
                    self.children[_parent(entry.path)].add(entry.path)
            else:  # FILE, SYMLINK, OTHER, HARDLINK
                path = entry.path
                parent = _parent(path)
                parent_node = live.get(parent)
                if parent_node is None or not parent_node.is_dir:
                    self._ensure_parents(path, layer)
                target = live.get(entry.link) if kind == HARDLINK else None
                if path in live:
                    self._replace(path, layer, is_dir=False)
                if target is not None and not target.is_dir and target.copy is not None:
                    copy = target.copy  # a hard link reads the same bytes: it keeps them alive
                else:
                    copy = _Copy(layer, entry.size, path)
                copy.links += 1
                live[path] = _Node(layer, copy, False)
                children[parent].add(path)
                stat = paths.get(path)
                if stat is None:
                    stat = paths[path] = PathStat()
                size = entry.size
                if stat.last_layer != layer:  # PathStat.seen, inlined
                    stat.count += 1
                    stat.last_layer = layer
                stat.total += size
                if stat.minimum < 0 or size < stat.minimum:
                    stat.minimum = size
                stored += size
        figures.entries, figures.bytes = count, stored
        for path in self.deleted_now:
            stat = self._stat(path)
            if stat.last_layer != layer:  # written by this layer too: that write is what the layer did to it
                stat.seen(layer, 0)
        self.deleted_now = set()
        return figures

    def result(self) -> StackResult:
        final = {id(node.copy): node.copy.size for node in self.live.values() if node.copy is not None}
        return StackResult(self.layers, self.paths, dict(self.waste), sum(final.values()),
                           sum(1 for node in self.live.values() if not node.is_dir))
