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

A JDK image that only runs Java (no `javac`, Maven or Gradle in the image, no JDK tool such as `jcmd` or
`jstack` in a `RUN`, its command or its `HEALTHCHECK`) is told that a JRE of the same Java release is likely
enough: the Dockerfile cannot show whether the program uses the JDK at run time (a server that compiles plugins or
attaches to itself), so the message says "likely" and the advice names the exceptions. Suggested images are published tags (looked up in the official images' tag lists, the same
lookup SL403 uses): the JRE of the JDK's release and C library, a slim image of the Debian release the compiler
image is built on (so the binary finds the C library it was linked against).

Not reported, because the toolchain is what the image is for:

- images whose command is a build tool (`CMD ["gradle", "bootRun"]`, `mvn`, `go run`, `dotnet watch`,
  `goreleaser`, `make`): builder and development images;
- development and CI images: a command that is an interactive shell or interpreter prompt (`CMD ["python3"]`,
  `CMD ["pypy3"]`, `bash`, also behind an entrypoint script such as `docker-entrypoint.sh`), a keep-alive command
  (`sleep infinity`, `tail -f /dev/null`), an entrypoint script named for development or CI (`dev-entrypoint.sh`),
  a development server (`nodemon`, `npm run dev`);
- interpreter images that are the product: `node`, `python`, `pypy` built on `buildpack-deps` with the interpreter
  as their command;
- images with no CMD/ENTRYPOINT of their own that compile no program (CI environments and base images); one that
  compiles its program here (`go build -o`, `cargo build`, `mvn package`, ...) is reported;
- a final stage on a compiler image that compiles nothing itself and copies its program from a build stage: the
  author already uses a multi-stage build and keeps the toolchain on purpose (Hugo needs Go for its modules,
  a Go module proxy runs `go`).

Known limits
- Whether the program needs the toolchain at run time (a plugin system that compiles, `go` called by the
  program) is not visible; images that build in a stage and still run on the compiler image are assumed to.
- The build output is named only when a command says where it goes (`-o`, Maven's `target/*.jar`, Gradle's
  `build/libs/*.jar` and `build/install`); otherwise the advice says to copy the build output without a path.
