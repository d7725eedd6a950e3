"""What it does
Flags installs and upgrades with yum, dnf, microdnf, tdnf or zypper in a layer of the image when the same `RUN`
does not clean the package manager's cache after the *last* of them: `yum|dnf|microdnf|tdnf clean all`, `zypper
clean -a` (`zypper cc -a`), `rm -rf` of the cache directory (`/var/cache/yum`, `/var/cache/dnf`,
`/var/cache/libdnf5`, `/var/cache/tdnf`, `/var/cache/zypp`, or `/var/cache/*`), or a cleanup script of the project.
A cache/tmpfs mount on that directory also counts. A clean placed before the install, a partial clean (`yum clean
packages`, `zypper clean` without `-a`) and an `rm -rf` of an unrelated path do not. Only stages that reach the
image are checked.

Why is this bad?
These managers keep the repository metadata (and, with `keepcache`, the downloaded RPMs) in `/var/cache`; the
installed packages never need them again.

Sizes
Unknown: no Fedora, RHEL, Rocky or openSUSE base image or mirror is reachable here to measure the metadata, so the
message says "size unknown" rather than a guess.

Example
```dockerfile
FROM rockylinux:9
RUN dnf install -y httpd
```

Use instead
```dockerfile
FROM rockylinux:9
RUN dnf install -y httpd && dnf clean all
```

Fix
`--fix` ends the `RUN` with `yum clean all` (`dnf`, `microdnf`, `tdnf`, `dnf5` alike) or `zypper clean -a`, run
through `sudo` when the install was. No fix for an install into another root (`--installroot`).

Known limits
- `yum clean metadata` plus `yum clean packages` (a complete clean in two commands) is not recognised.
- Caches relocated by `--setopt=cachedir=...` are not followed.

hadolint equivalent: DL3032 (yum), DL3040 (dnf, microdnf), DL3036 (zypper).
"""

from __future__ import annotations

from dockerlint_slim.diagnostics import Finding, Fix
from dockerlint_slim.fixes.edits import append_command, privilege_prefix
from dockerlint_slim.knowledge.package_managers import (
    ALL_RPM_CACHE_DIRS,
    INSTALL,
    RPM,
    RPM_CACHE_DIRS,
    UPGRADE,
    ZYPPER,
    ZYPPER_CACHE,
    cleans_all,
    is_cleanup_script,
    package_call,
)
from dockerlint_slim.model.queries import commands_after, image_runs, mount_covers_path, run_removes_path
from dockerlint_slim.shell.argv import program_argv

ID = "SL204"
NAME = "rpm-cache"
SEVERITY = "warning"
SUMMARY = "yum/dnf/microdnf/tdnf/zypper install without cleaning the cache in the same RUN"
TAGS = ("cache", "rpm")
FIX = "sometimes"

CACHE_DIRS = (*ALL_RPM_CACHE_DIRS, ZYPPER_CACHE)


def rpm_call(command):
    """The yum/dnf/microdnf/tdnf/zypper call of `command`, else None."""
    call = package_call(program_argv(command))
    return call if call is not None and call.manager in (RPM, ZYPPER) else None


def is_install(command) -> bool:
    call = rpm_call(command)
    return call is not None and call.action in (INSTALL, UPGRADE)


def is_clean(command, run) -> bool:
    if is_cleanup_script(program_argv(command)):
        return True  # a project cleanup script (`clean-layer.sh`): what it removes cannot be known
    call = rpm_call(command)
    if call is not None:
        # `zypper clean` alone only drops downloaded RPMs (rarely kept); -a/--all also drops the metadata;
        # `yum clean packages` keeps the metadata.
        return cleans_all(call)
    # `cd /var/cache && rm -rf dnf yum` counts too: relative paths are read from the RUN's `cd`s.
    return any(run_removes_path(run, command, d) for d in CACHE_DIRS)


def _edits(dockerfile, run, install, call, clean: str) -> tuple:
    """Append the clean, with the install's `sudo`; none for an install into another root (`--installroot`: the
    clean would empty the host's cache, not that root's)."""
    prefix = privilege_prefix(install)
    if prefix is None or call.option("--installroot", "--root", "-R") is not None:
        return ()
    return tuple(append_command(dockerfile, run, prefix + clean) or ())


def check(target):
    for _stage, run in image_runs(target.dockerfile):
        if any(mount_covers_path(run, d) for d in CACHE_DIRS):
            continue
        installs = [c for c in run.commands if is_install(c)]
        if not installs:
            continue
        last = installs[-1]
        if any(is_clean(c, run) for c in commands_after(run, last)):
            continue
        call = rpm_call(last)
        manager = call.argv[0]
        clean = "zypper clean -a" if manager == "zypper" else f"{manager} clean all"
        cache = ZYPPER_CACHE if manager == "zypper" else RPM_CACHE_DIRS.get(manager, "/var/cache/dnf")
        cleaned_before = any(is_clean(c, run) for c in run.commands[: list(run.commands).index(last)])
        message = (f"`{manager} {call.command[-1]}` leaves repository metadata (and any kept packages) in {cache} "
                   "in this layer (size unknown)")
        if cleaned_before:
            message += "; the clean earlier in this RUN runs before it"
        yield Finding(
            last.span,
            message,
            fix=Fix(f"End this RUN with `&& {clean}` after the last install",
                    _edits(target.dockerfile, run, last, call, clean)),
            properties={"path": cache, "tool": manager},
        )
