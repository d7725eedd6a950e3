r"""What it does
Flags compilers, build tools and development packages installed in a stage that reaches the image and not
removed in the same `RUN`: `build-essential`, `gcc`, `g++`/`gcc-c++`, `clang`, `make`, `cmake`, `autoconf`,
`automake`, `libtool`, `build-base`, `alpine-sdk`, `*-dev` (apt, apk), `*-devel` (yum/dnf/zypper) and the
"Development Tools" group, installed with apt-get/apt, apk, yum, dnf, microdnf, tdnf or zypper, when a later
command of the image builds with them (`make`, `pip install`, `npm install`, `docker-php-ext-install`, ...).

Not flagged when the same `RUN` removes them after building: `apk del` of the package or of the `--virtual`
group that holds it, `apt-get purge`/`remove` (e.g. `apt-get purge -y --auto-remove gcc`), the docker-library
pattern `apt-mark auto '.*'` ... `apt-get purge -y --auto-remove`, or `yum`/`dnf remove`. A metapackage
(`build-essential`, `gcc`, `python3-dev`) removed without `--auto-remove` (and no `apt-get autoremove` after it)
is still flagged: apt removes only the metapackage, and the compilers it pulled in stay (measured on
`debian:bookworm`: removing `build-essential` frees 356 kB of its 324 MB). Packages installed outside a build
group that the same `RUN` removes (`apk add --virtual .build-deps gcc ... && apk add iptables-dev ... &&
apk del .build-deps`) are kept on purpose and not flagged.

Only images that run a program of their own are checked: not images whose command is a build tool (`make`,
`go.bash`), development and CI images (an interactive shell or interpreter as command, in any form:
`CMD ["/bin/bash"]`, `CMD "/bin/bash"`, `CMD bash -l`; `sleep infinity`, `tail -f /dev/null`; a development
entrypoint script; files under `ci/`, `tests/`, `.devcontainer/`, `Dockerfile.dev`; images that install Jupyter,
code-server or PHP's Xdebug/PCOV, an SSH server with tmux/screen (an environment to log into), or Xvfb with no CMD
of their own (browser-test images)), build-environment images (a command that runs a build: `make`, `bundle
install`, a script named build/compile such as `ENTRYPOINT ["/usr/bin/build"]` or `scutil emu /bin/build`; files
under a `builders/` folder), images built on a compiler, SDK or CUDA `-devel` image (SL401 reports the
compiler image), images that install nvcc (it compiles kernels at run time with the C toolchain), and images
with no CMD/ENTRYPOINT of their own whose base runs no service (CI environments, cross-compile and base images)
unless they compile a program of their own here. Only stages that reach the image are checked: a toolchain in
a build stage whose output is copied with `COPY --from` is the right pattern. Packages that the base image
already ships are not reported either: the full (non-slim) `python`, `node`, `ruby` and `perl` images are built
on `buildpack-deps`, which already contains gcc, make and the common -dev libraries, so installing them again
adds nothing (SL401/SL403 report the heavy base instead).

Why is this bad?
A C toolchain is big (`build-essential` adds 324 MB to `debian:bookworm`, measured with `apt-get install -y
--no-install-recommends build-essential` in a podman build; four common `-dev` packages, `libpq-dev libssl-dev
libffi-dev zlib1g-dev`, add 16.8 MB more) and the program that runs in the container does not need it once it
is built. Removing it in a later `RUN` does not help: the files stay in the earlier layer.

Example
```dockerfile
FROM python:3.12-slim
RUN apt-get update && apt-get install -y --no-install-recommends gcc libpq-dev \
 && pip install --no-cache-dir psycopg2 && rm -rf /var/lib/apt/lists/*
CMD ["python", "app.py"]
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
CMD ["python", "app.py"]
```

or on Alpine: `apk add --no-cache --virtual .build-deps gcc musl-dev && ... && apk del .build-deps`.

Known limits
- A program that compiles at run time (pip-installing its users' requirements when it starts, an entrypoint
  script that runs `bundle install` for plugins, JIT compilers other than nvcc) needs its toolchain; that is only
  visible in comments or in scripts the linter does not read.
- Development environments that show none of the signals above (a dev image named like a production one) are
  reported.
- Images without a command of their own are assumed to be environments or bases: an app whose command is given
  by docker compose or Kubernetes and that compiles nothing itself is not checked.
- The size of the packages left behind is not quoted per finding (it depends on the distribution and on what the
  base already holds).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dockerlint_slim.diagnostics import Finding, Fix
from dockerlint_slim.knowledge.base_images import buildpack_packages, development_base, parse_image
from dockerlint_slim.knowledge.build_tools import (
    APT_METAPACKAGES,
    CUDA_COMPILER_PACKAGES,
    JIT_COMPILING_PACKAGES,
    JIT_TOOLCHAIN_PACKAGES,
    DEPENDS_ON_TOOLCHAIN,
    TOOLCHAIN_PACKAGES,
    builds_native_code,
    compiles_program,
    image_purpose,
)
from dockerlint_slim.knowledge.package_managers import (
    APK,
    APT,
    AUTOREMOVE,
    INSTALL,
    REMOVE,
    RPM,
    ZYPPER,
    expand_words,
    package_call,
    variables_at,
)
from dockerlint_slim.model.queries import commands_after, image_runs
from dockerlint_slim.shell.argv import program_argv

ID = "SL402"
NAME = "build-toolchain-in-final-image"
SEVERITY = "warning"
SUMMARY = "Compilers and -dev packages installed in the final image and never removed"
TAGS = ("toolchain", "packages")

# Bases that are build environments by design: a toolchain on top of them is their purpose (SL401 reports the base).
SDK_BASES = frozenset({"buildpack-deps", "gcc", "golang", "rust", "haskell", "swift"})


@dataclass
class Install:
    manager: str
    packages: list[str]
    group: str | None = None  # apk --virtual NAME
    variables: set[str] = field(default_factory=set)  # `$buildDeps` words given to the install


def parse_install(argv: tuple[str, ...], lookup=None) -> Install | None:
    """The packages an install command names. `lookup` expands a variable inside a package name
    (`python${PYTHON_VERSION}-devel`); a whole `$buildDeps`/`$PHPIZE_DEPS` word stays a variable: a list the
    author named and manages as a group (the php image keeps `$PHPIZE_DEPS` on purpose)."""
    call = package_call(argv)
    if call is None or call.manager not in (APT, APK, RPM, ZYPPER) or call.action != INSTALL or call.simulated:
        return None
    if call.manager is APT and call.command != ("install",):
        return None
    group = call.option("--virtual", "-t") if call.manager is APK else None
    packages = [w for p in call.packages
                for w in ((expand_words((p,), lookup) or (p,)) if lookup is not None and "$" in p else (p,))]
    return Install(call.argv[0], packages, group, set(call.variables))


def _removed_packages(argv: tuple[str, ...]) -> tuple[set[str], bool] | None:
    """(names/$vars removed, auto_remove) for a removal command, else None."""
    call = package_call(argv)
    if call is None or call.manager not in (APT, APK, RPM, ZYPPER) or call.action not in (REMOVE, AUTOREMOVE):
        return None
    names = set(call.packages) | set(call.variables)
    if call.manager is APK:
        return names, False
    return names, call.action == AUTOREMOVE or (call.manager is APT and call.auto_remove)


@dataclass
class _Removal:
    removed: set[str] = field(default_factory=set)  # packages of the install that the rest of the RUN removes
    meta_removed: set[str] = field(default_factory=set)  # metapackages removed alone: their dependencies stay
    meta_command: str = ""
    keeps_on_purpose: bool = False  # the RUN removes another install's build group and keeps this one


def _removal_after(run, command, install: Install) -> _Removal:
    """What the rest of the RUN removes of `install`."""
    result = _Removal()
    packages = set(install.packages)
    # Groups and variables other installs of this RUN name (`apk add --virtual .build-deps`, `$buildDeps`).
    other_groups: set[str] = set()
    for other in run.commands:
        if other is command:
            continue
        parsed = parse_install(program_argv(other))
        if parsed is not None and parsed.manager == install.manager:
            other_groups |= ({parsed.group} if parsed.group else set()) | parsed.variables
    marked_auto = False
    later_commands = list(commands_after(run, command))
    for index, later in enumerate(later_commands):
        argv = program_argv(later)
        if argv[:2] == ("apt-mark", "auto"):
            marked_auto = True  # docker-library: everything new becomes auto-installed, purged below
            continue
        removal = _removed_packages(argv)
        if removal is None:
            continue
        names, auto = removal
        if (marked_auto and auto) or (install.group and install.group in names) or (install.variables & names):
            result.removed = packages
            return result
        if names & (other_groups - ({install.group} | install.variables)):
            # The build dependencies went into a group that is removed here; the packages installed outside it
            # are the ones the author keeps for run time (python-iptables loads libxtables.so from iptables-dev).
            result.keeps_on_purpose = True
            return result
        hit = names & packages
        if install.manager in ("apt-get", "apt", "aptitude") and not auto:
            metas = {p for p in hit if p in APT_METAPACKAGES}
            if metas and not any(_autoremoves(program_argv(c)) for c in later_commands[index + 1 :]):
                result.meta_removed |= metas
                call = package_call(argv)
                result.meta_command = " ".join((argv[0], call.subcommand if call else "remove", *sorted(metas)))
                hit -= metas
        result.removed |= hit
    return result


def _autoremoves(argv: tuple[str, ...]) -> bool:
    removal = _removed_packages(argv)
    return removal is not None and removal[1]


def _removed_build_groups(image_commands) -> set[str]:
    """Package managers whose build groups (`apk add --virtual .build-deps` ... `apk del .build-deps`, `$buildDeps`)
    a RUN of the image installs and removes again."""
    managers: set[str] = set()
    for run, command in image_commands:
        install = parse_install(program_argv(command))
        if install is None or not (install.group or install.variables):
            continue
        for later in commands_after(run, command):
            removal = _removed_packages(program_argv(later))
            if removal is not None and ({install.group} | install.variables) & removal[0]:
                managers.add(install.manager)
    return managers


def _builds_kernel_modules(argv: tuple[str, ...]) -> bool:
    install = parse_install(argv)
    if install is None:
        return False
    names = set(install.packages)
    # `linux-headers-amd64`/`linux-headers-$(uname -r)` (Debian) and `kernel-devel` are the kernel's build tree;
    # Alpine's plain `linux-headers` are only the userspace API headers.
    return "dkms" in names or any(p.startswith(("linux-headers-", "kernel-devel")) for p in names) or (
        "kmod" in names and "libelf-dev" in names)


def _installs_jit_compiler(argv: tuple[str, ...]) -> bool:
    call = package_call(argv)
    return call is not None and call.manager.name in ("pip", "uv", "conda") and call.action == INSTALL and any(
        JIT_COMPILING_PACKAGES.match(p.lower()) for p in call.packages)


def _installs_cuda_compiler(argv: tuple[str, ...]) -> bool:
    install = parse_install(argv)
    return install is not None and any(CUDA_COMPILER_PACKAGES.match(p) for p in install.packages)


def _sdk_base(stage) -> bool:
    root = parse_image(list(stage.lineage())[-1].base_image or "")
    return root is not None and (root.name in SDK_BASES or development_base(root))


def _base_ships(stage) -> frozenset[str]:
    """Toolchain packages the stage's base image already contains (full buildpack-deps based images)."""
    root = parse_image(list(stage.lineage())[-1].base_image or "")
    return buildpack_packages(root) if root is not None else frozenset()


