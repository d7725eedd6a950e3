"""Queries over the model that rules and the replay share: which RUNs reach the image, what a variable or `$HOME`
is when an instruction runs, which paths a RUN's mounts cover, where a command runs."""

from __future__ import annotations

import bisect
import posixpath
import weakref
from collections.abc import Callable, Hashable, Sequence
from typing import Iterator

from dockerlint_slim.model.dockerfile import (
    ArgInstruction,
    CopyInstruction,
    Dockerfile,
    EnvInstruction,
    OnbuildInstruction,
    RunInstruction,
    ShellCommand,
    Stage,
)
from dockerlint_slim.shell.argv import program_argv
from dockerlint_slim.shell.commands import cd_operand, removed_paths
from dockerlint_slim.shell.paths import HOME_PREFIXES, at_or_below, normalize_path, path_pattern_covers


def image_stages(dockerfile: Dockerfile) -> list[Stage]:
    """Stages whose layers reach the built image: the target and the stages it is built FROM."""
    return dockerfile.image_stages()


def image_runs(dockerfile: Dockerfile) -> Iterator[tuple[Stage, RunInstruction]]:
    """(stage, RUN) for every RUN (ONBUILD RUN triggers included) in a stage that reaches the image, whose shell
    could be analysed (a RUN under a non-POSIX SHELL has no commands to check)."""
    for stage in image_stages(dockerfile):
        for run in stage.runs():
            if run.shell_analysed:
                yield stage, run


class CommandsAfter(Sequence):
    """A view of the commands of a RUN after one of them: made in O(1), so that rules asking it for every command
    of a 100,000-command RUN stay linear unless they really read what follows."""

    def __init__(self, commands: tuple[ShellCommand, ...], start: int) -> None:
        self._commands, self._start = commands, start

    def __len__(self) -> int:
        return max(0, len(self._commands) - self._start)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return tuple(self)[index]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        return self._commands[self._start + index]

    def __iter__(self) -> Iterator[ShellCommand]:
        commands = self._commands
        for index in range(self._start, len(commands)):
            yield commands[index]


def commands_after(run: RunInstruction, command: ShellCommand) -> CommandsAfter:
    """The commands of the same RUN that come after `command` in source order."""
    facts = _run_facts(run)
    index = facts.position.get(id(command))
    return CommandsAfter(run.commands, len(run.commands) if index is None else index + 1)


def command_position(run: RunInstruction, command: ShellCommand) -> int:
    """The index of `command` in `run.commands` (-1 when it is not one of them)."""
    return _run_facts(run).position.get(id(command), -1)


def last_command_where(run: RunInstruction, key, predicate) -> int:
    """The index of the last command of `run` for which `predicate(command)` holds, -1 when none; computed once per
    RUN and `key` (name the predicate and what it depends on), so "is it cleaned after this command?" is a lookup
    (`last_command_where(...) > command_position(...)`) instead of a scan of the rest of the RUN per command."""
    memo = _run_facts(run).last_match
    index = memo.get(key)
    if index is None:
        index = next((i for i in range(len(run.commands) - 1, -1, -1) if predicate(run.commands[i])), -1)
        memo[key] = index
    return index


_LATER: "weakref.WeakKeyDictionary[Dockerfile, dict]" = weakref.WeakKeyDictionary()


def later_run_where(dockerfile: Dockerfile, stage: Stage, run: RunInstruction, key, predicate) -> bool:
    """Whether a RUN after `run` in its stage, or a RUN of a stage built FROM it, satisfies `predicate(stage, run)`;
    the predicate is evaluated once per RUN of the file and `key` (name it and what it depends on), so asking for
    every RUN stays linear."""
    memo = _LATER.setdefault(dockerfile, {})
    table = memo.get(key)
    if table is None:
        table = memo[key] = _later_table(dockerfile, predicate)
    positions, suffix, descendants = table
    runs_after = suffix.get(stage.index, [False])
    index = positions.get(id(run))
    return (index is not None and runs_after[index + 1]) or descendants.get(stage.index, False)


def _later_table(dockerfile: Dockerfile, predicate):
    positions: dict[int, int] = {}
    suffix: dict[int, list[bool]] = {}
    for stage in dockerfile.stages:
        runs = list(stage.runs())
        flags = [bool(predicate(stage, run)) for run in runs]
        after = [False] * (len(runs) + 1)
        for index in range(len(runs) - 1, -1, -1):
            after[index] = after[index + 1] or flags[index]
            positions[id(runs[index])] = index
        suffix[stage.index] = after
    descendants = {stage.index: False for stage in dockerfile.stages}
    for stage in dockerfile.stages:
        if suffix[stage.index][0]:
            for ancestor in list(stage.lineage())[1:]:
                descendants[ancestor.index] = True
    return positions, suffix, descendants


