"""One pass over a build context: what BuildKit would send, with sizes, without reading any file.

The walk uses `os.scandir` and `lstat` only. It never follows a symlink (BuildKit sends a link as a link), never
opens a FIFO, socket or device, never leaves the root, and does not descend into folders that `.dockerignore`
excludes unless a `!` exception could re-include something below them. Problems (unreadable folders, names that
are not UTF-8, entries that vanish mid-walk) become warnings, never exceptions.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from typing import Iterator, Mapping, NamedTuple

from dockerlint_slim.context import gomatch
from dockerlint_slim.context.dockerignore import DockerignoreError, IgnoreMatcher, compile_pattern, load_dockerignore
from dockerlint_slim.context.errors import ContextError
from dockerlint_slim.files import read_regular_file

FILE = "file"
DIR = "dir"
SYMLINK = "symlink"
OTHER = "other"  # FIFO, socket, device: sent as metadata only, no content bytes

MAX_WARNINGS = 50  # beyond this, only a count is kept, so a broken tree cannot flood the output


class Entry(NamedTuple):
    """One path of the context. `size` is the bytes a layer stores for it: st_size for files, 0 otherwise."""

    kind: str
    size: int
    mode: int  # st_mode (type and permission bits)
    target: str | None = None  # symlink target, as stored in the link


@dataclass
class BuildContext:
    """The scanned context. Paths are relative, posix, cleaned, without a leading `./` (the root itself is "")."""

    root: str
    entries: dict[str, Entry]  # what the build can COPY: included files, folders, links
    ignore: IgnoreMatcher
    ignored: dict[str, Entry] = field(default_factory=dict)  # excluded entries seen (a pruned folder once)
    pruned: set[str] = field(default_factory=set)  # excluded folders not walked: their content is unknown
    unreadable: set[str] = field(default_factory=set)  # folders the scan could not list
    warnings: list[str] = field(default_factory=list)
    warning_count: int = 0  # including the ones dropped after MAX_WARNINGS
    # The context's `.gitignore` files as one matcher (paths relative to the context): what git leaves untracked,
    # usually generated or downloaded before the build. Empty when there are none.
    gitignore: IgnoreMatcher = field(default_factory=IgnoreMatcher)
    _dir_sizes: dict[str, int] = field(default_factory=dict, repr=False)
    _dir_files: dict[str, int] = field(default_factory=dict, repr=False)
    _children: dict[str, list[str]] = field(default_factory=dict, repr=False)

    @property
    def dockerignore_path(self) -> str | None:
        return self.ignore.source

    @staticmethod
    def normalize(path: str) -> str:
        """Context-relative form of a COPY source or user path: `./a//b/` -> `a/b`, `/` and `.` -> ""."""
        cleaned = gomatch.go_clean("/" + path)
        return cleaned.lstrip("/")

    def get(self, path: str) -> Entry | None:
        """The included entry at `path` (the root is a folder), or None when absent or excluded."""
        path = self.normalize(path)
        if path == "":
            return Entry(DIR, 0, stat.S_IFDIR | 0o755)
        return self.entries.get(path)

    def excluded(self, path: str) -> bool:
        """Would `.dockerignore` leave `path` out of the context (whether or not it exists)?"""
        return self.ignore.excluded(self.normalize(path))

    def ignored_entry(self, path: str) -> str | None:
        """If `path` exists but is excluded, the excluded path that hides it (itself or a pruned ancestor)."""
        path = self.normalize(path)
        if path in self.ignored:
            return path
        probe = path
        while "/" in probe:
            probe = probe.rsplit("/", 1)[0]
            if probe in self.pruned:
                return probe  # a folder we did not walk may hold it
        return None

    def git_ignored(self, path: str) -> bool:
        """Does a `.gitignore` of the context leave `path` (or a folder above it) untracked?"""
        return bool(self.gitignore) and self.gitignore.excluded(self.normalize(path))

    def is_dir(self, path: str) -> bool:
        entry = self.get(path)
        return entry is not None and entry.kind == DIR

    def size(self, path: str) -> int:
        """Bytes of `path`: a file's size, or the total of the included files below a folder."""
        path = self.normalize(path)
        entry = self.get(path)
        if entry is None:
            return 0
        if entry.kind == DIR:
            return self._dir_sizes.get(path, 0)
        return entry.size

    def file_count(self, path: str = "") -> int:
        """Number of included non-folder entries at or below `path`."""
        path = self.normalize(path)
        entry = self.get(path)
        if entry is None:
            return 0
        if entry.kind != DIR:
            return 1
        return self._dir_files.get(path, 0)

    @property
    def total_size(self) -> int:
        return self._dir_sizes.get("", 0)

    def children(self, path: str) -> list[str]:
        """Names of the included entries directly inside folder `path`, sorted."""
        return sorted(self._children.get(self.normalize(path), ()))

    def names_in(self, folder: str) -> list[str]:
        """`children` for a folder path that is clean already (built from the scan's own names), in scan order:
        for walks that visit every entry and need neither the normalisation nor the sort per folder."""
        return self._children.get(folder, [])

    def walk(self, path: str = "") -> Iterator[tuple[str, Entry]]:
        """Every included entry strictly below folder `path` (or `path` itself when it is not a folder)."""
        path = self.normalize(path)
        entry = self.get(path)
        if entry is None:
            return
        if entry.kind != DIR:
            yield path, entry
            return
        stack = [path]
        while stack:
            folder = stack.pop()
            for name in sorted(self._children.get(folder, ()), reverse=True):
                child = f"{folder}/{name}" if folder else name
                child_entry = self.entries[child]
                yield child, child_entry
                if child_entry.kind == DIR:
                    stack.append(child)

    def resize_file(self, path: str, size: int, mode: int) -> bool:
        """A file of the context changed in place: record its new size and mode, and the totals of the folders
        above it, without walking the context again. False when `path` is not an included regular file that is
        still one (a new, removed or excluded path, or one whose type changed): only a new scan can tell."""
        path = self.normalize(path)
        entry = self.entries.get(path)
        if entry is None or entry.kind != FILE or not stat.S_ISREG(mode):
            return False
        self.entries[path] = Entry(FILE, size, mode)
        delta = size - entry.size
        folder = path
        while delta and folder:
            folder = folder.rsplit("/", 1)[0] if "/" in folder else ""
            self._dir_sizes[folder] = self._dir_sizes.get(folder, 0) + delta
        return True

    def _warn(self, message: str) -> None:
        self.warning_count += 1
        if len(self.warnings) < MAX_WARNINGS:
            self.warnings.append(message)


