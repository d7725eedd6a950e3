"""What it does
Notes when the final image's base has a much smaller official variant: `python:3.12` vs `python:3.12-slim`,
`node:20` vs `node:20-slim`, `ruby`, `perl`, `debian:bookworm` vs `debian:bookworm-slim`, `nginx` vs
`nginx:alpine`, a JDK vs a JRE, ... The suggested tag is one the official image really published (looked up in
the tag lists of docker-library/official-images, shipped with slimlint): `nginx:1.25-perl` gets
`nginx:1.25-alpine-perl`, `perl:5.38-threaded` gets `perl:5.38-slim-threaded`, `debian:bookworm-backports` gets
nothing because no slim twin exists. The sizes are approximate linux/amd64 figures from an offline table, not
measurements: the message says "about" and the finding marks its figure as an estimate.

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
stage on the full image and copy the result into the slim one. When the file runs programs that the smaller
image lacks (`git`, `curl`, `gcc` ... are in the full `python`/`node`/`ruby` images, not in their `-slim` tags),
the advice says to install them. An Alpine tag is suggested only when the file uses no Debian tools (`apt-get`,
`dpkg`): an `alpine` base has neither. Compiler and SDK bases (`golang`, ...) are reported by SL401 instead, and
so is `node` when the image runs a build step. Only the base of the image being built (the target) is checked.
A JDK base (`eclipse-temurin:21-jdk`, `openjdk:17`) in a final stage that compiles no Java is noted here too,
with the JRE's size; SL401 gives the same JRE (the same lookup) as a warning. Neither claims the JRE is certainly
enough (a server may use the JDK at run time, which the Dockerfile does not show): the advice names the exceptions,
and an image that runs a JDK tool (`jcmd`, `jstack`, `jshell` ...) is not reported.

Not reported: images whose command is a build tool or that are made to develop in (an interactive shell or
interpreter prompt, `sleep infinity`, `tail -f /dev/null`, a development entrypoint script), and images without a
CMD/ENTRYPOINT of their own whose base runs no service (base images for other images, dev containers, toolbox
images): their full base is chosen on purpose.

Fix
`--fix --unsafe-fixes` changes the `FROM` to the suggested published tag, keeping the registry or mirror the file
names. It is unsafe: the image then lacks the packages the full variant had. No fix for an Alpine suggestion
(another C library), when the smaller image lacks a program the file runs, or for an image pinned by digest.

Known limits
- Sizes are approximate figures of recent tags, not measured for the tag in the file.
- Whether `pip install`, `npm install` or `gem install` need the compilers of the full image (packages without
  binary wheels, native modules) is not visible: the advice names the build-stage fix instead.
- Only official Docker Hub images are known; tags of other registries are never guessed.
"""

from __future__ import annotations

import posixpath
import re

from dockerlint_slim.diagnostics import UNSAFE, Finding, Fix
from dockerlint_slim.fixes.edits import replace_image
from dockerlint_slim.knowledge.base_images import (
    JDK_IMAGES,
    MB,
    PACKAGE_PROGRAMS,
    compiler_family,
    missing_in_variant,
    parse_image,
    smaller_variant,
)
from dockerlint_slim.knowledge.build_tools import (
    compiles_java,
    default_command,
    image_purpose,
    node_build_step,
    uses_jdk_tools,
)
from dockerlint_slim.knowledge.package_managers import INSTALL, package_call
from dockerlint_slim.model.queries import image_runs
from dockerlint_slim.options import Integer
from dockerlint_slim.shell.argv import program_argv

ID = "SL403"
NAME = "heavy-base-image"
SEVERITY = "info"
SUMMARY = "The final base image has a much smaller official variant"
TAGS = ("base-image", "size")
OPTIONS = {"min_saving_mb": Integer(40, "smallest saving (uncompressed MB) worth a note")}
FIX = "unsafe"  # a different base image: what the image contains changes

# Programs that exist only on Debian-family images: an Alpine base breaks a file that runs them.
_DEBIAN_TOOLS = frozenset({"apt-get", "apt", "aptitude", "dpkg", "dpkg-reconfigure", "apt-key", "apt-mark",
                           "add-apt-repository", "debconf-set-selections", "dpkg-divert", "update-alternatives",
                           "apt-cache", "gdebi"})


def check(target):
    dockerfile = target.dockerfile
    final = dockerfile.target_stage()
    if final is None or not final.reaches_image:
        return
    root = list(final.lineage())[-1]
    ref = parse_image(final.base_image)
    if ref is None or ref.unresolved or (ref.digest and not ref.tag) or _has_unset_arg(dockerfile, root):
        return  # an unknown tag may well be the slim one
    family = compiler_family(ref)
    if family is not None and not (family.key in JDK_IMAGES and not compiles_java(final)):
        return  # SL401 reports compiler/SDK bases with the multi-stage fix; a JDK that only runs Java needs a JRE
    if family is not None and uses_jdk_tools(final):
        return  # the image runs the JDK's own tools (jcmd, jstack, ...): a JRE would not do
    if ref.name == "node" and node_build_step(final) is not None:
        return  # SL401 again
    if image_purpose(final, dockerfile.path).kind != "program":
        return  # a build or development image, or a base for other images: the full base is chosen on purpose
    programs = _programs_run(dockerfile)
    glibc = _needs_glibc(dockerfile, programs)
    smaller = smaller_variant(ref, alpine=glibc is None)
    if smaller is None or smaller.saved_uncompressed_mb < target.options["min_saving_mb"]:
        return
    current, lighter = smaller.current, smaller.smaller
    suggestion = smaller.suggested_image
    message = (f"`{ref}` is about {current.uncompressed_mb} MB; `{suggestion}` is about {lighter.uncompressed_mb} MB "
               f"(~{smaller.saved_uncompressed_mb} MB less, estimated)")
    advice = f"Use `FROM {suggestion}`"
    if family is not None:  # a JDK that compiles nothing here: whether the program needs it at run time is not visible
        advice = f"Unless the program uses the JDK at run time (javac, jcmd, jstack, the attach API), use `FROM {suggestion}`"
    if lighter.variant == "alpine":
        advice += " (musl libc: check that native dependencies work)"
    missing = sorted(missing_in_variant(ref, lighter.variant, programs) - _installed(dockerfile))
    if missing:
        shown = ", ".join(f"`{name}`" for name in missing)
        advice += (f"; it may not have {shown}, which this file needs: install "
                   f"{'it' if len(missing) == 1 else 'them'} there")
    advice += (". Install only the packages the program needs; compile in a build stage on the full image if "
               "a dependency needs a compiler")
    yield Finding(
        root.from_instruction.span,
        message,
        wasted_bytes=smaller.saved_uncompressed_mb * MB,
        fix=Fix(advice, _edits(dockerfile, root, ref, smaller, missing), UNSAFE),
        properties={"estimate": "approximate image sizes", "suggestedImage": suggestion, "missingPrograms": missing},
    )


