"""Reading files that someone else may have crafted (a Dockerfile, an ignore file, a config in a pull request):
regular files only, never more than a cap, and no hang on a FIFO or a device put in a file's place."""

from __future__ import annotations

import os
import stat


def read_regular_file(path: str, limit: int) -> bytes | None:
    """At most `limit` bytes of `path`, or None when it is not a regular file (a FIFO, a device, a folder). The type
    is checked on the opened descriptor, so a file swapped for a FIFO after a check cannot hang the read."""
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            return None
        chunks = []
        remaining = limit
        while remaining > 0:
            chunk = os.read(descriptor, min(remaining, 1024 * 1024))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)
    finally:
        os.close(descriptor)
