#!/usr/bin/env python3
"""Build slimlint's offline table of Debian packages from the archive's package indexes.

    python3 scripts/gen_debian_packages.py --mirror URL     # the archive URI of apt's sources (/etc/apt/sources.list*)
    python3 scripts/gen_debian_packages.py --index bullseye=Release,Packages.xz --index bookworm=... --index trixie=...

For each suite (Debian 11 bullseye, 12 bookworm, 13 trixie; component main, architecture amd64) it reads the
`Release` file and the `Packages` index, checks the index against the SHA256 the Release file lists for it, and
keeps what rule SL202 needs to replay apt's choice of packages offline: for every package its Installed-Size, its
Pre-Depends + Depends and Recommends as or-groups of names, the packages its Conflicts and Breaks hit, and for
every virtual name its providers in the order apt prefers them. Within one suite every name has one candidate version (the one the image has when it is
installed), so each version constraint is evaluated here once and stored as which of the real package and its
providers can satisfy that alternative; architecture qualifiers are dropped. The base image of each suite
(`debian:<suite>`: Priority required + Essential + apt, closed over Depends as debootstrap's minbase does) is
computed here and stored, so the loader does not need to.

Output: `dockerlint_slim/knowledge/data/debian_packages.json.xz` (format described in
`dockerlint_slim/knowledge/debian_packages.py`). Standard library only.
"""

from __future__ import annotations

import argparse
import datetime
import gzip
import hashlib
import json
import lzma
import re
import sys
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

SUITES = ("bullseye", "bookworm", "trixie")
COMPONENT = "main"
ARCHITECTURE = "amd64"
FORMAT = "slimlint-debian-packages/1"
DEFAULT_OUTPUT = Path(__file__).resolve().parent.parent / "dockerlint_slim/knowledge/data/debian_packages.json.xz"

# apt's Priority order (pkgCache::State::VerPriority): a lower number wins when apt chooses between providers.
PRIORITIES = {"required": 1, "important": 2, "standard": 3, "optional": 4, "extra": 5}
NOT_IN_BASE = frozenset({"usrmerge"})
# Feature and library names the Rust and Haskell packages provide by the ten thousand (`librust-serde+derive-dev`):
# kept only where some package depends on or recommends them; nobody names them in `apt-get install`.
_UNNAMED_VIRTUAL = re.compile(r"(librust|libghc)-")


@dataclass
class Package:
    name: str
    version: str
    installed_kib: int
    priority: int  # PRIORITIES value
    essential: bool
    important: bool  # `Important: yes` or `Protected: yes` (apt's Flag::Important)
    created: int  # when apt's cache generator creates this package: its ID (see package_creation_order)
    depends: list[list[Relation]] = field(default_factory=list)  # Pre-Depends then Depends, apt's order
    recommends: list[list[Relation]] = field(default_factory=list)
    conflicts: list[Relation] = field(default_factory=list)  # Conflicts and Breaks
    provides: list[Relation] = field(default_factory=list)


# -- reading the archive ------------------------------------------------------------------------------------------


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=120) as response:
        return response.read()


def parse_release(text: str) -> tuple[dict[str, str], dict[str, tuple[str, int]]]:
    """The Release file's fields and its SHA256 list (path -> (digest, size))."""
    fields: dict[str, str] = {}
    sha256: dict[str, tuple[str, int]] = {}
    section = None
    for line in text.splitlines():
        if line.startswith((" ", "\t")):
            if section == "SHA256":
                digest, size, path = line.split()
                sha256[path] = (digest, int(size))
            continue
        key, _, value = line.partition(":")
        section = key
        fields[key] = value.strip()
    return fields, sha256


def decompress(name: str, data: bytes) -> bytes:
    if name.endswith(".xz"):
        return lzma.decompress(data)
    if name.endswith(".gz"):
        return gzip.decompress(data)
    return data