- Image sizes are approximate figures from an offline table, not measurements.
- `nvidia/cuda` `-devel` images and other vendor SDK images are not known compiler families.
"""

from __future__ import annotations

from dockerlint_slim.diagnostics import Finding, Fix
from dockerlint_slim.knowledge.base_images import (
    JDK_IMAGES,
    SIZES,
    CompilerFamily,
    compiler_family,
    parse_image,
    variant_of,
)
from dockerlint_slim.knowledge.build_tools import (
    build_artifacts,
    compiles,
    compiles_java,
    compiles_program,
    image_purpose,
    uses_jdk_tools,
    node_build_step,
)
from dockerlint_slim.model import CopyInstruction, Dockerfile, Stage

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
            family = CompilerFamily("node", "npm, the dev dependencies and the sources of the build",
                                    "a `-slim` or `-alpine` tag of the same Node.js release (or a static web server "
                                    "for front-end assets)", None, None)
    if family is None:
        return
    purpose = image_purpose(final, dockerfile.path)
    if purpose.kind in ("toolchain", "development"):
        return  # the toolchain is what the image is for
    if purpose.kind == "none" and (build_step is not None or not compiles_program(final)):
        return  # no command of its own and no program compiled here: a CI environment or a base for other images
    if family.key in _JAVA_FAMILIES and uses_jdk_tools(final):
        return  # it runs the JDK's own tools (jcmd, jstack, ...): a JRE would not do
    jdk_runtime = family.key in _JAVA_FAMILIES and not compiles_java(final)
    if not jdk_runtime and build_step is None and _runs_a_copied_build(dockerfile, final):
        return  # built in another stage and still run on the toolchain image: kept on purpose
    yield _finding(final, ref, family, build_step, jdk_runtime)


_JAVA_FAMILIES = JDK_IMAGES


def _runs_a_copied_build(dockerfile: Dockerfile, final: Stage) -> bool:
    """The final stage compiles nothing and copies its program from another stage of the file."""
    lineage = list(final.lineage())
    if any(compiles(c.argv) for each in lineage for run in each.runs() for c in run.commands):
        return False
    names = {each.index for each in lineage}
    for instruction in final.instructions:
        if isinstance(instruction, CopyInstruction) and instruction.from_:
            source = dockerfile.stage_named(instruction.from_)
            if source is not None and source.index not in names:
                return True
    return False


def _finding(final: Stage, ref, family: CompilerFamily, build_step, jdk_runtime: bool) -> Finding:
    root = list(final.lineage())[-1]
    size = _size_text(ref, family)
    inherited = final.parent is not None and final.parent.name
    if jdk_runtime:
        # Whether the program uses the JDK at run time (its tools, the attach API, compiling plugins or scripts) is
        # not visible in the Dockerfile: vendors of Java servers choose a JDK base on purpose. Say so.
        message = f"Final image runs on the JDK `{ref}`{size} and compiles no Java here: a JRE is likely enough"
        unless = ("Unless the program uses the JDK at run time (javac, jcmd, jstack, the attach API), run on "
                  "the JRE of the same Java release")
        if family.runtime_image:
            advice = f"{unless}: `FROM {family.runtime_image}`"
        else:
            advice = f"{unless}: {family.runtime}"
        return _result(final, root, ref, family, message, advice, None)
    producer, artifact = _build_output(final)
    if build_step is not None:
        message = f"Final image runs `{' '.join(build_step.argv[:3])}` on `{ref}`{size}: it ships {family.what}"
    elif inherited:
        message = f"Final image inherits `{ref}`{size} through stage `{final.parent.name}`: it ships {family.what}"
    else:
        message = f"Final image is built on `{ref}`{size}: it ships {family.what} with the program"
    runtime = family.runtime_image
    if inherited and producer is not None and producer is not final:
        # FROM build AS final: the output exists in the parent stage, so the final stage can start from a runtime.
        source = producer.name or str(producer.index)
        advice = (f"Base the final stage on a runtime image ({family.runtime}) instead of `FROM {final.parent.name}`"
                  + (f" (`FROM {runtime}`)" if runtime else "")
                  + f", then `COPY --from={source} {artifact} {_destination(artifact)}`")
    else:
        # The build runs in the final stage: it becomes the build stage, and a runtime stage copies its output.
        build_name = final.name or "build"
        if runtime and artifact:
            fragment = ([f"FROM {ref} AS {build_name}"] if not inherited else
                        [f"FROM {final.parent.name} AS {build_name}"]) + [
                "# ... the build steps of this stage ...", f"FROM {runtime}",
                f"COPY --from={build_name} {artifact} {_destination(artifact)}"]
            advice = (f"Build in a stage of its own and copy only the output into a runtime base ({family.runtime}):\n"
                      + "\n".join(f"    {line}" for line in fragment))
        else:
            advice = (f"Build in a stage of its own (`AS {build_name}`) and copy only the build output into a final "
                      f"stage on a runtime base ({family.runtime}) with `COPY --from={build_name}`")
    return _result(final, root, ref, family, message, advice, artifact)


def _build_output(final: Stage) -> tuple[Stage | None, str | None]:
    """(stage, path) of the first build output the stages of the image name (`go build -o`, Maven's jars)."""
    for stage in reversed(list(final.lineage())):
        found = build_artifacts(stage, own=True)
        if found:
            return stage, found[0]
    return None, None


def _destination(artifact: str) -> str:
    return "/app/" if "*" in artifact or "<" in artifact else artifact


def _result(final, root, ref, family, message: str, advice: str, artifact) -> Finding:
    return Finding(
        final.from_instruction.span,
        message,
        fix=Fix(advice),
        properties={"baseImage": str(ref), "family": family.key, "artifact": artifact,
                    "suggestedImage": family.runtime_image, "rootFromLine": root.from_instruction.span.line},
    )


def _size_text(ref, family: CompilerFamily) -> str:
    sizes = SIZES.get((ref.name, variant_of(ref)))
    if sizes is not None:
        return f" (about {sizes[1]} MB)"
    if family.typical_size_mb and variant_of(ref) not in ("alpine", "slim"):
        return f" (typically about {family.typical_size_mb} MB)"
    return ""
