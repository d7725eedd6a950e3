r"""What it does
Flags a download that ends up in the image although it was only needed to install something:

- `ADD <url>` (or `ADD <git repository>`) whose download a later `RUN` of the same image extracts, installs,
  runs as an installer or deletes: `ADD https://example.com/app.tar.gz /tmp/` followed by
  `RUN tar -xzf /tmp/app.tar.gz`, `dpkg -i`, `sh /tmp/install.sh`, `rm /tmp/app.tar.gz`, or a build inside an
  `ADD`ed git checkout;
- an archive or package that a `RUN` downloads (`curl -o`, `wget -O`), extracts or installs, and leaves behind:
  no command of that `RUN` deletes it (or the `rm` names another file: `curl -o /tmp/x.tar.xz ... && rm
  /tmp/x.tar.gz`).

Why is this bad?
`ADD` stores the downloaded file in a layer of its own. Whatever the later `RUN` does with it (unpack it,
install it, delete it) cannot take it out of that layer again: the archive ships in the image next to what
was extracted from it. A `RUN` that downloads, extracts and forgets to delete stores the archive in its own layer
for the same result.

Example
```dockerfile
FROM debian:bookworm-slim
ADD https://example.com/tool-1.2.tar.gz /tmp/
RUN tar -xzf /tmp/tool-1.2.tar.gz -C /opt && rm /tmp/tool-1.2.tar.gz
RUN curl -fsSLo /tmp/node.tar.xz https://nodejs.org/dist/v20.11.0/node-v20.11.0-linux-x64.tar.xz \
 && tar -xJf /tmp/node.tar.xz -C /usr/local --strip-components=1 && rm /tmp/node.tar.gz
```

Use instead
```dockerfile
FROM debian:bookworm-slim
RUN curl -fsSL https://example.com/tool-1.2.tar.gz | tar -xz -C /opt
RUN curl -fsSLo /tmp/node.tar.xz https://nodejs.org/dist/v20.11.0/node-v20.11.0-linux-x64.tar.xz \
 && tar -xJf /tmp/node.tar.xz -C /usr/local --strip-components=1 && rm /tmp/node.tar.xz
```

A download that is used as is is fine: a static binary (made executable with `ADD --chmod=755`), a model file or
a jar the image keeps, a small file an installer reads and keeps (a requirements file for `pip install -r`, a
GPG key for `rpm --import`), or a script run from where the image keeps it. Only stages that reach the image are
checked; downloads in build-only stages are free. A later `rm` of the same download (SL102) is this rule's
finding (SL303 supersedes SL102 on it).

Fix
`--fix --unsafe-fixes` removes the `ADD` and makes the `RUN` that uses the download fetch it first (`curl -fsSL -o
PATH URL &&`, or `wget -q -O PATH URL &&`) and delete it at its end. It is unsafe: the download then runs in the
image with its own tools instead of the builder. Only when the stage surely has a downloader able to fetch the URL
(a buildpack-deps based image, Alpine's BusyBox wget, or an earlier `RUN` that installed curl or wget, with CA
certificates for https), for a plain `ADD <http(s) url> <dest>` (no `--checksum`, `--chown`, `--chmod`), a `RUN`
of the same stage that is one `&&` chain run as root, and nothing else naming the downloaded path.

Known limits
- What a download holds is never known before the build: the findings have no byte figure.
- A file name with a variable that is not set in the Dockerfile (`$VERSION` from `--build-arg` without a default)
  cannot be followed.
- Consumption is read from the command line: an archive extracted by a script (`./install.sh` that unpacks
  `/tmp/x.tgz`) is not seen, and neither is a download named by a shell variable set inside the RUN.
- Git checkouts count as consumed when a build runs in them; one whose sources the image runs as they are is not
  told apart from one it builds from.
"""

from __future__ import annotations

import re
import shlex

from dockerlint_slim.diagnostics import OVERLAP, UNSAFE, Finding, Fix, clip, overlap_key
from dockerlint_slim.fixes.edits import append_command, prepend_command, remove_instruction
from dockerlint_slim.knowledge.base_images import buildpack_packages, parse_image
from dockerlint_slim.knowledge.package_managers import APT, INSTALL, apt_skips_recommends, package_call
from dockerlint_slim.model.queries import user_before
from dockerlint_slim.replay import replay_for
from dockerlint_slim.shell.argv import program_argv
from dockerlint_slim.shell.commands import removes_path

ID = "SL303"
NAME = "remote-add-consumed"
SEVERITY = "warning"
SUMMARY = "A download (ADD <url>, or curl/wget in a RUN) is only extracted or installed, yet stays in the image"
TAGS = ("layers", "size")
FIX = "unsafe"  # the download moves from the builder (ADD) into the image's own curl or wget
# A later `rm` of the download (SL102) is the same waste: this finding, at the download, replaces it.
SUPERSEDES = ("SL102",)


def check(target):
    dockerfile = target.dockerfile
    reported: set[int] = set()
    for event in replay_for(target).events:
        if event.verb == "leftover":
            yield _leftover(event)
            continue
        if event.verb not in ("consume", "delete"):
            continue
        for origin in event.origins:
            if origin.kind not in ("add-url", "add-git") or id(origin.instruction) in reported:
                continue
            reported.add(id(origin.instruction))
            yield _added(dockerfile, event, origin)


