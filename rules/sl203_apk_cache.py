"""What it does
Flags `apk add` (and `apk update` / `apk upgrade`) in a layer of the image without `--no-cache`, unless the same
`RUN` deletes `/var/cache/apk/*` after it, a cache/tmpfs mount covers `/var/cache/apk` (or `/etc/apk/cache`), or a
cleanup script of the project runs after it. `--no-network` (nothing downloaded) is accepted, and so are flags held
in an `ARG`/`ENV` with a default (`ARG APK_OPTS=--no-cache` + `apk add $APK_OPTS curl`, read as BuildKit
substitutes them). A removal placed before the command does not count. Only stages that reach the image are
checked; one finding per `RUN`.

An `apk add` in a `RUN` of its own after a separate `RUN apk update` (or any earlier `RUN` that left the indexes
in `/var/cache/apk`) is not flagged, unless it updates itself (`apk update`, `-U`): it reads the indexes of the
earlier layer and writes none (apk keeps package files only when `/etc/apk/cache` is set up, see below). The earlier
`RUN` is the one reported.

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
- apk refreshes cached indexes older than its `--cache-max-age` (4 hours by default) on `apk add`: when the layer
  of the earlier `apk update` comes from a build cache older than that, the later `apk add` writes fresh indexes
  into its own layer, which is not reported.

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


def _updates(call) -> bool:
    """The call fetches fresh indexes into the cache: `apk update`, `apk add -U` / `--update-cache`."""
    return call.action == UPDATE or call.has_flag("--update-cache", "-U", "--update")


class _CachedIndexes:
    """Whether the indexes are already in /var/cache/apk when a RUN starts: an earlier RUN of the stage (or of a
    stage it is built FROM) fetched them without --no-cache and nothing removed them since. Each stage is read once."""

    def __init__(self) -> None:
        # stage index -> ({id(run): indexes cached when the RUN starts}, cached at the end of the stage)
        self._states: dict[int, tuple[dict[int, bool], bool]] = {}

    def before(self, stage, run) -> bool:
        return self._stage(stage)[0].get(id(run), False)

    def _stage(self, stage) -> tuple[dict[int, bool], bool]:
        pending, seen = [], set()
        member = stage
        while member is not None and member.index not in self._states and member.index not in seen:
            pending.append(member)  # a chain of stages is read once, the stage furthest up first
            seen.add(member.index)
            member = member.parent
        for member in reversed(pending):
            parent = self._states.get(member.parent.index) if member.parent is not None else None
            cached = parent[1] if parent is not None else False
            before: dict[int, bool] = {}
            for run in member.runs():
                before[id(run)] = cached
                cached = _indexes_after(member, run, cached)
            self._states[member.index] = (before, cached)
        return self._states[stage.index]


def _indexes_after(stage, run, cached: bool) -> bool:
    if mount_covers_path(run, CACHE) or mount_covers_path(run, APK_CACHE_LINK):
        return cached
    for command in run.commands:
        call = apk_call(stage, run, command)
        if call is not None and call.action in FETCHING and not call.has_flag("--no-cache", "--no-network"):
            cached = True
        elif run_removes_path(run, command, CACHE) or is_cleanup_script(program_argv(command)):
            cached = False
    return cached


def check(target):
    indexes = _CachedIndexes()
    for stage, run in image_runs(target.dockerfile):
        if mount_covers_path(run, CACHE) or mount_covers_path(run, APK_CACHE_LINK):
            continue
        reuses_indexes = None  # computed when needed: the RUN only reads indexes an earlier layer holds
        for command in run.commands:
            call = apk_call(stage, run, command)
            # --no-network: apk reads only what is already on disk and downloads (and stores) nothing.
            if call is None or call.action not in FETCHING or call.has_flag("--no-cache", "--no-network"):
                continue
            if reuses_indexes is None:
                reuses_indexes = not any(
                    c is not None and _updates(c) for c in (apk_call(stage, run, o) for o in run.commands)
                ) and indexes.before(stage, run)
            if reuses_indexes:
                break  # the indexes are in an earlier layer (reported there): this RUN adds none
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
    the indexes themselves); also `--no-cache` for the later RUNs of the stage that install from the indexes this one
    leaves (without them they would fail). None when an `apk update` is the RUN's last apk call, or a stage built
    FROM this one installs from those indexes."""
    runs = list(stage.runs())
    if runs and _later_reads_indexes(dockerfile, stage, runs[-1]):
        return ()  # a stage built FROM this one reads them
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
    for later in runs[runs.index(run) + 1 :] if run in runs else ():
        if not _reads_indexes(stage, later):
            continue
        for command in later.commands:
            call = apk_call(stage, later, command)
            if call is None or call.action not in (INSTALL, UPGRADE, UPDATE):
                continue
            if call.action == UPDATE:
                break  # from here on the RUN reads its own indexes
            if call.has_flag("--no-cache", "--no-network", "--update-cache", "-U", "--update"):
                continue
            change = insert_flag(dockerfile, command, call, "--no-cache")
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
