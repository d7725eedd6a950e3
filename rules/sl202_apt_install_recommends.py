r"""What it does
Flags `apt-get install` / `apt install` / `aptitude install` in a layer of the image when the packages it names
pull in packages they only *recommend*. Not flagged: `--no-install-recommends` (aptitude: `-R` /
`--without-recommends`), `-o APT::Install-Recommends=false`, the setting written into apt's configuration by an
earlier `RUN` or `COPY` of the stage (or a stage it is built `FROM`), simulations (`apt-get install -s`), flags held
in an `ARG`/`ENV` with a default (`apt-get install $APT_FLAGS curl`, read as BuildKit substitutes it).

Whether Recommends come along is read from an offline table of Debian's package indexes
(`knowledge/debian_packages.py`, Debian 11, 12 and 13): for the image's release (named by its tag,
`python:3.12-slim-bookworm`, or by the official images' tag table, `python:3.12` -> trixie), the install is replayed
as apt would do it with and without Recommends, starting from `debian:<release>` plus the packages the base image
ships (buildpack-deps-based images) and those earlier `RUN`s installed. No finding when the difference is empty
(`apt-get install pandoc tzdata`: nothing recommended; `apt-get install git` on `golang:1.25`: already there).

Where there is no table (Ubuntu and other distributions, a release older than Debian 11, a package or a
variable the table cannot read, a package from a repository the image added: NodeSource, a PPA, Docker's) the
finding stays and says the size is unknown, except when no Debian release recommends anything for the named
packages.

Why is this bad?
By default apt also installs every package that the requested ones merely *recommend*: documentation, optional
helpers, whole desktop libraries. They are rarely needed in a container: `curl` alone brings 6 (ca-certificates,
publicsuffix, ... 3.6 MiB) on Debian 12, `openssh-server` 35 (29 MiB), `build-essential` 69 (75 MiB).

Sizes
The size in the message is the sum of the recommended packages' `Installed-Size` in Debian's package index, an
estimate of what they unpack (maintainer scripts add a little, `-slim` images drop documentation);
`properties.recommended` lists them.

Example
```dockerfile
RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*
```

Use instead
```dockerfile
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl \
 && rm -rf /var/lib/apt/lists/*
```

and name any recommended package the image really needs (often `ca-certificates`).

Fix
`--fix --unsafe-fixes` adds `--no-install-recommends` (aptitude: `--without-recommends`) right after `install`.
It is unsafe: the image no longer gets the recommended packages, and a program may have relied on one of them.
No fix when the command is read through a variable or in an exec-form `RUN`.

Known limits
- Without a table for the image's release (Ubuntu, Debian 10 and older, other apt-based distributions) the
  finding cannot tell whether Recommends come along: it is kept with "size unknown".
- Packages an unknown base image ships (other than buildpack-deps-based official images) are counted as new.
- Once the image adds another apt repository, every later install is "size unknown": its packages may come from
  there with other Recommends.
- More than 200 installs in one file: the rest say "size unknown" (each replay takes milliseconds).

hadolint equivalent: DL3015 (which flags every install without the flag, Recommends or not, and not aptitude).
"""

from __future__ import annotations

import functools
import re

from dockerlint_slim.diagnostics import UNSAFE, Finding, Fix, clip, format_bytes, join_within
from dockerlint_slim.fixes.edits import insert_flag
from dockerlint_slim.knowledge.base_images import buildpack_packages, parse_image
from dockerlint_slim.knowledge.debian_packages import SUITES, debian_suite, recommends_cost
from dockerlint_slim.knowledge.official_tags import aliases
from dockerlint_slim.knowledge.package_managers import (
    APT,
    apt_skips_recommends,
    package_call,
    package_name,
    variables_at,
)
from dockerlint_slim.model.queries import image_stages, lineage_value
from dockerlint_slim.shell.argv import program_argv

ID = "SL202"
NAME = "apt-install-recommends"
SEVERITY = "warning"
SUMMARY = "apt install without --no-install-recommends pulls in recommended packages"
TAGS = ("packages", "apt")
FIX = "unsafe"  # the image loses the recommended packages it had

_FALSE = ("false", "0", "no", "off")
RELEASES = {"bullseye": "Debian 11", "bookworm": "Debian 12", "trixie": "Debian 13"}