def scan_context(root: str, dockerfile_path: str | None = None,
                 ignore_overrides: Mapping[str, str] | None = None) -> BuildContext:
    """Scan the build context at `root`, applying the `.dockerignore` BuildKit would use for `dockerfile_path`
    (`ignore_overrides`: ignore files by path as a fix left them, not yet written).

    Raises ContextError when `root` is not a readable folder and DockerignoreError for a bad ignore file.
    """
    root = os.fspath(root)
    try:
        root_stat = os.stat(root)  # the root itself may be a symlink to a folder, as with `docker build link/`
    except OSError as exc:
        raise ContextError(f"build context {root!r}: {exc.strerror or exc}") from None
    if not stat.S_ISDIR(root_stat.st_mode):
        raise ContextError(f"build context {root!r} is not a folder")
    matcher = load_dockerignore(root, dockerfile_path, ignore_overrides)
    context = BuildContext(root=root, entries={}, ignore=matcher)
    _walk(context, matcher)
    _sum_folders(context)
    context.gitignore = _load_gitignores(context)
    return context


# A repository has a few `.gitignore` files; past these limits the rest are not read (a vendored tree may hold many).
MAX_GITIGNORE_FILES = 100
MAX_GITIGNORE_BYTES = 256 * 1024


def _load_gitignores(context: BuildContext) -> IgnoreMatcher:
    """The `.gitignore` files of the context (sent or excluded, not links), shallowest first so that a deeper file's
    patterns win, as `.dockerignore` patterns: a name without a slash matches at any depth below its folder, one with
    a slash is anchored there. Patterns that do not translate are skipped; a file that cannot be read is a warning."""
    found = [p for table in (context.entries, context.ignored) for p, e in table.items()
             if e.kind == FILE and (p == ".gitignore" or p.endswith("/.gitignore"))]
    found.sort(key=lambda p: (p.count("/"), p))
    patterns = []
    for rel in found[:MAX_GITIGNORE_FILES]:
        try:
            data = read_regular_file(os.path.join(context.root, rel), MAX_GITIGNORE_BYTES, follow_links=False)
        except OSError as exc:
            context._warn(f"{rel}: cannot read: {exc.strerror or exc}; not used")
            continue
        if data is None:
            continue
        folder = rel.rpartition("/")[0]
        for number, pattern in gitignore_patterns(data.decode("utf-8", errors="replace"), folder):
            try:
                patterns.append(compile_pattern(pattern, number, rel))
            except DockerignoreError:
                continue
    return IgnoreMatcher(patterns=tuple(patterns))


def gitignore_patterns(text: str, folder: str) -> list[tuple[int, str]]:
    """(line, `.dockerignore` pattern) for the lines of a `.gitignore` in context folder `folder`. A trailing `/`
    (folders only) is dropped: whether a missing path would be a folder is not known."""
    out = []
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.rstrip("\r").rstrip(" ")
        if not line or line.startswith("#"):
            continue
        negated = line.startswith("!")
        line = line[1:] if negated else line
        line = line[1:] if line.startswith("\\") else line  # `\#file`, `\!file`
        body = line.rstrip("/")
        if not body.strip("/"):
            continue
        anchored = "/" in body
        body = body.lstrip("/") if anchored else "**/" + body
        out.append((number, ("!" if negated else "") + (f"{folder}/{body}" if folder else body)))
    return out


