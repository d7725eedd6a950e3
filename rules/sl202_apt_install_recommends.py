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

Ubuntu has no table of its own: an Ubuntu base (`ubuntu:22.04`, `ubuntu:rolling`, `nvidia/cuda:...-ubuntu22.04`)
gets the figure of the Debian release it is nearest to (20.04: Debian 11, 22.04: Debian 12, 24.04 and later:
Debian 13), marked as an estimate. Where no table applies (other distributions, Ubuntu before 20.04, a release
older than Debian 11, a package or a variable the table cannot read, a package from a repository the image added:
NodeSource, a PPA, Docker's) the finding stays and says the size is unknown, except when no Debian release
recommends more than 100 KiB for the named packages (`libomp-dev`: only 45 KiB on Debian 13). An install of local
`.deb` files only (`apt install /tmp/x.deb`, `./pkg.deb`) is not judged: their Recommends cannot be read without
the file.

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
When the flag would drop `ca-certificates` (it comes only as a Recommends of `curl`'s libcurl4, of `wget` and of
`git`) and a later download of the stage, or of a stage built `FROM` it, uses https (`curl`/`wget`/`git clone
https://...`), the advice and the fix add `ca-certificates` to the install too
(`--no-install-recommends ca-certificates`): without it the download fails for want of a CA bundle.
It is unsafe: the image no longer gets the recommended packages, and a program may have relied on one of them.
No fix when the command is read through a variable or in an exec-form `RUN`.

Known limits
- Without a table for the image's release (Debian 10 and older, other apt-based distributions) the finding cannot
  tell whether Recommends come along: it is kept with "size unknown". Ubuntu's figure is Debian's: an estimate.
- Only https downloads the Dockerfile shows are seen: a script that downloads over https, or a program that needs
  the CA bundle at run time, may still need a recommended package the advice drops.
- Packages an unknown base image ships (other than buildpack-deps-based official images) are counted as new.
- Once the image adds another apt repository, every later install is "size unknown": its packages may come from
  there with other Recommends.
- More than 200 installs in one file: the rest say "size unknown" (each replay takes milliseconds).

hadolint equivalent: DL3015 (which flags every install without the flag, Recommends or not, and not aptitude).
"""

from __future__ import annotations

import bisect
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

    def every_suite(self, packages: tuple[str, ...]) -> dict | None:
        """Without the image's release: what the install adds on each Debian release ({suite: RecommendsCost}),
        None when a table cannot answer for one of them (a name it does not know, a variable, apt would stop).
        Asked also after the image added another apt repository: a package that recommends nothing on every Debian
        release is taken to recommend nothing there either (the figure is not quoted then)."""
        if not packages or self.replays + len(SUITES) > MAX_REPLAYS:
            return None
        self.replays += len(SUITES)
        costs = {suite: recommends_cost(suite, packages, installed=self.installed) for suite in SUITES}
        return None if any(cost is None for cost in costs.values()) else costs

    def has(self, name: str) -> bool:
        """The package is in the image already (the base image's or an earlier install's)."""
        return name in self.names

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


# Below this, what every Debian release adds for the named packages is noise, not a finding (`libgpm2`, 45 KiB, that
# Debian 13's libncurses recommends): smaller than apt's own state files for one install.
NEGLIGIBLE_BYTES = 100 * 1024

# The Debian release each Ubuntu release was branched from (its package relations are closest to that table's).
_UBUNTU_NEAREST = (("20.04", "bullseye"), ("22.04", "bookworm"), ("24.04", "trixie"))
_UBUNTU_NAMES = {"focal": "20.04", "jammy": "22.04", "kinetic": "22.10", "lunar": "23.04", "mantic": "23.10",
                 "noble": "24.04", "oracular": "24.10", "plucky": "25.04", "questing": "25.10", "resolute": "26.04"}


def nearest_suite(base_image: str) -> str | None:
    """The Debian release whose table is nearest to an Ubuntu base (`ubuntu:22.04`, `ubuntu:jammy`,
    `nvidia/cuda:12.4.1-runtime-ubuntu22.04`; `rolling`/`latest`/`devel` are the newest), None for any other
    base and for Ubuntu releases older than 20.04 (their packages are older than every table)."""
    ref = parse_image(base_image or "")
    if ref is None or ref.unresolved:
        return None
    tag = ref.tag_or_latest.lower()
    if ref.name.rsplit("/", 1)[-1] == "ubuntu":
        if tag in ("rolling", "latest", "devel"):
            return SUITES[-1]
        word = tag.split("-", 1)[0]
        version = _UBUNTU_NAMES.get(word, word)
    else:
        match = re.search(r"(?:^|-)ubuntu(\d\d\.\d\d)(?:$|-)", tag)
        if match is None:
            return None
        version = match.group(1)
    if not re.fullmatch(r"\d\d\.\d\d", version):
        return None
    nearest = None
    for release, suite in _UBUNTU_NEAREST:
        if version >= release:
            nearest = suite
    return nearest


# -- https after the install: `--no-install-recommends` must then name ca-certificates ----------------------------

CA_PACKAGE = "ca-certificates"
# Without a table: installing these brings ca-certificates only as a Recommends (curl through libcurl4, wget and git
# directly) on Debian and Ubuntu.
_CA_RECOMMENDED_BY = frozenset({"curl", "wget", "git"})
_HTTPS_CLIENTS = frozenset({"curl", "wget", "git"})


def _https_word(word: str) -> bool:
    return "https://" in word.lower()


def _uses_https(command) -> bool:
    """`curl -fsSL https://...`, `wget https://...`, `git clone https://...`: a download that needs a CA bundle."""
    argv = program_argv(command)
    return bool(argv) and argv[0].rsplit("/", 1)[-1] in _HTTPS_CLIENTS and any(_https_word(w) for w in argv[1:])


def _installs_ca(stage, run, command) -> bool:
    call = apt_install(stage, run, command)
    return call is not None and any(package_name(APT, p) == CA_PACKAGE for p in call.operands)


class _HttpsAfter:
    """The line of the first https download after an install (in the rest of its RUN, the later RUNs of its stage,
    or a stage built FROM it) that no install of ca-certificates precedes; None when there is none. Each stage's
    commands are read once (linear)."""

    def __init__(self, dockerfile) -> None:
        self.dockerfile = dockerfile
        self._events: dict[int, list] = {}  # stage index -> [(run index, command index, "https"|"ca", line)]
        self._positions: dict[int, tuple[int, int]] = {}  # id(command) -> (run index, command index)
        self._below: dict[int, int | None] = {}

    def _stage_events(self, stage) -> list:
        if stage.index not in self._events:
            events = []
            for run_index, run in enumerate(stage.runs()):
                if not run.shell_analysed:
                    continue
                for command_index, command in enumerate(run.commands):
                    self._positions[id(command)] = (run_index, command_index)
                    if _installs_ca(stage, run, command):
                        events.append((run_index, command_index, "ca", command.span.line))
                    elif _uses_https(command):
                        events.append((run_index, command_index, "https", command.span.line))
            self._events[stage.index] = events
        return self._events[stage.index]

    def _in_stages_below(self, stage) -> int | None:
        """The first https download (not preceded by ca-certificates) of a stage built FROM `stage`, at any depth."""
        if stage.index not in self._below:
            self._below[stage.index] = None
            for child in self.dockerfile.stages:
                if child.parent is not stage or child.index <= stage.index:
                    continue
                events = self._stage_events(child)
                line = (events[0][3] if events[0][2] == "https" else None) if events else self._in_stages_below(child)
                if line is not None:
                    self._below[stage.index] = line
                    break
        return self._below[stage.index]

    def line(self, stage, command) -> int | None:
        events = self._stage_events(stage)
        position = self._positions.get(id(command))
        if position is None:
            return None
        later = events[bisect.bisect_right(events, (*position, "~")):]
        if later:
            return later[0][3] if later[0][2] == "https" else None
        return self._in_stages_below(stage)


def check(target):
    stages = image_stages(target.dockerfile)
    recommends = _Recommends(stages[-1].base_image if stages else "")
    https = _HttpsAfter(target.dockerfile)
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
                    finding = _finding(target.dockerfile, command, call, recommends,
                                       lambda s=stage, c=command: https.line(s, c))
                    if finding is not None:
                        yield finding
                recommends.after(call)


def _finding(dockerfile, command, call, recommends: _Recommends, https_line) -> Finding | None:
    # `apt-get -f install` (after `dpkg -i x.deb`) names no package but still pulls in recommends;
    # `xargs -a list.txt apt-get install -y` names none either: quote the command as it is.
    packages = " ".join(call.operands)
    label = clip(f"{call.program} install {packages}" if packages else " ".join(call.argv), 50)
    flag = "--without-recommends" if call.argv[0] == "aptitude" else "--no-install-recommends"
    if call.operands and len(call.files) == len(call.operands):
        return None  # only local .deb files: their control fields (Recommends or none) cannot be read statically
    new = recommends.new(call.operands)
    if call.operands and not new:
        return None  # every named package is in the image already: apt installs nothing, recommended or not
    cost = recommends.cost(new)
    nearest = None
    costs = None
    if cost is None and recommends.suite is None:
        costs = recommends.every_suite(new)
        if costs is not None and all(c.total_bytes < NEGLIGIBLE_BYTES for c in costs.values()):
            return None  # no Debian release recommends more than a few KiB for these: neither does the image's
        nearest = nearest_suite(recommends.base_image)
        known = costs is not None and nearest is not None and not recommends.other_sources
        cost = costs.get(nearest) if known else None
    if cost is not None and not cost.packages:
        return None  # nothing recommended that the image does not have already
    fix = _fix(dockerfile, command, call, flag, recommends, cost, costs, https_line)
    if cost is None:
        return Finding(command.span, f"`{label}` also installs the packages they recommend (size unknown)", fix=fix)
    release = RELEASES.get(cost.suite, cost.suite)
    names = join_within(list(cost.names), 40)
    count = len(cost.packages)
    where = f"on {release}" if nearest is None else f"(Ubuntu: estimated from {release})"
    estimate = f"Installed-Size of the recommended packages on {release} (Debian's package index)"
    if nearest is not None:
        estimate += "; the image is Ubuntu, whose packages may recommend others"
    return Finding(
        command.span,
        f"`{label}` also installs {count} recommended package{'s' if count > 1 else ''} ({names}), "
        f"~{format_bytes(cost.total_bytes)} {where}",
        wasted_bytes=cost.total_bytes,
        fix=fix,
        properties={"estimate": estimate, "recommended": list(cost.names)},
    )


def _fix(dockerfile, command, call, flag, recommends: _Recommends, cost, costs, https_line) -> Fix:
    """`--no-install-recommends`, plus `ca-certificates` when that flag would drop it and a later https download
    needs it (curl's libcurl4 only recommends ca-certificates: without it, `curl https://...` fails)."""
    named = {package_name(APT, p) for p in call.operands}
    if CA_PACKAGE in named or recommends.has(CA_PACKAGE):
        drops_ca = False
    elif cost is not None:
        drops_ca = CA_PACKAGE in cost.names
    else:
        drops_ca = bool(named & _CA_RECOMMENDED_BY) or any(
            CA_PACKAGE in c.names for c in (costs or {}).values())
    line = https_line() if drops_ca else None
    if line is not None:
        text = f"{flag} {CA_PACKAGE}"
        return Fix(f"Add `{text}` after `install`: the https download at line {line} needs ca-certificates, "
                   f"which came only as a recommended package",
                   tuple(insert_flag(dockerfile, command, call, text) or ()), UNSAFE)
    return Fix(f"Add `{flag}` after `install` (and name any recommended package the image needs)",
               tuple(insert_flag(dockerfile, command, call, flag) or ()), UNSAFE)
