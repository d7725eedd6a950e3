"""Builds the layer model by replaying what each instruction does to the file system, as far as it can be known
without building:

- COPY/ADD place context files and folders with their sizes (see `context.resolve`), heredoc bodies with theirs,
  and items of unknown size (remote URLs, git, `--from`, extracted archives).
- RUN effects come from the parsed shell commands: `rm` (with `-r` and globs), `mv`, `cp`, `chmod`/`chown`/`chgrp`
  (`-R`), `touch`, `sed -i`, `tar -x`/`unzip`/`gunzip`, downloads (`curl -o`, `wget -O`, `git clone`) and
  installers run on a path (`dpkg -i`, `rpm -i`, `pip install ./x.whl`, `sh ./install.sh`, ...).
  Anything else is unknown, and unknown stays unknown: it is never counted as zero.
- A command that may not run (in an `if` branch, a `case` item, a loop body, after `||` or after `&&` behind a
  test) changes nothing here: what it would delete or consume is not claimed as wasted.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, replace

from dockerlint_slim.context import gomatch
from dockerlint_slim.context.dockerignore import IgnoreMatcher
from dockerlint_slim.context.resolve import exclude_matcher, resolve_copy
from dockerlint_slim.context.scan import DIR, FILE, SYMLINK, BuildContext
from dockerlint_slim.knowledge.package_managers import INSTALL, UPGRADE, package_call
from dockerlint_slim.model import CopyInstruction, Dockerfile, Instruction, RunInstruction, WorkdirInstruction
from dockerlint_slim.model.queries import under_mount
from dockerlint_slim.replay.layer_model import (
    DELETED,
    EXECUTED,
    EXTRACTED,
    INSTALLED,
    MODIFIED,
    MOVED,
    OVERWRITTEN,
    Consumption,
    LayerModel,
    Node,
    WasteEvent,
)
from dockerlint_slim.replay.path_index import PathIndex
from dockerlint_slim.replay.walk import BuildVars, image_instructions
from dockerlint_slim.shell.argv import expand_vars, has_option, operands, unwrap_argv
from dockerlint_slim.shell.commands import (
    cd_operand,
    clone_directory,
    download_outputs,
    git_clone_operands,
    keeps_owner,
    mode_kept,
    move_call,
    rewritten_files,
    rm_call,
    tar_call,
    unzip_call,
)

_INSTALLER_SUFFIXES = (".run", ".sh", ".bash")

# A recursive rewrite of more items than this stores them again as one folder item (see `_Simulator.modify`).
MERGE_AFTER = 64


_INSTALL_SUFFIXES = (".deb", ".rpm", ".apk", ".whl", ".gem", ".tgz", ".tar.gz", ".zip", ".jar", ".run", ".bin")


def build_layer_model(dockerfile: Dockerfile, context: BuildContext | None = None) -> LayerModel:
    model = LayerModel(stages=dockerfile.image_stages(), has_context=context is not None)
    sim = _Simulator(model, context)
    env = BuildVars()
    workdir = "/"
    for _, instruction in image_instructions(dockerfile):
        env.apply(instruction)
        if isinstance(instruction, WorkdirInstruction):
            workdir = instruction.path or workdir
            sim.known_dirs.add(workdir)
        elif isinstance(instruction, CopyInstruction):
            model.layers.append(instruction)
            sim.copy(instruction)
        elif isinstance(instruction, RunInstruction):
            model.layers.append(instruction)
            sim.run(instruction, workdir, env)
    return model


def _excluded(matcher: IgnoreMatcher | None, base: str, path: str) -> bool:
    """Does `COPY --exclude` (patterns relative to the copied folder `base`) leave the context path `path` out?"""
    if not matcher:
        return False
    if base and path != base and not path.startswith(base + "/"):
        return False
    rel = path[len(base) :].lstrip("/") if base else path
    return bool(rel) and matcher.excluded(rel)


# --------------------------------------------------------------------------------------------------------------
class _Simulator:
    def __init__(self, model: LayerModel, context: BuildContext | None) -> None:
        self.model = model
        self.context = context
        self.nodes: PathIndex[Node] = PathIndex()  # live nodes by path (one per COPY item or RUN-made path)
        self._unknown: set[int] = set()  # id() of the layers already listed as adding unknown bytes
        self.known_dirs: set[str] = {"/"}  # folders known to exist (WORKDIR, mkdir): `COPY f /dir` lands in them

    # bookkeeping -----------------------------------------------------------------------------------------------
    def _store(self, instruction: Instruction, size: int | None) -> None:
        key = id(instruction)
        self.model.stored.setdefault(key, 0)
        if size is None:
            if id(instruction) not in self._unknown:
                self._unknown.add(id(instruction))
                self.model.unknown_layers.append(instruction)
            return
        self.model.stored[key] += size

    def _add(self, node: Node) -> None:
        self.nodes.add(node.path, node)
        self._store(node.instruction, node.size)

    def _inner(self, node: Node, sub: str) -> str | None:
        """Context path of `sub` inside a folder node copied from the context."""
        if node.source is None:
            return None
        if not sub:
            return node.source
        return f"{node.source}/{sub}" if node.source else sub

    def _exists_in(self, node: Node, sub: str) -> bool:
        if sub == "":
            return True
        if any(sub == r or sub.startswith(r + "/") for r in node.removed):
            return False
        if node.merged:
            return True  # its items are not listed one by one any more: whatever was in it may still be
        inner = self._inner(node, sub)
        return (inner is not None and self.context is not None and self.context.get(inner) is not None
                and not _excluded(node.exclude, node.exclude_base, inner))

    def _context_size(self, node: Node, inner: str) -> int:
        """Bytes of the context path `inner` that `node` really holds (without its COPY's --exclude matches)."""
        if node.exclude is None:
            return self.context.size(inner)
        if _excluded(node.exclude, node.exclude_base, inner):
            return 0
        if not self.context.is_dir(inner):
            return self.context.size(inner)
        return sum(entry.size for path, entry in self.context.walk(inner)
                   if entry.kind != DIR and not _excluded(node.exclude, node.exclude_base, path))

    def _affected(self, path: str) -> list[tuple[Node, str]]:
        """Known nodes at or below `path` (sub-path ""), else the folder nodes whose copied content holds it."""
        found = [(n, "") for n in self.nodes.under(path)]
        holders = []
        for at, node in self.nodes.above(path):
            if node.kind == DIR:
                rel = path[len(at.rstrip("/")) + 1 :]
                if self._exists_in(node, rel):
                    holders.append((node, rel))
        # The newest copy is the one the path shows; older ones were already counted as overwritten.
        return found + holders[-1:]

    def _bytes(self, node: Node, sub: str) -> int | None:
        """Live bytes of `sub` inside `node` ("" = the whole node)."""
        if sub == "":
            return node.live_size
        if node.size is None or self.context is None or node.merged:
            return None
        inner = self._inner(node, sub)
        if inner is None or self.context.get(inner) is None:
            return 0
        size = self._context_size(node, inner)
        below = [b for r, b in node.removed.items() if r.startswith(sub + "/")]
        if any(b is None for b in below):
            return None
        return max(0, size - sum(below))

    def _source_of(self, node: Node, sub: str) -> str | None:
        inner = self._inner(node, sub)
        return (inner or ".") if inner is not None else None

    def _kind_of(self, node: Node, sub: str) -> str:
        if not sub:
            return node.kind
        inner = self._inner(node, sub)
        if inner is not None and self.context is not None and self.context.is_dir(inner):
            return DIR
        return FILE

    def _take(self, node: Node, sub: str, size: int | None) -> None:
        """Remove `sub` of `node` (or the whole node) from the live file system."""
        if sub == "":
            self.nodes.remove(node)
        else:
            node.removed[sub] = size

    def _waste(self, instruction, action, node, sub, size, command=None) -> None:
        path = posixpath.join(node.path, sub) if sub else node.path
        if node.instruction is instruction:
            # Written and removed in the same layer: never stored at all.
            if size is not None and action in (DELETED, MOVED, OVERWRITTEN):
                self.model.stored[id(instruction)] = max(0, self.model.stored.get(id(instruction), 0) - size)
            return
        if size == 0:
            return
        self.model.events.append(
            WasteEvent(instruction, action, path, size, node.instruction, command, self._source_of(node, sub))
        )

    # COPY / ADD ------------------------------------------------------------------------------------------------
    def copy(self, instruction: CopyInstruction) -> None:
        resolution = resolve_copy(instruction, self.context)
        self.model.copies[id(instruction)] = resolution
        self._store(instruction, 0)
        if not resolution.items:
            # Sources we could not resolve (no context given): the layer adds bytes we cannot size.
            if resolution.sources:
                self._store(instruction, None)
            return
        excludes = exclude_matcher(tuple(instruction.excludes)) if instruction.excludes else None
        for item in resolution.items:
            if item.kind == FILE and not resolution.dest_is_dir and item.dest == resolution.dest and (
                item.dest in self.known_dirs or self._is_known_dir(item.dest)
            ):
                # `COPY requirements.txt /app` after `WORKDIR /app`: BuildKit copies into the existing folder.
                name = posixpath.basename(item.source) if item.source else posixpath.basename(item.dest)
                item = replace(item, dest=posixpath.join(item.dest, name))
            if item.extracted:
                pass  # unpacked into a folder: what it overwrites is not known
            elif item.kind == DIR and item.source is not None:
                self._overwrite_by_folder(instruction, item.dest, item.source, excludes)
            elif item.kind == FILE:
                # Only a file at exactly that path is replaced (onto a folder, BuildKit copies into it).
                for node, sub in self._affected(item.dest):
                    at = posixpath.join(node.path, sub) if sub else node.path
                    if at != item.dest or self._kind_of(node, sub) != FILE:
                        continue
                    size = self._bytes(node, sub)
                    self._waste(instruction, OVERWRITTEN, node, sub, size)
                    self._take(node, sub, size)
            kind = item.kind if item.kind in (FILE, DIR) else "unknown"
            self._add(Node(item.dest, kind, item.size, instruction, item.source, exclude=excludes,
                           exclude_base=item.source or ""))
            if item.size is not None and item.source is not None and self.context is not None:
                self.model.context_bytes += item.size

    def _overwrite_by_folder(self, instruction: CopyInstruction, dest: str, source: str,
                             excludes: IgnoreMatcher | None = None) -> None:
        """Files already in the image that a folder copied to `dest` replaces (not those its --exclude leaves out)."""
        context = self.context
        if context is None:
            return
        prefix = dest.rstrip("/") + "/"
        candidates = self.nodes.under(dest) + [node for _, node in self.nodes.above(dest)]
        for node in sorted(candidates, key=self.nodes.order):
            path = node.path
            if path == dest or path.startswith(prefix):
                rel = path[len(dest.rstrip("/")) :].lstrip("/")
                incoming = f"{source}/{rel}" if source and rel else (source or rel)
                if node.kind == DIR and node.source is not None:
                    self._overlap(instruction, node, "", incoming, excludes, source)
                else:
                    twin = context.get(incoming)
                    if twin is not None and twin.kind != DIR and not _excluded(excludes, source, incoming):
                        size = node.live_size
                        self._waste(instruction, OVERWRITTEN, node, "", size)
                        self._take(node, "", size)
            elif dest.startswith(path.rstrip("/") + "/") and node.kind == DIR and node.source is not None:
                sub = dest[len(path.rstrip("/")) + 1 :]
                self._overlap(instruction, node, sub, source, excludes, source)

    def _overlap(self, instruction: CopyInstruction, node: Node, sub: str, incoming: str,
                 excludes: IgnoreMatcher | None = None, incoming_base: str = "") -> None:
        """Files of `node` (below `sub`) that the incoming context folder also contains: stored twice."""
        context = self.context
        old_root = self._inner(node, sub)
        if context is None or old_root is None or context.get(old_root) is None or context.get(incoming) is None:
            return
        if not context.is_dir(old_root):
            return
        prefix = len(old_root) + 1 if old_root else 0
        total = 0
        for path, entry in context.walk(old_root):
            if entry.kind == DIR:
                continue
            rel = path[prefix:]
            node_rel = f"{sub}/{rel}" if sub else rel
            if any(node_rel == r or node_rel.startswith(r + "/") for r in node.removed):
                continue
            if _excluded(node.exclude, node.exclude_base, path):
                continue  # never copied by the older COPY
            twin_path = f"{incoming}/{rel}" if incoming else rel
            twin = context.get(twin_path)
            if twin is not None and twin.kind != DIR and not _excluded(excludes, incoming_base, twin_path):
                node.removed[node_rel] = entry.size
                total += entry.size
        if total and node.instruction is not instruction:
            path = posixpath.join(node.path, sub) if sub else node.path
            self.model.events.append(
                WasteEvent(instruction, OVERWRITTEN, path, total, node.instruction, None, old_root or ".")
            )

    # RUN -------------------------------------------------------------------------------------------------------
    def run(self, run: RunInstruction, workdir: str, env: BuildVars) -> None:
        self._store(run, 0)
        if not run.shell_analysed:
            self._store(run, None)
            return
        state = _RunState(run, workdir, env)
        for command in run.commands:
            argv = unwrap_argv(command.argv)
            if not argv:
                continue
            if command.conditional:
                # It may not run (`if [ "$ARG" = x ]; then rm -rf /app; fi`): its effect is not taken as certain,
                # and a `cd` in it leaves the working directory unknown.
                if posixpath.basename(argv[0]) == "cd":
                    state.cwd = None
                continue
            handler = _HANDLERS.get(posixpath.basename(argv[0]))
            if handler is not None:
                handler(self, state, command, argv)
            else:
                self._maybe_executed(state, command, argv)
        # Whatever else the RUN did (installs, builds) adds bytes we cannot size.
        self._store(run, None)

    def _expand(self, state: "_RunState", word: str) -> list[tuple[str, Node, str]]:
        """(image path, node, sub) for a path argument, globs expanded against the paths slimlint knows."""
        path = state.path(word)
        if path is None:
            return []
        if not gomatch.has_wildcards(path):
            return [(path, n, s) for n, s in self._affected(path)]
        out = []
        for candidate in self._glob(path):
            out += [(candidate, n, s) for n, s in self._affected(candidate)]
        return out

    def _glob(self, pattern: str) -> list[str]:
        parts = pattern.strip("/").split("/")
        current = ["/"]
        for part in parts:
            following = []
            for folder in current:
                if not gomatch.has_wildcards(part):
                    following.append(posixpath.join(folder, part))
                    continue
                for name in self._list(folder):
                    if name.startswith(".") and not part.startswith("."):
                        continue  # the shell's `*` skips dot files
                    try:
                        if gomatch.match(part, name):
                            following.append(posixpath.join(folder, name))
                    except gomatch.BadPattern:
                        return []
            current = following
        return current

    def _list(self, folder: str) -> set[str]:
        """Names directly inside an image folder, as far as slimlint knows them."""
        names: set[str] = set(self.nodes.children(folder))
        for node in self.nodes.at(folder) + [node for _, node in self.nodes.above(folder)]:
            if node.kind != DIR or node.source is None or self.context is None:
                continue
            if node.path == folder:
                sub = ""
            elif folder.startswith(node.path.rstrip("/") + "/"):
                sub = folder[len(node.path.rstrip("/")) + 1 :]
            else:
                continue
            inner = self._inner(node, sub)
            for name in self.context.children(inner or ""):
                if self._exists_in(node, f"{sub}/{name}" if sub else name):
                    names.add(name)
        return names

    def _consume(self, state, command, action, word) -> None:
        for path, node, sub in self._expand(state, word):
            if state.mounted(path):
                continue
            self._consume_one(state, command, action, path, node, sub, self._bytes(node, sub))

    def _maybe_executed(self, state, command, argv) -> None:
        """`/tmp/installer.run` or `./install.sh` run directly: the copied installer is consumed. Running the
        application's own binary (`/usr/local/bin/app --version`) is not consuming it, so only installer-like
        names count."""
        first = argv[0]
        name = posixpath.basename(first).lower()
        if "/" in first and not first.startswith("$") and (
            name.endswith(_INSTALLER_SUFFIXES) or "install" in name or "setup" in name
        ):
            self._consume(state, command, EXECUTED, first)

    def delete(self, state, command, word: str, recursive: bool) -> None:
        for path, node, sub in self._expand(state, word):
            if state.mounted(path):
                continue
            if not recursive and self._kind_of(node, sub) == DIR:
                continue  # `rm` without -r fails on a folder
            size = self._bytes(node, sub)
            if node.instruction is not state.run:
                self._consume_one(state, command, DELETED, path, node, sub, size)
            self._waste(state.run, DELETED, node, sub, size, command)
            self._take(node, sub, size)

    def modify(self, state, command, word: str, recursive: bool) -> None:
        restored: list[Node] = []
        argv = unwrap_argv(command.argv)
        kept = mode_kept(argv)
        for path, node, sub in self._expand(state, word):
            if state.mounted(path) or node.instruction is state.run:
                continue
            kind = self._kind_of(node, sub)
            if kind == DIR and not recursive and path == (posixpath.join(node.path, sub) if sub else node.path):
                continue  # only the folder entry itself changes: a few bytes
            if self._unchanged(node, sub, argv, kept):
                continue  # no file changes: nothing is stored again
            size = self._bytes(node, sub)
            self._waste(state.run, MODIFIED, node, sub, size, command)
            self._take(node, sub, size)
            restored.append(Node(posixpath.join(node.path, sub) if sub else node.path, kind, size, state.run,
                                 self._inner(node, sub), origin=node.origin, exclude=node.exclude,
                                 exclude_base=node.exclude_base, merged=node.merged and not sub,
                                 removed=_removed_below(node, sub)))
        folder = state.path(word)
        if recursive and folder is not None and len(restored) > MERGE_AFTER and not gomatch.has_wildcards(folder) \
                and all(n.path == folder or n.path.startswith(folder.rstrip("/") + "/") for n in restored):
            # `chown -R app /app` over many items: the folder is stored again as one item of this RUN (its total
            # size kept). A folder re-permissioned again and again costs one item, not all it ever held; what is
            # deleted inside it later is of unknown size then.
            sizes = [n.size for n in restored]
            total = None if any(size is None for size in sizes) else sum(sizes)
            self._add(Node(folder, DIR, total, state.run, merged=True))
            return
        for node in restored:
            self._add(node)

    def _unchanged(self, node: Node, sub: str, argv: tuple[str, ...], kept) -> bool:
        """A `chown`/`chgrp` to the owner the node's `COPY --chown` gave it, or a `chmod` to the mode its files
        already have (`kept`: see `mode_kept`): the files stay as they are. Only for what a COPY from the context
        stored and nothing re-stored since; the mode is the context file's, or the COPY's octal `--chmod`."""
        copy = node.instruction
        if not isinstance(copy, CopyInstruction) or node.origin is not copy:
            return False
        if keeps_owner(argv, copy.chown):
            return True
        if kept is None or self.context is None or node.source is None or copy.from_ is not None or node.merged:
            return False
        inner = self._inner(node, sub)
        entry = self.context.get(inner) if inner is not None else None
        if entry is None:
            return False
        if copy.chmod is not None:
            # `--chmod` sets every copied file's mode; what it does to folders is not modelled
            octal = copy.chmod.isdigit() and set(copy.chmod) <= set("01234567")
            return octal and entry.kind == FILE and kept(int(copy.chmod, 8))
        if entry.kind != DIR:
            return entry.kind == FILE and kept(entry.mode)
        # chmod -R of a folder: every file and folder in it must keep its mode (a link's own mode is not changed)
        return kept(entry.mode) and all(kept(e.mode) for path, e in self.context.walk(inner)
                                        if e.kind != SYMLINK and not _excluded(node.exclude, node.exclude_base, path))

    def move(self, state, command, words: list[str], dest_word: str, copy: bool) -> None:
        dest = state.path(dest_word)
        if dest is None:
            return
        dest_is_dir = len(words) > 1 or dest_word.endswith("/") or self._is_known_dir(dest)
        for word in words:
            for path, node, sub in self._expand(state, word):
                if state.mounted(path):
                    continue
                size = self._bytes(node, sub)
                item_path = posixpath.join(node.path, sub) if sub else node.path
                target = posixpath.join(dest, posixpath.basename(path)) if dest_is_dir else dest
                if item_path != path:
                    target = posixpath.join(target, item_path[len(path.rstrip("/")) + 1 :])
                if state.mounted(target):
                    continue
                if not copy:
                    self._consume_one(state, command, MOVED, path, node, sub, size)
                    self._waste(state.run, MOVED, node, sub, size, command)
                    self._take(node, sub, size)
                self._add(Node(target, self._kind_of(node, sub), size, state.run, self._inner(node, sub),
                               origin=node.origin, exclude=node.exclude, exclude_base=node.exclude_base,
                               merged=node.merged and not sub, removed=_removed_below(node, sub)))

    def _consume_one(self, state, command, action, path, node, sub, size) -> None:
        """Record that a RUN uses up something a COPY/ADD brought (also after a chmod or mv re-stored it)."""
        if not isinstance(node.origin, CopyInstruction) or (sub and not size):
            return
        self.model.consumptions.append(
            Consumption(state.run, action, path, node.path, sub == "", size, node.origin, command,
                        self._source_of(node, sub))
        )

    def _is_known_dir(self, path: str) -> bool:
        if any(node.kind == DIR for node in self.nodes.at(path)) or self.nodes.children(path):
            return True
        return any(self._kind_of(node, sub) == DIR for node, sub in self._affected(path) if sub)

    def create(self, state, path: str | None, kind: str) -> None:
        """A RUN writes a new file or folder of unknown size (download, clone, extraction)."""
        if path is None or state.mounted(path):
            return
        if kind == FILE:
            for node, sub in self._affected(path):
                size = self._bytes(node, sub)
                self._waste(state.run, OVERWRITTEN, node, sub, size)
                self._take(node, sub, size)
        if not self.nodes.at(path):
            self._add(Node(path, kind, None, state.run))


def _removed_below(node: Node, sub: str) -> dict[str, int | None]:
    """What is already gone from `sub` of a node (relative to `sub`): a copy or move of it carries none of that."""
    if not sub:
        return dict(node.removed)
    prefix = sub + "/"
    return {r[len(prefix):]: b for r, b in node.removed.items() if r.startswith(prefix)}


@dataclass
class _RunState:
    run: RunInstruction
    cwd: str | None
    env: BuildVars

    def path(self, word: str) -> str | None:
        if not word or word.startswith("-"):
            return None
        word = expand_vars(word, self.env.get)
        if word is None:
            return None
        if "`" in word or word.startswith("~") or "://" in word:
            return None
        if not word.startswith("/"):
            if self.cwd is None:
                return None
            word = posixpath.join(self.cwd, word)
        return gomatch.go_clean(word)

    def mounted(self, path: str) -> bool:
        return under_mount(self.run, path)


def _cd(sim: _Simulator, state: _RunState, command, argv) -> None:
    directory = cd_operand(argv)
    # A bare `cd` goes to $HOME and `cd -` back to a folder: neither is tracked here.
    state.cwd = state.path(directory) if directory not in (None, "-") else None


def _mkdir(sim, state, command, argv) -> None:
    for word in operands(argv[1:], frozenset({"-m", "--mode"})):
        path = state.path(word)
        if path is not None:
            sim.known_dirs.add(path)


def _rm(sim, state, command, argv) -> None:
    words, recursive = rm_call(argv)
    for word in words:
        sim.delete(state, command, word, recursive)


def _mv_cp(sim, state, command, argv) -> None:
    call = move_call(argv)
    if call is not None:
        sim.move(state, command, call[0], call[1], copy=posixpath.basename(argv[0]) == "cp")


def _rewrite(sim, state, command, argv) -> None:
    """chmod/chown/chgrp, `sed -i`, touch: the whole file is stored again (touch of a new path creates it)."""
    call = rewritten_files(argv)
    if call is None:
        return
    words, recursive = call
    touch = posixpath.basename(argv[0]) == "touch"
    for word in words:
        path = state.path(word) if touch else None
        if touch and path is None:
            continue
        if touch and not sim._affected(path):
            sim.create(state, path, FILE)
        else:
            sim.modify(state, command, word, recursive)


def _tar(sim, state, command, argv) -> None:
    call = tar_call(argv)
    if call.archive is None or call.archive == "-":
        return
    if call.extract:
        sim._consume(state, command, EXTRACTED, call.archive)
        sim.create(state, state.path(call.directory) if call.directory else state.cwd, DIR)
    elif call.create:
        sim.create(state, state.path(call.archive), FILE)


def _unzip(sim, state, command, argv) -> None:
    archive, directory = unzip_call(argv)
    if archive is None:
        return
    sim._consume(state, command, EXTRACTED, archive)
    sim.create(state, state.path(directory) if directory else state.cwd, DIR)


def _decompress(sim, state, command, argv) -> None:
    name = posixpath.basename(argv[0])
    if name in ("gzip", "xz", "bzip2", "zstd", "lzma") and not has_option(argv[1:], "d", ("--decompress",)):
        return
    keep = has_option(argv[1:], "k", ("--keep",)) or has_option(argv[1:], "c", ("--stdout",))
    for word in operands(argv[1:]):
        sim._consume(state, command, EXTRACTED, word)
        if not keep:
            sim.delete(state, command, word, recursive=False)
        path = state.path(word)
        if path is not None and "." in posixpath.basename(path):
            sim.create(state, path.rsplit(".", 1)[0], FILE)


def _installer(sim, state, command, argv) -> None:
    """Package installs from a local file: the copied package is consumed (its bytes stay in the COPY layer)."""
    name = posixpath.basename(argv[0])
    args = list(argv[1:])
    words: list[str] = []
    if name == "dpkg":
        if has_option(args, "i", ("--install",)):
            words = operands(args)
    elif name == "rpm":
        if any(a.startswith("-") and not a.startswith("--") and ("i" in a or "U" in a or "F" in a) for a in args) or \
                any(a in ("--install", "--upgrade") for a in args):
            words = operands(args)
    else:
        call = package_call(tuple(argv))
        if call is None or call.action not in (INSTALL, UPGRADE):
            return
        words = [w for w in call.operands if "/" in w or w.lower().endswith(_INSTALL_SUFFIXES)]
    for word in words:
        sim._consume(state, command, INSTALLED, word)


def _shell(sim, state, command, argv) -> None:
    """`sh ./install.sh`, `bash /tmp/setup.run`: the script is consumed (not `sh -c STRING`)."""
    args = list(argv[1:])
    if any(a.startswith("-") and "c" in a[1:] and not a.startswith("--") for a in args):
        return
    found = operands(args, frozenset({"-o", "+o"}))
    if found:
        sim._consume(state, command, EXECUTED, found[0])


def _download(sim, state, command, argv) -> None:
    for word in download_outputs(argv):
        sim.create(state, state.path(word), FILE)


def _git(sim, state, command, argv) -> None:
    words = operands(argv[1:], frozenset({"-b", "--branch", "--depth", "-c", "-C", "--origin", "-o"}))
    clone = git_clone_operands(argv) if words[:1] == ["clone"] else []
    if clone:
        folder = clone[1] if len(clone) > 1 else clone_directory(clone[0])
        sim.create(state, state.path(folder), DIR)


_HANDLERS = {
    "cd": _cd,
    "rm": _rm,
    "mkdir": _mkdir,
    "mv": _mv_cp,
    "cp": _mv_cp,
    "chmod": _rewrite,
    "chown": _rewrite,
    "chgrp": _rewrite,
    "touch": _rewrite,
    "sed": _rewrite,
    "tar": _tar,
    "unzip": _unzip,
    "gunzip": _decompress,
    "gzip": _decompress,
    "unxz": _decompress,
    "xz": _decompress,
    "bunzip2": _decompress,
    "bzip2": _decompress,
    "zstd": _decompress,
    "unzstd": _decompress,
    "dpkg": _installer,
    "rpm": _installer,
    "apt": _installer,
    "apt-get": _installer,
    "yum": _installer,
    "dnf": _installer,
    "microdnf": _installer,
    "zypper": _installer,
    "apk": _installer,
    "npm": _installer,
    "yarn": _installer,
    "pnpm": _installer,
    "gem": _installer,
    "pip": _installer,
    "pip3": _installer,
    "uv": _installer,
    "python": _installer,
    "python3": _installer,
    "sh": _shell,
    "bash": _shell,
    "dash": _shell,
    "ash": _shell,
    "zsh": _shell,
    "curl": _download,
    "wget": _download,
    "git": _git,
}