def check(target):
    dockerfile = target.dockerfile
    final = dockerfile.target_stage()
    if final is None:
        return
    purpose = image_purpose(final, dockerfile.path)
    if purpose.kind in ("toolchain", "development"):
        return  # a build or development image: the toolchain is what it is for
    if purpose.kind == "none" and not compiles_program(final):
        return  # no command of its own and no program compiled here: a CI environment or a base for other images
    image_commands = [(run, c) for _s, run in image_runs(dockerfile) for c in run.commands]
    if any(_installs_cuda_compiler(program_argv(c)) for _r, c in image_commands):
        return  # nvcc compiles kernels at run time (JIT) and needs the C toolchain as its host compiler
    # PyTorch (Triton, Inductor) compiles at run time with the C/C++ compiler and Python's headers: those stay.
    jit = any(_installs_jit_compiler(program_argv(c)) for _r, c in image_commands)
    if any(_builds_kernel_modules(program_argv(c)) for _r, c in image_commands):
        return  # kernel modules are built against the host's kernel when the container runs (dkms, headers)
    cleanup_groups = _removed_build_groups(image_commands)
    for stage, run in image_runs(dockerfile):
        if _sdk_base(stage):
            continue
        reported: set[str] = set()  # a package installed twice in one RUN (if/else branches) is named once
        for command in run.commands:
            install = parse_install(program_argv(command), variables_at(stage, run, command))
            if install is None:
                continue
            shipped = _base_ships(stage) if install.manager in ("apt-get", "apt", "aptitude") else frozenset()
            tools = [p for p in install.packages if TOOLCHAIN_PACKAGES.match(p) and p.lower() not in shipped
                     and not (jit and JIT_TOOLCHAIN_PACKAGES.match(p))]
            if not tools:
                continue
            removal = _removal_after(run, command, install)
            if removal.keeps_on_purpose or (cleanup_groups and not (install.group or install.variables)
                                            and install.manager in cleanup_groups):
                # The author removes build dependencies by group elsewhere in the image: the packages installed
                # outside a group are the ones kept for run time (masscan dlopens libpcap.so from libpcap-dev).
                continue
            kept = [p for p in tools if p not in removal.removed and p not in reported]
            if not kept:
                continue
            position = next(i for i, (_r, c) in enumerate(image_commands) if c is command)
            if not any(builds_native_code(program_argv(c)) for _r, c in image_commands[position + 1 :]):
                continue
            reported.update(kept)
            yield _finding(install, command, kept, removal)


