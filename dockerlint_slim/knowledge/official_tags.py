"""Which tags the Docker official images have, which are still updated, and their variants.

The table (`data/official_tags.json.gz`, built by `scripts/gen_official_tags.py` from the history of
docker-library/official-images; its docstring describes the format) knows every tag that any version of a
`library/<repository>` file listed: current tags (still rebuilt) and past ones (still pullable from Docker Hub, no
longer updated). It is read on first use only, never when the command line starts. Tag names come from
docker-library/official-images (Apache-2.0), deprecation notices from docker-library/docs (MIT); `source()` names
the commits the table was built from.

Repository names are expected normalised (`python`, not `docker.io/library/python`). Every function answers
None or an empty result for a repository that is not an official image and for a tag that is not a valid Docker
tag (template placeholders such as `%%TAG%%`, `${TAG}` or `{{ .Tag }}`): no answer, rather than a wrong one.

Variants. A tag is a version part and variant words joined by dashes: `1.25-alpine-perl`, `5.38-slim-threaded`,
`3.8-slim-buster`. The version part is every token that is a number (`3.8`, `8u212`, `20240423`, `v2.10`), wherever
it stands (`25-jdk-alpine-3.24` is version `25`, `3.24`), and the pre-release marks right after one (`27-rc`,
`28-ea-11`, `10.1.0-M10`); the other tokens are the variant words, taken
as a set (`latest` counts as no word: `python:latest` and `python:slim` differ by `slim` alone). The order in which a
repository spells its words (`alpine-perl` for nginx, `slim-threaded` for perl, `bookworm-slim` for debian) is never
computed: a lookup asks for a version and a set of words, and the answer is a tag spelled as the library file
spelled it, or nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

DATA_FILE = Path(__file__).resolve().parent / "data" / "official_tags.json.gz"

# Docker's reference grammar for a tag.
_VALID_TAG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")
_NUMBER = re.compile(r"v?\d")
# Pre-release marks that belong to the version they follow: `3.13-rc`, `27-rc`, `28-ea`, `2.9-dev`, `10.1.0-M10`,
# `8u402-b06`, `1.0-beta.1`.
_PRE_RELEASE = re.compile(r"(?i)(?:rc|beta|alpha|ea|dev|preview)(?:\.?\d+)*|[abm]\.?\d+(?:\.\d+)*")
_MAJOR = re.compile(r"v?(\d+)")
# Words that change the C library or the operating system: a JRE suggested for a JDK keeps them as they are.
_PLATFORM_WORDS = ("alpine", "windowsservercore", "nanoserver")


# ---------------------------------------------------------------------------------------------------------------
# Tag lists in the data file: front coding, `<n>:<rest>` separated by spaces, where the tag is the first n
# characters of the previous tag followed by rest. Sorted tag lists share long prefixes (`3.12.1-slim-bookworm`,
# `3.12.1-slim-bullseye`), so this shrinks the shipped file about four times.


def encode_tags(tags: Iterable[str]) -> str:
    items = []
    previous = ""
    for tag in tags:
        shared = 0
        limit = min(len(previous), len(tag))
        while shared < limit and previous[shared] == tag[shared]:
            shared += 1
        items.append(f"{shared}:{tag[shared:]}")
        previous = tag
    return " ".join(items)


def decode_tags(text: str) -> list[str]:
    tags: list[str] = []
    previous = ""
    for item in text.split(" ") if text else ():
        shared, _, rest = item.partition(":")
        previous = previous[: int(shared)] + rest
        tags.append(previous)
    return tags


# ---------------------------------------------------------------------------------------------------------------
# Tag shapes


@dataclass(frozen=True)
class TagShape:
    version: tuple[str, ...]  # `("3.8",)` for `3.8-slim-buster`, `()` for `slim` or `latest`
    words: frozenset[str]  # `{"slim", "buster"}`


def tag_shape(tag: str) -> TagShape:
    version: list[str] = []
    words: set[str] = set()
    after_number = False
    for token in tag.split("-"):
        if _NUMBER.match(token) or (after_number and _PRE_RELEASE.fullmatch(token)):
            version.append(token)
            after_number = True
            continue
        after_number = False
        if token and token != "latest":
            words.add(token)
    return TagShape(tuple(version), frozenset(words))


@dataclass(frozen=True)
class Variant:
    tag: str
    words: frozenset[str]
    current: bool  # still listed, so still rebuilt; False: pullable but no longer updated


# ---------------------------------------------------------------------------------------------------------------
# The table, read on first use


class _Repository:
    def __init__(self, entry: dict) -> None:
        # tag -> the current paragraphs (Tags + SharedTags) that list it; a shared tag is in several
        self.paragraphs_of: dict[str, list[tuple[str, ...]]] = {}
        for encoded_tags, encoded_shared in entry.get("current", ()):
            paragraph = tuple(decode_tags(encoded_tags) + decode_tags(encoded_shared))
            for tag in paragraph:
                self.paragraphs_of.setdefault(tag, []).append(paragraph)
        self.current = frozenset(self.paragraphs_of)
        self.past = frozenset(decode_tags(entry.get("past", "")))
        notice = entry.get("notice")
        self.notice: tuple[str, ...] | None = tuple(notice) if notice is not None else None
        self._lines: dict[tuple[str, ...], dict[frozenset[str], list[str]]] | None = None

    def exists(self, tag: str) -> bool:
        return tag in self.current or tag in self.past

    def lines(self) -> dict[tuple[str, ...], dict[frozenset[str], list[str]]]:
        """version -> word set -> tags (several when aliases differ only in order or by `latest`)."""
        if self._lines is None:
            lines: dict[tuple[str, ...], dict[frozenset[str], list[str]]] = {}
            for tag in sorted(self.current | self.past):
                shape = tag_shape(tag)
                lines.setdefault(shape.version, {}).setdefault(shape.words, []).append(tag)
            self._lines = lines
        return self._lines


_table: dict | None = None
_repositories: dict[str, _Repository] = {}


def _load() -> dict:
    global _table
    if _table is None:
        import gzip
        import json

        with gzip.open(DATA_FILE, "rt", encoding="utf-8") as stream:
            _table = json.load(stream)
    return _table


def _repository(name: str) -> _Repository | None:
    repository = _repositories.get(name)
    if repository is None:
        entry = _load()["repositories"].get(name)
        if entry is None:
            return None
        repository = _repositories[name] = _Repository(entry)
    return repository


def _answerable(name: str, tag: str) -> _Repository | None:
    if not isinstance(tag, str) or not _VALID_TAG.fullmatch(tag):
        return None
    return _repository(name)


# ---------------------------------------------------------------------------------------------------------------
# Public API


def source() -> dict:
    """Where the table comes from: `{"official_images": {"commit", "date", "history", ...}, "docs": {...}}`."""
    return _load()["source"]


def repositories() -> tuple[str, ...]:
    """Every official image repository the table knows, including removed ones (`java`, `centos`)."""
    return tuple(sorted(_load()["repositories"]))


def known_repository(name: str) -> bool:
    return _repository(name) is not None


def tag_exists(name: str, tag: str) -> bool | None:
    """Whether `name:tag` was ever published (current or past); None when there is no answer."""
    repository = _answerable(name, tag)
    return None if repository is None else repository.exists(tag)


def tag_is_current(name: str, tag: str) -> bool | None:
    """Whether `name:tag` is still listed (still rebuilt); None when there is no answer."""
    repository = _answerable(name, tag)
    return None if repository is None else tag in repository.current


def aliases(name: str, tag: str) -> tuple[str, ...]:
    """The other current tags listed with `tag` (`debian:latest` -> `trixie`, `13`, `trixie-<date>`, ...).

    For a shared tag (a multi-platform list) that is every paragraph it spans: `python:3` names a Linux image and
    Windows images, so its aliases are the tags of all of them, Linux first as the library file orders them.
    """
    repository = _answerable(name, tag)
    if repository is None:
        return ()
    found: dict[str, None] = {}
    for paragraph in repository.paragraphs_of.get(tag, ()):
        found.update(dict.fromkeys(alias for alias in paragraph if alias != tag))
    return tuple(found)


def variants(name: str, tag: str) -> tuple[Variant, ...]:
    """Every other tag with the same version part as `tag`, current ones first, then by fewest words.

    `nginx:1.25-perl` -> `1.25`, `1.25-alpine`, `1.25-alpine-perl`, `1.25-bookworm-perl`, ... The tag itself need not
    exist: its version part is what counts.
    """
    repository = _answerable(name, tag)
    if repository is None:
        return ()
    found = [
        Variant(other, words, other in repository.current)
        for words, tags in repository.lines().get(tag_shape(tag).version, {}).items()
        for other in tags
        if other != tag
    ]
    found.sort(key=lambda variant: (not variant.current, len(variant.words), len(variant.tag), variant.tag))
    return tuple(found)


def variant(name: str, tag: str, add: Iterable[str] = (), remove: Iterable[str] = ()) -> str | None:
    """The real tag of the same version as `tag` whose words are `tag`'s words minus `remove` plus `add`.

    `variant("perl", "5.38-threaded", add={"slim"})` -> `5.38-slim-threaded`;
    `variant("debian", "bookworm-backports", add={"slim"})` -> None (no such tag).
    When `tag` is current only a current tag is an answer (a tag nobody rebuilds is no advice for a maintained
    one); when `tag` is past, a past tag is an answer too, a current one preferred.
    """
    repository = _answerable(name, tag)
    if repository is None:
        return None
    shape = tag_shape(tag)
    wanted = (shape.words - frozenset(remove)) | frozenset(add)
    candidates = [other for other in repository.lines().get(shape.version, {}).get(wanted, ()) if other != tag]
    current = [other for other in candidates if other in repository.current]
    if tag in repository.current:
        candidates = current
    if not candidates:
        return None
    return min(current or candidates, key=lambda other: (len(other), other))


def notice_alternatives(name: str) -> tuple[str, ...] | None:
    """None when the image's docs carry no deprecation notice; otherwise the official images the notice names as
    alternatives (`openjdk` -> `amazoncorretto`, `eclipse-temurin`, ...; often none). A notice may concern only some
    tags of an image (amazonlinux's is about its `1` and `2018.03` tags)."""
    repository = _repository(name)
    return None if repository is None else repository.notice


def jre_tags(name: str, tag: str, repository: str | None = None) -> tuple[str, ...]:
    """Current JRE tags (word `jre`) of `repository` (default `name`) for the Java release of the JDK `name:tag`.

    The Java release is the first number of the tag (`11` in `openjdk:11.0.16-jdk-slim`, `8` in `8u212-jdk`), so
    this is for JDK images, whose tags start with it (not for `maven:3.9-eclipse-temurin-21`). Only rolling tags of
    that release (`11-jre`, not `11.0.22_7-jre`) that keep the C library and operating system (`alpine`, Windows)
    are returned, closest words first: `eclipse-temurin:21-jdk-jammy` -> `21-jre-jammy`, then `21-jre`, ...;
    `openjdk:11-jdk-stretch` in `eclipse-temurin` -> `11-jre`, `11-jre-jammy`, ...
    """
    target = _repository(repository or name)
    if _answerable(name, tag) is None or target is None:
        return ()
    shape = tag_shape(tag)
    version = shape.version
    if not version:  # `latest`, `jdk`: the release is that of a current alias which has one
        version = next((tag_shape(alias).version for alias in aliases(name, tag) if tag_shape(alias).version), ())
    major = _MAJOR.match(version[0]) if version else None
    if major is None:
        return ()
    ignored = frozenset({"jdk", "jre"})
    platform = _platform(shape.words)
    found = []
    for words, tags in target.lines().get((major.group(1),), {}).items():
        if "jre" not in words or _platform(words) != platform:
            continue
        distance = len((words ^ shape.words) - ignored)
        found.extend((distance, len(other), other) for other in tags if other in target.current)
    return tuple(other for _, _, other in sorted(found))


def _platform(words: frozenset[str]) -> frozenset[str]:
    return frozenset(family for family in _PLATFORM_WORDS for word in words if word.startswith(family))