def mount_covers_path(run: RunInstruction, path: str, kinds: tuple[str, ...] = ("cache", "tmpfs")) -> bool:
    """True when a mount of one of `kinds` is on `path` or a parent of it (its files never reach a layer);
    `~`/`$HOME` in either path is read as root's home."""
    if not run.mounts:
        return False
    path = normalize_path(path)
    return any(
        mount.type in kinds and mount.target and at_or_below(path, normalize_path(mount.target))
        for mount in run.mounts
    )


def under_mount(run: RunInstruction, path: str) -> bool:
    """True when `path` is at or below the target of any mount of the RUN (bind, cache, tmpfs, secret, ssh):
    what a command writes there never reaches the layer."""
    return any(mount.target and at_or_below(path, posixpath.normpath(mount.target)) for mount in run.mounts)


# Rules ask these questions for every instruction of a stage (and every command of a RUN): each stage's and each
# RUN's facts are gathered in one pass on first use and kept beside it, so that a query is a dictionary lookup or
# a binary search instead of a rescan of the stage, and rules stay linear on 200,000-line files.


class _StageFacts:
    """ENV, ARG and USER of one stage by position, and where each instruction stands in it."""

    def __init__(self, stage: Stage) -> None:
        self.position: dict[int, int] = {}  # id(instruction) -> index in the stage; an ONBUILD trigger shares it
        self.env: dict[str, tuple[list[int], list[str]]] = {}  # name -> (indexes of its ENVs, values)
        self.args: dict[str, tuple[list[int], list[str]]] = {}  # name -> (indexes of ARGs giving a value, values)
        self.arg_defaults: dict[str, str] = {}  # name -> the default of its last `ARG name=default`
        self.users: tuple[list[int], list[str]] = ([], [])  # (indexes of USER, user names)
        self.lineage_memo: dict[Hashable, object] = {}  # memo of `_nearest_in_lineage`, by its key
        for index, instruction in enumerate(stage.instructions):
            self.position.setdefault(id(instruction), index)
            if isinstance(instruction, OnbuildInstruction) and instruction.trigger is not None:
                self.position.setdefault(id(instruction.trigger), index)
            if isinstance(instruction, EnvInstruction):
                values = dict(instruction.pairs)  # the last pair of a name wins
                for name, value in values.items():
                    _record(self.env, name, index, value)
            elif isinstance(instruction, ArgInstruction):
                given = {name: value for name, value in instruction.pairs if value is not None}
                for name, value in given.items():
                    _record(self.args, name, index, value)
                first: dict[str, str] = {}
                for name, value in instruction.pairs:
                    if value is not None:
                        first.setdefault(name, value)
                self.arg_defaults.update(first)
            elif instruction.keyword == "USER":
                user = (instruction.args[0] if instruction.args else instruction.arguments.strip()).split(":", 1)[0]
                self.users[0].append(index)
                self.users[1].append(user)


def _record(history: dict[str, tuple[list[int], list[str]]], name: str, index: int, value: str) -> None:
    positions, values = history.setdefault(name, ([], []))
    positions.append(index)
    values.append(value)


def _latest(history: tuple[list[int], list[str]] | None, before: int) -> str | None:
    """The last value recorded at an index below `before`."""
    if history is None:
        return None
    count = bisect.bisect_left(history[0], before)
    return history[1][count - 1] if count else None


_STAGE_FACTS: "weakref.WeakKeyDictionary[Stage, _StageFacts]" = weakref.WeakKeyDictionary()


def _stage_facts(stage: Stage) -> _StageFacts:
    facts = _STAGE_FACTS.get(stage)
    if facts is None:
        facts = _STAGE_FACTS[stage] = _StageFacts(stage)
    return facts


_MISSING = object()


def _nearest_in_lineage(stage: Stage, key: Hashable, own: Callable[[Stage, _StageFacts], object]):
    """What `own(member, facts)` finds in the nearest stage of the lineage that has it (this stage first; `_MISSING` where a
    stage has nothing), None when no stage has it. Remembered per stage under `key` (the same key must always mean
    the same `own`): a chain of 20,000 `FROM previous` stages is walked once per key, not once per query."""
    walked: list[_StageFacts] = []
    value = None
    for member in stage.lineage():
        facts = _stage_facts(member)
        if key in facts.lineage_memo:
            value = facts.lineage_memo[key]
            break
        walked.append(facts)
        found = own(member, facts)
        if found is not _MISSING:
            value = found
            break
    for facts in walked:
        facts.lineage_memo[key] = value
    return value