def apt_install(stage, run, command):
    """The `apt-get install` call of `command` (flags held in ARG/ENV read as BuildKit substitutes them), None
    for any other command and for a simulation (`apt-get install -s`)."""
    from dockerlint_slim.shell.argv import program_argv

    argv = program_argv(command)
    if not argv or argv[0] not in APT.programs:
        return None
    call = package_call(argv, variables_at(stage, run, command))
    if call is None or call.manager is not APT or call.command != ("install",) or call.simulated:
        return None
    return call


def _configures_no_recommends(run) -> bool:
    """`echo 'APT::Install-Recommends "false";' > /etc/apt/apt.conf.d/...` (any command that writes the setting),
    or a heredoc body (`cat > /etc/apt/apt.conf.d/x <<EOF`) that holds it."""
    for command in run.commands:
        text = " ".join(command.argv).lower()
        if "apt::install-recommends" in text and any(f'"{v}"' in text or f" {v};" in text for v in _FALSE):
            return True
    return _heredoc_sets_no_recommends(run)


_NO_RECOMMENDS_LINE = re.compile(r'apt::install-recommends\s+"?(false|0|no|off)"?', re.IGNORECASE)


def _heredoc_sets_no_recommends(instruction) -> bool:
    return any(_NO_RECOMMENDS_LINE.search(h.content) for h in getattr(instruction, "heredocs", ()))


def _copy_configured_from(stage, copied: dict[int, float]) -> float:
    """The line from which a `COPY <<EOF /etc/apt/apt.conf.d/...` with the setting is in effect in `stage`
    (-inf when a stage it is built FROM has one, +inf when none does). `copied` remembers each stage's answer, so
    a chain of stages built FROM each other is read once: linear."""
    pending = []
    member = stage
    while member is not None and member.index not in copied:
        pending.append(member)
        member = member.parent
    for member in reversed(pending):  # the stage furthest up first
        inherited = member.parent is not None and copied[member.parent.index] < float("inf")
        lines = [i.span.line for i in member.instructions if i.keyword in ("COPY", "ADD") and _heredoc_sets_no_recommends(i)]
        copied[member.index] = float("-inf") if inherited else min(lines, default=float("inf"))
    return copied[stage.index]


def _no_recommends_or_none(run) -> bool | None:
    return True if _configures_no_recommends(run) else None


# Each replay of apt's choice takes a few milliseconds: a file with more installs than this says "size unknown" for
# the rest (linear time on huge inputs).
MAX_REPLAYS = 200


class _Recommends:
    """What installing packages with Recommends adds on the image's Debian release, from the offline package table
    (`knowledge.debian_packages`), for one linted file."""

    def __init__(self, base_image: str) -> None:
        self.base_image = base_image
        self.replays = 0
        # Debian's table describes Debian's packages: once the image adds another apt repository (NodeSource, a PPA,
        # Docker's), a name may come from there with other Recommends.
        self.other_sources = False

    # Read on the first apt install only: finding the release may load the official images' tag table, which a
    # file without apt never needs.
    @functools.cached_property
    def suite(self) -> str | None:
        return image_suite(self.base_image)

    @functools.cached_property
    def installed(self) -> list[str]:
        """Packages the base image ships beyond debian:<suite>, then those earlier RUNs of the image installed."""
        ref = parse_image(self.base_image or "")
        return sorted(buildpack_packages(ref)) if ref is not None else []

    @functools.cached_property
    def names(self) -> set[str]:
        return {package_name(APT, p) for p in self.installed}

    def new(self, packages: tuple[str, ...]) -> tuple[str, ...]:
        """The named packages the image does not have yet: apt follows the Recommends of these only."""
        return tuple(p for p in packages if p.startswith("$") or package_name(APT, p) not in self.names)

    def cost(self, packages: tuple[str, ...]):
        """The recommended packages the install adds (a `RecommendsCost`; empty when none), or None when unknown."""
        if self.suite is None or self.other_sources or self.replays >= MAX_REPLAYS:
            return None
        self.replays += 1
        return recommends_cost(self.suite, packages, installed=self.installed)

    def none_anywhere(self, packages: tuple[str, ...]) -> bool:
        """Without the image's release: no Debian release has Recommends to add for these packages (each table
        knows them all and adds nothing), so neither does the image's (pandoc, apache2-utils, tzdata)."""
        if not packages or self.other_sources or self.replays + len(SUITES) > MAX_REPLAYS:
            return False
        self.replays += len(SUITES)
        costs = [recommends_cost(suite, packages) for suite in SUITES]
        return all(cost is not None and not cost.packages for cost in costs)

    def saw(self, command) -> None:
        """Notes a command that adds an apt repository."""
        self.other_sources = self.other_sources or adds_apt_source(command)

    def after(self, call) -> None:
        for package in call.operands:
            name = package_name(APT, package)
            if name and name not in self.names:
                self.names.add(name)
                self.installed.append(package)


