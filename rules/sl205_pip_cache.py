"""What it does
Flags `pip install` (`pip`, `pip3`, `pip3.12`, `python -m pip`, `python3 -m pip`) and uv installs
(`uv pip install`, `uv pip sync`, `uv sync`, `uv tool install`) in a layer of the image that keep the download
cache. Not flagged when:

- pip gets `--no-cache-dir`; uv gets `--no-cache` (or `-n`);
- `PIP_NO_CACHE_DIR` (any boolean: pip reads even `off`/`0` as "no cache") / `UV_NO_CACHE` (truthy) is set by `ENV` or `ARG` in the stage or a stage it is built
  `FROM`, or as a `VAR=1 pip ...` prefix;
- an earlier `RUN` ran `pip config set global.no-cache-dir ...`;
- a cache or tmpfs mount covers the cache directory (`/root/.cache/pip`, `/root/.cache/uv`, `PIP_CACHE_DIR`,
  `UV_CACHE_DIR`, or a parent such as `/root/.cache`);
- the same `RUN` removes the cache directory (`rm -rf /root/.cache/pip`, `~/.cache`) or runs `pip cache purge`
  / `uv cache clean` after the install.

Only stages that reach the image are checked.

Why is this bad?
pip keeps a copy of every wheel it downloads or builds in `~/.cache/pip` (uv in `~/.cache/uv`), so the layer
stores each package twice: installed, and in the cache. That is often tens to hundreds of MB (PyTorch alone is
several GB).

Example
```dockerfile
FROM python:3.12-slim
RUN pip install -r requirements.txt
```

Use instead
```dockerfile
FROM python:3.12-slim
RUN pip install --no-cache-dir -r requirements.txt
```

or, with BuildKit, keep the cache between builds but out of the image:

```dockerfile
RUN --mount=type=cache,target=/root/.cache/pip pip install -r requirements.txt
```

hadolint equivalent: DL3042.
"""

from __future__ import annotations

import re

from dockerlint_slim.diagnostics import Finding, Fix
from dockerlint_slim.model.queries import (
    commands_after,
    image_runs,
    mount_covers_path,
    rehome,
    run_removes_path,
    user_home,
    var_before,
)
from dockerlint_slim.shell.argv import TRUTHY, has_flag, operands, program_argv
from dockerlint_slim.shell.commands import removed_paths, removes_asked_path

ID = "SL205"
NAME = "pip-cache"
SEVERITY = "warning"
SUMMARY = "pip/uv install keeps its download cache in the layer"
TAGS = ("cache", "python")

_PIP = re.compile(r"^pip(\d+(\.\d+)?)?$")
_PYTHON = re.compile(r"^python(\d+(\.\d+)?)?$")
PIP_VALUE_OPTIONS = frozenset(
    {"-r", "--requirement", "-c", "--constraint", "-e", "--editable", "-t", "--target", "-i", "--index-url",
     "--extra-index-url", "-f", "--find-links", "--cache-dir", "--root", "--prefix", "--src", "--platform",
     "--python-version", "--implementation", "--abi", "--trusted-host", "--log", "--proxy", "--retries",
     "--timeout", "--progress-bar", "--upgrade-strategy", "--only-binary", "--no-binary", "--config-settings",
     "-C", "--global-option", "--report", "--python"}
)
UV_VALUE_OPTIONS = frozenset(
    {"-r", "--requirement", "-c", "--constraint", "--cache-dir", "-p", "--python", "--index-url", "-i",
     "--extra-index-url", "--index", "-f", "--find-links", "--target", "--prefix", "--extra", "--group",
     "--package", "--with", "--directory", "--project"}
)
PIP_CACHE = "/root/.cache/pip"
UV_CACHE = "/root/.cache/uv"


def pip_argv(argv: tuple[str, ...]) -> tuple[str, ...] | None:
    """argv starting at `pip` for `pip ...` and `python -m pip ...`, else None."""
    if not argv:
        return None
    if _PIP.match(argv[0]):
        return argv
    if _PYTHON.match(argv[0]):
        for index, arg in enumerate(argv[1:], start=1):
            if arg == "-m" and index + 1 < len(argv) and argv[index + 1] == "pip":
                return ("pip", *argv[index + 2 :])
            if arg == "-mpip":
                return ("pip", *argv[index + 1 :])
            if not arg.startswith("-"):
                return None
    return None


def install_kind(argv: tuple[str, ...]) -> str | None:
    """'pip' or 'uv' when the command installs packages through that tool's cache."""
    pip = pip_argv(argv)
    if pip is not None:
        words = operands(pip[1:], PIP_VALUE_OPTIONS)
        return "pip" if words and words[0] == "install" else None
    if argv and argv[0] == "uv":
        words = operands(argv[1:], UV_VALUE_OPTIONS)
        if words[:2] in (["pip", "install"], ["pip", "sync"], ["tool", "install"]) or words[:1] == ["sync"]:
            return "uv"
    return None