def stanzas(text: str):
    """Yield each package stanza of a Packages file as {field: value} (continuation lines joined)."""
    for block in text.split("\n\n"):
        record: dict[str, str] = {}
        key = None
        for line in block.splitlines():
            if line.startswith((" ", "\t")):
                if key is not None:
                    record[key] += " " + line.strip()
                continue
            key, _, value = line.partition(":")
            record[key] = value.strip()
        if "Package" in record:
            yield record


_QUALIFIERS = re.compile(r"\([^)]*\)|\[[^\]]*\]|<[^>]*>")


@dataclass(frozen=True)
class Relation:
    """One alternative of a dependency (`b:any (>= 1)`) or one Provides entry (`c (= 2)`), architecture dropped."""

    name: str
    operator: str | None = None  # `<<`, `<=`, `=`, `>=`, `>>`
    version: str | None = None


_RELATION = re.compile(r"^\s*([^\s(:\[<]+)(?::\S+)?\s*(?:\(\s*([<>=]+)\s*([^\s)]+)\s*\))?")
_OPERATORS = {"<": "<=", ">": ">="}  # the obsolete spellings


def relation_groups(value: str) -> list[list[Relation]]:
    """`a (>= 1) | b:any, c` -> [[a >= 1, b], [c]] (architecture and profile qualifiers dropped)."""
    groups = []
    for group in value.split(","):
        alternatives: list[Relation] = []
        for alternative in group.split("|"):
            match = _RELATION.match(alternative)
            if not match or any(a.name == match.group(1) for a in alternatives):
                continue
            operator = match.group(2)
            alternatives.append(Relation(match.group(1), _OPERATORS.get(operator, operator), match.group(3)))
        if alternatives:
            groups.append(alternatives)
    return groups


def satisfies(version: str | None, relation: Relation) -> bool:
    """Whether a package (or Provides entry) at `version` satisfies `relation` (unversioned Provides satisfy only
    unversioned dependencies, as in apt)."""
    if relation.operator is None:
        return True
    if version is None:
        return False
    order = compare_versions(version, relation.version)
    return {"<<": order < 0, "<=": order <= 0, "=": order == 0, ">=": order >= 0, ">>": order > 0}.get(
        relation.operator, False
    )


# -- dpkg's version order (only needed where an index lists one package twice) --------------------------------------


def _order(char: str) -> int:
    if char == "~":
        return -1
    if char.isdigit():
        return 0
    if char.isalpha():
        return ord(char)
    return ord(char) + 256


def _compare_part(a: str, b: str) -> int:
    i = j = 0
    while i < len(a) or j < len(b):
        first_diff = 0
        while (i < len(a) and not a[i].isdigit()) or (j < len(b) and not b[j].isdigit()):
            ac = _order(a[i]) if i < len(a) else 0
            bc = _order(b[j]) if j < len(b) else 0
            if ac != bc:
                return ac - bc
            i += 1
            j += 1
        while i < len(a) and a[i] == "0":
            i += 1
        while j < len(b) and b[j] == "0":
            j += 1
        while i < len(a) and a[i].isdigit() and j < len(b) and b[j].isdigit():
            if not first_diff:
                first_diff = ord(a[i]) - ord(b[j])
            i += 1
            j += 1
        if i < len(a) and a[i].isdigit():
            return 1
        if j < len(b) and b[j].isdigit():
            return -1
        if first_diff:
            return first_diff
    return 0


def compare_versions(a: str, b: str) -> int:
    """dpkg --compare-versions as a sign: epoch, upstream version, Debian revision."""

    def split(version: str) -> tuple[int, str, str]:
        epoch, _, rest = version.rpartition(":") if ":" in version else ("0", "", version)
        upstream, _, revision = rest.rpartition("-") if "-" in rest else (rest, "", "0")
        return int(epoch or 0), upstream, revision

    ea, ua, ra = split(a)
    eb, ub, rb = split(b)
    if ea != eb:
        return ea - eb
    return _compare_part(ua, ub) or _compare_part(ra, rb)


# -- one suite ----------------------------------------------------------------------------------------------------


