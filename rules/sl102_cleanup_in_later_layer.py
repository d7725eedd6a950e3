r"""What it does
Flags a `RUN` that deletes or cleans files which an earlier layer of the same image created: `rm` of a file an
earlier `COPY`, `ADD` or `RUN` wrote, `rm -rf /var/lib/apt/lists/*`, `apt-get clean`, `yum clean all`,
`rm -rf /var/cache/apk/*`, `pip cache purge` or `npm cache clean` in a `RUN` of their own, and `apt-get purge`
/ `apk del` / `yum remove` of packages an earlier `RUN` installed. The message names the instruction that
created the files.

Why is this bad?
Layers only add: a deletion in a later layer hides the files but the earlier layer still carries every byte,
so the image is exactly as big as without the cleanup (plus a tiny whiteout layer). Cleaning only helps in the
same `RUN` that created the files.

Example
```dockerfile
FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends curl
RUN rm -rf /var/lib/apt/lists/*
COPY app.tar.gz /tmp/
RUN tar -xzf /tmp/app.tar.gz -C /opt && rm /tmp/app.tar.gz
```

Use instead
```dockerfile
FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends curl \
 && rm -rf /var/lib/apt/lists/*
# ADD extracts a local archive in one step; nothing is left to delete
ADD app.tar.gz /opt/
```

Only files that this Dockerfile's own instructions created count: removing base-image files (for example
`rm -f /etc/apt/apt.conf.d/docker-clean`) is a configuration tweak, not wasted cleanup. A separate
`apt-get clean` on an image built from the official Debian or Ubuntu images deletes nothing (they remove
downloaded packages after every install) and is not reported, unless the Dockerfile turned that off. Files
that a file was moved out of (`mv`), or that the deleting `RUN` itself built, extracted or downloaded, are not
the earlier layer's. Only stages that reach the image are checked (the target and the stages it is built `FROM`).

Overlaps: the deletion of a large copied item that a `RUN` consumed is SL301's finding, and the deletion of a
download SL303's (both at the instruction that stored the bytes); this rule reports them when those rules are
off or quiet.

Fix
`--fix` moves the cleanup to the end of the `RUN` that created everything it deletes (in the style of that
`RUN`) and drops the cleanup's `RUN` when it ran nothing else. Only when the move cannot change the build: the
files come from that one `RUN` of the same stage, only instructions that add no file (`ENV`, `LABEL`, `EXPOSE`,
...) stand between the two, the cleanup is the first command of its `RUN`, and it names absolute paths without
variables. Otherwise the finding says where to move it.

Known limits
- Without `--context` it cannot tell a copied file from a copied folder: `COPY name /dir` counts as a file when
  `name` has an extension, else as a folder whose content is this COPY's (unless it goes into `/etc`, where the
  base image's packages keep files). With `--context` the build context decides.
- Files of the base image are unknown: deleting them is never reported, even when the base image is wasteful.
- Paths hidden behind unset variables, `cd` into unknown folders or shell functions are skipped, not guessed.
- A cleanup that may not run (in an `if` branch, a `case` item, a loop body, after `||`, or after `&&` behind a
  test such as `[ -n "$ARG" ] && rm ...`) is not reported: whether it runs is not known without building.
- A cache's size (apt lists, pip cache) is not measured in the linted build: the message quotes a measured
  typical figure; the bytes of copied files come from the build context (`--context`).
- Images built from a base that is not the official Debian/Ubuntu one, and keeps downloaded packages, have an
  apt cache that `apt-get clean` would empty: that cleanup is not reported.
"""

from __future__ import annotations

from dockerlint_slim.diagnostics import MESSAGE_WIDTH, OVERLAP, Finding, Fix, clip, format_bytes, join_within
from dockerlint_slim.fixes.edits import move_command
from dockerlint_slim.model import RunInstruction
from dockerlint_slim.options import Size
from dockerlint_slim.replay import Replay, replay_for
from dockerlint_slim.replay.origins import Event, Origin, origins_summary

ID = "SL102"
NAME = "cleanup-in-later-layer"
SEVERITY = "warning"
SUMMARY = "A RUN deletes files an earlier layer created; the bytes stay in that layer"
TAGS = ("layers", "size")
FIX = "sometimes"
# With a build context the deleted bytes are known: findings below `min_bytes` are left out (0: report all).
OPTIONS = {"min_bytes": Size(0, "report only cleanups of at least this many bytes (with a build context)")}


def check(target):
    min_bytes = target.options["min_bytes"]
    replay = replay_for(target)
    for event, origins in replay.confirmed(("delete", "clean", "remove-packages")):
        finding = _finding(event, origins, replay, target.dockerfile)
        if finding.wasted_bytes is not None and finding.wasted_bytes < min_bytes:
            continue
        yield finding