_SOURCES = "/etc/apt/sources.list"
_REPOSITORY_TOOLS = frozenset({"add-apt-repository", "apt-add-repository", "extrepo"})
# Vendor scripts that add their repository (NodeSource's setup_20.x, ...), and packages that do (cuda-keyring).
_SETUP_SCRIPT = re.compile(r"(?:^|/)(?:setup_[\w.]+|nodesource[\w.-]*|[\w-]*(?:keyring|release)[\w.-]*\.deb)(?:$|[?#])")


def adds_apt_source(command) -> bool:
    """`echo deb ... > /etc/apt/sources.list.d/x.list`, `tee /etc/apt/sources.list.d/...`, `add-apt-repository`,
    `curl https://deb.nodesource.com/setup_20.x | bash -`, `dpkg -i cuda-keyring_1.1-1_all.deb`."""
    argv = program_argv(command)
    if argv and argv[0] in _REPOSITORY_TOOLS:
        return True
    if any(target.startswith(_SOURCES) for _operator, target in command.redirects):
        return True
    return any(word.startswith(_SOURCES) or _SETUP_SCRIPT.search(word) for word in argv[1:])


def image_suite(base_image: str) -> str | None:
    """The Debian release of the base image: named by its tag (`python:3.12-slim-bookworm`), or by the tags listed
    with it in the official images' tag table (`python:3.12` is `3.12-trixie`)."""
    suite = debian_suite(base_image or "")
    if suite is not None:
        return suite
    ref = parse_image(base_image or "")
    if ref is None or ref.unresolved:
        return None
    for alias in aliases(ref.name, ref.tag_or_latest):
        suite = debian_suite(f"{ref.name}:{alias}")
        if suite is not None:
            return suite
    return None


def check(target):
    stages = image_stages(target.dockerfile)
    recommends = _Recommends(stages[-1].base_image if stages else "")
    copied: dict[int, float] = {}
    for stage in stages:
        configured = stage.parent is not None and bool(
            lineage_value(stage.parent, (ID, "no-recommends"), _no_recommends_or_none))
        copy_configured_from = _copy_configured_from(stage, copied)
        for run in stage.runs():
            configured = configured or _configures_no_recommends(run) or copy_configured_from < run.span.line
            if not run.shell_analysed:
                continue
            for command in run.commands:
                recommends.saw(command)
                call = apt_install(stage, run, command)
                if call is None:
                    continue
                if not configured and not apt_skips_recommends(call):
                    finding = _finding(target.dockerfile, command, call, recommends)
                    if finding is not None:
                        yield finding
                recommends.after(call)


def _finding(dockerfile, command, call, recommends: _Recommends) -> Finding | None:
    # `apt-get -f install` (after `dpkg -i x.deb`) names no package but still pulls in recommends;
    # `xargs -a list.txt apt-get install -y` names none either: quote the command as it is.
    packages = " ".join(call.operands)
    label = clip(f"{call.program} install {packages}" if packages else " ".join(call.argv), 50)
    flag = "--without-recommends" if call.argv[0] == "aptitude" else "--no-install-recommends"
    fix = Fix(f"Add `{flag}` after `install` (and name any recommended package the image needs)",
              tuple(insert_flag(dockerfile, command, call, flag) or ()), UNSAFE)
    new = recommends.new(call.operands)
    if call.operands and not new:
        return None  # every named package is in the image already: apt installs nothing, recommended or not
    cost = recommends.cost(new)
    if cost is not None and not cost.packages:
        return None  # nothing recommended that the image does not have already
    if cost is None:
        if recommends.suite is None and recommends.none_anywhere(new):
            return None
        return Finding(command.span, f"`{label}` also installs the packages they recommend (size unknown)", fix=fix)
    release = RELEASES.get(cost.suite, cost.suite)
    names = join_within(list(cost.names), 40)
    count = len(cost.packages)
    return Finding(
        command.span,
        f"`{label}` also installs {count} recommended package{'s' if count > 1 else ''} ({names}), "
        f"~{format_bytes(cost.total_bytes)} on {release}",
        wasted_bytes=cost.total_bytes,
        fix=fix,
        properties={
            "estimate": f"Installed-Size of the recommended packages on {release} (Debian's package index)",
            "recommended": list(cost.names),
        },
    )
