"""Stream the entries of one layer tar: decompression by magic bytes, whiteout markers decoded, no data kept.

Uncompressed layers opened from a seekable source are read in tarfile's random-access mode, which seeks over file
data (headers only: a 1 GB layer costs a few reads); compressed layers are decompressed once as a stream (`r|gz`).
Either way only the current header is in memory: tarfile's member list is cleared as we go.
"""

from __future__ import annotations

import io
import posixpath
import tarfile
import zlib
from dataclasses import dataclass
from typing import IO, Iterator

from dockerlint_slim.image.archive import ImageError

FILE, DIR, SYMLINK, HARDLINK, OTHER, WHITEOUT, OPAQUE = "file", "dir", "symlink", "hardlink", "other", "whiteout", "opaque"
WHITEOUT_PREFIX = ".wh."
OPAQUE_MARKER = ".wh..wh..opq"
STREAM_BUFFER = 1 << 20  # decompression read size: fewer Python-level calls per GB

GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
BZIP2_MAGIC = b"BZh"
XZ_MAGIC = b"\xfd7zXZ\x00"


@dataclass(slots=True)
class Entry:
    """One layer entry. `path` is absolute and normalized (`/etc/passwd`); for WHITEOUT it is the deleted path,
    for OPAQUE the directory whose lower contents are hidden; `link` is a normalized hard-link target or the raw
    symlink target."""

    path: str
    kind: str
    size: int = 0
    link: str = ""


def normalize(name: str) -> str:
    return posixpath.normpath("/" + name) if name else "/"


def _zstd_reader(raw: IO[bytes]) -> IO[bytes]:
    """A decompressing reader, from the stdlib (3.14+) or its backport; zstd is optional."""
    try:
        from compression import zstd  # type: ignore[import-not-found]  # Python 3.14+
    except ImportError:
        try:
            from backports import zstd  # type: ignore[import-not-found,no-redef]
        except ImportError:
            raise ImageError("zstd layers are not supported: install backports.zstd (Python < 3.14) "
                             "or re-save the image with gzip layers") from None
    return zstd.ZstdFile(raw, "rb")


def _open_tar(raw: IO[bytes]) -> tarfile.TarFile:
    reader = raw if hasattr(raw, "peek") else io.BufferedReader(raw)  # type: ignore[arg-type]
    magic = reader.peek(8)[:8]
    if magic.startswith(GZIP_MAGIC):
        return tarfile.open(fileobj=reader, mode="r|gz", bufsize=STREAM_BUFFER)
    if magic.startswith(ZSTD_MAGIC):
        return tarfile.open(fileobj=_zstd_reader(reader), mode="r|", bufsize=STREAM_BUFFER)
    if magic.startswith(BZIP2_MAGIC):
        return tarfile.open(fileobj=reader, mode="r|bz2", bufsize=STREAM_BUFFER)
    if magic.startswith(XZ_MAGIC):
        return tarfile.open(fileobj=reader, mode="r|xz", bufsize=STREAM_BUFFER)
    if reader.seekable():
        return tarfile.open(fileobj=reader, mode="r:")
    return tarfile.open(fileobj=reader, mode="r|", bufsize=STREAM_BUFFER)


def _entry(info: tarfile.TarInfo) -> Entry | None:
    path = normalize(info.name)
    if path == "/":
        return None  # the root directory itself
    parent, name = posixpath.split(path)
    if name.startswith(WHITEOUT_PREFIX):
        if name == OPAQUE_MARKER:
            return Entry(parent, OPAQUE)
        if name.startswith(WHITEOUT_PREFIX + WHITEOUT_PREFIX):
            return None  # other aufs metadata (.wh..wh.plnk, .wh..wh.aufs): not part of the file system
        return Entry(posixpath.join(parent, name[len(WHITEOUT_PREFIX):]), WHITEOUT)
    if info.isdir():
        return Entry(path, DIR)
    if info.islnk():
        return Entry(path, HARDLINK, 0, normalize(info.linkname))
    if info.issym():
        return Entry(path, SYMLINK, 0, info.linkname)
    if info.isreg():
        return Entry(path, FILE, info.size)
    return Entry(path, OTHER)  # devices, fifos: no data


def _check_end(tar: tarfile.TarFile, label: str) -> None:
    """tarfile ends the iteration, silently, at a truncated or invalid header after the first one; a layer cut
    short would then look smaller than it is. A real end is zero blocks (or nothing: a missing trailer, which Go's
    archive/tar accepts as well)."""
    handle = tar.fileobj
    if hasattr(handle, "seekable") and handle.seekable() and not isinstance(handle, tarfile._Stream):
        handle.seek(tar.offset)
        block = handle.read(tarfile.BLOCKSIZE)
        if block and (len(block) < tarfile.BLOCKSIZE or block.strip(b"\0")):
            raise ImageError(f"{label}: malformed layer (truncated or invalid tar header at byte {tar.offset})")
        return
    while True:  # a stream: whatever follows the end marker must be zero padding
        chunk = handle.read(STREAM_BUFFER)
        if not chunk:
            return
        if chunk.strip(b"\0"):
            raise ImageError(f"{label}: malformed layer (invalid tar header after byte {tar.offset})")


def iter_entries(raw: IO[bytes], label: str) -> Iterator[Entry]:
    """Yield the entries of one layer; a malformed layer raises ImageError naming `label`."""
    try:
        tar = _open_tar(raw)
        with tar:
            while True:
                info = tar.next()
                if info is None:
                    break
                tar.members.clear()  # tarfile keeps every header otherwise: memory would grow with the layer
                entry = _entry(info)
                if entry is not None:
                    yield entry
            _check_end(tar, label)
    except ImageError:
        raise
    except (tarfile.TarError, EOFError, OSError, zlib.error, ValueError) as error:
        raise ImageError(f"{label}: malformed layer ({type(error).__name__}: {error})") from None
    except Exception as error:  # the zstd backends raise their own error types
        if type(error).__name__ in ("ZstdError",):
            raise ImageError(f"{label}: malformed zstd layer ({error})") from None
        raise
