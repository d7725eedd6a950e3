"""What it does
Flags a final image built on a compiler or SDK image: `golang`, `rust`, `gcc`, `maven`, `gradle`, JDK images
(`eclipse-temurin:*-jdk`, `openjdk`, `amazoncorretto`, ...), `mcr.microsoft.com/dotnet/sdk`, `swift`,
`haskell`, `buildpack-deps`, and `node` when the final stage runs a build step (`npm run build`, `tsc`, ...).
ARG defaults in `FROM`, registry prefixes and mirrors (`docker.io/library/`, `mirror.gcr.io`,
`public.ecr.aws/docker/library/`) and stage inheritance (`FROM build AS final`) are followed.

Why is this bad?
The toolchain is only needed to build: compilers, headers, SDKs and package caches add hundreds of megabytes
(the `golang` image alone is about 880 MB) to an image whose program needs a few of them at most.

Example
```dockerfile
FROM golang:1.22
WORKDIR /src
COPY . .
RUN go build -o /app/server ./cmd/server
CMD ["/app/server"]
```

Use instead
```dockerfile
FROM golang:1.22 AS build
WORKDIR /src
COPY . .
RUN CGO_ENABLED=0 go build -o /app/server ./cmd/server

FROM gcr.io/distroless/static-debian12
COPY --from=build /app/server /app/server
CMD ["/app/server"]
```

Images whose default command is an interactive toolchain (for example `CMD ["python3"]` or `CMD ["bash"]` on
`buildpack-deps`), or that declare no `CMD`/`ENTRYPOINT` at all (CI and development environments), are
toolchain images by design and are not reported.
"""

from __future__ import annotations

import posixpath

from dockerlint_slim.diagnostics import Finding, Fix
from dockerlint_slim.knowledge.base_images import SIZES, CompilerFamily, compiler_family, parse_image, variant_of
from dockerlint_slim.knowledge.build_tools import (
    INTERACTIVE,
    build_artifacts,
    compiles_java,
    last_instruction,
    node_build_step,
)
from dockerlint_slim.model import Dockerfile, Stage

ID = "SL401"
NAME = "compiler-base-final-image"
SEVERITY = "warning"
SUMMARY = "The final image is built on a compiler/SDK image; build in a stage and copy the result to a runtime base"
TAGS = ("base-image", "size")

def check(target):
    dockerfile: Dockerfile = target.dockerfile
    final = dockerfile.target_stage()
    if final is None or not final.reaches_image:
        return
    ref = parse_image(final.base_image)
    if ref is None:
        return
    family = compiler_family(ref)
    build_step = None
    if family is None and ref.name == "node":
        build_step = node_build_step(final)
        if build_step is not None:
            family = CompilerFamily("node", "npm, the dev dependencies and the sources the build step needed",
                                    "`node:<version>-slim`/`-alpine` (or a static web server for front-end "
                                    "assets)", None)
    if family is None:
        return
    if _interactive_image(final):
        # A toolchain image to work in. With no CMD/ENTRYPOINT at all, an image that compiles its own program
        # here (go build, cargo build, npm run build, ...) still ships the compiler next to that program.
        no_command = last_instruction(final, "CMD") is None and last_instruction(final, "ENTRYPOINT") is None
        if not (no_command and (build_step is not None or _compiles(final))):
            return
    yield _finding(dockerfile, final, ref, family, build_step)


def _finding(dockerfile: Dockerfile, final: Stage, ref, family: CompilerFamily, build_step) -> Finding:
    root = list(final.lineage())[-1]
    via = f" (inherited through stage `{final.parent.name}`)" if final.parent is not None and final.parent.name else ""
    size = _size_text(ref, family)
    artifacts = build_artifacts(final)
    artifact = artifacts[0] if artifacts else None
    if artifact:
        dest = "/app/" if "*" in artifact or "<" in artifact else artifact
        copy_hint = f"`COPY --from=build {artifact} {dest}`"
    else:
        copy_hint = "`COPY --from=build <build output> ...` for the files the program needs"
    runs = f" and runs `{' '.join(build_step.argv[:4])}`" if build_step is not None else ""
    if family.key in _JDK_FAMILIES and not compiles_java(final):
        plan = f"nothing here compiles Java, so run on a JRE instead: {family.runtime}"
    elif final.parent is not None:
        plan = (f"replace `FROM {final.parent.name or final.parent.index}` of the final stage with a runtime base "
                f"({family.runtime}), then {copy_hint}")
    else:
        plan = f"build in a `FROM {ref} AS build` stage, base the final stage on {family.runtime}, then {copy_hint}"
    message = (
        f"The final image is built on `{ref}`{via}{runs}: it ships {family.what}{size}. "
        + (f"{plan[0].upper()}{plan[1:]}" if plan.startswith("nothing") else f"Use a multi-stage build: {plan}")
    )
    return Finding(
        final.from_instruction.span,
        message,
        fix=Fix(f"Build on {ref} in a separate stage; base the final stage on {family.runtime}"),
        properties={"baseImage": str(ref), "family": family.key, "artifact": artifact,
                    "rootFromLine": root.from_instruction.span.line},
    )


_JDK_FAMILIES = frozenset({"openjdk", "eclipse-temurin", "sapmachine", "ibm-semeru-runtimes", "amazoncorretto"})


def _size_text(ref, family: CompilerFamily) -> str:
    sizes = SIZES.get((ref.name, variant_of(ref)))
    if sizes is not None:
        return f" (the image is about {sizes[1]} MB uncompressed, {sizes[0]} MB compressed)"
    if family.typical_size_mb and variant_of(ref) not in ("alpine", "slim"):
        return f" (typically ~{family.typical_size_mb} MB uncompressed)"
    return ""


# Commands that compile the program itself (not `go install`/`cargo install` of tools, not `make`, which
# toolchain images such as buildpack-deps run to install software into the toolchain).
_COMPILE_SUBCOMMANDS = {"go": ("build",), "cargo": ("build",), "dotnet": ("build", "publish"), "swift": ("build",),
                        "stack": ("build",), "cabal": ("build", "v2-build"), "mvn": ("package", "install", "verify"),
                        "mvnw": ("package", "install", "verify"), "gradle": ("build", "assemble", "bootJar", "jar"),
                        "gradlew": ("build", "assemble", "bootJar", "jar")}


def _compiles(stage: Stage) -> bool:
    """The image's own stages compile a program (`go build`, `cargo build`, `dotnet publish`, `mvn package`,
    `javac`, ...) or write a build output: an image with no CMD that does this ships its compiler for nothing."""
    for each in stage.lineage():
        for run in each.runs():
            for command in run.commands:
                if not command.argv:
                    continue
                name = posixpath.basename(command.argv[0])
                words = command.argv[1:]
                if name == "javac" or any(w in _COMPILE_SUBCOMMANDS.get(name, ()) for w in words):
                    return True
    return bool(build_artifacts(stage))


def _interactive_image(stage: Stage) -> bool:
    """A toolchain image meant to be worked in: a final CMD like `["python3"]` or `bash`, or no CMD/ENTRYPOINT."""
    cmd = last_instruction(stage, "CMD")
    if last_instruction(stage, "ENTRYPOINT") is not None:
        return False
    if cmd is None:
        return True  # no program of its own: a CI/development environment on the toolchain image
    words = list(cmd.args) if cmd.json_form else cmd.arguments.split()
    return len(words) == 1 and posixpath.basename(words[0]) in INTERACTIVE
