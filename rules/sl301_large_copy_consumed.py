r"""What it does
With `--context`, finds a COPY or ADD of a large file or folder (10 MiB by default, option `threshold`) that a later
RUN of the same image extracts, installs, runs, moves or deletes. Sizes come from the build context; the RUN's
effect from its shell commands (`tar -x`, `unzip`, `gunzip`, `dpkg -i`, `rpm -i`, `pip install ./x.whl`,
`sh ./installer.sh`, running the file, `mv`, `rm`). Only stages whose layers reach the image are checked; a RUN
path that is under one of its own `--mount` targets is the mount, not the copied file.

Why is this bad?
The COPY layer stores the whole file. Extracting or installing it later adds the result in another layer, and
deleting or moving it cannot shrink the COPY layer: the archive or installer ships with the image for nothing.

Example
```dockerfile
FROM debian:bookworm-slim
COPY vendor/jdk-21.tar.gz /tmp/
RUN tar -xzf /tmp/jdk-21.tar.gz -C /opt && rm /tmp/jdk-21.tar.gz
```

Use instead
```dockerfile
# syntax=docker/dockerfile:1
FROM debian:bookworm-slim
RUN --mount=type=bind,source=vendor/jdk-21.tar.gz,target=/tmp/jdk-21.tar.gz \
    tar -xzf /tmp/jdk-21.tar.gz -C /opt
```
or download the archive inside the RUN that extracts it, and delete it in that same RUN.

hadolint equivalent: none.
"""

from __future__ import annotations

from dockerlint_slim.diagnostics import OVERLAP, Finding, Fix, clip, format_bytes, overlap_key
from dockerlint_slim.options import MiB, Size
from dockerlint_slim.replay import layer_model_for
from dockerlint_slim.replay.layer_model import DELETED, MOVED

ID = "SL301"
NAME = "large-copy-consumed"
SEVERITY = "warning"
SUMMARY = "A large file or folder is COPY'd, then extracted, installed, run, moved or deleted by a later RUN"
NEEDS = frozenset({"context"})
OPTIONS = {"threshold": Size(10 * MiB, "smallest copied item reported")}
# The deletion (SL102) or move (SL103) of the consumed item in a later RUN is the same waste: this finding, at the
# COPY, replaces theirs on the same item (only when this rule reports it).
SUPERSEDES = ("SL102", "SL103")
TAGS = ("layers", "size", "context")

_VERB = {
    "extracted": "extracts",
    "installed": "installs",
    "executed": "runs",
    "moved": "moves",
    "deleted": "deletes",
}


def check(target):
    threshold = target.options["threshold"]
    model = layer_model_for(target)
    reported: set[tuple[int, str]] = set()
    for use in model.consumptions:
        if use.bytes is None or use.bytes < threshold:
            continue
        if not use.whole_item and use.action in (DELETED, MOVED):
            continue  # deleting part of a broad COPY is SL102's case (cleanup in a later layer)
        key = (id(use.created_by), use.item_path)  # one finding per copied item, at its first consumption
        if key in reported:
            continue
        reported.add(key)
        yield _finding(use)


def _finding(use) -> Finding:
    copy = use.created_by
    run = use.instruction
    size = format_bytes(use.bytes)
    what = f'"{clip(use.source, 36)}"' if use.source else clip(use.path, 36)
    verb = _VERB.get(use.action, use.action)
    message = (f"{copy.keyword} of {what} ({size}) is only consumed: line {run.span.line} {verb} "
               f"{clip(use.path, 36)}, but it stays in the {copy.keyword} layer")
    mount_source = use.source if use.source and use.source != "." else None
    if mount_source is not None and not getattr(copy, "from_", None):
        remedy = (f"Use `RUN --mount=type=bind,source={mount_source},target={use.path} ...` in the RUN on line "
                  f"{run.span.line} instead of {copy.keyword} (BuildKit), or fetch it inside the RUN that consumes it and "
                  "delete it there")
    else:
        remedy = "Fetch or mount it inside the RUN that consumes it and delete it in that same RUN"
    return Finding(
        copy.span,
        message,
        wasted_bytes=use.bytes,
        fix=Fix(remedy),
        properties={"path": use.path, "source": use.source, "consumed_by_line": run.span.line, "action": use.action,
                    OVERLAP: [overlap_key(copy.span.line, use.path, use.bytes)]},
    )
