"""What it does
Flags `COPY --from=<stage>` that copies a whole build stage into the image: its root (`COPY --from=build / /`,
`/.`, `/*`, `.`), or its whole build tree (the directory the stage copied the full build context into and then
built in, such as `COPY --from=build /app /app` after `COPY . /app` and `RUN npm run build` in `/app`). Copying
the root of a well-known OS or SDK image (`COPY --from=golang:1.22 / /`) onto another base is flagged too.

Why is this bad?
A build stage holds the operating system, compilers, package caches, sources and intermediate files. Copying all
of it undoes the multi-stage build: the final image carries everything the build needed, usually many times
the size of the program it runs.

Example
```dockerfile
FROM golang:1.22 AS build
WORKDIR /src
COPY . .
RUN go build -o /out/server ./cmd/server

FROM gcr.io/distroless/static-debian12
COPY --from=build / /
```

Use instead
```dockerfile
FROM golang:1.22 AS build
WORKDIR /src
COPY . .
RUN CGO_ENABLED=0 go build -o /out/server ./cmd/server

FROM gcr.io/distroless/static-debian12
COPY --from=build /out/server /server
```

Not reported:

- flattening: `COPY --from=<stage> / /` into a stage built `FROM scratch`, or onto the same base image the copied
  stage is built on, when that stage is an OS image and not a compiler/SDK image. The result holds exactly the
  stage's files in one layer, and files deleted in the stage's later layers are gone: a size win;
- stages built `FROM scratch`, which only hold what was put into them on purpose, and images that are not known
  OS/SDK images (for example artifact images made to be copied whole);
- a build tree that the build stage already pruned after the build (`npm prune --omit=dev`,
  `yarn workspaces focus --production`, `rm -rf src`, `make clean`), or whose dependencies were installed for
  production only (`npm ci --omit=dev`): what is left is what the application runs;
- a folder that received the build context but was not built in (the build ran in another directory).

Only COPYs into stages that reach the image are checked. When the build commands name their output
(`go build -o`, Maven's `target/*.jar`, Gradle's `build/libs/*.jar` or `build/install`), the advice names it.

Known limits
- Whether every file of a build tree is needed at run time (an interpreted app that is its own sources, a
  framework that reads its sources) is not visible: a tree is reported when a compile or bundle step ran in it and
  nothing pruned it afterwards.
- Flattening onto the same base stores the base's files twice (once in the base layers, once in the copy); that
  cost, about the size of the base image, is not reported.

hadolint equivalent: DL3067 (only `COPY --from=... / /`).
"""

from __future__ import annotations

import posixpath

from dockerlint_slim.diagnostics import Finding, Fix
from dockerlint_slim.knowledge.base_images import SIZES, compiler_family, parse_image
from dockerlint_slim.knowledge.build_tools import (
    build_artifacts,
    command_dirs,
    compiles,
    installs_production_only,
    is_node_build,
    prunes,
    run_workdirs,
)
from dockerlint_slim.model import CopyInstruction, Dockerfile, RunInstruction, Stage

ID = "SL404"
NAME = "copy-entire-stage"
SEVERITY = "warning"
SUMMARY = "COPY --from copies a whole build stage (its root or build tree) into the image"
TAGS = ("multi-stage", "size")

_ROOTS = frozenset({"/", "/.", "/*", ".", "./", "./*", "*"})
# Images whose root is a full OS or SDK: copying it whole is never what a final image needs.
_OS_IMAGES = frozenset({"alpine", "debian", "ubuntu", "busybox", "centos", "fedora", "rockylinux", "almalinux",
                        "amazonlinux", "archlinux", "opensuse/leap", "opensuse/tumbleweed", "oraclelinux",
                        "redhat/ubi8", "redhat/ubi9", "buildpack-deps"})


def check(target):
    dockerfile: Dockerfile = target.dockerfile
    for stage in dockerfile.image_stages():
        for instruction in stage.instructions:
            if not isinstance(instruction, CopyInstruction) or not instruction.from_:
                continue
            finding = _check_copy(dockerfile, stage, instruction)
            if finding is not None:
                yield finding


