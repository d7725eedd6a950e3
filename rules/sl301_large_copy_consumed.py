r"""What it does
With `--context`, finds a COPY or ADD of a large file or folder (10 MiB by default, option `threshold`) that a later
RUN of the same image extracts, installs, runs, moves or deletes. Sizes come from the build context; the RUN's
effect from its shell commands (`tar -x`, `unzip`, `gunzip`, `dpkg -i`, `rpm -i`, `pip install ./x.whl`,
`sh ./installer.sh`, running the file, `mv`, `rm`). Only stages whose layers reach the image are checked; a RUN
path that is under one of its own `--mount` targets is the mount, not the copied file. A command that may not run
(in an `if` branch, a `case` item, a loop body, after `||`, or after `&&` behind a test on a build argument) does
not count as consuming it.

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
FROM debian:bookworm-slim
RUN --mount=type=bind,source=vendor/jdk-21.tar.gz,target=/tmp/jdk-21.tar.gz \
    tar -xzf /tmp/jdk-21.tar.gz -C /opt
```
or download the archive inside the RUN that extracts it, and delete it in that same RUN. `RUN --mount` needs
BuildKit (Docker 23 and later use it by default) or Buildah/Podman.

Fix
`--fix` makes exactly that change: the COPY goes, the RUN gets `--mount=type=bind,source=...,target=...` of the
same context file, and its `rm` of the file goes too (removing a mount point fails). A `# syntax=` line that pins a
Dockerfile frontend older than 1.2 (no `RUN --mount`) becomes `docker/dockerfile:1`; without one the builder's own
frontend has mounts. A file the RUN only moves (`mv`) is copied straight to its final path instead, and the `mv`
goes. Safe when the RUN deleted the file (the image is the same minus the waste); unsafe when it did not (the image
no longer has the file). No fix when another instruction names the path, when a command of the RUN may write to
it (only readers such as `tar`, `unzip`, `dpkg -i`, `pip install`, `sh` are allowed) or deletes it another way
(a glob, its folder), for folders, for a COPY with `--from`, `--chown`, `--chmod`, `--parents` or several sources,
for ADD, and when the file's folder may not exist in the base image.

hadolint equivalent: none.
"""

from __future__ import annotations

import posixpath

from dockerlint_slim.context.scan import DIR
from dockerlint_slim.diagnostics import OVERLAP, SAFE, UNSAFE, Finding, Fix, clip, format_bytes, overlap_key
from dockerlint_slim.fixes.edits import (
    bind_mount_instead,
    is_whole_script,
    remove_command,
    remove_instruction,
    remove_words,
    replace_destination,
)
from dockerlint_slim.model import CopyInstruction
from dockerlint_slim.options import MiB, Size
from dockerlint_slim.replay import layer_model_for
from dockerlint_slim.replay.layer_model import DELETED, EXECUTED, EXTRACTED, INSTALLED, MOVED
from dockerlint_slim.shell.argv import program_argv
from dockerlint_slim.shell.commands import move_call, removed_paths, rm_call
from dockerlint_slim.shell.paths import path_pattern_covers

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
FIX = "sometimes"

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
        yield _finding(use, _fix(target, model, use))


def _finding(use, edits: tuple[list, str, int] | None) -> Finding:
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
    if edits is not None and use.action == MOVED:
        remedy = f"Copy it straight to its final place ({edits[3]}) instead of moving it in a later RUN"
    return Finding(
        copy.span,
        message,
        wasted_bytes=use.bytes,
        fix=Fix(remedy, tuple(edits[0]), edits[1], edits[2]) if edits is not None else Fix(remedy),
        properties={"path": use.path, "source": use.source, "consumed_by_line": run.span.line, "action": use.action,
                    OVERLAP: [overlap_key(copy.span.line, use.path, use.bytes)]},
    )


# --- fix ---------------------------------------------------------------------------------------------------------

# Programs that only read a file they are given (a read-only bind mount is enough for them).
_READERS = frozenset({"tar", "bsdtar", "unzip", "7z", "7za", "dpkg", "apt-get", "apt", "rpm", "yum", "dnf",
                      "microdnf", "zypper", "pip", "pip3", "python", "python3", "sh", "bash", "dash", "ash", ".",
                      "source", "java", "cat", "sha256sum", "md5sum", "cp", "install"})
