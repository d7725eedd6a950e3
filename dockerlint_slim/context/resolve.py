"""What a COPY or ADD puts into the image, resolved against the build context as BuildKit would.

Sources: context paths (Go `filepath.Match` wildcards, resolved per path as BuildKit's `ResolveWildcards`; a
wildcard that matches nothing is not an error in BuildKit), folders (their content is copied, not the folder
itself, unless `--parents`), `--exclude` patterns, `--parents` (the source path, from an optional `/./` pivot,
is kept under the destination), `--from` (a stage, image or named context: never the local context; size
unknown), heredocs (`COPY <<EOF`: the body is the file), remote URLs and git sources (size unknown), local
archives that ADD extracts (extracted size unknown).

Destinations: relative to the WORKDIR in effect; a trailing `/`, `.`, several sources or a wildcard make it a
folder, into which files keep their base name.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field

from dockerlint_slim.context import gomatch
from dockerlint_slim.context.dockerignore import DockerignoreError, IgnoreMatcher, compile_pattern
from dockerlint_slim.context.scan import DIR, FILE, SYMLINK, BuildContext
from dockerlint_slim.model import CopyInstruction

# The archive types ADD unpacks (BuildKit detects them by content; slimlint, which never reads files, by name).
ARCHIVE_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tbz", ".tar.xz", ".txz", ".tar.zst", ".tzst")
_HEREDOC = re.compile(r"^(\d*)<<(-?)(['\"]?)([^'\"]+)\3$")
_URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")
_GIT = re.compile(r"^(git@[^:]+:|git://|ssh://)|\.git(#.*)?$|^https?://[^/]+/.+\.git(#.*)?$")

CONTEXT, HEREDOC, REMOTE, GIT, STAGE = "context", "heredoc", "remote", "git", "stage"


@dataclass(frozen=True)
class CopiedItem:
    """One thing placed in the image: a context file or folder (whose content lands at `dest`), or an opaque item."""

    dest: str  # absolute image path
    kind: str  # file | dir | symlink | other | unknown
    size: int | None  # bytes this item adds (None: unknown)
    source: str | None = None  # context-relative path (None when not from the context)
    extracted: bool = False  # ADD unpacked a local archive here (size unknown)
    excludes: tuple[str, ...] = ()  # `--exclude` patterns that apply below `source`


@dataclass
class SourceResult:
    """How one source argument resolved."""

    text: str  # as written (after variable substitution)
    origin: str  # context | heredoc | remote | git | stage
    path: str | None = None  # context-relative, cleaned (wildcards kept)
    wildcard: bool = False
    matches: list[str] = field(default_factory=list)  # context paths it selected
    missing: bool = False  # a non-wildcard context path that does not exist
    ignored_by: str | None = None  # the excluded path hiding it (.dockerignore), when it exists but is excluded
    unreadable: bool = False  # below a folder the scan could not read: do not judge


@dataclass
class CopyResolution:
    instruction: CopyInstruction
    dest: str  # absolute
    dest_is_dir: bool
    sources: list[SourceResult] = field(default_factory=list)
    items: list[CopiedItem] = field(default_factory=list)

    @property
    def known_bytes(self) -> int:
        return sum(item.size for item in self.items if item.size is not None)

    @property
    def complete(self) -> bool:
        """Every byte this instruction adds is known."""
        return all(item.size is not None for item in self.items)


def is_heredoc_source(text: str) -> bool:
    return bool(_HEREDOC.match(text))


def source_origin(instruction: CopyInstruction, text: str) -> str:
    if instruction.from_:
        return STAGE
    if is_heredoc_source(text) and instruction.heredocs:
        return HEREDOC
    if instruction.is_add and _GIT.search(text) and ("://" in text or text.startswith("git@")):
        return GIT
    if instruction.is_add and _URL.match(text):
        return REMOTE
    return CONTEXT


def is_archive_name(path: str) -> bool:
    return path.lower().endswith(ARCHIVE_SUFFIXES)


def destination(instruction: CopyInstruction) -> tuple[str, bool]:
    """(absolute destination, is a folder) as BuildKit's dispatchCopy computes it."""
    dest = instruction.destination
    is_dir = dest in ("", ".") or dest.endswith("/") or dest.endswith("/.")
    if not dest.startswith("/"):
        dest = posixpath.join(instruction.workdir or "/", dest)
    dest = gomatch.go_clean(dest)
    return dest, is_dir


