"""What it does
Flags `apk add` (and `apk update` / `apk upgrade`) in a layer of the image without `--no-cache`, unless the
same `RUN` deletes `/var/cache/apk/*` after it or a cache/tmpfs mount covers `/var/cache/apk`. A removal placed
before the command does not count. Only stages that reach the image are checked.

Why is this bad?
Without `--no-cache`, apk downloads the repository indexes (`APKINDEX.*.tar.gz`, about 2-3 MB for main and
community) into `/var/cache/apk` and leaves them in the layer. `--no-cache` fetches them to a temporary
place and drops them when apk exits.

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

hadolint equivalent: DL3019 (hadolint does not accept `rm -rf /var/cache/apk/*` as the cleanup).
"""

from __future__ import annotations

from dockerlint_slim.diagnostics import Finding, Fix
from dockerlint_slim.model.queries import commands_after, image_runs, mount_covers_path, run_removes_path
from dockerlint_slim.shell.argv import has_flag, operands, program_argv

ID = "SL203"
NAME = "apk-cache"
SEVERITY = "warning"
SUMMARY = "apk add without --no-cache leaves the package indexes in /var/cache/apk"
TAGS = ("cache", "apk")

CACHE = "/var/cache/apk"
# With /etc/apk/cache present (here: a cache mount on it) apk keeps its indexes and packages there instead.
LINKED_CACHE = "/etc/apk/cache"
TYPICAL_BYTES = 2_500_000
# apk global options that take a value: `apk -X https://mirror add x`.
APK_VALUE_OPTIONS = frozenset(
    {"-X", "--repository", "-p", "--root", "--arch", "--cache-dir", "--keys-dir", "--repositories-file",
     "-t", "--virtual", "--wait", "--timeout"}
)
FETCHING = frozenset({"add", "update", "upgrade"})


def apk_subcommand(argv: tuple[str, ...]) -> str | None:
    if not argv or argv[0] != "apk":
        return None
    words = operands(argv[1:], APK_VALUE_OPTIONS)
    return words[0] if words else None


def check(target):
    for _stage, run in image_runs(target.dockerfile):
        if mount_covers_path(run, CACHE) or mount_covers_path(run, LINKED_CACHE):
            continue
        for command in run.commands:
            argv = program_argv(command)
            sub = apk_subcommand(argv)
            # --no-network: apk reads only what is already on disk and downloads (and stores) nothing.
            if sub not in FETCHING or has_flag(argv, "--no-cache", "--no-network"):
                continue
            if any(run_removes_path(run, c, CACHE) for c in commands_after(run, command)):
                continue
            yield Finding(
                command.span,
                f"`apk {sub}` without --no-cache stores the package indexes in /var/cache/apk in this layer "
                "(about 2-3 MB); use `apk add --no-cache ...` (it needs no `apk update`)",
                wasted_bytes=TYPICAL_BYTES,
                fix=Fix("Use `apk add --no-cache` and drop `apk update`"),
                properties={"estimate": "typical", "path": CACHE},
            )
            break  # one finding per RUN: the indexes are stored once per layer
