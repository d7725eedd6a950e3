"""What it does
Flags `ADD <url>` (or `ADD <git repository>`) whose download a later `RUN` of the same image extracts,
installs, runs, copies or deletes: `ADD https://example.com/app.tar.gz /tmp/` followed by
`RUN tar -xzf /tmp/app.tar.gz`, `dpkg -i`, `sh /tmp/install.sh`, `rm /tmp/app.tar.gz`, or a build inside an
`ADD`ed git checkout.

Why is this bad?
`ADD` stores the downloaded file in a layer of its own. Whatever the later `RUN` does with it (unpack it,
install it, delete it) cannot take it out of that layer again: the archive ships in the image next to what
was extracted from it.

Example
```dockerfile
FROM debian:bookworm-slim
ADD https://example.com/tool-1.2.tar.gz /tmp/
RUN tar -xzf /tmp/tool-1.2.tar.gz -C /opt && rm /tmp/tool-1.2.tar.gz
```

Use instead
```dockerfile
FROM debian:bookworm-slim
RUN curl -fsSL https://example.com/tool-1.2.tar.gz | tar -xz -C /opt
```

A download that is used as is (a static binary, made executable with `ADD --chmod=755`) is fine. Only stages
that reach the image are checked; downloads in build-only stages are free.
"""

from __future__ import annotations

from dockerlint_slim.diagnostics import OVERLAP, Finding, Fix, clip, overlap_key
from dockerlint_slim.replay import replay_for

ID = "SL303"
NAME = "remote-add-consumed"
SEVERITY = "warning"
SUMMARY = "ADD <url> downloads a file that a later RUN extracts, installs or deletes; it stays in its own layer"
TAGS = ("layers", "size")
# A later `rm` of the download (SL102) is the same waste: this finding, at the ADD, replaces it.
SUPERSEDES = ("SL102",)


def check(target):
    reported: set[int] = set()
    for event in replay_for(target).events:
        if event.verb not in ("consume", "delete"):
            continue
        for origin in event.origins:
            if origin.kind not in ("add-url", "add-git") or id(origin.instruction) in reported:
                continue
            reported.add(id(origin.instruction))
            add = origin.instruction
            action = "deletes" if event.verb == "delete" else _action(event.command.name, origin.kind)
            line = event.command.span.line
            if origin.kind == "add-git":
                fetch = f"`git clone --depth 1 {origin.source}`"
                thing = f"the git checkout {clip(origin.path, 40)}"
            else:
                fetch = f"`curl -fsSL {origin.source}`"
                thing = clip(origin.path, 40)
            message = (f"`ADD {clip(origin.source, 40)}` stores {thing} in its own layer; line {line} "
                       f"{action} it, but it stays in the image")
            yield Finding(
                add.span,
                message,
                fix=Fix(f"Fetch it inside the RUN on line {line} ({fetch}) and remove it there, or fetch it in a "
                        "build stage and COPY only the result"),
                properties={"consumedAt": line, "path": origin.path,
                            OVERLAP: [overlap_key(add.span.line, origin.path)]},
            )


def _action(name: str, kind: str) -> str:
    if kind == "add-git":
        return "builds from"
    if name in ("tar", "bsdtar", "unzip", "gunzip", "gzip", "bunzip2", "bzip2", "xz", "unxz", "zstd", "unzstd",
                "7z", "7za", "cpio"):
        return "extracts"
    if name in ("cp", "install"):
        return "copies"
    if name in ("sh", "bash", "dash", "ash", "zsh", "python", "python3", "perl", "php", "ruby", "node"):
        return "runs"
    return "installs"
