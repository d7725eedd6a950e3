"""What it does
Flags `pip install` (`pip`, `pip3`, `pip3.12`, `python -m pip`, `python3 -m pip`) and uv installs
(`uv pip install`, `uv pip sync`, `uv sync`, `uv tool install`) in a layer of the image that keep the download
cache. Not flagged when:

- pip gets `--no-cache-dir` or an abbreviation pip accepts (`--no-cache`); uv gets `--no-cache` (or `-n`); also
  when the flag is held in an `ARG`/`ENV` with a default (`pip install $PIP_FLAGS ...`, read as BuildKit
  substitutes it);
- `PIP_NO_CACHE_DIR` (any boolean: pip reads even `off`/`0` as "no cache") / `UV_NO_CACHE` (truthy) is set by `ENV`
  or `ARG` in the stage or a stage it is built `FROM`, or as a `VAR=1 pip ...` prefix;
- an earlier `RUN` ran `pip config set global.no-cache-dir ...`;
- a cache or tmpfs mount covers the cache directory (`/root/.cache/pip`, `/root/.cache/uv`, `PIP_CACHE_DIR`,
  `UV_CACHE_DIR`, or a parent such as `/root/.cache`);
- the same `RUN` removes the cache directory (`rm -rf /root/.cache/pip`, `~/.cache`, `"$PIP_CACHE_DIR"`,
  `$(pip cache dir)`), runs `pip cache purge` / `uv cache clean`, or runs a cleanup script of the project
  (`clean-layer.sh`) after the install;
- the `RUN` sets the cache's place itself (`export PIP_CACHE_DIR=$(mktemp -d)`, `XDG_CACHE_HOME=...`): where it
  goes is not guessed;
- the pip that runs is older than 6, which has no cache (and no `--no-cache-dir`: the flag would fail): the
  `python-pip` / `python3-pip` of Debian 7/8 or Ubuntu 12.04/14.04 (`FROM ubuntu:14.04`,
  `nvidia/cuda:8.0-devel-ubuntu14.04`) before any `pip install -U pip`, `easy_install pip` or `get-pip.py`;
- only wheel files on disk are installed (`pip install /wheels/*.whl`): nothing is downloaded.

The cache is in the home of the user the `RUN` runs as (`USER app` -> `/home/app/.cache/pip`; images that run as
their own user, Jupyter's `jovyan`, Ray's `ray`, are known). Only stages that reach the image are checked; one
finding per `RUN`.

Why is this bad?
pip keeps a copy of every archive it downloads (and every wheel it builds) in `~/.cache/pip` (uv in `~/.cache/uv`),
so the layer stores each package twice: installed, and in the cache.

Sizes
As large as the downloads, so the message says "size unknown". Measured examples (the archives `pip download`
fetches, which pip's HTTP cache keeps, 2026-11-30): 1.5 MiB for flask, requests and gunicorn; 15.1 MiB for django,
psycopg2-binary, celery and redis; 28.3 MiB for numpy and pandas (`knowledge/cache_sizes.py`,
`benchmarks/cache_sizes/`).

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

`--no-cache-dir` was checked with Debian 12's pip 23 (in a venv and system-wide): it builds and writes no cache.

Fix
`--fix` adds `--no-cache-dir` (uv: `--no-cache`) right after `install` in every pip (uv) install of the `RUN`
that keeps the cache. Never for a pip older than 6 (it has no cache and no such option: the rule is silent
there); no fix when an install names its own `--cache-dir` or the command is read through a variable.

Known limits
- The pip version of a base image built elsewhere is not known: an image built on Ubuntu 14.04 whose name does not
  say so (`kaixhin/cuda-digits-deps`) and that kept the release's pip 1.5 is still reported.
- A base image that runs as another user without saying so in its name puts the cache in that user's home: the
  message names root's.
- `pip download` and `pip wheel` are not checked (their cache is usually what the command is for).

hadolint equivalent: DL3042.
"""

from __future__ import annotations

from dataclasses import replace