def read_suite(packages_text: str) -> dict[str, Package]:
    records = list(stanzas(packages_text))
    created = package_creation_order(records)
    packages: dict[str, Package] = {}
    for record in records:
        package = Package(
            name=record["Package"],
            version=record.get("Version", "0"),
            installed_kib=int(record.get("Installed-Size") or 0),
            # apt: an unknown word is extra; no Priority field at all leaves 0, which sorts before required
            priority=PRIORITIES.get(record["Priority"], PRIORITIES["extra"]) if "Priority" in record else 0,
            essential=record.get("Essential") == "yes",
            important="yes" in (record.get("Important"), record.get("Protected")),
            created=created[record["Package"]],
            depends=relation_groups(record.get("Pre-Depends", "")) + relation_groups(record.get("Depends", "")),
            recommends=relation_groups(record.get("Recommends", "")),
            conflicts=[g[0] for key in ("Conflicts", "Breaks") for g in relation_groups(record.get(key, ""))],
            provides=[group[0] for group in relation_groups(record.get("Provides", ""))],
        )
        previous = packages.get(package.name)
        # apt's candidate is the highest version (every version of one index has the same pin priority).
        if previous is None or compare_versions(package.version, previous.version) > 0:
            packages[package.name] = package
    return packages


_FIELDS_IN_APT_ORDER = ("Pre-Depends", "Depends", "Conflicts", "Breaks", "Recommends", "Suggests", "Replaces", "Enhances")
_NEGATIVE_FIELDS = frozenset({"Conflicts", "Breaks", "Replaces"})


def package_creation_order(records: list[dict[str, str]]) -> dict[str, int]:
    """The ID apt's cache generator gives each (native-architecture) package of one index, which apt uses as the
    last tie-break between providers of a virtual name (CompareProviders: "unable to decide", higher ID first).
    IDs count up as packages are created while the index is read in file order: the stanza's own package, then
    the targets of Pre-Depends, Depends, Conflicts, Breaks, Recommends, Suggests, Replaces and Enhances (a
    Conflicts/Breaks/Replaces target only when its name has no group yet; a `name:any` target is another package
    than the native `name`), then what it Provides (debListParser::NewVersion and NewDepends, single-architecture
    system)."""
    order: dict[str, int] = {}
    groups: set[str] = set()

    def create(name: str) -> None:
        groups.add(name)
        order.setdefault(name, len(order))

    for record in records:
        create(record["Package"])
        source = record.get("Source", "").split(" ")[0]
        if source:
            groups.add(source)
        for key in _FIELDS_IN_APT_ORDER:
            for group in _QUALIFIERS.sub("", record.get(key, "")).split(","):
                for alternative in group.split("|"):
                    name, _, qualifier = alternative.strip().partition(":")
                    name = name.strip()
                    if not name:
                        continue
                    if qualifier.strip() == "any" or (key in _NEGATIVE_FIELDS and name in groups):
                        groups.add(name)
                        continue
                    create(name)
        for group in relation_groups(record.get("Provides", "")):
            create(group[0].name)
    return order


def base_image_packages(packages: dict[str, Package]) -> set[str]:
    """What `debian:<suite>` has installed: debootstrap --variant=minbase installs the Priority: required
    packages, the Essential ones and apt, plus their Depends closure taking the first alternative that exists
    (virtual names resolved to a provider already chosen, else the first one). The image's /usr is merged by
    debootstrap itself, so `usrmerge | usr-is-merged` resolves to usr-is-merged (usrmerge would bring perl)."""
    providers: dict[str, list[str]] = {}
    for package in packages.values():
        for virtual in package.provides:
            providers.setdefault(virtual.name, []).append(package.name)
    chosen = {n for n, p in packages.items() if p.priority == PRIORITIES["required"] or p.essential} | {"apt"}
    queue = sorted(chosen)
    while queue:
        for group in packages[queue.pop()].depends:
            group = [relation.name for relation in group]
            if any(n in chosen or any(p in chosen for p in providers.get(n, ())) for n in group):
                continue
            for name in group:
                if name in NOT_IN_BASE:
                    continue
                target = name if name in packages else next(iter(sorted(providers.get(name, ()))), None)
                if target is not None:
                    chosen.add(target)
                    queue.append(target)
                    break
    return chosen