def _cache_dir(kind: str, argv: tuple[str, ...], stage, run, command) -> str:
    for index, arg in enumerate(argv):
        if arg == "--cache-dir" and index + 1 < len(argv):
            return argv[index + 1]
        if arg.startswith("--cache-dir="):
            return arg.split("=", 1)[1]
    name = "PIP_CACHE_DIR" if kind == "pip" else "UV_CACHE_DIR"
    for key, value in command.env:
        if key == name:
            return value
    default = PIP_CACHE if kind == "pip" else UV_CACHE
    return var_before(stage, run, name) or rehome(default, user_home(stage, run))


_PIP_BOOLEANS = frozenset({"y", "yes", "t", "true", "on", "1", "n", "no", "f", "false", "off", "0"})


def _disabled(kind: str, argv: tuple[str, ...], stage, run, command) -> bool:
    if kind == "pip":
        # pip (optparse) takes any unambiguous abbreviation: `--no-cache` and `--no-cach` mean --no-cache-dir.
        if has_flag(argv, "--no-cache-dir") or any(
                arg.startswith("--no-cach") and "--no-cache-dir".startswith(arg) for arg in argv):
            return True
        env = "PIP_NO_CACHE_DIR"
    else:
        # uv's --no-cache also answers to -n and to pip's spelling --no-cache-dir.
        if has_flag(argv, "--no-cache", "-n", "--no-cache-dir"):
            return True
        env = "UV_NO_CACHE"
    # pip disables its cache for ANY valid boolean in PIP_NO_CACHE_DIR, false ones included (a documented
    # backwards-compatibility quirk): the common `ENV PIP_NO_CACHE_DIR=off` really turns the cache off.
    accepted = _PIP_BOOLEANS if kind == "pip" else TRUTHY
    values = [v for k, v in command.env if k == env]
    value = values[-1] if values else var_before(stage, run, env)
    return value is not None and value.strip().lower() in accepted


def _configured_off(stage, before_run) -> bool:
    """`pip config set global.no-cache-dir ...` in an earlier RUN of the stage's lineage."""
    for ancestor in reversed(list(stage.lineage())):
        for run in ancestor.runs():
            if run is before_run:
                return False
            for command in run.commands:
                pip = pip_argv(program_argv(command))
                if pip and "config" in pip and any("no-cache-dir" in a for a in pip):
                    return True
    return False


def _cleans(kind: str, command, cache: str, run, home: str = "/root") -> bool:
    argv = program_argv(command)
    if kind == "pip":
        pip = pip_argv(argv)
        if pip is not None and operands(pip[1:])[:2] == ["cache", "purge"]:
            return True
    elif argv[:1] == ("uv",) and operands(argv[1:])[:2] in (["cache", "clean"], ["cache", "prune"]):
        return operands(argv[1:])[1] == "clean"
    if removes_asked_path(command, "pip cache dir", "pip3 cache dir", "python -m pip cache dir",
                                  "python3 -m pip cache dir", "uv cache dir"):
        return True
    return run_removes_path(run, command, cache, home=home)


def _covers_any_home(run, after, cache: str) -> bool:
    """With an unknown $HOME: a cache mount or an `rm` of some `<home>/.cache/pip` (or its `.cache`)."""
    suffixes = (cache[len("/root"):], "/.cache")
    targets = [m.target.rstrip("/") for m in run.mounts if m.type in ("cache", "tmpfs") and m.target]
    removed = [p.rstrip("/*") for c in after for p in removed_paths(c)]
    return any(t.endswith(suffixes) for t in targets + removed)


def check(target):
    for stage, run in image_runs(target.dockerfile):
        for command in run.commands:
            argv = program_argv(command)
            kind = install_kind(argv)
            if kind is None or _disabled(kind, argv, stage, run, command):
                continue
            cache = _cache_dir(kind, argv, stage, run, command)
            home = user_home(stage, run)
            if mount_covers_path(run, cache):
                continue
            after = commands_after(run, command)
            if any(_cleans(kind, c, cache, run, home or "/root") for c in after):
                continue
            if home is None and cache in (PIP_CACHE, UV_CACHE) and _covers_any_home(run, after, cache):
                continue  # `USER 1000`: the cache is in that user's home, which a mount or rm may name
            if home is None and cache in (PIP_CACHE, UV_CACHE):
                cache = "~" + cache[len("/root"):]
            if kind == "pip" and _configured_off(stage, run):
                continue
            if kind == "pip":
                fix = "add `--no-cache-dir` (or set `ENV PIP_NO_CACHE_DIR=1`)"
            else:
                fix = "add `--no-cache` (or set `ENV UV_NO_CACHE=1`)"
            label = "uv " + " ".join(operands(argv[1:], UV_VALUE_OPTIONS)[:2]) if kind == "uv" else (
                f"{argv[0]} -m pip install" if _PYTHON.match(argv[0]) else f"{argv[0]} install")
            yield Finding(
                command.span,
                f"`{label}` keeps a copy of every downloaded wheel in {cache} in this layer "
                f"(often tens to hundreds of MB); {fix}, or use a cache mount on {cache}",
                fix=Fix(fix[0].upper() + fix[1:]),
                properties={"path": cache},
            )
            break  # one finding per RUN: they share one cache directory