from dockerlint_slim.diagnostics import Finding, Fix
from dockerlint_slim.fixes.edits import insert_flag
from dockerlint_slim.knowledge.package_managers import (
    CACHE_ENV,
    CACHE_QUERIES,
    CLEAN,
    CONFIG,
    INSTALL,
    PIP,
    PIP_CACHE,
    UV,
    UV_CACHE,
    distro_pip_predates_cache,
    installs_distro_pip,
    installs_own_pip,
    is_cleanup_script,
    cache_home,
    package_call,
    pip_cache_disabled,
    run_assigns,
    variables_at,
)
from dockerlint_slim.model.queries import (
    command_position,
    commands_after,
    image_runs,
    image_stages,
    last_command_where,
    mount_covers_path,
    rehome,
    run_removes_path,
    var_before,
)
from dockerlint_slim.shell.argv import program_argv
from dockerlint_slim.shell.commands import removed_paths, removes_asked_path

ID = "SL205"
NAME = "pip-cache"
SEVERITY = "warning"
SUMMARY = "pip/uv install keeps its download cache in the layer"
TAGS = ("cache", "python")
FIX = "sometimes"


def pip_call(stage, run, command):
    """The pip or uv call of `command` (flags held in ARG/ENV read as BuildKit substitutes them), else None."""
    argv = program_argv(command)
    if not argv:
        return None
    call = package_call(argv, variables_at(stage, run, command) if any("$" in a for a in argv) else None)
    return call if call is not None and call.manager in (PIP, UV) else None


def install_kind(call) -> str | None:
    """'pip' or 'uv' when the call installs packages through that tool's cache."""
    return call.name if call is not None and call.action == INSTALL else None


def _cache_dir(call, stage, run, command) -> str:
    flag = call.option("--cache-dir")
    if flag:
        return flag
    name = "PIP_CACHE_DIR" if call.manager is PIP else "UV_CACHE_DIR"
    for key, value in command.env:
        if key == name:
            return value
    default = PIP_CACHE if call.manager is PIP else UV_CACHE
    return var_before(stage, run, name) or rehome(default, cache_home(stage, run))


def _disabled(call, stage, run, command) -> bool:
    return pip_cache_disabled(call, variables_at(stage, run, command))


def _configures_off(call) -> bool:
    """`pip config set global.no-cache-dir ...`: later pip runs keep no cache."""
    return call is not None and call.manager is PIP and call.action == CONFIG and any(
        "no-cache-dir" in a for a in call.argv)


def _cleans(kind: str, command, cache: str, run, home: str = "/root") -> bool:
    if is_cleanup_script(program_argv(command)):
        return True  # a project cleanup script (`clean-layer.sh`): what it removes cannot be known
    call = package_call(program_argv(command))
    if call is not None and call.name == kind and call.action == CLEAN:
        return call.command != ("cache", "remove")  # `pip cache remove NAME` drops only some wheels
    if removes_asked_path(command, *CACHE_QUERIES["pip"], *CACHE_QUERIES["uv"]):
        return True
    return run_removes_path(run, command, cache, home=home)


def _covers_any_home(run, position: int, cache: str) -> bool:
    """With an unknown $HOME: a cache mount or a later `rm` of some `<home>/.cache/pip` (or its `.cache`)."""
    suffixes = (cache[len("/root"):], "/.cache")
    if any(m.target.rstrip("/").endswith(suffixes) for m in run.mounts if m.type in ("cache", "tmpfs") and m.target):
        return True
    return last_command_where(run, ("rm of some home's cache", cache), lambda c: any(
        p.rstrip("/*").endswith(suffixes) for p in removed_paths(c))) > position


