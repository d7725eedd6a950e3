r"""What it does
Flags `apt-get update` / `apt update` / `aptitude update` in a layer of the image when the same `RUN` does not
delete `/var/lib/apt/lists` after it. Accepted cleanups: `rm -rf /var/lib/apt/lists/*` (or `rm -fr
/var/lib/apt/lists`, a parent such as `/var/lib/apt`, a relative path after `cd`), `find /var/lib/apt/lists
-delete`, `apt-get distclean` (apt 2.7.8 and later; `dist-clean` is its alias; `apt distclean` too), a cache or tmpfs
mount on the lists directory, a cleanup script of the project (`clean-layer.sh`, `/scripts/cleanup.sh`,
`apt-install-and-clear`), whose contents the linter cannot read, and an install helper that deletes the lists by
convention (`install_packages` of bitnami's minideb, `install-packages` of gitpod's images). A removal
placed before the update, or an `rm -rf` of an unrelated path, does not count. Only stages that reach the image are
checked (the target and the stages it is built `FROM`).

Why is this bad?
`apt-get update` downloads the package indexes of every configured repository into `/var/lib/apt/lists`. The
installed packages never need them again, but once the `RUN` ends they are stored in its layer. Deleting them in a
later `RUN` does not shrink the image.

Sizes
The message quotes a measured size as an estimate (`properties.estimate`): 19.0 MiB for Debian 12's lists (the
official image's sources and apt settings, which keep the lists compressed) and 53.1 MiB for Ubuntu 24.04's, for an
Ubuntu base (the image name or a tag word says so: `ubuntu:22.04`, `nvidia/cuda:12.4.1-devel-ubuntu22.04`).
Without the official images' `Acquire::GzipIndexes` setting Debian 12's lists take 83.3 MiB. Extra repositories add
their own indexes. The figures are measured by `benchmarks/cache_sizes/` (podman builds, 2026-11-30) and kept in
`dockerlint_slim/knowledge/cache_sizes.py`.

Example
```dockerfile
FROM debian:bookworm
RUN apt-get update && apt-get install -y --no-install-recommends curl
```

Use instead
```dockerfile
FROM debian:bookworm
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl \
 && rm -rf /var/lib/apt/lists/*
```

or keep the lists out of the layer with BuildKit mounts:

```dockerfile
RUN --mount=type=cache,target=/var/lib/apt/lists,sharing=locked \
    --mount=type=cache,target=/var/cache/apt,sharing=locked \
    apt-get update && apt-get install -y --no-install-recommends curl
```

When a later `RUN` installs with apt without its own `apt-get update`, it reads the lists this `RUN` left: the
advice then says to start that `RUN` with `apt-get update &&` too (removing the lists alone would break it), and
`--fix` leaves the file as it is.

Known limits
- The size is an estimate for the distribution, not the lists of this file's repositories and release.
- A cleanup script of the project is trusted by its name; a script named otherwise that removes the lists is not
  seen (the finding stays).
- Lists removed in a `RUN` under a non-POSIX `SHELL` are not seen.

hadolint equivalent: DL3009 (hadolint accepts any `rm -rf` as the cleanup and rejects `rm -fr /var/lib/apt/lists`).
"""

from __future__ import annotations

import re

from dockerlint_slim.diagnostics import Finding, Fix
from dockerlint_slim.fixes.edits import append_command
from dockerlint_slim.knowledge.base_images import parse_image
from dockerlint_slim.knowledge.cache_sizes import APT_LISTS_DEBIAN_12, APT_LISTS_UBUNTU_24_04, Measured
from dockerlint_slim.knowledge.package_managers import (
    APT,
    APT_LISTS,
    DOWNLOAD,
    INSTALL,
    UPDATE,
    UPGRADE,
    clean_targets,
    is_apt_cleaning_installer,
    is_cleanup_script,
    package_call,
)
from dockerlint_slim.model.queries import commands_after, image_stages, mount_covers_path, run_removes_path
from dockerlint_slim.shell.argv import program_argv

ID = "SL201"
NAME = "apt-lists-not-removed"
SEVERITY = "warning"
SUMMARY = "apt-get update leaves the package lists in the layer; remove /var/lib/apt/lists/* in the same RUN"
TAGS = ("cache", "apt")
FIX = "sometimes"

LISTS = APT_LISTS


def _apt_update(command):
    """The `apt-get update` / `apt update` / `aptitude update` call of `command`, else None."""
    call = package_call(program_argv(command))
    return call if call is not None and call.manager is APT and call.action == UPDATE else None


def cleans_lists(command, run) -> bool:
    if is_cleanup_script(program_argv(command)):
        return True  # a project cleanup script (`clean-layer.sh`): what it removes cannot be known
    if is_apt_cleaning_installer(program_argv(command)):
        return True  # `install-packages x`: updates, installs and deletes the lists itself
    call = package_call(program_argv(command))
    if call is not None and LISTS in clean_targets(call):
        return True  # `apt-get distclean` (`dist-clean`)
    # `cd /var/lib/apt && rm -rf lists` counts too: relative paths are read from the RUN's `cd`s.
    return run_removes_path(run, command, LISTS)


