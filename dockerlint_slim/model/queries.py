"""Queries over the model that rules and the replay share: which RUNs reach the image, what a variable or `$HOME`
is when an instruction runs, which paths a RUN's mounts cover, where a command runs."""

from __future__ import annotations

import posixpath
import weakref
from collections.abc import Sequence
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


_POSITIONS: "weakref.WeakKeyDictionary[RunInstruction, dict[int, int]]" = weakref.WeakKeyDictionary()


def commands_after(run: RunInstruction, command: ShellCommand) -> CommandsAfter:
    """The commands of the same RUN that come after `command` in source order."""
    positions = _POSITIONS.get(run)
    if positions is None:
        positions = _POSITIONS[run] = {id(c): i for i, c in enumerate(run.commands)}
    index = positions.get(id(command))
    return CommandsAfter(run.commands, len(run.commands) if index is None else index + 1)


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


def stage_var(stage: Stage, name: str) -> str | None:
    """An ENV value of the stage's lineage, else an `ARG name=default` declared in it (ARGs are env vars in RUN)."""
    value = stage.env.get(name)
    if value is not None:
        return value
    for ancestor in stage.lineage():
        for instruction in reversed(ancestor.instructions):
            if isinstance(instruction, ArgInstruction):
                for key, default in instruction.pairs:
                    if key == name and default is not None:
                        return default
    return None


def var_before(stage: Stage, instruction, name: str) -> str | None:
    """The value `name` has when `instruction` runs: ENV of the parent stages, then this stage's ENV/ARG lines
    above it (ENV wins over an ARG of the same name, as in BuildKit). None when unset or unknown."""
    env_value = stage.parent.env.get(name) if stage.parent is not None else None
    arg_value = None
    found = False
    for current in stage.instructions:
        if current is instruction or (isinstance(current, OnbuildInstruction) and current.trigger is instruction):
            found = True
            break
        if isinstance(current, EnvInstruction):
            env_value = next((v for k, v in reversed(current.pairs) if k == name), env_value)
        elif isinstance(current, ArgInstruction):
            arg_value = next((v for k, v in reversed(current.pairs) if k == name and v is not None), arg_value)
    if not found:  # not an instruction of this stage: fall back to the stage's final values
        return stage_var(stage, name)
    return env_value if env_value is not None else arg_value


def cwd_before(run: RunInstruction, command: ShellCommand, start: str | None = None) -> str | None:
    """The directory `command` runs in, from the `cd` commands before it in the same RUN (`start`, the WORKDIR,
    when none). None when unknown (`cd -`, a bare `cd`, a `cd $VAR`)."""
    cwd = start
    for earlier in run.commands:
        if earlier is command:
            break
        argv = program_argv(earlier)
        if argv[:1] != ("cd",):
            continue
        target = cd_operand(argv)
        if target is None or target == "-" or "$" in target or "`" in target:
            cwd = None
        elif target.startswith("/"):
            cwd = posixpath.normpath(target)
        elif cwd is not None:
            cwd = posixpath.normpath(posixpath.join(cwd, target))
    return cwd


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
    user = None
    for ancestor in reversed(list(stage.lineage())):
        for current in ancestor.instructions:
            if ancestor is stage and (current is instruction or getattr(current, "trigger", None) is instruction):
                break
            if current.keyword == "USER":
                user = (current.args[0] if current.args else current.arguments.strip()).split(":", 1)[0]
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