def _finding(event: Event, origins: list[Origin], replay: Replay, dockerfile) -> Finding:
    command = clip(" ".join(event.command.argv), 42)
    wasted = replay.bytes_of(event, origins)
    cost = f" ({format_bytes(wasted)})" if wasted else _typical(origins)
    if event.verb == "remove-packages":
        names = sorted({o.path for o in origins})
        where = _lines(origins)
        message = f"`{command}` removes {join_within(names, 40)}, installed by {where}: they stay in that layer{cost}"
        fix = Fix(f"Remove them at the end of the RUN that installs them ({where}), e.g. `apt-get purge -y "
                  "--auto-remove` or `apk del .build-deps`, or build in a separate stage and copy only the result")
    else:
        layers = "that layer" if len({id(o.instruction) for o in origins}) == 1 else "those layers"
        tail = f": the bytes stay in {layers}{cost}"
        room = MESSAGE_WIDTH - len(command) - len(tail) - 11
        message = f"`{command}` deletes {origins_summary(origins, event.paths, room)}{tail}"
        fix = Fix(_advice(origins))
    moved = _move(dockerfile, event)
    if moved is not None:
        fix = Fix(fix.description, tuple(moved[0]), removes_instructions=moved[1])
    return Finding(event.command.span, message, wasted_bytes=wasted, fix=fix,
                   properties={"createdAt": sorted({o.instruction.span.line for o in origins}),
                               OVERLAP: replay.overlap_keys(event, origins)})


# Instructions that may stand between the RUN that made the files and the one that deletes them: they add no file
# and change nothing a command with absolute paths and no variables depends on.
_NEUTRAL = frozenset({"ENV", "ARG", "LABEL", "EXPOSE", "CMD", "ENTRYPOINT", "HEALTHCHECK", "STOPSIGNAL", "MAINTAINER"})


def _move(dockerfile, event: Event):
    """Edits that move the cleanup to the end of the one RUN that created everything it deletes (and drop its RUN
    when it was all that RUN did), or None when the move could change what the build does: files from other
    instructions, a RUN in between that could add more, another user or folder, a variable or relative path in the
    command, commands before it in its RUN (they may still read the files)."""
    origins = event.origins
    creator = origins[0].instruction if origins else None
    if not isinstance(creator, RunInstruction) or any(o.instruction is not creator for o in origins):
        return None
    if creator is event.run or event.run.commands[:1] != (event.command,):
        return None
    instructions = event.stage.instructions
    if creator not in instructions or event.run not in instructions:
        return None
    between = instructions[instructions.index(creator) + 1 : instructions.index(event.run)]
    if any(i.keyword not in _NEUTRAL for i in between):
        return None
    argv = event.command.argv
    if any("$" in word or "`" in word for word in argv):
        return None
    if event.verb == "delete" and any(not word.startswith(("/", "-", "~")) for word in argv[1:]):
        return None
    return move_command(dockerfile, event.command, event.run, creator)


def _lines(origins: list[Origin]) -> str:
    lines = sorted({o.instruction.span.line for o in origins})
    keyword = origins[0].instruction.keyword
    return f"the {keyword} at line {lines[0]}" if len(lines) == 1 else "the RUNs at lines " + ", ".join(map(str, lines))


def _typical(origins: list[Origin]) -> str:
    typical = next((o.typical for o in origins if o.typical), None)
    return f" ({typical})" if typical else ""


def _advice(origins: list[Origin]) -> str:
    """One concrete fix per kind of origin, naming the lines to change."""
    parts = []
    for kinds, template in (
        (("cache",), "clean the cache at the end of the {run} {at} that filled it (chain with &&), "
                     "or use a cache mount"),
        (("run", "add-git"), "delete the files at the end of the {run} {at} that created them (chain with &&)"),
        (("copy",), "keep the files out of the image instead of copying them ({at}): exclude them with "
                    ".dockerignore, use `RUN --mount=type=bind,source=...` for files only the build needs, or "
                    "extract archives with ADD"),
    ):
        lines = sorted({o.instruction.span.line for o in origins if o.kind in kinds})
        if lines:
            at = (f"at line {lines[0]}" if len(lines) == 1 else "at lines " + ", ".join(map(str, lines)))
            if kinds == ("copy",):
                at = at.replace("at line", "line").replace("at lines", "lines")
            parts.append(template.format(at=at, run="RUN" if len(lines) == 1 else "RUNs"))
    text = "; ".join(parts) or "delete the files in the instruction that created them"
    return text[0].upper() + text[1:]
