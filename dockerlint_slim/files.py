"""Reading files that someone else may have crafted (a Dockerfile, an ignore file, a config in a pull request):
regular files only, never more than a cap, and no hang on a FIFO or a device put in a file's place."""

from __future__ import annotations

import os
import stat


def read_regular_file(path: str, limit: int, follow_links: bool = True) -> bytes | None:
    """At most `limit` bytes of `path`, or None when it is not a regular file (a FIFO, a device, a folder). The type
    is checked on the opened descriptor, so a file swapped for a FIFO after a check cannot hang the read. Without
    `follow_links`, a link in the file's place fails to open (ELOOP) instead of being followed."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    if not follow_links:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    descriptor = os.open(path, flags)
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