def _lineage_arg_default(stage: Stage, name: str) -> str | None:
    """The default of the last `ARG name=default` of the nearest stage of the lineage that declares one."""
    return _nearest_in_lineage(stage, ("arg", name), lambda _, facts: facts.arg_defaults.get(name, _MISSING))


def _lineage_user(stage: Stage) -> str | None:
    """The user of the last USER of the stage's lineage (nearest stage first), None when there is none."""
    return _nearest_in_lineage(stage, ("user",), lambda _, facts: facts.users[1][-1] if facts.users[1] else _MISSING)


def lineage_value(stage: Stage, key: Hashable, read: Callable[[RunInstruction], object]):
    """The last value `read` finds (not None) over every RUN of the stage and the stages it is built FROM. `key`
    names what `read` looks for (the same key must always mean the same `read`); each stage's RUNs are read once
    per key."""

    def last_of_stage(member: Stage, _facts: _StageFacts):
        values = [value for value in map(read, member.runs()) if value is not None]
        return values[-1] if values else _MISSING

    return _nearest_in_lineage(stage, ("runs", key), last_of_stage)


def stage_var(stage: Stage, name: str) -> str | None:
    """An ENV value of the stage's lineage, else an `ARG name=default` declared in it (ARGs are env vars in RUN)."""
    value = stage.env.get(name)
    if value is not None:
        return value
    return _lineage_arg_default(stage, name)


def var_before(stage: Stage, instruction, name: str) -> str | None:
    """The value `name` has when `instruction` runs: ENV of the parent stages, then this stage's ENV/ARG lines
    above it (ENV wins over an ARG of the same name, as in BuildKit). None when unset or unknown."""
    facts = _stage_facts(stage)
    position = facts.position.get(id(instruction))
    if position is None:  # not an instruction of this stage: fall back to the stage's final values
        return stage_var(stage, name)
    env_value = _latest(facts.env.get(name), position)
    if env_value is None and stage.parent is not None:
        env_value = stage.parent.env.get(name)
    if env_value is not None:
        return env_value
    return _latest(facts.args.get(name), position)


_MAX_CD_DEPTH = 64


class _Folder:
    """A folder reached by `cd`s, in a tree shared by the commands of a RUN: a chain of 100,000 `cd`s costs one node
    per step instead of one path string per command. A root is `/` or, for relative steps, the WORKDIR."""

    __slots__ = ("parent", "name", "children", "depth")

    def __init__(self, parent: "_Folder | None", name: str) -> None:
        self.parent, self.name, self.children = parent, name, {}
        self.depth = parent.depth + 1 if parent is not None else 0

    def walk(self, path: str) -> "_Folder | None":
        """The folder `cd path` leads to from here; None (unknown) past _MAX_CD_DEPTH levels, deeper than any real
        build goes, so that reading a folder's path stays cheap."""
        folder = self
        for part in path.split("/"):
            if part in ("", "."):
                continue
            if part == ".." and folder.name != "..":
                if folder.parent is not None:
                    folder = folder.parent
                    continue
                if folder.name == "/":
                    continue  # `/..` is `/`
            child = folder.children.get(part)
            if child is None:
                if folder.depth >= _MAX_CD_DEPTH:
                    return None
                child = folder.children[part] = _Folder(folder, part)
            folder = child
        return folder

    def parts(self) -> tuple["_Folder", list[str]]:
        """The root of this folder and the names from it down to here."""
        names = []
        folder = self
        while folder.parent is not None:
            names.append(folder.name)
            folder = folder.parent
        names.reverse()
        return folder, names


class _RunFacts:
    """Where each command of a RUN stands, and the folder each one runs in (relative to the WORKDIR, absolute, or
    None when unknown: after a `cd -`, a bare `cd` or a `cd $VAR`)."""

    def __init__(self, run: RunInstruction) -> None:
        self.position: dict[int, int] = {}
        self.last_match: dict[object, int] = {}  # memo of `last_command_where`
        self.cwd: list[_Folder | None] = []
        absolute, workdir = _Folder(None, "/"), _Folder(None, "")
        folder: _Folder | None = workdir
        for index, command in enumerate(run.commands):
            self.position.setdefault(id(command), index)
            self.cwd.append(folder)
            argv = program_argv(command)
            if argv[:1] != ("cd",):
                continue
            target = cd_operand(argv)
            if target is None or target == "-" or "$" in target or "`" in target:
                folder = None
            elif target.startswith("/"):
                folder = absolute.walk(target)
            elif folder is not None:
                folder = folder.walk(target)
        self.final_cwd = folder