# Folders every base image has: a bind mount's target may go there (elsewhere its folder may not exist).
_STANDARD_FOLDERS = frozenset({"/", "/tmp", "/var/tmp", "/root", "/opt", "/srv", "/usr/src", "/usr/local",
                               "/usr/local/src", "/usr/local/bin", "/home"})


def _fix(target, model, use):
    """(edits, applicability, instructions removed, final path) for the consumption, or None.

    Moved (`mv`) -> COPY straight to the final path; extracted, installed or run -> a bind mount of the same
    context file in that RUN instead of the COPY, the RUN's `rm` of it dropped (it would fail on a mount point).
    Only when nothing else uses the copied path, the COPY is a plain one (one context source, no --from, --chown,
    --chmod, --parents, --exclude), and every command of the RUN that names the path only reads it."""
    copy, run = use.created_by, use.instruction
    dockerfile = target.dockerfile
    if not isinstance(copy, CopyInstruction) or copy.is_add or copy.from_ or copy.parents or copy.excludes:
        return None
    if len(copy.sources) != 1 or not use.source or not use.whole_item or use.path != use.item_path:
        return None
    if copy.stage_index != run.stage_index or run.json_form or run.heredocs or not run.shell_analysed:
        return None
    if any(u.created_by is copy and u.instruction is not run for u in model.consumptions):
        return None
    later = dockerfile.instructions[dockerfile.instructions.index(copy) + 1 :]
    if any(i is not run and use.path in i.original for i in later):
        return None  # another instruction names the path: it may still need the file there
    entry = target.context.get(use.source) if target.context is not None else None
    if entry is None or entry.kind == DIR:
        return None  # a folder: a move merges differently, a mount of it would take writes
    if use.action == MOVED:
        return _copy_to_final_place(dockerfile, copy, run, use)
    if use.action in (EXTRACTED, INSTALLED, EXECUTED) and not copy.chown and not copy.chmod:
        return _bind_mount(dockerfile, copy, run, use)
    return None


def _copy_to_final_place(dockerfile, copy, run, use):
    command = run.commands[0]
    argv = program_argv(command)
    moved = move_call(argv) if argv[:1] == ("mv",) else None
    if command is not use.command or moved is None or moved[0] != [use.path]:
        return None
    if any(a.startswith("-") and a not in ("-f", "-v", "--force", "--verbose") for a in argv[1:]):
        return None
    destination = moved[1]
    if not destination.startswith("/") or "$" in destination or any(c in destination for c in "*?[~"):
        return None
    edits = replace_destination(dockerfile, copy, destination)
    if is_whole_script(run, command):
        removal, removed = remove_instruction(dockerfile, run), 1
    else:
        removal, removed = remove_command(dockerfile, run, command), 0
    if edits is None or removal is None:
        return None
    return edits + removal, SAFE, removed, destination


def _bind_mount(dockerfile, copy, run, use):
    path = use.path
    if posixpath.dirname(path) not in _STANDARD_FOLDERS and posixpath.dirname(path) != _workdir(copy):
        return None
    drops, deleted = [], False
    for command in run.commands:
        argv = program_argv(command)
        named = [i for i, word in enumerate(command.argv) if path in word]
        if argv[:1] == ("rm",):
            paths, _ = rm_call(argv)
            if path in paths and "$" not in " ".join(paths) and not any(
                    p != path and path_pattern_covers(p, path) for p in paths):
                index = command.argv.index(path) if path in command.argv else None
                change = (remove_command(dockerfile, run, command) if len(paths) == 1
                          else remove_words(dockerfile, command, [index]) if index is not None else None)
                if change is None:
                    return None
                drops += change
                deleted = True
                continue
        if any(path_pattern_covers(p, path) for p in removed_paths(command)):
            return None  # deletes it some other way (a glob, its folder): it would fail on the mount point
        if named and not (argv[:1] and (argv[0] in _READERS or command.argv[0] == path)):
            return None  # a command that may write to it
        if argv[:1] == ("tar",) and any("remove-files" in w for w in argv):
            return None
    mount = bind_mount_instead(dockerfile, copy, run, use.source, path)
    if mount is None:
        return None
    # Without the `rm`, the file stayed in the image before: now it is gone, which the image may have used.
    return mount + drops, SAFE if deleted else UNSAFE, 1, path


def _workdir(copy) -> str:
    return copy.workdir.rstrip("/") or "/"
