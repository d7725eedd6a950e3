"""Which packages `apt-get install` adds only because of Recommends, per Debian release, computed offline.

`recommends_cost("bookworm", ["curl"])` replays apt's choice of packages twice on a `debian:bookworm` image, once
as `apt-get install curl` and once with `--no-install-recommends`, and returns what the first installs and the
second does not (here libcurl4's recommendations and their own dependencies) with their Installed-Size.
`debian_suite("python:3.12-slim-bookworm")` says which release an image is built on, when its tag says so.

The replay follows apt's `pkgDepCache::MarkInstall` (the internal solver every `apt-get install` uses):

- the named packages are marked first, then each one's dependencies (in command-line order) are installed
  depth-first, in the order of the package's fields (Pre-Depends, Depends, then Recommends);
- a package marked later whose Conflicts or Breaks hit one marked earlier unmarks it (apt keeps the earlier one
  uninstalled); anything that would make apt remove an installed package or call its problem resolver is unknown;
- an or-group (`a | b`) already satisfied by an installed or marked package, or a package that Provides the name,
  needs nothing; otherwise apt takes the first alternative that has an installable package: the real package of
  that name, else a provider in apt's order (CompareProviders: Essential, then Important, then the higher
  Priority, then the package its cache created last; the generator stores providers in that order);
- a package is installable when every Depends group names something that exists (apt's check before it marks);
  a Recommends that nothing can satisfy is skipped, as apt skips it;
- Recommends of every package the run installs are followed (the named ones, their dependencies, the recommended
  packages and their dependencies), never those of packages already in the image;
- within one suite every name has one candidate version, the one the image has if it is installed, so a version
  constraint is true or false once for all: the generator decides it (`fdisk | util-linux (<< 2.29.2)` needs
  fdisk although util-linux is installed); architecture qualifiers are ignored;
- the image starts as `debian:<suite>`: Priority required, Essential and apt with their dependencies (debootstrap's
  minbase, what Debian's images are built from).

The table (`data/debian_packages.json.xz`, made by `scripts/gen_debian_packages.py` from the archive's
`main/binary-amd64/Packages` of each suite; its `suites.<name>.source` says which index, when, and checksums) is
read on the first call, never at import. Format: xz-compressed JSON; `names` is every package name of all suites,
sorted, one a line (a name's line number is its id; ids are written in base 36); per suite, `records` has one line
per name: empty when the suite has no such package, else `<installed KiB> <depends>;<recommends>` (groups separated
by spaces, alternatives by `|`). Version constraints are evaluated by the generator against the suite's versions:
`!id` when only the real package of that name satisfies the dependency, `^id` when only packages that Provide it
do, an alternative nothing satisfies is left out, and a group left empty is `~`; `provides` has one line per provided name: `<name> <provider>...`, providers in
apt's order of preference; `base` lists the packages of the suite's image.

Installed-Size is what dpkg announces, in KiB: an estimate of the unpacked files, not of the layer (maintainer
scripts add files such as Python's bytecode; `-slim` images drop documentation), so callers call the total an
estimate.
"""

from __future__ import annotations

import bisect
import functools
from dataclasses import dataclass

SUITES = ("bullseye", "bookworm", "trixie")
_SUITE_OF_RELEASE = {"11": "bullseye", "12": "bookworm", "13": "trixie"}
_DATA_FILE = "debian_packages.json.xz"


@dataclass(frozen=True)
class ExtraPackage:
    name: str
    installed_bytes: int  # Installed-Size (KiB) * 1024


@dataclass(frozen=True)
class RecommendsCost:
    """What installing `requested` with recommends adds over `--no-install-recommends`."""

    suite: str
    requested: tuple[str, ...]
    packages: tuple[ExtraPackage, ...]  # largest first

    @property
    def total_bytes(self) -> int:
        return sum(p.installed_bytes for p in self.packages)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.packages)


class _Unknown(Exception):
    """apt would stop: a named package or a dependency cannot be installed from the suite."""


def recommends_cost(suite: str, packages, installed=()) -> RecommendsCost | None:
    """The recommended packages (and their dependencies) that `apt-get install <packages>` adds on `debian:<suite>`
    compared with `apt-get install --no-install-recommends <packages>`; an empty cost when there are none.

    `packages` are the names given to apt-get (`name=version`, `name/release` and `name:arch` are read as `name`).
    `installed` names packages known to be in the image already (installed by an earlier RUN). None when the suite
    has no table, no package is named, a name is not a package of the suite (unknown, a variable, a pattern, a
    removal `name-`, a virtual package without a single provider), or apt would stop or remove something."""
    table = _table(suite)
    if table is None or not packages:
        return None
    requested = []
    for word in packages:
        package = table.requested_package(word)
        if package is None:
            return None
        requested.append(package)
    already = set(table.base)
    try:
        for word in installed:
            package = table.requested_package(word)
            if package is not None:
                already |= table.install(already, [package], recommends=False)
        with_recommends = table.install(already, requested, recommends=True)
        without = table.install(already, requested, recommends=False)
    except _Unknown:
        return None
    extra = sorted(
        (ExtraPackage(table.name(i), table.installed_kib(i) * 1024) for i in with_recommends - without),
        key=lambda p: (-p.installed_bytes, p.name),
    )
    return RecommendsCost(suite, tuple(packages), tuple(extra))