_RUN_FACTS: "weakref.WeakKeyDictionary[RunInstruction, _RunFacts]" = weakref.WeakKeyDictionary()


def _run_facts(run: RunInstruction) -> _RunFacts:
    facts = _RUN_FACTS.get(run)
    if facts is None:
        facts = _RUN_FACTS[run] = _RunFacts(run)
    return facts


def cwd_before(run: RunInstruction, command: ShellCommand, start: str | None = None) -> str | None:
    """The directory `command` runs in, from the `cd` commands before it in the same RUN (`start`, the WORKDIR,
    when none). None when unknown (`cd -`, a bare `cd`, a `cd $VAR`)."""
    facts = _run_facts(run)
    index = facts.position.get(id(command))
    folder = facts.final_cwd if index is None else facts.cwd[index]
    if folder is None:
        return None
    root, names = folder.parts()
    if root.name == "/":
        return "/" + "/".join(names)
    if start is None:
        return None
    return posixpath.normpath(posixpath.join(start, *names)) if names else start


def run_removes_path(run: RunInstruction, command: ShellCommand, path: str, start: str | None = None,
                     home: str = "/root") -> bool:
    """Like `removes_path`, with relative operands (`cd /var/cache && rm -rf yum`) resolved against the
    directory the command runs in (see `cwd_before`), and `~`/`$HOME` read as `home` (see `user_home`)."""
    cwd = None
    for pattern in removed_paths(command):
        if home != "/root" and pattern.startswith(HOME_PREFIXES):
            pattern = normalize_path(pattern, home)
        if not pattern.startswith(("/", "~", "$")):
            cwd = cwd or cwd_before(run, command, start)
            if cwd is None:
                continue
            pattern = posixpath.join(cwd, pattern)
        if path_pattern_covers(pattern, path):
            return True
    return False


def user_home(stage: Stage, instruction) -> str | None:
    """$HOME when `instruction` runs: `ENV HOME`, else the home of the last `USER` above it in the stage's lineage
    (`root`/`0`/none -> /root, `node` -> /home/node, another name -> /home/<name>, as `useradd -m` makes it).
    None when it cannot be known (`USER 1000` or `USER $NAME`): callers must not pin a cache to /root then."""
    home = var_before(stage, instruction, "HOME")
    if home and "$" not in home:
        return home.rstrip("/") or "/"
    user = user_before(stage, instruction)
    if user == "root":
        return "/root"
    if "$" in user or user.isdigit():
        return None
    return f"/home/{user}"


def user_before(stage: Stage, instruction) -> str:
    """The user `instruction` runs as: the last `USER` above it in the stage's lineage, as written (`root` when
    none; `0` reads as `root`; no group)."""
    facts = _stage_facts(stage)
    user = _latest(facts.users, facts.position.get(id(instruction), len(stage.instructions)))
    if user is None and stage.parent is not None:
        user = _lineage_user(stage.parent)
    return "root" if user in (None, "", "0", "root") else user


def rehome(path: str, home: str | None) -> str:
    """A /root/... default cache path moved to `home` (kept as is when `home` is unknown)."""
    if home is None or home == "/root" or not (path == "/root" or path.startswith("/root/")):
        return path
    return home.rstrip("/") + path[len("/root"):]


def needed_stages(dockerfile: Dockerfile) -> list[Stage]:
    """Stages BuildKit builds for the target: its lineage plus every stage reached through `COPY --from` or
    `RUN --mount=from=` (transitively). COPY sources in other stages are never read."""
    target = dockerfile.target_stage()
    if target is None:
        return []
    seen: dict[int, Stage] = {}
    pending = [target]
    while pending:
        stage = pending.pop()
        for member in stage.lineage():
            if member.index in seen:
                continue
            seen[member.index] = member
            for instruction in member.instructions:
                names = []
                if isinstance(instruction, CopyInstruction) and instruction.from_:
                    names.append(instruction.from_)
                if isinstance(instruction, RunInstruction):
                    names += [m.from_ for m in instruction.mounts if m.from_]
                for name in names:
                    other = dockerfile.stage_named(name)
                    if other is not None and other.index < member.index and other.index not in seen:
                        pending.append(other)
    return [seen[i] for i in sorted(seen)]
