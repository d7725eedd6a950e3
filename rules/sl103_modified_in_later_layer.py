"""What it does
Flags a `RUN` that rewrites files an earlier layer of the same image added: `chown`/`chgrp`/`chmod` (with
`-R` over a directory), `mv`, `sed -i`, `perl -pi`, `touch`, `dos2unix`, `strip` or `upx` on files that an
earlier `COPY`, `ADD` or `RUN` created. The message names that instruction.

Why is this bad?
A layer stores whole files: changing one byte, the owner, the mode or the timestamp of a file copies the whole
file into the new layer, while the old copy stays in the earlier one. `RUN chown -R app /app` after
`COPY . /app` stores the application twice.

Example
```dockerfile
FROM node:20-slim
WORKDIR /app
COPY . /app
RUN chown -R node:node /app
COPY entrypoint.sh /usr/local/bin/
RUN chmod +x /usr/local/bin/entrypoint.sh
```

Use instead
```dockerfile
FROM node:20-slim
WORKDIR /app
COPY --chown=node:node . /app
COPY --chmod=755 entrypoint.sh /usr/local/bin/
```

Files that a `RUN` created are best changed in that same `RUN`; copied files take `COPY --chown/--chmod`,
or are copied straight to their final path instead of being moved. Base-image files are not reported, and
only stages that reach the image are checked. A file the rewriting `RUN` built, extracted or downloaded itself
(`git clone` in one `RUN`, `make && strip bin/tool` in the next) is that `RUN`'s, not the earlier layer's; a
file rewritten twice in one `RUN` is one finding. The move of a large copied item that a `RUN` consumes is
SL301's finding when SL301 reports it.

Known limits
- Without `--context` a copied file and a copied folder are told apart by name only (an extension means a file);
  with `--context` the build context decides.
- A build in a folder (`make`, `go build`, `cmake` in a cloned tree) may write any file below it: rewrites there
  in the same `RUN` are not reported, even of files the clone brought.
- A `chown`/`chgrp` to the owner and group a `COPY --chown` already gave the files, and (with `--context`) a
  `chmod` to the mode the copied files already have, change no file and are not reported (real builds store a few
  kB for them). Owners are compared as written: `--chown=app` and `chown 1000` are not known to be the same.
  Without `--context` the mode of a copied file is unknown, so such a `chmod` is reported.
- Files of the base image are unknown: rewriting them is never reported.
"""

from __future__ import annotations

from dockerlint_slim.diagnostics import MESSAGE_WIDTH, OVERLAP, Finding, Fix, clip, format_bytes
from dockerlint_slim.options import Size
from dockerlint_slim.replay import Replay, replay_for
from dockerlint_slim.replay.origins import Event, Origin, origins_summary

ID = "SL103"
NAME = "modified-in-later-layer"
SEVERITY = "warning"
SUMMARY = "A RUN changes files an earlier layer added; the whole files are stored again"
TAGS = ("layers", "size")
# With a build context the re-stored bytes are known: findings below `min_bytes` are left out (0: report all).
OPTIONS = {"min_bytes": Size(0, "report only rewrites of at least this many bytes (with a build context)")}


def check(target):
    min_bytes = target.options["min_bytes"]
    replay = replay_for(target)
    for event, origins in replay.confirmed(("modify",)):
        if _directory_entry_only(event):
            continue
        finding = _finding(event, origins, replay)
        if finding.wasted_bytes is not None and finding.wasted_bytes < min_bytes:
            continue
        yield finding


def _directory_entry_only(event: Event) -> bool:
    """`mkdir -p DIR && chmod 1777 DIR` after `COPY . /app`: a chmod/chown without -R of a directory stores the
    directory entry again (a few hundred bytes), not the files in it. Only paths the same RUN named in a `mkdir`
    before are known to be directories."""
    from dockerlint_slim.shell.argv import operands
    from dockerlint_slim.shell.commands import rewritten_files

    if event.recursive or event.command.name not in ("chmod", "chown", "chgrp"):
        return False
    changed = rewritten_files(event.command.argv)
    if changed is None or changed[1]:
        return False
    targets = [w.rstrip("/") for w in changed[0]]  # paths only: the mode or owner is left out
    made: set[str] = set()
    for command in event.run.commands:
        if command is event.command:
            break
        if command.name == "mkdir":
            made.update(w.rstrip("/") for w in operands(command.argv[1:], frozenset({"-m", "--mode"})))
    return bool(targets) and all(t in made for t in targets)


def _finding(event: Event, origins: list[Origin], replay: Replay) -> Finding:
    command = clip(" ".join(event.command.argv), 42)
    wasted = replay.bytes_of(event, origins)
    cost = f" ({format_bytes(wasted)} stored twice)" if wasted else ""
    tail = f": stored again in this layer{cost}"
    room = MESSAGE_WIDTH - len(command) - len(tail) - 12
    message = f"`{command}` rewrites {origins_summary(origins, event.paths, room)}{tail}"
    return Finding(event.command.span, message, wasted_bytes=wasted, fix=Fix(_advice(event, origins)),
                   properties={"createdAt": sorted({o.instruction.span.line for o in origins}),
                               OVERLAP: replay.overlap_keys(event, origins)})


def _advice(event: Event, origins: list[Origin]) -> str:
    name, argv = event.command.name, event.command.argv
    copies = [o for o in origins if o.kind in ("copy", "add-url", "add-git")]
    runs = sorted({o.instruction.span.line for o in origins if o.kind not in ("copy", "add-url", "add-git")})
    parts = []
    if copies:
        lines = ", ".join(str(line) for line in sorted({o.instruction.span.line for o in copies}))
        keyword = copies[0].instruction.keyword
        if name in ("chown", "chgrp"):
            owner = _first_operand(argv)
            value = owner if name == "chown" else f"<user>:{owner}"
            parts.append(f"use `{keyword} --chown={value}` at line {lines}")
        elif name == "chmod":
            mode = _first_operand(argv)
            octal = mode if mode and mode.isdigit() else ("755" if mode and "x" in mode else "<mode>")
            parts.append(f"use `{keyword} --chmod={octal}` at line {lines}")
        elif name == "mv":
            parts.append(f"{keyword} the files straight to their final path at line {lines}")
        else:
            parts.append(f"change the files before they are copied (line {lines}), or in a build stage")
    if runs:
        at = ", ".join(map(str, runs))
        parts.append(f"do the `{name}` at the end of the RUN at line {at} that created the files")
    text = "; ".join(parts)
    return text[0].upper() + text[1:] if text else "Change the files in the instruction that creates them"


def _first_operand(argv: tuple[str, ...]) -> str | None:
    for arg in argv[1:]:
        if arg.startswith("--"):
            continue
        if arg.startswith("-") and not (argv[0].endswith("chmod") and arg[1:2] in "rwxXst"):
            continue
        return arg
    return None