def installs(suite: str, packages) -> tuple[str, ...] | None:
    """The packages `apt-get install --no-install-recommends <packages>` adds to `debian:<suite>` (sorted names);
    None when recommends_cost would be None (no table, a name that is not a package of the suite, apt stops)."""
    table = _table(suite)
    if table is None or not packages:
        return None
    requested = [table.requested_package(word) for word in packages]
    if None in requested:
        return None
    try:
        added = table.install(set(table.base), requested, recommends=False)
    except _Unknown:
        return None
    return tuple(sorted(table.name(i) for i in added))


def source(suite: str) -> dict | None:
    """Where the suite's table comes from (archive, Release date and checksums), None without a table."""
    table = _table(suite)
    return dict(table.source) if table else None


def debian_suite(image: str) -> str | None:
    """The Debian release (`bookworm`) an image reference is built on, when the reference says so: a suite word
    in the tag (`python:3.12-slim-bookworm`, `node:20-bookworm-slim`, `buildpack-deps:bullseye-curl`) or a
    release number for `debian` itself (`debian:12-slim`, `debian:12.5`). None otherwise: a tag that names no
    release (`python:3.12`, `debian:latest`, `debian:stable`: they move), Ubuntu and other distributions, a suite
    without a table (`buster`, `sid`), or a reference that still holds a variable."""
    from dockerlint_slim.knowledge.base_images import parse_image

    ref = parse_image(image)
    if ref is None or ref.unresolved or not ref.tag:
        return None
    if ref.name.rsplit("/", 1)[-1] == "ubuntu":
        return None
    words = ref.tag.lower().split("-")
    named = {w for w in words if w in SUITES}
    if len(named) == 1:
        return named.pop()
    if named or ref.name.rsplit("/", 1)[-1] != "debian":
        return None
    release = words[0].split(".")
    if release[0] in _SUITE_OF_RELEASE and all(part.isdigit() for part in release) and len(release) <= 2:
        return _SUITE_OF_RELEASE[release[0]]
    return None


# -- the table ----------------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _load() -> dict | None:
    # Imported here: only a run that needs the table pays for reading it (start-up stays lean).
    import json
    import lzma
    from importlib import resources

    try:
        raw = resources.files("dockerlint_slim.knowledge").joinpath("data", _DATA_FILE).read_bytes()
        data = json.loads(lzma.decompress(raw))
    except (OSError, lzma.LZMAError, ValueError, KeyError):
        return None
    names = data["names"].split("\n")
    return {"names": names, "suites": data["suites"]}


@functools.lru_cache(maxsize=None)
def _table(suite: str) -> _Suite | None:
    if suite not in SUITES:
        return None
    data = _load()
    if data is None or suite not in data["suites"]:
        return None
    try:
        return _Suite(data["names"], data["suites"][suite])
    except (KeyError, ValueError, AttributeError):  # a table this version cannot read: no answer, not a crash
        return None


def _valid_name(word: str) -> bool:
    """Debian policy: lower-case letters, digits, `+ - .`; at least two characters, starting alphanumeric."""
    return len(word) >= 2 and word[0].isalnum() and all(c.isdigit() or "a" <= c <= "z" or c in "+-." for c in word)


