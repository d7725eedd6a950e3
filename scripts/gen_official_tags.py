#!/usr/bin/env python3
"""Build the table of Docker official image tags that the rules consult offline.

Usage:
    python scripts/gen_official_tags.py OFFICIAL_IMAGES [--docs DOCS] [--output PATH]

OFFICIAL_IMAGES is a clone of https://github.com/docker-library/official-images (a checkout or a bare git
directory; a plain directory holding `library/` works too, without history). Every version of every
`library/<repository>` file in the history of HEAD is read (`git log -m --raw`, so versions made by merges count
too), so tags that were published once and dropped later (`python:3.8-slim-buster`, `node:14-alpine`,
`openjdk:11-jdk-slim`) are known as well as the current ones. Docker Hub keeps such tags pullable, but nobody
rebuilds them any more.

DOCS, optional, is a clone of https://github.com/docker-library/docs: a repository whose docs carry a
`deprecated.md` notice gets a `notice` entry listing the official images the notice links to as alternatives
(`openjdk` -> `amazoncorretto`, `eclipse-temurin`, ...). Such a notice can concern the whole image (openjdk,
mongo-express) or only some of its tags (amazonlinux), so it is kept as "there is a notice", not "deprecated".

Library files come in two formats, both handled:
  * RFC 2822-like paragraphs (since 2016): `Tags: a, b, c` and `SharedTags: x, y` fields, one paragraph per image;
    lines starting with white space continue the previous field.
  * the older line format: `<tag>: <git url>@<ref> [<directory>]`, one tag per line.
Tokens that are not valid Docker tags (`-h2`, `1.1.0rc1 1.1rc1` from a missing comma: typos fixed in a later
commit, which no registry accepts as a tag) are dropped and counted on stderr.

Output: gzip-compressed UTF-8 JSON (gzip mtime 0, sorted keys: the same input gives the same bytes):

    {
      "format": 1,
      "source": {
        "official_images": {"url": ..., "licence": "Apache-2.0", "commit": <HEAD sha>, "date": <HEAD commit date>,
                            "history": true | false, "file_versions": <library file versions read>},
        "docs": {"url": ..., "licence": "MIT", "commit": ..., "date": ...}          # only with --docs
      },
      "repositories": {
        "<repository>": {
          "current": [["<tag list>", "<tag list>"], ...],
                                   # one pair per paragraph of the library file at HEAD, in file order: its
                                   # Tags (names of that one image) and its SharedTags (names of a multi-platform
                                   # list that also holds other paragraphs' images, e.g. Linux and Windows)
          "past": "<tag list>",    # listed at some earlier commit and not any more (sorted)
          "notice": ["<repository>", ...]
                                   # only if the docs have a deprecated.md for it: the official images that
                                   # notice names as alternatives (may be empty)
        }
      }
    }

A <tag list> is front-coded (`encode_tags` in dockerlint_slim/knowledge/official_tags.py): items `<n>:<rest>`
separated by single spaces, each tag being the first n characters of the previous tag followed by rest
(`0:3.12 4:-slim 9:-bookworm` is `3.12`, `3.12-slim`, `3.12-slim-bookworm`). Sorted tag lists share long
prefixes, so this makes the file about four times smaller than plain lists under gzip.

A repository whose library file was deleted (`java`, `centos`, `iojs`) has only `past` tags. Architectures,
directories and commits are not kept: the rules need only which tags exist and whether they are still updated.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from dockerlint_slim.knowledge.official_tags import decode_tags, encode_tags  # noqa: E402  (the codec lives there)

OFFICIAL_IMAGES_URL = "https://github.com/docker-library/official-images"
DOCS_URL = "https://github.com/docker-library/docs"
DEFAULT_OUTPUT = Path(__file__).resolve().parent.parent / "dockerlint_slim/knowledge/data/official_tags.json.gz"

# Docker's reference grammar: a tag is `[\w][\w.-]{0,127}`; a repository path component is lower-case.
TAG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")
REPOSITORY = re.compile(r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*")
# Old line format: `3.4.1: git://github.com/docker-library/docker-python@10eb8b1 3`. A line with an empty ref
# (`docs-slim: git://github.com/nodejs/docker-node@ docs/slim`) names nothing that could be built.
LINE_ENTRY = re.compile(r"^(\S+?)\s*:\s+(\S+://\S+@\S+)(?:\s+(\S+))?\s*$")
HUB_LINK = re.compile(r"hub\.docker\.com/_/([a-z0-9._-]+)")


class LibraryFile:
    """The tags one version of a `library/<repository>` file lists."""

    def __init__(self) -> None:
        self.paragraphs: list[tuple[list[str], list[str]]] = []  # (Tags, SharedTags) of each paragraph
        self.invalid: list[str] = []

    def all_tags(self) -> set[str]:
        return {tag for tags, shared in self.paragraphs for tag in tags + shared}


def parse_library_file(text: str) -> LibraryFile:
    parsed = LibraryFile()
    paragraph: dict[str, str] = {}
    last_key: str | None = None
    line_groups: dict[tuple[str, str], list[str]] = {}

    def close_paragraph() -> None:
        nonlocal paragraph
        tags = _tag_list(paragraph.get("Tags", ""), parsed)
        shared = [tag for tag in _tag_list(paragraph.get("SharedTags", ""), parsed) if tag not in tags]
        if tags or shared:
            parsed.paragraphs.append((tags, shared))
        paragraph = {}

    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            close_paragraph()
            last_key = None
            continue
        if stripped.startswith("#"):
            continue
        if line[0].isspace():
            if last_key is not None:  # continuation of a multi-line field
                paragraph[last_key] += " " + stripped
            continue
        entry = LINE_ENTRY.match(stripped)
        if entry and entry.group(1) not in ("Tags", "SharedTags", "GitRepo", "GitFetch"):
            tag = entry.group(1)
            group = line_groups.setdefault((entry.group(2), entry.group(3) or ""), [])
            if not TAG.fullmatch(tag):
                parsed.invalid.append(tag)
            elif tag not in group:
                group.append(tag)
            last_key = None
            continue
        key, colon, value = stripped.partition(":")
        if not colon:
            last_key = None  # a stray line: not a field
            continue
        last_key = key.strip()
        paragraph[last_key] = value.strip()
    close_paragraph()
    parsed.paragraphs.extend((tags, []) for tags in line_groups.values())
    return parsed


def _tag_list(value: str, parsed: LibraryFile) -> list[str]:
    tags = []
    for token in value.split(","):
        token = token.strip()
        if not token:
            continue
        if TAG.fullmatch(token):
            if token not in tags:
                tags.append(token)
        else:
            parsed.invalid.append(token)
    return tags


# ---------------------------------------------------------------------------------------------------------------
# Reading a clone


def _git(repo: Path, *args: str) -> bytes:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True).stdout


def _is_git(repo: Path) -> bool:
    try:
        return _git(repo, "rev-parse", "--git-dir").strip() != b""
    except (subprocess.CalledProcessError, FileNotFoundError):
        return False


def _head(repo: Path) -> tuple[str, str]:
    sha, date = _git(repo, "log", "-1", "--format=%H %cI", "HEAD", "--").decode().split()
    return sha, date


def _library_versions(repo: Path) -> tuple[dict[str, str], dict[str, set[str]]]:
    """(repository -> blob at HEAD, repository -> every blob it ever had in the history of HEAD)."""
    head: dict[str, str] = {}
    for line in _git(repo, "ls-tree", "HEAD", "--", "library/").decode().splitlines():
        meta, path = line.split("\t", 1)
        mode, kind, blob = meta.split()
        name = path.split("/", 1)[1]
        if kind == "blob" and REPOSITORY.fullmatch(name):
            head[name] = blob
    history: dict[str, set[str]] = {}
    raw = _git(repo, "log", "-m", "--raw", "--no-abbrev", "--no-renames", "--format=", "HEAD", "--", "library/")
    for line in raw.decode().splitlines():
        if not line.startswith(":"):
            continue
        meta, path = line.split("\t", 1)
        blob = meta.split()[3]
        directory, _, name = path.partition("/")
        if directory == "library" and REPOSITORY.fullmatch(name) and blob.strip("0"):
            history.setdefault(name, set()).add(blob)
    for name, blob in head.items():
        history.setdefault(name, set()).add(blob)
    return head, history


def _read_blobs(repo: Path, blobs: set[str]) -> dict[str, str]:
    request = "".join(blob + "\n" for blob in sorted(blobs)).encode()
    out = subprocess.run(["git", "-C", str(repo), "cat-file", "--batch"], input=request, check=True,
                         capture_output=True).stdout
    texts: dict[str, str] = {}
    stream = io.BytesIO(out)
    for _ in range(len(blobs)):
        header = stream.readline().split()
        if len(header) != 3:
            raise SystemExit(f"cannot read blob {header!r} from {repo}")
        size = int(header[2])
        texts[header[0].decode()] = stream.read(size).decode("utf-8", "replace")
        stream.read(1)  # the newline after each object
    return texts


def collect(official_images: Path) -> tuple[dict[str, dict], dict]:
    """repository -> {"current", "past"}, and the source description."""
    invalid: Counter[str] = Counter()
    repositories: dict[str, dict] = {}
    if _is_git(official_images):
        sha, date = _head(official_images)
        head, history = _library_versions(official_images)
        texts = _read_blobs(official_images, set().union(*history.values()))
        source = {"url": OFFICIAL_IMAGES_URL, "licence": "Apache-2.0", "commit": sha, "date": date,
                  "history": True, "file_versions": sum(len(blobs) for blobs in history.values())}
        files = {name: ([texts[head[name]]] if name in head else [], [texts[blob] for blob in sorted(blobs)])
                 for name, blobs in history.items()}
    else:
        library = official_images / "library"
        if not library.is_dir():
            raise SystemExit(f"{official_images}: neither a git clone nor a directory with library/")
        files = {}
        for path in sorted(library.iterdir()):
            if path.is_file() and REPOSITORY.fullmatch(path.name):
                text = path.read_text(encoding="utf-8", errors="replace")
                files[path.name] = ([text], [text])
        source = {"url": OFFICIAL_IMAGES_URL, "licence": "Apache-2.0", "commit": None, "date": None,
                  "history": False, "file_versions": len(files)}
    for name, (head_texts, all_texts) in sorted(files.items()):
        seen: set[str] = set()
        for text in all_texts:
            parsed = parse_library_file(text)
            seen |= parsed.all_tags()
            invalid.update(f"{name}:{token}" for token in parsed.invalid)
        paragraphs = parse_library_file(head_texts[0]).paragraphs if head_texts else []
        current = {tag for tags, shared in paragraphs for tag in tags + shared}
        if not seen:
            continue
        repositories[name] = {"current": [[encode_tags(tags), encode_tags(shared)] for tags, shared in paragraphs],
                              "past": encode_tags(sorted(seen - current))}
    if invalid:
        print(f"dropped {sum(invalid.values())} tokens that are not valid tags, e.g. "
              + ", ".join(sorted(invalid)[:8]), file=sys.stderr)
    return repositories, source


def collect_notices(docs: Path, known: set[str]) -> tuple[dict[str, list[str]], dict]:
    """repository -> official images its deprecated.md links to, for every repository that has one."""
    notices: dict[str, list[str]] = {}
    if _is_git(docs):
        sha, date = _head(docs)
        names = _git(docs, "ls-tree", "-r", "--name-only", "HEAD", "--").decode().splitlines()
        paths = [name for name in names if name.count("/") == 1 and name.endswith("/deprecated.md")]
        texts = {path: _git(docs, "show", f"HEAD:{path}").decode("utf-8", "replace") for path in paths}
    else:
        sha = date = None
        texts = {f"{path.parent.name}/deprecated.md": path.read_text(encoding="utf-8", errors="replace")
                 for path in sorted(docs.glob("*/deprecated.md"))}
    for path, text in sorted(texts.items()):
        name = path.split("/")[0]
        if name not in known:
            continue
        alternatives: list[str] = []
        for linked in HUB_LINK.findall(text):
            if linked in known and linked != name and linked not in alternatives:
                alternatives.append(linked)
        notices[name] = alternatives
    return notices, {"url": DOCS_URL, "licence": "MIT", "commit": sha, "date": date}


def build(official_images: Path, docs: Path | None) -> dict:
    repositories, source = collect(official_images)
    sources = {"official_images": source}
    if docs is not None:
        notices, sources["docs"] = collect_notices(docs, set(repositories))
        for name, alternatives in notices.items():
            repositories[name]["notice"] = alternatives
    return {"format": 1, "source": sources, "repositories": repositories}


def write(table: dict, output: Path) -> int:
    payload = json.dumps(table, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, compresslevel=9, mtime=0) as stream:
        stream.write(payload)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(buffer.getvalue())
    return len(buffer.getvalue())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("official_images", type=Path, help="clone of docker-library/official-images")
    parser.add_argument("--docs", type=Path, help="clone of docker-library/docs (deprecation notices)")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    table = build(args.official_images, args.docs)
    size = write(table, args.output)
    repositories = table["repositories"]
    current = sum(len({tag for pair in r["current"] for text in pair for tag in decode_tags(text)})
                  for r in repositories.values())
    past = sum(len(decode_tags(r["past"])) for r in repositories.values())
    print(f"{args.output}: {size} bytes, {len(repositories)} repositories, {current} current tags, "
          f"{past} past tags, from {table['source']['official_images']['commit']}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