# -- the table ----------------------------------------------------------------------------------------------------


def encode(suites: dict[str, dict], generated: str) -> bytes:
    """The table the loader reads (format: see `dockerlint_slim/knowledge/debian_packages.py`). One name table
    for all suites, sorted, so that a package has the same id in every suite and xz finds the records that did not
    change between releases (the three suites together take little more than one alone)."""
    referenced = set()
    for data in suites.values():
        for package in data["packages"].values():
            referenced.update(r.name for group in package.depends + package.recommends for r in group)
    names = set(referenced)
    for data in suites.values():
        for package in data["packages"].values():
            names.add(package.name)
            names.update(r.name for r in package.provides if r.name in referenced or not _UNNAMED_VIRTUAL.match(r.name))
    names = sorted(names)
    ids = {name: index for index, name in enumerate(names)}

    out = {
        "format": FORMAT,
        "generated": generated,
        "generator": "scripts/gen_debian_packages.py",
        "licence": "Facts from Debian's package indexes (names, relations, sizes), as published by the archive.",
        "names": "\n".join(names),
        "suites": {},
    }
    for suite, data in suites.items():
        packages: dict[str, Package] = data["packages"]
        provided: dict[str, list[str]] = {}  # name -> the packages that Provide it
        versions: dict[str, list[str | None]] = {}  # name -> the versions they Provide it at
        for package in packages.values():
            for entry in package.provides:
                provided.setdefault(entry.name, []).append(package.name)
                versions.setdefault(entry.name, []).append(entry.version)

        def alternative(relation: Relation) -> str | None:
            """The name's id when this alternative is satisfied as an unversioned one would be (by the real package
            or any provider); `!id` when only the real package's version satisfies it, `^id` when only what the
            providers provide does (`node-tap-parser` Provides `node-yaml (= 1.10.2)` but Depends on
            `node-yaml (>= 2.0.1~)`); None when nothing in the suite does (`fdisk | util-linux (<< 2.29.2)`: the
            second alternative is dead, so apt installs fdisk even though util-linux is installed)."""
            text = _base36(ids[relation.name])
            if relation.operator is None:
                return text
            real = packages.get(relation.name)
            real_ok = real is not None and satisfies(real.version, relation)
            providers_ok = any(satisfies(v, relation) for v in versions.get(relation.name, ()))
            if real_ok and (providers_ok or not versions.get(relation.name)):
                return text
            if real_ok:
                return "!" + text
            if providers_ok:
                return "^" + text
            return None

        def conflicting(package: Package) -> list[str]:
            """The packages of the suite that package's Conflicts and Breaks hit at their candidate versions: the
            real package of the name and the providers of it (apt ignores a package's conflict with itself)."""
            hit = []
            for relation in package.conflicts:
                real = packages.get(relation.name)
                if real is not None and satisfies(real.version, relation):
                    hit.append(relation.name)
                for owner, version in zip(provided.get(relation.name, ()), versions.get(relation.name, ())):
                    if relation.operator is None or satisfies(version, relation):
                        hit.append(owner)
            return sorted(set(hit) - {package.name})

        def groups(value: list[list[Relation]]) -> str:
            encoded = []
            for group in value:
                alternatives = [a for a in map(alternative, group) if a is not None]
                encoded.append("|".join(alternatives) or "~")  # `~`: nothing in the suite satisfies the group
            return " ".join(encoded)

        records = []
        for name in names:
            package = packages.get(name)
            records.append(
                f"{_base36(package.installed_kib)} {groups(package.depends)};{groups(package.recommends)};"
                + " ".join(_base36(ids[n]) for n in conflicting(package))
                if package
                else ""
            )
        providers = {
            virtual: list(dict.fromkeys(owners)) for virtual, owners in provided.items() if virtual in ids
        }

        def apt_preference(name: str) -> tuple:
            """apt's CompareProviders between packages not installed yet, minus what depends on the dependency
            (the real package of the dependency's name first: the loader knows that one)."""
            p = packages[name]
            return (not p.essential, not p.important, p.priority, -p.created)

        out["suites"][suite] = {
            "source": data["source"],
            "base": " ".join(_base36(ids[n]) for n in sorted(data["base"])),
            "records": "\n".join(records).rstrip("\n"),
            "provides": "\n".join(
                " ".join(_base36(ids[n]) for n in [virtual, *sorted(providers[virtual], key=apt_preference)])
                for virtual in sorted(providers)
            ),
        }
    text = json.dumps(out, separators=(",", ":")).encode()
    return lzma.compress(text, preset=9 | lzma.PRESET_EXTREME)


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    text = ""
    while True:
        number, rest = divmod(number, 36)
        text = digits[rest] + text
        if not number:
            return text