def _edits(dockerfile, root, ref, smaller, missing) -> tuple:
    """`FROM` the suggested published tag, written the way the file names the image (its registry or mirror kept).
    Not for an Alpine suggestion (another libc: native code may break), when the smaller image lacks a program
    the file runs, or for a reference pinned by digest."""
    if smaller.smaller.variant == "alpine" or missing or ref.digest:
        return ()
    written = root.from_instruction.image
    if smaller.smaller.name == ref.name:
        base = written.rsplit(":", 1)[0] if ref.tag is not None else written
        image = f"{base}:{smaller.suggested_tag}"
    elif "/" not in written:
        image = smaller.suggested_image  # another official image (a JRE for a JDK)
    else:
        return ()
    return tuple(replace_image(dockerfile, root.from_instruction, image) or ())


def _programs_run(dockerfile) -> set[str]:
    """Base names of the programs the RUNs of the image's stages call, and its HEALTHCHECK's first program."""
    found: set[str] = set()
    for _stage, run in image_runs(dockerfile):
        for command in run.commands:
            argv = program_argv(command)
            if argv:
                found.add(posixpath.basename(argv[0]))
    final = dockerfile.target_stage()
    command = default_command(final) if final is not None else None
    if any(word.endswith(".sh") for word in (command or ())[:4]) or any(p.endswith(".sh") for p in found):
        found.add("bash")  # a shell script of the project: many are `#!/bin/bash`, which Alpine images lack
    for stage in final.lineage() if final is not None else ():
        for instruction in stage.instructions:
            if instruction.keyword == "HEALTHCHECK":
                words = list(instruction.args)
                if words[:1] == ["CMD"] and len(words) > 1 and words[1].split():
                    found.add(posixpath.basename(words[1].split()[0]))  # shell form: one string
    return found


# Words of a file name or image tag that say the image is (or copies binaries built for) a glibc distribution.
_GLIBC_WORDS = frozenset({"debian", "ubuntu", "glibc", "bookworm", "bullseye", "buster", "stretch", "jessie",
                          "trixie", "jammy", "focal", "noble", "bionic", "xenial"})


def _needs_glibc(dockerfile, programs: set[str]) -> str | None:
    """Why an Alpine (musl) base would break this file, or None: it runs Debian tools (`apt-get`, `dpkg`), it is
    the Debian flavour of an image (`Dockerfile.debian`), or it copies programs from a glibc image or stage."""
    debian_tools = sorted(programs & _DEBIAN_TOOLS)
    if debian_tools:
        return f"it runs `{debian_tools[0]}`"
    name = posixpath.basename(dockerfile.path or "")
    if any(word in _GLIBC_WORDS for word in re.split(r"[-_.]", name.lower())):
        return f"its file `{name}` is a Debian flavour"
    final = dockerfile.target_stage()
    for stage in final.lineage() if final is not None else ():
        for instruction in stage.instructions:
            source = getattr(instruction, "from_", None)
            if instruction.keyword != "COPY" or not source:
                continue
            origin = dockerfile.stage_named(source)
            image = list(origin.lineage())[-1].base_image if origin is not None else source
            tag = image.rsplit(":", 1)[-1].lower() if ":" in image.rsplit("/", 1)[-1] else ""
            if any(word in _GLIBC_WORDS for word in re.split(r"[-_.@]", tag)):
                return f"it copies programs from `{image}`"
    return None


def _installed(dockerfile) -> set[str]:
    """Programs the file's package installs provide: one installed here is not missing from the smaller base."""
    found: set[str] = set()
    for _stage, run in image_runs(dockerfile):
        for command in run.commands:
            call = package_call(program_argv(command))
            if call is not None and call.action == INSTALL:
                for package in call.packages:
                    found.add(package)
                    found.update(PACKAGE_PROGRAMS.get(package, ()))
    return found


_VAR = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)[^}]*\}|([A-Za-z_][A-Za-z0-9_]*))")


def _has_unset_arg(dockerfile, stage) -> bool:
    """`FROM python:${PY}` with `ARG PY` and no default: the tag comes from --build-arg and is unknown here."""
    for match in _VAR.finditer(stage.from_instruction.image):
        if re.match(r"\$\{\w+:?-", match.group(0)):
            continue  # `${PY:-3.12}` says which tag is meant when none is passed
        if dockerfile.global_args.get(match.group(1) or match.group(2)) is None:
            return True
    return False

