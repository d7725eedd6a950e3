r"""What it does
Flags `apt-get update` / `apt update` in a layer of the image when the same `RUN` does not delete
`/var/lib/apt/lists` after it. Accepted cleanups: `rm -rf /var/lib/apt/lists/*` (or `rm -fr /var/lib/apt/lists`,
or a parent such as `/var/lib/apt`), `find /var/lib/apt/lists -delete`, `apt-get dist-clean`, and a cache or tmpfs
mount on the lists directory. A removal placed before the update, or an `rm -rf` of an unrelated path, does not
count. Only stages that reach the image are checked (the target and the stages it is built `FROM`).

Why is this bad?
`apt-get update` downloads the package indexes of every configured repository into `/var/lib/apt/lists`:
typically 20–50 MB on Debian and more on Ubuntu. The installed packages never need them again, but once the
`RUN` ends they are stored in its layer. Deleting them in a later `RUN` does not shrink the image.

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

hadolint equivalent: DL3009 (hadolint accepts any `rm -rf` as the cleanup and rejects `rm -fr /var/lib/apt/lists`).
"""

from __future__ import annotations

from dockerlint_slim.diagnostics import Finding, Fix
from dockerlint_slim.knowledge.package_managers import (
    APT,
    APT_LISTS,
    UPDATE,
    clean_targets,
    is_cleanup_script,
    package_call,
)
from dockerlint_slim.model.queries import commands_after, image_runs, mount_covers_path, run_removes_path
from dockerlint_slim.shell.argv import program_argv

ID = "SL201"
NAME = "apt-lists-not-removed"
SEVERITY = "warning"
SUMMARY = "apt-get update leaves the package lists in the layer; remove /var/lib/apt/lists/* in the same RUN"
TAGS = ("cache", "apt")

LISTS = APT_LISTS
TYPICAL_BYTES = 30 * 1024 * 1024


def _apt_update(command):
    """The `apt-get update` / `apt update` / `aptitude update` call of `command`, else None."""
    call = package_call(program_argv(command))
    return call if call is not None and call.manager is APT and call.action == UPDATE else None


def cleans_lists(command, run) -> bool:
    if is_cleanup_script(program_argv(command)):
        return True  # a project cleanup script (`clean-layer.sh`): what it removes cannot be known
    call = package_call(program_argv(command))
    if call is not None and LISTS in clean_targets(call):
        return True  # `apt-get dist-clean`
    # `cd /var/lib/apt && rm -rf lists` counts too: relative paths are read from the RUN's `cd`s.
    return run_removes_path(run, command, LISTS)


def check(target):
    dockerfile = target.dockerfile
    for stage, run in image_runs(dockerfile):
        if mount_covers_path(run, LISTS):
            continue
        updates = [c for c in run.commands if _apt_update(c) is not None]
        if not updates:
            continue
        last = updates[-1]
        last_prog = _apt_update(last).program
        if any(cleans_lists(c, run) for c in commands_after(run, last)):
            continue
        later = _later_cleanup_line(stage, run)
        where = (
            f"; the removal at line {later} runs in a later layer and saves nothing" if later is not None else ""
        )
        message = (
            f"`{last_prog} update` at line {last.span.line} leaves the package lists in /var/lib/apt/lists in this "
            f"layer (typically 20-50 MB){where}: add `&& rm -rf /var/lib/apt/lists/*` at the end of this RUN "
            "(after the last install), or mount a cache on /var/lib/apt/lists"
        )
        yield Finding(
            last.span,
            message,
            wasted_bytes=TYPICAL_BYTES,
            fix=Fix("Append `&& rm -rf /var/lib/apt/lists/*` to this RUN instruction"),
            properties={"estimate": "typical", "path": LISTS},
        )


def _later_cleanup_line(stage, run) -> int | None:
    """The line of a later RUN of the same stage that removes the lists (a common, useless split)."""
    seen = False
    for other in stage.runs():
        if other is run:
            seen = True
            continue
        if seen and any(cleans_lists(c, other) for c in other.commands):
            return other.span.line
    return None