def _finding(install: Install, command, kept: list[str], removal: "_Removal") -> Finding:
    shown = ", ".join(kept[:3]) + (f" and {len(kept) - 3} more" if len(kept) > 3 else "")
    line = command.span.line
    headers_only = all(p.lower().endswith(("-dev", "-devel")) and p.lower() not in DEPENDS_ON_TOOLCHAIN
                       for p in kept)
    what = f"development packages ({shown})" if headers_only else f"build toolchain ({shown})"
    metas = [p for p in kept if p in removal.meta_removed]
    if metas:
        message = f"{what} installed at line {line} stays: `{removal.meta_command}` leaves its dependencies"
    else:
        message = f"{what} installed at line {line} stays in the final image"
    if install.manager == "apk":
        undo = "install them with `apk add --virtual .build-deps ...` and end this RUN with `apk del .build-deps`"
    elif install.manager in ("apt-get", "apt", "aptitude"):
        # --auto-remove also drops libraries that only the -dev packages pulled in (libpq5 for libpq-dev): the
        # runtime libraries the program needs must be marked manual first.
        undo = ("end this RUN with `apt-get purge -y --auto-remove " + " ".join(kept) + "` (mark the runtime "
                "libraries the program needs with `apt-mark manual` first)")
    else:
        undo = f"end this RUN with `{install.manager} remove -y " + " ".join(kept) + "`"
    size = ("headers and static libraries the program does not load at run time" if headers_only
            else "a C compiler and its tools, which the program does not run")
    advice = f"They are {size}. Build in a separate stage and `COPY --from` only the result, or {undo}"
    if metas:
        advice = (f"Removing {', '.join(metas)} without `--auto-remove` removes only the metapackage: the compilers "
                  f"and libraries it pulled in stay. {advice}")
    return Finding(command.span, message, fix=Fix(advice),
                   properties={"packages": kept, "metapackagesRemovedAlone": metas})
