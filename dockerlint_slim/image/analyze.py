"""Read an image once, layer by layer, into the stacked accounting (plus what `--recover-dockerfile` needs)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from dockerlint_slim.image.archive import ImageRef, open_image
from dockerlint_slim.image.layers import FILE, HARDLINK, SYMLINK, Entry, iter_entries
from dockerlint_slim.image.stack import Stacker, StackResult

ADDED_FILES_KEPT = 25  # per COPY/ADD layer, for the recovered Dockerfile; the rest is only counted
_COPY_OR_ADD = re.compile(r"^(?:/bin/sh -c #\(nop\)\s*)?(COPY|ADD)\b")


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


def analyze(path: str, tag: str | None = None, platform: str | None = None) -> Analysis:
    """Raise ImageError for anything unreadable."""
    image, store = open_image(path, tag=tag, platform=platform)
    stacker = Stacker()
    added: dict[int, AddedFiles] = {}
    try:
        for layer in image.layers:
            with layer.opener() as raw:
                stream = iter_entries(raw, f"layer {layer.index} ({layer.blob})")
                entries: Iterable[Entry] = stream
                if _COPY_OR_ADD.match(layer.created_by.strip()):
                    added[layer.index] = AddedFiles()
                    entries = _recording(stream, added[layer.index])
                try:
                    stacker.add_layer(entries)
                finally:
                    stream.close()  # stops a decompression thread before `raw` is closed, whatever happened
    finally:
        store.close()
    return Analysis(image, stacker.result(), added)