# -- command line -------------------------------------------------------------------------------------------------


def load_suite(suite: str, release: bytes, index_name: str, index: bytes) -> dict:
    fields, sha256 = parse_release(release.decode("utf-8"))
    key = f"{COMPONENT}/binary-{ARCHITECTURE}/{Path(index_name).name}"
    expected = sha256.get(key)
    actual = hashlib.sha256(index).hexdigest()
    if expected is None or expected[0] != actual:
        raise SystemExit(f"error: {suite}: {key} does not match the SHA256 its Release file lists")
    if fields.get("Codename") != suite:
        raise SystemExit(f"error: the Release file given for {suite} is for {fields.get('Codename')!r}")
    packages = read_suite(decompress(index_name, index).decode("utf-8"))
    base = base_image_packages(packages)
    source = {
        "origin": fields.get("Origin", ""),
        "suite": suite,
        "version": fields.get("Version", ""),
        "date": fields.get("Date", ""),
        "release_sha256": hashlib.sha256(release).hexdigest(),
        "index": key,
        "index_sha256": actual,
        "packages": len(packages),
    }
    return {"packages": packages, "base": base, "source": source}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mirror", help="Debian archive URL, as in apt's sources (the one that has dists/ and pool/)")
    parser.add_argument(
        "--index",
        action="append",
        default=[],
        metavar="SUITE=RELEASE,PACKAGES",
        help="read a suite from local files: its Release file and its main/binary-amd64 Packages(.xz|.gz)",
    )
    parser.add_argument("--suite", action="append", help=f"suites to fetch from --mirror (default: {' '.join(SUITES)})")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    if not args.mirror and not args.index:
        parser.error("give --mirror URL or --index SUITE=RELEASE,PACKAGES")

    suites: dict[str, dict] = {}
    for spec in args.index:
        suite, _, files = spec.partition("=")
        release_path, _, packages_path = files.partition(",")
        if not suite or not release_path or not packages_path:
            parser.error(f"--index {spec!r}: expected SUITE=RELEASE,PACKAGES")
        suites[suite] = load_suite(suite, Path(release_path).read_bytes(), packages_path, Path(packages_path).read_bytes())
    if args.mirror:
        mirror = args.mirror.rstrip("/")
        for suite in args.suite or SUITES:
            if suite in suites:
                continue
            release = fetch(f"{mirror}/dists/{suite}/Release")
            index_name = f"{COMPONENT}/binary-{ARCHITECTURE}/Packages.xz"
            index = fetch(f"{mirror}/dists/{suite}/{index_name}")
            suites[suite] = load_suite(suite, release, index_name, index)
            print(f"{suite}: {suites[suite]['source']['packages']} packages", file=sys.stderr)

    ordered = {s: suites[s] for s in sorted(suites, key=lambda s: (SUITES + (s,)).index(s))}
    generated = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
    data = encode(ordered, generated)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_bytes(data)
    for suite, value in ordered.items():
        print(f"{suite}: {len(value['base'])} packages in the base image", file=sys.stderr)
    print(f"wrote {args.output} ({len(data):,} bytes)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