def _walk(context: BuildContext, matcher: IgnoreMatcher) -> None:
    entries = context.entries
    ignored = context.ignored
    children = context._children
    own_sizes = context._dir_sizes
    own_files = context._dir_files
    use_matcher = bool(matcher)
    step = matcher.step
    # Entries deeper than every pattern can reach take their folder's verdict (see IgnoreMatcher.deepest_match).
    deepest = matcher.deepest_match if use_matcher else 0
    S_IFMT, S_IFREG, S_IFDIR, S_IFLNK = 0o170000, stat.S_IFREG, stat.S_IFDIR, stat.S_IFLNK
    new_entry = tuple.__new__  # Entry(...) without NamedTuple's argument handling: once per entry, it shows

    # (relative folder, absolute folder, per-pattern results of the folder, folder itself excluded, its depth)
    stack: list[tuple[str, str, tuple[bool, ...] | None, bool, int]] = [("", context.root, None, False, 0)]
    while stack:
        rel_dir, abs_dir, parent_info, dir_excluded, depth = stack.pop()
        match_here = use_matcher and (deepest is None or depth < deepest)
        prefix = rel_dir + "/" if rel_dir else ""
        names: list[str] = []
        total = 0
        files = 0
        try:
            with os.scandir(abs_dir) as iterator:
                for item in iterator:
                    name = item.name
                    if not name.isascii():
                        try:
                            name.encode("utf-8")
                        except UnicodeEncodeError:
                            shown = os.fsencode(name).decode("utf-8", "backslashreplace")
                            where = f"{rel_dir}/{shown}" if rel_dir else shown
                            context._warn(f"{where}: name is not valid UTF-8; skipped")
                            continue
                    rel = prefix + name
                    try:
                        info = item.stat(follow_symlinks=False)
                    except OSError as exc:
                        context._warn(f"{rel}: cannot stat: {exc.strerror or exc}; skipped")
                        continue
                    mode = info.st_mode
                    kind = mode & S_IFMT
                    is_dir = kind == S_IFDIR
                    if kind == S_IFREG:
                        entry = new_entry(Entry, (FILE, info.st_size, mode, None))
                    elif is_dir:
                        entry = new_entry(Entry, (DIR, 0, mode, None))
                    elif kind == S_IFLNK:
                        try:
                            target = os.readlink(item.path)  # reads the link itself, never what it points to
                        except OSError:
                            target = None
                        entry = Entry(SYMLINK, 0, mode, target)
                    else:
                        entry = Entry(OTHER, 0, mode)
                    if match_here:
                        excluded, info_for_children = step(rel, parent_info)
                    else:
                        excluded, info_for_children = dir_excluded, parent_info
                    if excluded:
                        ignored[rel] = entry
                        if is_dir:
                            if matcher.may_reinclude_below(rel):
                                stack.append((rel, item.path, info_for_children, True, depth + 1))
                            else:
                                context.pruned.add(rel)
                        continue
                    if dir_excluded and rel_dir not in entries:
                        _include_ancestors(context, rel_dir)
                    entries[rel] = entry
                    names.append(name)
                    if is_dir:
                        stack.append((rel, item.path, info_for_children, False, depth + 1))
                    else:
                        total += entry[1]  # its size
                        files += 1
        except OSError as exc:
            context.unreadable.add(rel_dir)
            context._warn(f"{rel_dir or '.'}/: cannot read folder: {exc.strerror or exc}; its content is not counted")
        if names:
            children.setdefault(rel_dir, []).extend(names)
        if total or files:
            own_sizes[rel_dir] = own_sizes.get(rel_dir, 0) + total
            own_files[rel_dir] = own_files.get(rel_dir, 0) + files


def _include_ancestors(context: BuildContext, rel_dir: str) -> None:
    """An excluded folder holds a re-included entry: BuildKit then sends the folder (and its parents) too."""
    missing = []
    probe = rel_dir
    while probe and probe not in context.entries:
        missing.append(probe)
        probe = probe.rsplit("/", 1)[0] if "/" in probe else ""
    for path in reversed(missing):
        entry = context.ignored.pop(path, None) or Entry(DIR, 0, stat.S_IFDIR | 0o755)
        context.entries[path] = entry
        parent, _, name = path.rpartition("/")
        context._children.setdefault(parent, []).append(name)


def _sum_folders(context: BuildContext) -> None:
    """Turn each folder's own totals into totals over everything below it (deepest folders first)."""
    sizes = context._dir_sizes
    files = context._dir_files
    folders = [p for p, e in context.entries.items() if e.kind == DIR]
    folders.sort(key=lambda p: p.count("/"), reverse=True)
    for folder in folders:
        parent = folder.rsplit("/", 1)[0] if "/" in folder else ""
        if folder in sizes:
            sizes[parent] = sizes.get(parent, 0) + sizes[folder]
        if folder in files:
            files[parent] = files.get(parent, 0) + files[folder]
