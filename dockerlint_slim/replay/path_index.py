"""Items (origins, layer-model nodes) indexed by their image path, so that the replay looks up what it needs instead
of scanning every item for every command: a tree of path components, each node holding the items placed at exactly
that path and how many items its subtree holds.

Every query costs the depth of the path plus what it returns; results come in insertion order (oldest first), as
the lists the replay used to scan gave them.
"""

from __future__ import annotations

from typing import Generic, Iterator, TypeVar

T = TypeVar("T")


class _Folder:
    __slots__ = ("children", "items", "count")

    def __init__(self) -> None:
        self.children: dict[str, _Folder] = {}
        self.items: dict[int, tuple[int, object]] = {}  # id(item) -> (insertion number, item)
        self.count = 0  # items in this subtree


def _parts(path: str) -> list[str]:
    return [p for p in path.split("/") if p]


class PathIndex(Generic[T]):
    def __init__(self) -> None:
        self._root = _Folder()
        self._added = 0
        self._paths: dict[int, str] = {}  # id(item) -> the path it is indexed under

    def __len__(self) -> int:
        return self._root.count

    def add(self, path: str, item: T) -> None:
        if id(item) in self._paths:
            self.remove(item)
        folder = self._root
        folder.count += 1
        for part in _parts(path):
            folder = folder.children.setdefault(part, _Folder())
            folder.count += 1
        self._added += 1
        folder.items[id(item)] = (self._added, item)
        self._paths[id(item)] = path

    def remove(self, item: T) -> None:
        path = self._paths.pop(id(item), None)
        if path is None:
            return
        chain = [self._root]
        for part in _parts(path):
            chain.append(chain[-1].children[part])
        del chain[-1].items[id(item)]
        for folder in chain:
            folder.count -= 1
        # Drop folders left empty, so that listings and walks never visit dead branches.
        parts = _parts(path)
        for depth in range(len(parts), 0, -1):
            if chain[depth].count == 0:
                del chain[depth - 1].children[parts[depth - 1]]
            else:
                break

    def __contains__(self, item: T) -> bool:
        return id(item) in self._paths

    def _folder(self, path: str) -> _Folder | None:
        folder = self._root
        for part in _parts(path):
            folder = folder.children.get(part)
            if folder is None:
                return None
        return folder

    def at(self, path: str) -> list[T]:
        """The items placed at exactly `path`."""
        folder = self._folder(path)
        return [item for _, item in sorted(folder.items.values(), key=_first)] if folder else []

    def has_under(self, path: str) -> bool:
        """Whether any item is at or below `path`."""
        folder = self._folder(path)
        return folder is not None and folder.count > 0

    def under(self, path: str) -> list[T]:
        """The items at or below `path`, oldest first."""
        folder = self._folder(path)
        if folder is None or folder.count == 0:
            return []
        found: list[tuple[int, object]] = []
        stack = [folder]
        while stack:
            current = stack.pop()
            found.extend(current.items.values())
            stack.extend(child for child in current.children.values() if child.count)
        found.sort(key=_first)
        return [item for _, item in found]

    def above(self, path: str) -> list[tuple[str, T]]:
        """(path, item) of the items at the strict ancestors of `path` ("/" included), oldest first."""
        found: list[tuple[int, str, object]] = []
        folder = self._root
        prefix = ""
        parts = _parts(path)
        for depth, part in enumerate(parts):
            at = prefix or "/"
            found.extend((number, at, item) for number, item in folder.items.values())
            folder = folder.children.get(part)
            if folder is None:
                break
            prefix = f"{prefix}/{part}"
        found.sort(key=_first)
        return [(at, item) for _, at, item in found]

    def children(self, path: str) -> list[str]:
        """Names directly below `path` that lead to items."""
        folder = self._folder(path)
        return [name for name, child in folder.children.items() if child.count] if folder else []

    def items(self) -> Iterator[T]:
        """Every item, oldest first."""
        return iter(self.under("/"))

    def path_of(self, item: T) -> str | None:
        return self._paths.get(id(item))

    def order(self, item: T) -> int:
        """When the item was added (oldest first), for merging results of several queries."""
        path = self._paths[id(item)]
        return self._folder(path).items[id(item)][0]

    def matching(self, pattern: list[str], match) -> list[str]:
        """Paths of the index (folders that lead to items) whose components match `pattern` one by one
        (`match(pattern_part, name)`)."""
        level = [("", self._root)]
        for part in pattern:
            following = []
            for prefix, folder in level:
                for name, child in folder.children.items():
                    if child.count and match(part, name):
                        following.append((f"{prefix}/{name}", child))
            level = following
        return [prefix or "/" for prefix, _ in level]


def _first(entry: tuple) -> int:
    return entry[0]
