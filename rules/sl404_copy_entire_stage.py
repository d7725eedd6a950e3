"""What it does
Flags `COPY --from=<stage>` that copies a whole build stage into the image: its root (`COPY --from=build / /`,
`/.`, `/*`, `.`), or its whole build tree (the directory the stage copied the full build context into and then
built in, such as `COPY --from=build /app /app` after `COPY . /app` and `RUN npm run build`). Copying the root of
a well-known OS or SDK image (`COPY --from=golang:1.22 / /`) is flagged too.

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

Stages built `FROM scratch` only hold what was put into them on purpose, and images that are not known OS/SDK
images (for example artifact images made to be copied whole) are not reported. Only COPYs into stages that
reach the image are checked.

hadolint equivalent: DL3067 (only `COPY --from=... / /`).
"""

from __future__ import annotations

import posixpath

from dockerlint_slim.diagnostics import Finding, Fix
from dockerlint_slim.knowledge.base_images import SIZES, compiler_family, parse_image
from dockerlint_slim.knowledge.build_tools import build_artifacts, is_node_build
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
        return _external(copy)
    if source_stage.index >= stage.index and source_stage is not stage:
        return None  # BuildKit rejects forward references; SL000/the parser reports them
    base = source_stage.base_image
    if parse_image(base) is None:
        return None  # FROM scratch (or an unknown variable base): an assembled rootfs, copied on purpose
    name = source_stage.name or str(source_stage.index)
    artifacts = [a for a in build_artifacts(source_stage) if "<" not in a]
    tree = None
    if artifacts:
        hint = f"`COPY --from={copy.from_} {artifacts[0]} ...`"
    else:
        tree = next((_build_tree(source_stage, _normalised(s)) for s in copy.sources if s not in _ROOTS), None)
        node = any(is_node_build(c.argv) for each in source_stage.lineage() for r in each.runs() for c in r.commands)
        if node and tree:
            hint = f"`COPY --from={copy.from_} {tree[0]}/dist ...` (wherever the build script writes)"
        else:
            hint = "the build output and the runtime files it needs"
    for source in copy.sources:
        if source in _ROOTS:
            message = (
                f"`COPY --from={copy.from_} {source}` copies the whole filesystem of stage `{name}` "
                f"(built on `{base}`): its OS, toolchain, caches and sources all land in this image. "
                f"Copy only what the program needs, e.g. {hint}"
            )
            return Finding(copy.span, message, fix=Fix(f"Copy only {hint} from stage {name}"),
                           properties={"sourceStage": name, "source": source})
        tree = _build_tree(source_stage, _normalised(source))
        if tree is not None:
            hint = hint if "`" in hint else "only the build output"
            message = (
                f"`COPY --from={copy.from_} {source}` copies the whole build tree of stage `{name}` "
                f"({tree[0]} received the full build context at line {tree[1]} and was built in): sources, "
                f"dependencies and intermediate files land in this image. "
                f"Copy {'only the build output, e.g. ' if '`' in hint else ''}{hint}"
            )
            return Finding(copy.span, message, fix=Fix(f"Copy only {hint} from stage {name}"),
                           properties={"sourceStage": name, "source": source})
    return None


def _stage_for(dockerfile: Dockerfile, copy: CopyInstruction) -> Stage | None:
    stage = dockerfile.stage_named(copy.from_ or "")
    if stage is not None and stage.index < len(dockerfile.stages):
        return stage
    return None


def _normalised(source: str) -> str:
    return posixpath.normpath("/" + source.lstrip("/")) if "$" not in source else source


def _build_tree(stage: Stage, source: str) -> tuple[str, int] | None:
    """(dir, line) when `source` is (or contains) a directory that got the whole build context and a RUN after."""
    for each in reversed(list(stage.lineage())):
        instructions = each.instructions
        for index, instruction in enumerate(instructions):
            if not isinstance(instruction, CopyInstruction) or instruction.from_ or instruction.is_add:
                continue
            if not any(s in (".", "./", "*", "./*") for s in instruction.sources):
                continue
            dest = posixpath.normpath(posixpath.join(instruction.workdir or "/", instruction.destination))
            if dest == "/" or "$" in dest:
                continue
            built = any(isinstance(i, RunInstruction) and any(_is_build(c.argv) for c in i.commands)
                        for i in instructions[index + 1 :])
            if built and (source == dest or dest.startswith(source.rstrip("/") + "/")) and source != "/":
                return dest, instruction.span.line
    return None


def _external(copy: CopyInstruction) -> Finding | None:
    ref = parse_image(copy.from_ or "")
    if ref is None or not any(s in ("/", "/.", "/*") for s in copy.sources):
        return None
    known = ref.name in _OS_IMAGES or compiler_family(ref) is not None or any(k[0] == ref.name for k in SIZES)
    if not known:
        return None
    message = (
        f"`COPY --from={copy.from_} /` copies the whole `{ref}` image into this one: its OS and tools ship "
        "twice over the base. Copy only the files you need (e.g. one static binary), or use it as the base image"
    )
    return Finding(copy.span, message, fix=Fix(f"Copy only the needed files from {copy.from_}"),
                   properties={"source": "/"})


# Commands that compile or bundle: after them the tree holds sources next to outputs.
_COMPILERS = frozenset({"make", "cmake", "ninja", "gcc", "g++", "cc", "clang", "rustc", "javac", "mvn", "mvnw",
                        "gradle", "gradlew", "sbt", "tsc", "webpack", "ghc", "stack", "cabal", "swift", "zig"})


def _is_build(argv: tuple[str, ...]) -> bool:
    if not argv:
        return False
    name = posixpath.basename(argv[0])
    if name in _COMPILERS or is_node_build(argv):
        return True
    if name == "go" and len(argv) > 1 and argv[1] in ("build", "install"):
        return True
    if name == "cargo" and "build" in argv:
        return True
    return name == "dotnet" and len(argv) > 1 and argv[1] in ("build", "publish")
