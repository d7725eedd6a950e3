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
from dockerlint_slim.model.queries import commands_after, image_runs, mount_covers_path, run_removes_path
from dockerlint_slim.shell.argv import operands, program_argv
from dockerlint_slim.shell.commands import removes_path

ID = "SL201"
NAME = "apt-lists-not-removed"
SEVERITY = "warning"
SUMMARY = "apt-get update leaves the package lists in the layer; remove /var/lib/apt/lists/* in the same RUN"
TAGS = ("cache", "apt")

LISTS = "/var/lib/apt/lists"
TYPICAL_BYTES = 30 * 1024 * 1024
# apt options that take a value: `apt-get -o Acquire::Retries=3 update`.
APT_VALUE_OPTIONS = frozenset({"-o", "--option", "-c", "--config-file", "-t", "--target-release"})


def apt_subcommand(argv: tuple[str, ...]) -> str | None:
    """`update` for `apt-get -qq update`; None when argv is not apt-get/apt."""
    if not argv or argv[0] not in ("apt-get", "apt"):
        return None
    words = operands(argv[1:], APT_VALUE_OPTIONS)
    return words[0] if words else None


def cleans_lists(argv: tuple[str, ...], command, run=None) -> bool:
    if apt_subcommand(argv) == "dist-clean":
        return True
    # `cd /var/lib/apt && rm -rf lists` counts too: relative paths are read from the RUN's `cd`s.
    return run_removes_path(run, command, LISTS) if run is not None else removes_path(command, LISTS)


def check(target):
    dockerfile = target.dockerfile
    for stage, run in image_runs(dockerfile):
        if mount_covers_path(run, LISTS):
            continue
        updates = [c for c in run.commands if apt_subcommand(program_argv(c)) == "update"]
        if not updates:
            continue
        last = updates[-1]
        last_prog = program_argv(last)[0]
        if any(cleans_lists(program_argv(c), c, run) for c in commands_after(run, last)):
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
        if seen and any(cleans_lists(program_argv(c), c, other) for c in other.commands):
            return other.span.line
    return None