def _added(dockerfile, event, origin) -> Finding:
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
    edits = _edits(dockerfile, event, origin)
    return Finding(
        add.span,
        message,
        fix=Fix(f"Fetch it inside the RUN on line {line} ({fetch}) and remove it there, or fetch it in a "
                "build stage and COPY only the result", edits, UNSAFE, 1 if edits else 0),
        properties={"consumedAt": line, "path": origin.path, OVERLAP: [overlap_key(add.span.line, origin.path)]},
    )


def _leftover(event) -> Finding:
    [download] = event.origins
    consumer = event.command
    span = download.command.span if download.command is not None else event.run.span
    other = f" (the RUN deletes {clip(event.paths[0], 36)} instead)" if event.paths else ""
    message = (f"the download {clip(download.path, 40)} is {_action(consumer.name, 'run')} at line "
               f"{consumer.span.line} but never deleted{other}: it stays in this layer")
    command = f"&& rm {download.path}" if len(download.path) <= 60 else "&& rm <the download>"
    return Finding(
        span,
        message,
        fix=Fix(f"End the RUN with `{command}` after it is used, or stream it (`curl -fsSL URL | tar -x ...`)"),
        properties={"path": download.path, "consumedAt": consumer.span.line,
                    OVERLAP: [overlap_key(download.instruction.span.line, download.path)]},
    )


def _action(name: str, kind: str) -> str:
    if kind == "add-git":
        return "builds from"
    if name in ("tar", "bsdtar", "unzip", "gunzip", "gzip", "bunzip2", "bzip2", "xz", "unxz", "zstd", "unzstd",
                "7z", "7za", "cpio"):
        return "extracts" if kind != "run" else "extracted"
    if name in ("cp", "install"):
        return "copies" if kind != "run" else "copied"
    if name in ("sh", "bash", "dash", "ash", "zsh", "python", "python3", "perl", "php", "ruby", "node"):
        return "runs" if kind != "run" else "run"
    return "installs" if kind != "run" else "installed"


# --- fix ---------------------------------------------------------------------------------------------------------

_URL = re.compile(r"^https?://[A-Za-z0-9._~:/?#@!&'()*+,;=%-]+$")
_PATH = re.compile(r"^/[A-Za-z0-9._/+-]+$")


def _edits(dockerfile, event, origin) -> tuple:
    """The ADD goes; the RUN that uses the download first fetches it with the stage's curl or wget (to the same
    path) and deletes it at its end. Only for a plain `ADD <http(s) url> <dest>` (no --checksum, --chown,
    --chmod), a RUN of the same stage that is one `&&` chain run as root, nothing else naming the path, and a
    stage known to have curl or wget able to fetch the URL."""
    add, run, stage = origin.instruction, event.run, event.stage
    url, path = origin.source or "", origin.path
    if origin.kind != "add-url" or not _URL.match(url) or not _PATH.match(path):
        return ()
    if add.flags or len(getattr(add, "sources", ())) != 1 or add.stage_index != run.stage_index:
        return ()
    if user_before(stage, run) != "root" or add not in stage.instructions or run not in stage.instructions:
        return ()
    later = dockerfile.instructions[dockerfile.instructions.index(add) + 1 :]
    if any(i is not run and path in i.original for i in later):
        return ()
    program = _downloader(stage, run, url)
    if program is None:
        return ()
    fetch = (f"curl -fsSL -o {path} {shlex.quote(url)}" if program == "curl"
             else f"wget -q -O {path} {shlex.quote(url)}")
    first = prepend_command(dockerfile, run, fetch)
    removal = remove_instruction(dockerfile, add)
    cleanup = [] if any(removes_path(c, path) for c in run.commands) else append_command(dockerfile, run, f"rm -f {path}")
    if first is None or removal is None or cleanup is None:
        return ()
    return tuple(removal + first + cleanup)


_DOWNLOADERS = ("curl", "wget")


def _downloader(stage, run, url: str) -> str | None:
    """curl or wget when the stage surely has one that can fetch `url` before `run`: the base image ships it
    (buildpack-deps and the images built on it: curl; Alpine: BusyBox wget), an earlier RUN fetched an https URL
    with it, or installed it (with CA certificates for an https URL)."""
    ref = parse_image(stage.base_image or "")
    if ref is not None and "curl" in buildpack_packages(ref):
        return "curl"
    https = url.startswith("https://")
    for ancestor in reversed(list(stage.lineage())):
        for earlier in ancestor.runs():
            if earlier is run:
                break
            for command in earlier.commands:
                argv = program_argv(command)
                if argv[:1] and argv[0] in _DOWNLOADERS and any(a.startswith("https://") for a in argv):
                    return argv[0]
                call = package_call(argv)
                if call is None or call.action != INSTALL:
                    continue
                names = set(call.packages)
                certificates = "ca-certificates" in names or (call.manager is APT and not apt_skips_recommends(call))
                for program in _DOWNLOADERS:
                    if program in names and (certificates or not https):
                        return program
    if ref is not None and (ref.name == "alpine" or "alpine" in (ref.tag or "")):
        return "wget"
    return None
