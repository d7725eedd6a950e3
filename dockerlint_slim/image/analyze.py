"""Read an image once, layer by layer, into the stacked accounting (plus what `--recover-dockerfile` needs)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from dockerlint_slim.image.archive import ImageRef
from dockerlint_slim.image.stack import Stacker, StackResult
from dockerlint_slim.image.tar_stream import FILE, HARDLINK, SYMLINK, Entry, InflateBudget

ADDED_FILES_KEPT = 25  # per COPY/ADD layer, for the recovered Dockerfile; the rest is only counted
_COPY_OR_ADD = re.compile(r"^(?:/bin/sh -c #\(nop\)\s*)?(COPY|ADD)\b")
DEFAULT_MAX_INFLATE = 64 * 1024**3  # decompressed bytes per image (--max-inflate)


@dataclass
class AddedFiles:
    """What one COPY/ADD layer put in the image (the first files by name, and totals)."""

    files: list[tuple[str, int]] = field(default_factory=list)
    count: int = 0
    bytes: int = 0


@dataclass
class Analysis:
    image: ImageRef
    result: StackResult
    added: dict[int, AddedFiles]  # layer index -> files, for COPY/ADD layers


def _recording(entries: Iterable[Entry], added: AddedFiles) -> Iterator[Entry]:
    for entry in entries:
        if entry.kind in (FILE, SYMLINK, HARDLINK):
            added.count += 1
            added.bytes += entry.size
            if len(added.files) < ADDED_FILES_KEPT:
                added.files.append((entry.path, entry.size))
        yield entry


class _StackingSink:
    """Stacks each layer as the reader hands it over; records what every layer adds (kept for COPY/ADD layers
    once the history says which those are: a streamed layer may come before the config)."""

    def __init__(self) -> None:
        self.stacker = Stacker()
        self.added: dict[int, AddedFiles] = {}

    def layer(self, index: int, entries: Iterator[Entry]) -> None:
        added = self.added[index] = AddedFiles()
        self.stacker.add_layer(_recording(entries, added))


def analyze(reference: str, tag: str | None = None, platform: str | None = None,
            max_inflate: int | None = DEFAULT_MAX_INFLATE, source: str | None = None,
            insecure: bool = False) -> Analysis:
    """Read the image from wherever `reference` and `source` say (see image.sources); raise ImageError for
    anything unreadable."""
    from dockerlint_slim.image.sources import read

    sink = _StackingSink()
    image = read(reference, source, sink, tag, platform, InflateBudget(max_inflate), insecure)
    added = {layer.index: sink.added[layer.index] for layer in image.layers
             if layer.index in sink.added and _COPY_OR_ADD.match(layer.created_by.strip())}
    return Analysis(image, sink.stacker.result(), added)