def _check_copy(dockerfile: Dockerfile, stage: Stage, copy: CopyInstruction) -> Finding | None:
    source_stage = _stage_for(dockerfile, copy)
    if source_stage is None:
        return _external(stage, copy)
    if source_stage.index >= stage.index and source_stage is not stage:
        return None  # BuildKit rejects forward references; SL000/the parser reports them
    base = source_stage.base_image
    root = parse_image(base)
    if root is None:
        return None  # FROM scratch (or an unknown variable base): an assembled rootfs, copied on purpose
    if not _known_full_image(root) and not any(
            i.keyword in ("RUN", "COPY", "ADD") for each in source_stage.lineage() for i in each.instructions):
        return None  # a stage that only names an artifact image (`FROM tonistiigi/xx AS xx`), copied whole by design
    name = source_stage.name or str(source_stage.index)
    artifacts = [a for a in build_artifacts(source_stage) if "<" not in a]
    for source in copy.sources:
        if source in _ROOTS:
            if _flattens(stage, source_stage, copy):
                return None
            message = f"`COPY --from={copy.from_} {source}` copies the whole filesystem of stage `{name}` (built on `{base}`)"
            advice = ("Copy only what the program needs from the stage: its OS, toolchain, caches and sources "
                      "would all land in this image")
            if artifacts:
                advice += f", e.g. `COPY --from={copy.from_} {artifacts[0]} {_destination(artifacts[0])}`"
            return Finding(copy.span, message, fix=Fix(advice),
                           properties={"sourceStage": name, "source": source})
        tree = _build_tree(source_stage, _normalised(source))
        if tree is not None:
            folder, copied_line, build_dir, built_line = tree
            message = (f"`COPY --from={copy.from_} {source}` copies the whole build tree of stage `{name}` "
                       f"(context copied to {folder} at line {copied_line}, built in {build_dir} at line {built_line})")
            inside = [a for a in artifacts if _inside(a, _normalised(source))]
            advice = "Copy only the build output and the runtime files it needs: sources, dependencies and intermediate files would land in this image"
            if inside:
                advice += f", e.g. `COPY --from={copy.from_} {inside[0]} {_destination(inside[0])}`"
            elif _node_build(source_stage):
                advice += " (the output folder the build script writes, such as `dist/` or `build/`)"
            return Finding(copy.span, message, fix=Fix(advice),
                           properties={"sourceStage": name, "source": source, "tree": folder})
    return None


def _destination(artifact: str) -> str:
    return "/app/" if "*" in artifact else artifact


def _node_build(stage: Stage) -> bool:
    return any(is_node_build(c.argv) for each in stage.lineage() for r in each.runs() for c in r.commands)


def _flattens(stage: Stage, source_stage: Stage, copy: CopyInstruction) -> bool:
    """`COPY --from=<stage> / /` into `FROM scratch` or onto the base the stage is built on, from a stage that is an
    OS image rather than a compiler/SDK: the image is the stage's file system in one layer (a squash)."""
    if _normalised(copy.destination) != "/":
        return False
    source_root = parse_image(list(source_stage.lineage())[-1].base_image or "")
    if source_root is None or compiler_family(source_root) is not None:
        return False  # a compiler/SDK stage: its toolchain would be the image
    target_root_image = (list(stage.lineage())[-1].base_image or "").strip()
    if target_root_image.lower() == "scratch":
        return True
    target_root = parse_image(target_root_image)
    return target_root is not None and str(target_root) == str(source_root)


def _stage_for(dockerfile: Dockerfile, copy: CopyInstruction) -> Stage | None:
    stage = dockerfile.stage_named(copy.from_ or "")
    if stage is not None and stage.index < len(dockerfile.stages):
        return stage
    return None


def _normalised(source: str) -> str:
    return posixpath.normpath("/" + source.lstrip("/")) if "$" not in source else source


def _build_tree(stage: Stage, source: str) -> tuple[str, int, str, int] | None:
    """(folder, line of its COPY, build directory, line of the build) when the copied `source` holds a folder that
    received the whole build context, a compile or bundle step then ran inside `source`, and nothing pruned the
    tree after the build."""
    if source == "/":
        return None
    steps = list(run_workdirs(stage))
    for index, (instruction, _workdir) in enumerate(steps):
        if not isinstance(instruction, CopyInstruction) or instruction.from_ or instruction.is_add:
            continue
        if not any(s in (".", "./", "*", "./*") for s in instruction.sources):
            continue
        folder = posixpath.normpath(posixpath.join(instruction.workdir or "/", instruction.destination))
        if folder == "/" or "$" in folder or not _inside(folder, source):
            continue
        built = None
        for later, workdir in steps[index + 1 :]:
            if not isinstance(later, RunInstruction):
                continue
            for command, cwd in command_dirs(later, workdir):
                if built is None and compiles(command.argv) and _inside(cwd, source):
                    built = (cwd, later.span.line)
                elif built is not None and prunes(command.argv, cwd, source):
                    return None  # pruned after the build: not the whole tree any more
                elif installs_production_only(command.argv) and _inside(cwd, source):
                    return None  # only the run-time dependencies were installed: the tree is what the app runs
        if built is not None:
            return folder, instruction.span.line, built[0], built[1]
    return None


def _inside(cwd: str | None, folder: str) -> bool:
    return cwd is not None and (cwd == folder or cwd.startswith(folder.rstrip("/") + "/"))


def _known_full_image(ref) -> bool:
    """An OS, SDK or language image: its root is a whole system, never an artifact made to be copied."""
    return ref.name in _OS_IMAGES or compiler_family(ref) is not None or any(k[0] == ref.name for k in SIZES)


def _external(stage: Stage, copy: CopyInstruction) -> Finding | None:
    ref = parse_image(copy.from_ or "")
    if ref is None or not any(s in ("/", "/.", "/*") for s in copy.sources):
        return None
    if not _known_full_image(ref):
        return None
    target_root = (list(stage.lineage())[-1].base_image or "").strip().lower()
    if target_root == "scratch" and _normalised(copy.destination) == "/" and compiler_family(ref) is None:
        return None  # the OS image itself, rebuilt on scratch: nothing twice
    message = f"`COPY --from={copy.from_} /` copies the whole `{ref}` image into this one"
    return Finding(copy.span, message,
                   fix=Fix("Copy only the files you need (e.g. one static binary), or use it as the base image: its "
                           "OS and tools would ship on top of this image's own"),
                   properties={"source": "/"})