class _Suite:
    def __init__(self, names: list[str], data: dict) -> None:
        self._names = names
        self._records = data["records"].split("\n")
        self._parsed: dict[int, tuple] = {}
        self._providers: dict[int, tuple[int, ...]] = {}
        for line in data["provides"].split("\n"):
            if line:
                virtual, *providers = (int(x, 36) for x in line.split())
                self._providers[virtual] = tuple(providers)
        self.base = frozenset(int(x, 36) for x in data["base"].split())
        self.source = data["source"]

    # names and records

    def name(self, index: int) -> str:
        return self._names[index]

    def _id(self, name: str) -> int | None:
        index = bisect.bisect_left(self._names, name)
        return index if index < len(self._names) and self._names[index] == name else None

    def _record(self, index: int) -> tuple | None:
        """(installed KiB, depends groups, recommends groups, conflicting packages), None when not a real package."""
        if index in self._parsed:
            return self._parsed[index]
        line = self._records[index] if index < len(self._records) else ""
        record = None
        if line:
            size, relations = line.split(" ", 1)
            depends, recommends, conflicts = relations.split(";")
            conflicting = frozenset(int(c, 36) for c in conflicts.split())
            record = (int(size, 36), _groups(depends), _groups(recommends), conflicting)
        self._parsed[index] = record
        return record

    def installed_kib(self, index: int) -> int:
        return self._record(index)[0]

    def requested_package(self, word: str) -> int | None:
        """The package `apt-get install WORD` installs: the real package of that name, else the single provider of a
        virtual name (apt: "Note, selecting X instead of Y"); None for anything else."""
        name = word.split("=", 1)[0].split("/", 1)[0].split(":", 1)[0]
        if not _valid_name(name):
            return None
        index = self._id(name)
        if index is None:
            return None
        if self._record(index) is not None:
            return index
        providers = self._providers.get(index, ())
        return providers[0] if len(providers) == 1 else None

    # apt's marking

    def _candidates(self, alternative: tuple[int, bool, bool]):
        """What can satisfy one alternative (name id, whether the real package's version does, whether the
        providers' do): the real package of the name first, then its providers in apt's order."""
        name, real_ok, providers_ok = alternative
        if real_ok and self._record(name) is not None:
            yield name
        if providers_ok:
            yield from (p for p in self._providers.get(name, ()) if p != name)

    def _satisfied(self, group: tuple, state: set[int]) -> bool:
        return any(c in state for a in group for c in self._candidates(a))

    def _exists(self, alternative: tuple[int, bool, bool]) -> bool:
        return next(self._candidates(alternative), None) is not None

    def _installable(self, index: int) -> bool:
        """apt's IsInstallOkDependenciesSatisfiableByCandidates: every Depends group names something that exists."""
        return all(any(self._exists(a) for a in group) for group in self._record(index)[1])

    def _choose(self, group: tuple, protected: set[int]) -> int | None:
        """The package apt marks for an unsatisfied or-group (getAllPossibleSolutions): alternatives in order, each
        one's real package first and then its providers in apt's order of preference (stored so by the generator);
        the first installable one wins. One that conflicts with a named package fails to mark, and apt tries the
        next."""
        for alternative in group:
            for candidate in self._candidates(alternative):
                if self._installable(candidate) and not self._record(candidate)[3] & protected:
                    return candidate
        return None

    def install(self, installed: set[int] | frozenset[int], requested: list[int], recommends: bool) -> set[int]:
        """The packages `apt-get install` marks on a system that has `installed` (depth-first, as MarkInstall).
        Raises _Unknown where apt would stop or would have to remove or re-solve something: a named package that
        cannot be installed, a Depends nothing satisfies, a conflict with an installed or a named package, or a
        package marked after one that conflicts with it (apt's problem resolver decides then)."""
        installed = frozenset(installed)
        state = set(installed)
        protected = {p for p in dict.fromkeys(requested) if p not in state}
        conflicted_by: dict[int, set[int]] = {}  # package -> the marked packages whose Conflicts/Breaks hit it
        for package in installed:
            if self._record(package) is not None:
                for target in self._record(package)[3]:
                    conflicted_by.setdefault(target, set()).add(package)

        def mark(package: int) -> None:
            conflicts = self._record(package)[3]
            if conflicts & installed:
                raise _Unknown
            for target in conflicts & state:  # apt keeps (unmarks) a package marked earlier that this one breaks
                state.discard(target)
            if conflicts_by_marked(package):
                raise _Unknown
            state.add(package)
            for target in conflicts:
                conflicted_by.setdefault(target, set()).add(package)

        def conflicts_by_marked(package: int) -> bool:
            return bool(conflicted_by.get(package, set()) & state)

        for package in protected:  # apt-get marks every named package before it installs their dependencies
            if not self._installable(package) or self._record(package)[3] & (protected | installed):
                raise _Unknown
            state.add(package)
        # then installs their dependencies one named package after the other, in the order of the command line
        # (observed: `apt-get install mailutils default-jdk` brings cron, `default-jdk mailutils` does not).
        for package in [p for p in dict.fromkeys(requested) if p in protected]:
            for target in self._record(package)[3] & state:
                state.discard(target)
            stack = [iter(self._relations(package, recommends))]
            while stack:
                for critical, group in stack[-1]:
                    if self._satisfied(group, state):
                        continue
                    choice = self._choose(group, protected)
                    if choice is None:
                        if critical:  # apt would stop with unmet dependencies
                            raise _Unknown
                        continue
                    mark(choice)
                    stack.append(iter(self._relations(choice, recommends)))
                    break
                else:
                    stack.pop()
        return state - installed

    def _relations(self, index: int, recommends: bool):
        _, depends, recommended, _ = self._record(index)
        for group in depends:
            yield True, group
        if recommends:
            for group in recommended:
                yield False, group


def _groups(text: str) -> tuple[tuple[tuple[int, bool, bool], ...], ...]:
    return tuple(tuple(_alternative(a) for a in group.split("|") if a != "~") for group in text.split())


def _alternative(text: str) -> tuple[int, bool, bool]:
    """`id` (the real package or a provider), `!id` (only the real package), `^id` (only a provider)."""
    if text[0] == "!":
        return int(text[1:], 36), True, False
    if text[0] == "^":
        return int(text[1:], 36), False, True
    return int(text, 36), True, True
