r"""What it does
Flags compilers, build tools and development packages installed in a stage that reaches the image and not
removed in the same `RUN`: `build-essential`, `gcc`, `g++`/`gcc-c++`, `clang`, `make`, `cmake`, `autoconf`,
`automake`, `libtool`, `build-base`, `alpine-sdk`, `*-dev` (apt, apk), `*-devel` (yum/dnf/zypper) and the
"Development Tools" group, installed with apt-get/apt, apk, yum, dnf, microdnf, tdnf or zypper.

Not flagged when the same `RUN` removes them after building: `apk del` of the package or of the `--virtual`
group that holds it, `apt-get purge`/`remove` (e.g. `apt-get purge -y --auto-remove gcc`), the docker-library
pattern `apt-mark auto '.*'` ... `apt-get purge -y --auto-remove`, or `yum`/`dnf remove`. Also not flagged when
the image's `ENTRYPOINT`/`CMD` runs one of these tools, or its only command is an interactive shell
(`CMD ["/bin/zsh"]`): a build or development environment. Only stages that reach the
image are checked: a toolchain in a build stage whose output is copied with `COPY --from` is the right pattern.
Packages that the base image already ships are not reported either: the full (non-slim) `python`, `node`,
`ruby` and `perl` images are built on `buildpack-deps`, which already contains gcc, make and the common -dev
libraries, so installing them again adds nothing (SL401/SL403 report the heavy base instead).

Why is this bad?
A C toolchain is big (`build-essential` is about 200 MB on Debian, `build-base` about 200 MB on Alpine) and the
program that runs in the container does not need it once it is built. Removing it in a later `RUN` does not
help: the files stay in the earlier layer.

Example
```dockerfile
FROM python:3.12-slim
RUN apt-get update && apt-get install -y --no-install-recommends gcc libpq-dev \
 && pip install --no-cache-dir psycopg2 && rm -rf /var/lib/apt/lists/*
```

Use instead
```dockerfile
FROM python:3.12-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends gcc libpq-dev
RUN pip wheel --no-cache-dir --wheel-dir /wheels psycopg2

FROM python:3.12-slim
RUN apt-get update && apt-get install -y --no-install-recommends libpq5 && rm -rf /var/lib/apt/lists/*
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*
```

or on Alpine: `apk add --no-cache --virtual .build-deps gcc musl-dev && ... && apk del .build-deps`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from dockerlint_slim.diagnostics import Finding, Fix
from dockerlint_slim.knowledge.package_managers import (
    APK,
    APT,
    AUTOREMOVE,
    INSTALL,
    REMOVE,
    RPM,
    ZYPPER,
    package_call,
)
from dockerlint_slim.model import Instruction
from dockerlint_slim.model.queries import commands_after, image_runs
from dockerlint_slim.shell.argv import operands, program_argv

ID = "SL402"
NAME = "build-toolchain-in-final-image"
SEVERITY = "warning"
SUMMARY = "Compilers and -dev packages installed in the final image and never removed"
TAGS = ("toolchain", "packages")

TOOLCHAIN = re.compile(
    r"^(build-essential|build-base|alpine-sdk|gcc(-c\+\+)?(-\d+(\.\d+)*)?|g\+\+(-\d+(\.\d+)*)?|c\+\+|"
    r"clang(-\d+(\.\d+)*)?|gfortran(-\d+)?|make|cmake|autoconf|automake|libtool|devel_basis|"
    r"@development-tools|@development|@?\"?development tools\"?|"
    r".+-dev|.+-devel)$",
    re.IGNORECASE,
)
# -dev packages that depend on a whole compiler toolchain (r-base-dev pulls build-essential and gfortran).
TOOLCHAIN_METAPACKAGES = frozenset({"r-base-dev"})
TOOL_PROGRAMS = frozenset({"gcc", "g++", "cc", "c++", "clang", "clang++", "make", "cmake", "gfortran"})

# Bases that are build environments by design: a toolchain on top of them is their purpose (SL401 reports the base).
SDK_BASES = frozenset({"buildpack-deps", "gcc", "golang", "rust", "haskell", "swift"})
# Commands that compile with the installed toolchain. A toolchain that nothing in the image uses is what the
# image is for (`FROM debian` + `apt-get install gcc` as a compiler image): not reported, precision first.
BUILDERS = frozenset({"make", "gmake", "cmake", "gcc", "cc", "g++", "c++", "clang", "configure", "autoreconf",
                      "meson", "ninja", "cargo", "cpanm", "pecl", "docker-php-ext-install", "phpize", "node-gyp",
                      "bundle", "gem", "npm", "yarn", "pnpm", "bun", "R", "go"})
# Official images built FROM buildpack-deps (full variants only): gcc, make and these -dev packages are already
# in the base, so an `apt-get install` of them adds no bytes; the weight is the base's (SL401/SL403 say so).
BUILDPACK_BASED = frozenset({"python", "node", "ruby", "perl", "buildpack-deps", "erlang", "elixir"})
BUILDPACK_PACKAGES = frozenset({
    "autoconf", "automake", "build-essential", "dpkg-dev", "g++", "gcc", "libtool", "make", "patch",
    "default-libmysqlclient-dev", "libbz2-dev", "libc-dev", "libc6-dev", "libcurl4-openssl-dev", "libdb-dev",
    "libevent-dev", "libffi-dev", "libgdbm-dev", "libgdbm-compat-dev", "libglib2.0-dev", "libgmp-dev",
    "libjpeg-dev", "libjpeg62-turbo-dev", "libkrb5-dev", "liblzma-dev", "libmagickcore-dev", "libmagickwand-dev",
    "libmaxminddb-dev", "libmysqlclient-dev", "libncurses-dev", "libncurses5-dev", "libncursesw5-dev",
    "libpng-dev", "libpq-dev", "libreadline-dev", "libsqlite3-dev", "libssl-dev", "libwebp-dev", "libxml2-dev",
    "libxslt-dev", "libxslt1-dev", "libyaml-dev", "zlib1g-dev",
})
_PIP = re.compile(r"^pip\d*(\.\d+)?$")
_PYTHON = re.compile(r"^python\d*(\.\d+)?$")


@dataclass
class Install:
    manager: str
    packages: list[str]
    group: str | None = None  # apk --virtual NAME
    variables: set[str] = field(default_factory=set)  # `$buildDeps` words given to the install


def parse_install(argv: tuple[str, ...]) -> Install | None:
    call = package_call(argv)
    if call is None or call.manager not in (APT, APK, RPM, ZYPPER) or call.action != INSTALL or call.simulated:
        return None
    if call.manager is APT and call.command != ("install",):
        return None
    group = call.option("--virtual", "-t") if call.manager is APK else None
    return Install(call.argv[0], list(call.packages), group, set(call.variables))


def _removed_packages(argv: tuple[str, ...]) -> tuple[set[str], bool] | None:
    """(names/$vars removed, auto_remove) for a removal command, else None."""
    call = package_call(argv)
    if call is None or call.manager not in (APT, APK, RPM, ZYPPER) or call.action not in (REMOVE, AUTOREMOVE):
        return None
    names = set(call.packages) | set(call.variables)
    if call.manager is APK:
        return names, False
    return names, call.action == AUTOREMOVE or (call.manager is APT and call.auto_remove)


def _removed_later(run, command, install: Install) -> set[str]:
    """The toolchain packages of `install` that the rest of the RUN removes."""
    removed: set[str] = set()
    marked_auto = False
    for later in commands_after(run, command):
        argv = program_argv(later)
        if argv[:2] == ("apt-mark", "auto"):
            marked_auto = True  # docker-library: everything new becomes auto-installed, purged below
            continue
        result = _removed_packages(argv)
        if result is None:
            continue
        names, auto = result
        if (marked_auto and auto) or (install.group and install.group in names) or (install.variables & names):
            return set(install.packages)
        removed |= names & set(install.packages)
    return removed


def _image_runs_tool(dockerfile) -> bool:
    """ENTRYPOINT/CMD of the target stage starts a compiler or make: the toolchain is what the image is for."""
    target = dockerfile.target_stage()
    if target is None:
        return False
    for stage in target.lineage():
        for instruction in reversed(stage.instructions):
            if isinstance(instruction, Instruction) and instruction.keyword in ("ENTRYPOINT", "CMD"):
                words = list(instruction.args)
                programs = [w.rsplit("/", 1)[-1] for w in words[:1]]
                if words[:2] and words[0] in ("sh", "/bin/sh", "bash", "/bin/bash") and len(words) > 2:
                    programs.append(words[2].split()[0].rsplit("/", 1)[-1] if words[2].split() else "")
                if any(p in TOOL_PROGRAMS for p in programs):
                    return True
    return False


SHELLS = frozenset({"bash", "sh", "zsh", "fish"})


def _interactive_shell_image(dockerfile) -> bool:
    """The image's default command is a bare interactive shell (`CMD ["/bin/zsh"]`, no ENTRYPOINT): a development
    box whose toolchain is its purpose (SL401 treats such images alike)."""
    from dockerlint_slim.knowledge.build_tools import last_instruction

    target = dockerfile.target_stage()
    if target is None or last_instruction(target, "ENTRYPOINT") is not None:
        return False
    cmd = last_instruction(target, "CMD")
    if cmd is None:
        return False
    words = list(cmd.args) if cmd.json_form else cmd.arguments.split()
    return bool(words) and words[0].rsplit("/", 1)[-1] in SHELLS and all(
        w in ("-l", "--login", "-i") for w in words[1:])


def _builds(argv: tuple[str, ...]) -> bool:
    if not argv:
        return False
    name = argv[0]
    if name in BUILDERS or name.startswith("./configure") or name.endswith("/configure"):
        if name in ("npm", "yarn", "pnpm", "bun", "gem", "bundle", "go"):
            words = operands(argv[1:])
            return bool(words) and words[0] in ("install", "i", "ci", "add", "rebuild", "build", "get") or (
                name == "yarn" and not words)
        return True
    if _PIP.match(name):
        return "install" in argv or "wheel" in argv
    if _PYTHON.match(name):
        return ("-m" in argv and "pip" in argv) or any(a.endswith("setup.py") for a in argv)
    return False


def _sdk_base(stage) -> bool:
    image = stage.base_image.lower().split("@")[0]
    name = image.rsplit("/", 1)[-1].split(":")[0]
    return name in SDK_BASES


def _base_ships(stage) -> frozenset[str]:
    """Toolchain packages the stage's base image already contains (full buildpack-deps based images)."""
    from dockerlint_slim.knowledge.base_images import parse_image, variant_of

    root = list(stage.lineage())[-1]
    ref = parse_image(root.base_image or "")
    if ref is None or ref.name not in BUILDPACK_BASED or variant_of(ref) != "full":
        return frozenset()
    if ref.name == "buildpack-deps" and any(word in ref.tag_or_latest.lower() for word in ("curl", "scm")):
        return frozenset()
    return BUILDPACK_PACKAGES