class _PipState:
    """What earlier commands of the image did to pip, read once in build order (linear in the file)."""

    def __init__(self, base_image: str) -> None:
        self.configured_off = False  # `pip config set global.no-cache-dir`
        self.old_distro = distro_pip_predates_cache(base_image)
        self.distro_pip = False  # python-pip installed from the release's archive
        self.own_pip = False  # a pip from PyPI installed over it (`pip install -U pip`, get-pip.py)

    def pip_has_no_cache(self) -> bool:
        """The `pip` that runs is the release's pip older than 6: no cache to keep, no --no-cache-dir to add."""
        return self.old_distro and self.distro_pip and not self.own_pip

    def after(self, call, argv) -> None:
        self.configured_off = self.configured_off or _configures_off(call)
        self.distro_pip = self.distro_pip or installs_distro_pip(call)
        self.own_pip = self.own_pip or installs_own_pip(call, argv)


def check(target):
    stages = image_stages(target.dockerfile)
    state = _PipState(stages[-1].base_image if stages else "")
    for stage, run in image_runs(target.dockerfile):
        reported = False
        for command in run.commands:
            argv = program_argv(command)
            call = pip_call(stage, run, command) if argv else None
            finding = None if reported else _finding(stage, run, command, call, state)
            if finding is not None:
                reported = True  # one finding per RUN: its installs share one cache directory
                edits = _edits(target.dockerfile, stage, run, command, install_kind(call))
                yield replace(finding, fix=replace(finding.fix, edits=edits))
            state.after(call if call is not None else package_call(argv), argv)


def _edits(dockerfile, stage, run, first, kind: str) -> tuple:
    """`--no-cache-dir` (uv: `--no-cache`) after the subcommand of this install and of every later one of the same
    tool in the RUN; none when one names its own `--cache-dir` (the flag written last would win)."""
    flag = "--no-cache-dir" if kind == "pip" else "--no-cache"
    edits = []
    for command in (first, *commands_after(run, first)):
        call = pip_call(stage, run, command)
        if install_kind(call) != kind or _disabled(call, stage, run, command):
            continue
        if call.option("--cache-dir") is not None:
            return ()
        change = insert_flag(dockerfile, command, call, flag)
        if change is None:
            return ()
        edits += change
    return tuple(edits)


def _only_local_wheels(call) -> bool:
    """`pip install /wheels/*.whl`: wheel files on disk only, nothing from an index (no name, no -r file)."""
    return bool(call.operands) and all(w.lower().endswith(".whl") and "://" not in w for w in call.operands) and (
        not call.options("-r", "--requirement"))


def _finding(stage, run, command, call, state: _PipState) -> Finding | None:
    kind = install_kind(call)
    if kind is None or _disabled(call, stage, run, command) or _only_local_wheels(call):
        return None
    if kind == "pip" and (state.configured_off or state.pip_has_no_cache()):
        return None
    if run_assigns(run, (*CACHE_ENV[kind], "XDG_CACHE_HOME", "HOME")):
        return None  # the RUN puts the cache where its script decides (`export PIP_CACHE_DIR=$(mktemp -d)`)
    cache = _cache_dir(call, stage, run, command)
    home = cache_home(stage, run)
    if mount_covers_path(run, cache):
        return None
    # Each question about the rest of the RUN is answered once per RUN (linear however many installs it has).
    position = command_position(run, command)
    if last_command_where(run, ("pip cache cleaned", kind, cache, home), lambda c: _cleans(
            kind, c, cache, run, home or "/root")) > position:
        return None
    if home is None and cache in (PIP_CACHE, UV_CACHE) and _covers_any_home(run, position, cache):
        return None  # `USER 1000`: the cache is in that user's home, which a mount or rm may name
    if home is None and cache in (PIP_CACHE, UV_CACHE):
        cache = "~" + cache[len("/root"):]
    flag = "add `--no-cache-dir` (or set `ENV PIP_NO_CACHE_DIR=1`)" if kind == "pip" else (
        "add `--no-cache` (or set `ENV UV_NO_CACHE=1`)")
    return Finding(
        command.span,
        f"`{call.program} {call.subcommand}` keeps a copy of every downloaded package in {cache} in this layer "
        "(size unknown)",
        fix=Fix(f"{flag[0].upper()}{flag[1:]}, or mount a cache on {cache}"),
        properties={"path": cache},
    )