_UBUNTU_WORDS = frozenset({"ubuntu", "noble", "jammy", "focal", "bionic", "xenial", "trusty", "oracular", "plucky"})


def lists_size(base_image: str) -> Measured:
    """The measured size of the lists of the base image's distribution: Ubuntu's for Ubuntu-based images (the name
    or a tag word says so: `ubuntu:22.04`, `nvidia/cuda:12.4.1-devel-ubuntu22.04`), Debian 12's otherwise."""
    ref = parse_image(base_image or "")
    words = set()
    if ref is not None:
        words = {ref.name.rsplit("/", 1)[-1]} | set(re.split(r"[-_.]|(?<=[a-z])(?=\d)", (ref.tag or "").lower()))
    return APT_LISTS_UBUNTU_24_04 if words & _UBUNTU_WORDS else APT_LISTS_DEBIAN_12


def _first_reader_below(dockerfile, readers: dict[int, int | None]) -> list[int | None]:
    """Per stage, the earliest of `readers` among the stages built FROM it, directly or not (None when none): one
    pass from the last stage up, as a stage's parent always comes before it."""
    below: list[int | None] = [None] * len(dockerfile.stages)
    for stage in reversed(dockerfile.stages):
        parent = stage.parent
        if parent is None:
            continue
        for value in (readers[stage.index], below[stage.index]):
            if value is not None and (below[parent.index] is None or value < below[parent.index]):
                below[parent.index] = value
    return below


def check(target):
    dockerfile = target.dockerfile
    readers = _first_readers(dockerfile)
    readers_below = _first_reader_below(dockerfile, readers)
    for stage in image_stages(dockerfile):
        runs = [run for run in stage.runs() if run.shell_analysed]
        # The line of the next RUN of the stage that removes the lists (a common, useless split), and of the next
        # RUN that installs from the lists without updating them first, each found in one backward pass.
        later_cleanup: list[int | None] = [None] * len(runs)
        later_reader: list[int | None] = [None] * len(runs)
        cleanup = None
        reader = readers_below[stage.index]
        for index in range(len(runs) - 1, -1, -1):
            later_cleanup[index], later_reader[index] = cleanup, reader
            if any(cleans_lists(c, runs[index]) for c in runs[index].commands):
                cleanup = runs[index].span.line
            status = _reads_lists(runs[index])
            if status is not None:
                reader = runs[index].span.line if status else None
        for index, run in enumerate(runs):
            finding = _finding(dockerfile, run, stage, later_cleanup[index], later_reader[index])
            if finding is not None:
                yield finding


def _reads_lists(run) -> bool | None:
    """True when the RUN installs with apt before any `apt-get update` (it reads the lists an earlier RUN left),
    False when it updates first, None when it runs no apt install or update."""
    for command in run.commands:
        call = package_call(program_argv(command))
        if call is None or call.manager is not APT:
            continue
        if call.action == UPDATE:
            return False
        if call.action in (INSTALL, UPGRADE, DOWNLOAD):
            return True
    return None


def _first_readers(dockerfile) -> dict[int, int | None]:
    """Per stage, the line of its first RUN that installs from lists it did not update itself (one pass)."""
    readers: dict[int, int | None] = {}
    for stage in dockerfile.stages:
        readers[stage.index] = None
        for run in stage.runs():
            status = _reads_lists(run) if run.shell_analysed else None
            if status is not None:
                readers[stage.index] = run.span.line if status else None
                break
    return readers


def _finding(dockerfile, run, stage, later: int | None, reader: int | None) -> Finding | None:
    if mount_covers_path(run, LISTS):
        return None
    updates = [c for c in run.commands if _apt_update(c) is not None]
    if not updates:
        return None
    last = updates[-1]
    if any(cleans_lists(c, run) for c in commands_after(run, last)):
        return None
    size = lists_size(stage.base_image)
    message = f"`{_apt_update(last).program} update` leaves the package lists in {LISTS} in this layer (~{size.label})"
    if later is not None:
        message += f"; the removal at line {later} runs in a later layer"
        fix = (f"Move the removal of line {later} into this RUN: end it with `&& rm -rf {LISTS}/*` after the last "
               "install")
    else:
        fix = f"End this RUN with `&& rm -rf {LISTS}/*` after the last install, or mount a cache on {LISTS}"
    edits: tuple = ()
    if reader is not None:
        # That RUN installs from these lists: removing them here without updating there would break the build.
        fix += f" (and start the RUN at line {reader} with `apt-get update &&`: it installs from these lists)"
    else:
        edits = tuple(append_command(dockerfile, run, f"rm -rf {LISTS}/*") or ())
    return Finding(
        last.span,
        message,
        wasted_bytes=size.bytes,
        fix=Fix(fix, edits),
        properties={"estimate": size.label, "path": LISTS},
    )