def resolve_copy(instruction: CopyInstruction, context: BuildContext | None) -> CopyResolution:
    """Resolve every source of a COPY/ADD; context sources are only looked up when a context was scanned."""
    dest, dest_is_dir = destination(instruction)
    several = len(instruction.sources) > 1
    result = CopyResolution(instruction, dest, dest_is_dir)
    heredocs = {h.name: h for h in instruction.heredocs}
    exclude = exclude_matcher(instruction.excludes)
    for text in instruction.sources:
        origin = source_origin(instruction, text)
        source = SourceResult(text, origin)
        result.sources.append(source)
        if origin == HEREDOC:
            match = _HEREDOC.match(text)
            body = heredocs.get(match.group(4)) if match else None
            size = len(body.content.encode("utf-8", "surrogatepass")) if body else None
            name = match.group(4) if match else text
            target = posixpath.join(dest, name) if (dest_is_dir or several) else dest
            result.items.append(CopiedItem(target, FILE, size))
            continue
        if origin in (REMOTE, GIT):
            if origin == GIT:
                result.items.append(CopiedItem(dest, DIR, None))
            else:
                name = text.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1] or "index.html"
                target = posixpath.join(dest, name) if (dest_is_dir or several) else dest
                result.items.append(CopiedItem(target, FILE, None))
            continue
        if origin == STAGE:
            # The bytes come from another stage or image: unknown here, but the paths are still placed.
            path = gomatch.go_clean("/" + text)
            base = posixpath.basename(path)
            if instruction.parents:
                target = posixpath.join(dest, _parents_suffix(text))
            elif dest_is_dir or several or gomatch.has_wildcards(text):
                target = posixpath.join(dest, base) if base and not gomatch.has_wildcards(base) else dest
            else:
                target = dest
            result.items.append(CopiedItem(target, "unknown", None))
            continue
        _resolve_context_source(instruction, context, source, result, several, exclude)
    return result


def _resolve_context_source(
    instruction: CopyInstruction,
    context: BuildContext | None,
    source: SourceResult,
    result: CopyResolution,
    several: bool,
    exclude: IgnoreMatcher,
) -> None:
    text = source.text
    # BuildKit scopes sources to the context: `../x` and `/x` both mean `x` at the context root.
    path = BuildContext.normalize(text)
    source.path = path
    source.wildcard = gomatch.has_wildcards(path)
    if context is None:
        return
    if source.wildcard:
        source.matches = _expand_wildcard(context, path)
    else:
        entry = context.get(path)
        if entry is None:
            resolved = _through_symlinks(context, path)
            if resolved is not None and context.get(resolved) is not None:
                source.matches = [resolved]
            else:
                hidden = context.ignored_entry(path)
                if hidden is not None:
                    source.ignored_by = hidden
                elif resolved is None or _below_unreadable(context, path):
                    source.unreadable = True  # a link we could not follow, or a folder we could not read
                else:
                    source.missing = True
                return
        else:
            source.matches = [path]
    many = several or source.wildcard
    for match in source.matches:
        entry = context.get(match)
        if entry is None:
            continue
        if entry.kind == SYMLINK:
            # A source path that is a link is followed (inside the context), as BuildKit's FollowLinks does.
            target = _follow(context, match)
            if target is not None and context.get(target) is not None:
                entry = context.get(target)
                content_source = target
            else:
                content_source = match
        else:
            content_source = match
        if instruction.parents:
            target_path = posixpath.join(result.dest, _parents_suffix(text if not source.wildcard else match))
        elif entry.kind == DIR:
            target_path = result.dest  # a folder's content is copied, not the folder itself
        elif result.dest_is_dir or many:
            target_path = posixpath.join(result.dest, posixpath.basename(match))
        else:
            target_path = result.dest
        base_name = posixpath.basename(match)
        if exclude and entry.kind != DIR and exclude.excluded(base_name):
            continue
        size = _size_without_excludes(context, content_source, exclude) if entry.kind == DIR else entry.size
        extracted = instruction.is_add and entry.kind == FILE and is_archive_name(match)
        if extracted:
            result.items.append(CopiedItem(result.dest, DIR, None, content_source, extracted=True))
            continue
        result.items.append(
            CopiedItem(target_path, entry.kind, size, content_source, excludes=tuple(instruction.excludes))
        )


