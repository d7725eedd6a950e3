"""What it does
Notes when the final image's base has a much smaller official variant: `python:3.12` vs `python:3.12-slim`,
`node:20` vs `node:20-slim`, `ruby`, `perl`, `debian:bookworm` vs `debian:bookworm-slim`, `nginx` vs
`nginx:alpine`, a JDK vs a JRE, ... The sizes come from an offline table of approximate linux/amd64 sizes
(no network access), and the message quotes the difference.

Why is this bad?
The default tags of many official images are built on `buildpack-deps`: compilers, headers and hundreds of
libraries most programs never load. Every pull, push and cold start pays for them, and they widen the attack
surface. The `-slim` variants keep the runtime and drop the toolchain.

Example
```dockerfile
FROM python:3.12
COPY app.py /app/
CMD ["python", "/app/app.py"]
```

Use instead
```dockerfile
FROM python:3.12-slim
COPY app.py /app/
CMD ["python", "/app/app.py"]
```

If the build needs a compiler (for example `pip install` of a package without wheels), compile in a build
stage on the full image and copy the result into the slim one. Compiler and SDK bases (`golang`, JDKs, ...)
are reported by SL401 instead, and so is `node` when the image runs a build step. Only the base of the image
being built (the target) is checked. A JDK base (`eclipse-temurin:21-jdk`, `openjdk:17`) in a final stage
that compiles no Java is noted here too, with the JRE's size: SL401 gives the same advice as a warning.
"""

from __future__ import annotations

import re

from dockerlint_slim.diagnostics import Finding, Fix
from dockerlint_slim.knowledge.base_images import MB, compiler_family, parse_image, smaller_variant
from dockerlint_slim.knowledge.build_tools import compiles_java, node_build_step
from dockerlint_slim.options import Integer

ID = "SL403"
NAME = "heavy-base-image"
SEVERITY = "info"
SUMMARY = "The final base image has a much smaller official variant"
TAGS = ("base-image", "size")
OPTIONS = {"min_saving_mb": Integer(40, "smallest saving (uncompressed MB) worth a note")}


def check(target):
    final = target.dockerfile.target_stage()
    if final is None or not final.reaches_image:
        return
    root = list(final.lineage())[-1]
    ref = parse_image(final.base_image)
    if ref is None or ref.unresolved or (ref.digest and not ref.tag) or _has_unset_arg(target.dockerfile, root):
        return  # an unknown tag may well be the slim one
    family = compiler_family(ref)
    if family is not None and not (family.key in _JDK and not compiles_java(final)):
        return  # SL401 reports compiler/SDK bases with the multi-stage fix; a JDK that only runs Java needs a JRE
    if ref.name == "node" and node_build_step(final) is not None:
        return  # SL401 again
    if "onbuild" in ref.tag_or_latest.lower():
        return  # the deprecated `onbuild` tags have no slim/alpine twin (`node:onbuild-slim` does not exist)
    smaller = smaller_variant(ref)
    if smaller is None or smaller.saved_uncompressed_mb < target.options["min_saving_mb"]:
        return
    current, lighter = smaller.current, smaller.smaller
    suggestion = f"{lighter.name}:{smaller.suggested_tag}"
    caveat = " (musl libc: check that native dependencies work)" if lighter.variant == "alpine" else ""
    message = (
        f"`{ref}` is about {current.uncompressed_mb} MB uncompressed ({current.compressed_mb} MB to pull); "
        f"`{suggestion}` is about {lighter.uncompressed_mb} MB ({lighter.compressed_mb} MB): "
        f"~{smaller.saved_uncompressed_mb} MB less. Use `{suggestion}`{caveat} and install only the packages "
        "the program needs"
    )
    yield Finding(
        root.from_instruction.span,
        message,
        wasted_bytes=smaller.saved_uncompressed_mb * MB,
        fix=Fix(f"Use {suggestion} as the base image"),
        properties={"estimate": True, "suggestedImage": suggestion},
    )


_JDK = frozenset({"openjdk", "eclipse-temurin"})  # the JDK images the size table knows a JRE for
_VAR = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)[^}]*\}|([A-Za-z_][A-Za-z0-9_]*))")


def _has_unset_arg(dockerfile, stage) -> bool:
    """`FROM python:${PY}` with `ARG PY` and no default: the tag comes from --build-arg and is unknown here."""
    for match in _VAR.finditer(stage.from_instruction.image):
        if re.match(r"\$\{\w+:?-", match.group(0)):
            continue  # `${PY:-3.12}` says which tag is meant when none is passed
        if dockerfile.global_args.get(match.group(1) or match.group(2)) is None:
            return True
    return False
