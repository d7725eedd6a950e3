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
import re

from dockerlint_slim.diagnostics import Finding, Fix
from dockerlint_slim.images import SIZES, CompilerFamily, compiler_family, parse_image, variant_of
from dockerlint_slim.model import Dockerfile, Instruction, RunInstruction, Stage

ID = "SL401"
NAME = "compiler-base-final-image"
SEVERITY = "warning"
SUMMARY = "The final image is built on a compiler/SDK image; build in a stage and copy the result to a runtime base"
TAGS = ("base-image", "size")

# Default commands of toolchain/development images: an interpreter prompt or a shell.
_INTERACTIVE = frozenset({"bash", "sh", "zsh", "python", "python3", "ipython", "node", "irb", "ghci", "jshell",
                          "iex", "erl", "swift", "php", "perl", "lua", "R", "julia", "scala", "clojure", "lein"})
_NODE_BUILD_SCRIPTS = re.compile(r"^(build|compile|dist|bundle|prod|production)([:_-].*)?$")
_NODE_BUILD_TOOLS = frozenset({"tsc", "webpack", "vite", "rollup", "esbuild", "parcel", "ng", "next", "nuxt",
                               "gatsby", "react-scripts", "vue-cli-service", "nest"})


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
    if family is None or _interactive_image(final):
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
    if family.key in _JDK_FAMILIES and not _compiles_java(final):
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
_JAVA_BUILDERS = frozenset({"mvn", "mvnw", "gradle", "gradlew", "javac", "jar", "sbt", "lein", "ant", "jlink"})


def _compiles_java(stage: Stage) -> bool:
    return any(posixpath.basename(c.argv[0]) in _JAVA_BUILDERS
               for each in stage.lineage() for run in each.runs() for c in run.commands if c.argv)


def _size_text(ref, family: CompilerFamily) -> str:
    sizes = SIZES.get((ref.name, variant_of(ref)))
    if sizes is not None:
        return f" (the image is about {sizes[1]} MB uncompressed, {sizes[0]} MB compressed)"
    if family.typical_size_mb and variant_of(ref) not in ("alpine", "slim"):
        return f" (typically ~{family.typical_size_mb} MB uncompressed)"
    return ""


def _interactive_image(stage: Stage) -> bool:
    """A toolchain image meant to be worked in: a final CMD like `["python3"]` or `bash`, or no CMD/ENTRYPOINT."""
    cmd = _last(stage, "CMD")
    if _last(stage, "ENTRYPOINT") is not None:
        return False
    if cmd is None:
        return True  # no program of its own: a CI/development environment on the toolchain image
    words = list(cmd.args) if cmd.json_form else cmd.arguments.split()
    return len(words) == 1 and posixpath.basename(words[0]) in _INTERACTIVE


def _last(stage: Stage, keyword: str) -> Instruction | None:
    for each in stage.lineage():  # nearest stage first; within a stage the last one wins
        found = [i for i in each.instructions if i.keyword == keyword]
        if found:
            return found[-1]
    return None


def node_build_step(stage: Stage):
    """The first command in the image's stages that builds front-end/TypeScript output, or None."""
    for each in reversed(list(stage.lineage())):
        for run in each.runs():
            for command in run.commands:
                if _is_node_build(command.argv):
                    return command
    return None


def _is_node_build(argv: tuple[str, ...]) -> bool:
    if not argv:
        return False
    name = posixpath.basename(argv[0])
    args = [a for a in argv[1:] if not a.startswith("-")]
    if name in ("npm", "pnpm", "yarn", "bun") and args:
        script = args[1] if args[0] in ("run", "run-script") and len(args) > 1 else args[0]
        if name == "npm" and args[0] not in ("run", "run-script"):
            return False  # `npm build` is not a script runner
        return bool(_NODE_BUILD_SCRIPTS.match(script))
    if name in ("npx", "pnpx") and args:
        return posixpath.basename(args[0]) in _NODE_BUILD_TOOLS
    if name in _NODE_BUILD_TOOLS:
        return name in ("tsc", "webpack", "esbuild", "rollup", "parcel") or (args[:1] == ["build"])
    return False


# What a build writes, when the commands say so: the file to copy into the runtime stage.
def build_artifacts(stage: Stage) -> list[str]:
    found: list[str] = []
    for each in reversed(list(stage.lineage())):
        workdir = "/"
        for instruction in each.instructions:
            if instruction.keyword == "WORKDIR":
                workdir = getattr(instruction, "path", workdir) or workdir
            if isinstance(instruction, RunInstruction):
                cwd = workdir
                for command in instruction.commands:
                    if command.name == "cd" and len(command.argv) > 1 and "$" not in command.argv[1]:
                        cwd = posixpath.normpath(posixpath.join(cwd, command.argv[1]))
                    artifact = _artifact_of(command.argv, cwd)
                    if artifact:
                        found.append(artifact)
    for keyword in ("ENTRYPOINT", "CMD"):
        instruction = _last(stage, keyword)
        if instruction is not None and instruction.json_form and instruction.args:
            program = instruction.args[0]
            if program.startswith("/") and posixpath.basename(program) not in _INTERACTIVE and "$" not in program:
                found.append(program)
    return list(dict.fromkeys(found))


def _artifact_of(argv: tuple[str, ...], cwd: str) -> str | None:
    if not argv:
        return None
    name = posixpath.basename(argv[0])
    output = None
    for index, arg in enumerate(argv[:-1]):
        if arg in ("-o", "--output") and name in ("go", "gcc", "g++", "cc", "clang", "dotnet", "rustc", "ghc"):
            output = argv[index + 1]
    if output and "$" not in output:
        return posixpath.normpath(posixpath.join(cwd, output))
    if name in ("mvn", "mvnw") and any(a in ("package", "install", "verify") for a in argv):
        return posixpath.join(cwd, "target/*.jar")
    if name in ("gradle", "gradlew") and any(a in ("build", "bootJar", "jar", "assemble") for a in argv):
        return posixpath.join(cwd, "build/libs/*.jar")
    if name == "cargo" and "build" in argv and "--release" in argv:
        return posixpath.join(cwd, "target/release/<binary>")
    return None