def _parents_suffix(text: str) -> str:
    """`--parents`: the part of the source path kept under the destination (from a `/./` pivot if present)."""
    cleaned = text.lstrip("/")
    if "/./" in "/" + cleaned:
        cleaned = ("/" + cleaned).split("/./", 1)[1]
    return gomatch.go_clean("/" + cleaned).lstrip("/")


def _expand_wildcard(context: BuildContext, pattern: str) -> list[str]:
    """BuildKit's ResolveWildcards: literal leading folders, then `filepath.Match` of the rest against relative
    paths below them; a matched folder is not descended into."""
    parts = pattern.split("/")
    split = next((i for i, part in enumerate(parts) if gomatch.has_wildcards(part)), len(parts))
    base = "/".join(parts[:split])
    rest = "/".join(parts[split:])
    if not context.is_dir(base):
        return []
    depth = rest.count("/") + 1
    found: list[str] = []
    frontier = [base]
    for level in range(depth):
        wanted = "/".join(rest.split("/")[: level + 1])
        next_frontier = []
        for folder in frontier:
            for name in context.children(folder):
                child = f"{folder}/{name}" if folder else name
                relative = child[len(base) + 1 :] if base else child
                try:
                    hit = gomatch.match(rest, relative)
                except gomatch.BadPattern:
                    return []
                if hit:
                    found.append(child)
                    continue
                # Keep descending only where the path so far matches the pattern's leading components.
                try:
                    prefix_ok = gomatch.match(wanted, relative)
                except gomatch.BadPattern:
                    return []
                if prefix_ok and context.is_dir(child):
                    next_frontier.append(child)
        frontier = next_frontier
    return sorted(found)


def exclude_matcher(patterns: tuple[str, ...]) -> IgnoreMatcher:
    """`COPY --exclude` patterns, matched like .dockerignore lines relative to the copied source."""
    compiled = []
    for pattern in patterns:
        try:
            compiled.append(compile_pattern(pattern))
        except DockerignoreError:
            continue  # BuildKit fails the build here; the parser reports bad flags, not this module
    return IgnoreMatcher(tuple(compiled))


def _size_without_excludes(context: BuildContext, folder: str, exclude: IgnoreMatcher) -> int:
    if not exclude:
        return context.size(folder)
    total = 0
    prefix = len(folder) + 1 if folder else 0
    for path, entry in context.walk(folder):
        if entry.kind != DIR and not exclude.excluded(path[prefix:]):
            total += entry.size
    return total


def _follow(context: BuildContext, path: str, limit: int = 40) -> str | None:
    """Resolve a chain of symlinks lexically inside the context (BuildKit's scoped FollowLinks)."""
    seen = 0
    while seen < limit:
        entry = context.get(path)
        if entry is None or entry.kind != SYMLINK:
            return path
        if entry.target is None:
            return None
        target = entry.target
        base = posixpath.dirname(path)
        path = BuildContext.normalize(target if target.startswith("/") else posixpath.join(base, target))
        seen += 1
    return None


def _through_symlinks(context: BuildContext, path: str) -> str | None:
    """`path` with symlinked folders on the way resolved, or None when a link cannot be followed."""
    parts = path.split("/")
    current = ""
    for index, part in enumerate(parts):
        candidate = f"{current}/{part}" if current else part
        entry = context.get(candidate)
        if entry is not None and entry.kind == SYMLINK and index < len(parts) - 1:
            followed = _follow(context, candidate)
            if followed is None:
                return None
            candidate = followed
        current = candidate
    return current


def _below_unreadable(context: BuildContext, path: str) -> bool:
    probe = path
    while probe:
        if probe in context.unreadable:
            return True
        probe = probe.rsplit("/", 1)[0] if "/" in probe else ""
    return "" in context.unreadable
