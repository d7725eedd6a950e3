"""What it does
Flags `apk add` (and `apk update` / `apk upgrade`) in a layer of the image without `--no-cache`, unless the same
`RUN` deletes `/var/cache/apk/*` after it, a cache/tmpfs mount covers `/var/cache/apk` (or `/etc/apk/cache`), or a
cleanup script of the project runs after it. `--no-network` (nothing downloaded) is accepted, and so are flags held
in an `ARG`/`ENV` with a default (`ARG APK_OPTS=--no-cache` + `apk add $APK_OPTS curl`, read as BuildKit
substitutes them). A removal placed before the command does not count. Only stages that reach the image are
checked; one finding per `RUN`.

Why is this bad?
Without `--no-cache`, apk downloads the repository indexes (`APKINDEX.*.tar.gz` of main and community) into
`/var/cache/apk` and leaves them in the layer. `--no-cache` fetches them to a temporary place and drops them when apk
exits.

Sizes
Unknown: no Alpine mirror was reachable to measure the indexes, so the message says "size unknown" rather than a
guess.

Example
```dockerfile
FROM alpine:3.20
RUN apk update && apk add curl
```

Use instead
```dockerfile
FROM alpine:3.20
RUN apk add --no-cache curl
```

Fix
`--fix` adds `--no-cache` to every `apk add` / `apk upgrade` of the `RUN` and removes its `apk update`s (a
call with `--no-cache` fetches fresh indexes itself). No fix when the `RUN` ends with an `apk update`, when a later
`RUN` installs from the indexes this one leaves (it would fail without them), or when the apk command is read
through a variable.

Known limits
- A variable without a default (`ARG APK_OPTS`) is not guessed: the flag it may hold is not seen.
- An `/etc/apk/cache` link created by the base image (apk then also keeps the packages) is not known.

hadolint equivalent: DL3019 (hadolint does not accept `rm -rf /var/cache/apk/*` as the cleanup).
"""

from __future__ import annotations

from dockerlint_slim.diagnostics import Finding, Fix
from dockerlint_slim.fixes.edits import insert_flag, remove_command
from dockerlint_slim.knowledge.package_managers import (
    APK,
    APK_CACHE,
    APK_CACHE_LINK,
    INSTALL,
    UPDATE,
    UPGRADE,
    is_cleanup_script,
    package_call,
    variables_at,
)
from dockerlint_slim.model.queries import (
    command_position,
    image_runs,
    last_command_where,
    later_run_where,
    mount_covers_path,
    run_removes_path,
)
from dockerlint_slim.shell.argv import program_argv

ID = "SL203"
NAME = "apk-cache"
SEVERITY = "warning"
SUMMARY = "apk add without --no-cache leaves the package indexes in /var/cache/apk"
TAGS = ("cache", "apk")
FIX = "sometimes"

CACHE = APK_CACHE
FETCHING = frozenset({INSTALL, UPDATE, UPGRADE})
_FIX = {
    INSTALL: "Add `--no-cache` (`apk add --no-cache ...` fetches the indexes itself: no `apk update` needed)",
    UPDATE: "Drop `apk update` and give `--no-cache` to the `apk add` that follows",
    UPGRADE: "Add `--no-cache` (`apk upgrade --no-cache`)",
}


def apk_call(stage, run, command):
    """The apk call of `command`, flags held in ARG/ENV (`apk add $APK_OPTS`) read as BuildKit substitutes them."""
    argv = program_argv(command)
    if not argv or argv[0] != "apk":
        return None
    call = package_call(argv, variables_at(stage, run, command))
    return call if call is not None and call.manager is APK else None


def check(target):
    for stage, run in image_runs(target.dockerfile):
        if mount_covers_path(run, CACHE) or mount_covers_path(run, APK_CACHE_LINK):
            continue
        for command in run.commands:
            call = apk_call(stage, run, command)
            # --no-network: apk reads only what is already on disk and downloads (and stores) nothing.
            if call is None or call.action not in FETCHING or call.has_flag("--no-cache", "--no-network"):
                continue
            sub = call.subcommand
            if last_command_where(run, "apk cache removed", lambda c: run_removes_path(run, c, CACHE) or (
                    is_cleanup_script(program_argv(c)))) > command_position(run, command):
                continue
            yield Finding(
                command.span,
                f"`apk {sub}` without --no-cache keeps the package indexes in {CACHE} in this layer (size unknown)",
                fix=Fix(_FIX.get(call.action, _FIX[INSTALL]), _edits(target.dockerfile, stage, run)),
                properties={"path": CACHE},
            )
            break  # one finding per RUN: the indexes are stored once per layer


def _edits(dockerfile, stage, run) -> tuple:
    """`--no-cache` for every apk call of the RUN that fetches, and no `apk update` (the calls with --no-cache fetch
    the indexes themselves); none when an `apk update` is the RUN's last apk call, or a later RUN installs from the
    indexes this one leaves (without them it would fail)."""
    if _later_reads_indexes(dockerfile, stage, run):
        return ()
    edits = []
    fetched = False
    for command in reversed(run.commands):
        call = apk_call(stage, run, command)
        if call is None:
            continue
        if call.action == UPDATE:
            if not fetched:
                return ()
            change = remove_command(dockerfile, run, command)
        elif call.action in (INSTALL, UPGRADE):
            fetched = True
            if call.has_flag("--no-cache", "--no-network"):
                continue
            change = insert_flag(dockerfile, command, call, "--no-cache")
        else:
            continue
        if change is None:
            return ()
        edits += change
    return tuple(edits)


def _later_reads_indexes(dockerfile, stage, run) -> bool:
    """A later RUN of the stage (or of a stage built FROM it) fetches with apk without `--no-cache`, `--update` or
    an `apk update` of its own (answered once per RUN of the file)."""
    return later_run_where(dockerfile, stage, run, "apk reads the indexes", _reads_indexes)


def _reads_indexes(stage, run) -> bool:
    for command in run.commands:
        call = apk_call(stage, run, command)
        if call is None:
            continue
        if call.action == UPDATE:
            return False
        if call.action in (INSTALL, UPGRADE) and not call.has_flag("--no-cache", "--update", "-U", "--no-network"):
            return True
    return False