def check(target):
    dockerfile = target.dockerfile
    if _image_runs_tool(dockerfile) or _interactive_shell_image(dockerfile):
        return
    image_commands = [(run, c) for _s, run in image_runs(dockerfile) for c in run.commands]
    for stage, run in image_runs(dockerfile):
        if _sdk_base(stage):
            continue
        reported: set[str] = set()  # a package installed twice in one RUN (if/else branches) is named once
        for command in run.commands:
            install = parse_install(program_argv(command))
            if install is None:
                continue
            shipped = _base_ships(stage) if install.manager in ("apt-get", "apt", "aptitude") else frozenset()
            tools = [p for p in install.packages if TOOLCHAIN.match(p) and p.lower() not in shipped]
            if not tools:
                continue
            kept = [p for p in tools if p not in _removed_later(run, command, install) and p not in reported]
            if not kept:
                continue
            position = next(i for i, (_r, c) in enumerate(image_commands) if c is command)
            if not any(_builds(program_argv(c)) for _r, c in image_commands[position + 1 :]):
                continue
            reported.update(kept)
            shown = ", ".join(kept[:6]) + (f" and {len(kept) - 6} more" if len(kept) > 6 else "")
            if install.manager == "apk":
                undo = "`apk add --virtual .build-deps ...` and `&& apk del .build-deps` at the end of this RUN"
            elif install.manager in ("apt-get", "apt", "aptitude"):
                # --auto-remove also drops libraries that only the -dev packages pulled in (libpq5 for
                # libpq-dev): say to pin the ones the program needs.
                undo = ("`&& apt-get purge -y --auto-remove " + " ".join(kept[:3]) + "` at the end of this RUN "
                        "(`apt-mark manual` the runtime libraries you keep first)")
            else:
                undo = f"`&& {install.manager} remove -y " + " ".join(kept[:3]) + "` at the end of this RUN"
            if all(p.lower().endswith(("-dev", "-devel")) and p.lower() not in TOOLCHAIN_METAPACKAGES for p in kept):
                # Headers alone are not a compiler: say what they really weigh.
                what = (f"development packages ({shown}) installed at line {command.span.line} stay in the final "
                        "image (headers and static libraries the program does not need at run time, typically a "
                        "few MB each with their dependencies)")
            else:
                what = (f"build toolchain ({shown}) installed at line {command.span.line} stays in the final image "
                        "(a C toolchain is typically 100-250 MB)")
            yield Finding(
                command.span,
                f"{what}; build in a separate stage and `COPY --from` only the "
                f"result, or remove it after the build with {undo}",
                fix=Fix("Move the build into its own stage, or remove the build packages in the same RUN"),
                properties={"packages": kept},
            )
