"""Small queries over the model that many rules share (which RUNs reach the image, env lookups, mounts)."""

from __future__ import annotations

import posixpath
from typing import Iterator

from dockerlint_slim.model import Dockerfile, RunInstruction, ShellCommand, Stage

TRUTHY = frozenset({"1", "true", "yes", "on"})


def image_stages(dockerfile: Dockerfile) -> list[Stage]:
    """Stages whose layers reach the built image: the target and the stages it is built FROM."""
    return dockerfile.image_stages()


def image_runs(dockerfile: Dockerfile) -> Iterator[tuple[Stage, RunInstruction]]:
    """(stage, RUN) for every RUN (ONBUILD RUN triggers included) in a stage that reaches the image."""
    for stage in image_stages(dockerfile):
        for run in stage.runs():
            yield stage, run


def stage_env(stage: Stage, name: str) -> str | None:
    """An ENV value visible in `stage` (its own ENV or one inherited through FROM <stage>)."""
    return stage.env.get(name)


def env_is_truthy(stage: Stage, name: str) -> bool:
    value = stage_env(stage, name)
    return value is not None and value.strip().lower() in TRUTHY


def command_env_is_truthy(command: ShellCommand, name: str) -> bool:
    """`VAR=1 cmd ...` prefixes."""
    return any(key == name and value.strip().lower() in TRUTHY for key, value in command.env)


def mount_covers(run: RunInstruction, path: str, kinds: tuple[str, ...] = ("cache", "tmpfs")) -> bool:
    """True when a mount of one of `kinds` is on `path` or a parent of it (its files never reach a layer)."""
    path = posixpath.normpath(path)
    for mount in run.mounts:
        if mount.type in kinds and mount.target:
            target = posixpath.normpath(mount.target)
            if path == target or path.startswith(target.rstrip("/") + "/"):
                return True
    return False


def has_flag(argv: tuple[str, ...], *names: str) -> bool:
    """Long options (`--no-cache`, `--no-cache=...`) or short ones given alone."""
    for arg in argv:
        for name in names:
            if arg == name or (name.startswith("--") and arg.startswith(name + "=")):
                return True
    return False


def commands_after(run: RunInstruction, command: ShellCommand) -> list[ShellCommand]:
    """The commands of the same RUN that come after `command` in source order."""
    commands = list(run.commands)
    try:
        index = next(i for i, c in enumerate(commands) if c is command)
    except StopIteration:
        return []
    return commands[index + 1 :]
