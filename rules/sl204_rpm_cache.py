"""What it does
Flags installs with yum, dnf, microdnf, tdnf or zypper in a layer of the image when the same `RUN` does not
clean the package manager's cache after the *last* install: `yum|dnf|microdnf|tdnf clean all`, `zypper clean -a`
(`zypper cc -a`), or `rm -rf` of the cache directory (`/var/cache/yum`, `/var/cache/dnf`, `/var/cache/libdnf5`,
`/var/cache/tdnf`, `/var/cache/zypp`, or `/var/cache/*`). A cache/tmpfs mount on that directory also counts.
A clean placed before the install, a partial clean (`yum clean packages`) and an `rm -rf` of an unrelated
path do not. Only stages that reach the image are checked.

Why is this bad?
These managers keep the repository metadata (tens of MB for a RHEL/Fedora/openSUSE base, often 100+ MB
on Fedora) and sometimes the downloaded RPMs in `/var/cache`; the installed packages never need them again.

Example
```dockerfile
FROM rockylinux:9
RUN dnf install -y httpd
```

Use instead
```dockerfile
FROM rockylinux:9
RUN dnf install -y httpd && dnf clean all && rm -rf /var/cache/dnf
```

hadolint equivalent: DL3032 (yum), DL3040 (dnf, microdnf), DL3036 (zypper).
"""

from __future__ import annotations

from dockerlint_slim.diagnostics import Finding, Fix
from dockerlint_slim.model.queries import commands_after, image_runs, mount_covers_path, run_removes_path
from dockerlint_slim.shell.argv import has_flag, operands, program_argv
from dockerlint_slim.shell.commands import removes_path

ID = "SL204"
NAME = "rpm-cache"
SEVERITY = "warning"
SUMMARY = "yum/dnf/microdnf/tdnf/zypper install without cleaning the cache in the same RUN"
TAGS = ("cache", "rpm")

MANAGERS = frozenset({"yum", "dnf", "dnf5", "dnf-3", "microdnf", "tdnf", "zypper"})
CACHE_DIRS = ("/var/cache/yum", "/var/cache/dnf", "/var/cache/libdnf5", "/var/cache/tdnf", "/var/cache/zypp")
INSTALLS = frozenset(
    {
        "install", "groupinstall", "localinstall", "reinstall", "update", "upgrade", "distro-sync", "downgrade",
        "builddep",
        # zypper
        "in", "up", "dup", "dist-upgrade", "patch", "source-install", "si",
    }
)
VALUE_OPTIONS = frozenset(
    {"--setopt", "--enablerepo", "--disablerepo", "--repo", "--repoid", "--releasever", "-c", "--config",
     "--installroot", "-x", "--exclude", "-R", "--root", "--repofrompath", "--forcearch",
     "-p", "--plus-content", "--from"}
)
TYPICAL_BYTES = 50 * 1024 * 1024


def rpm_action(argv: tuple[str, ...]) -> tuple[str, list[str]] | None:
    """(subcommand, rest) for an rpm-manager command; `group install` is read as `groupinstall`."""
    if not argv or argv[0] not in MANAGERS:
        return None
    words = operands(argv[1:], VALUE_OPTIONS)
    if not words:
        return None
    if words[0] == "group" and len(words) > 1:
        return "group" + words[1], words[2:]
    return words[0], words[1:]


def is_install(argv: tuple[str, ...]) -> bool:
    action = rpm_action(argv)
    return action is not None and (action[0] in INSTALLS or action[0] == "groupinstall")


def is_clean(command, run=None) -> bool:
    argv = program_argv(command)
    action = rpm_action(argv)
    if action is not None:
        sub, rest = action
        if argv[0] == "zypper":
            # `zypper clean` alone only drops downloaded RPMs (rarely kept); -a/--all also drops the metadata.
            return sub in ("clean", "cc") and has_flag(argv, "-a", "--all")
        return sub == "clean" and "all" in rest
    # `cd /var/cache && rm -rf dnf yum` counts too: relative paths are read from the RUN's `cd`s.
    if run is not None:
        return any(run_removes_path(run, command, d) for d in CACHE_DIRS)
    return any(removes_path(command, d) for d in CACHE_DIRS)


def check(target):
    for _stage, run in image_runs(target.dockerfile):
        if any(mount_covers_path(run, d) for d in CACHE_DIRS):
            continue
        installs = [c for c in run.commands if is_install(program_argv(c))]
        if not installs:
            continue
        last = installs[-1]
        if any(is_clean(c, run) for c in commands_after(run, last)):
            continue
        argv = program_argv(last)
        manager = argv[0]
        clean = "zypper clean -a" if manager == "zypper" else f"{manager} clean all"
        cleaned_before = any(is_clean(c, run) for c in run.commands[: list(run.commands).index(last)])
        note = ""
        if cleaned_before:
            note = " (the clean earlier in this RUN runs before the install and removes nothing it adds)"
        yield Finding(
            last.span,
            f"`{manager} {rpm_action(argv)[0]}` leaves repository metadata and package caches in /var/cache "
            f"in this layer (typically tens of MB){note}; end this RUN with `&& {clean}`",
            wasted_bytes=TYPICAL_BYTES,
            fix=Fix(f"Append `&& {clean}` after the last install of this RUN"),
            properties={"estimate": "typical"},
        )
