"""Stream the entries of one layer tar: decompression by magic bytes, whiteout markers decoded, no data kept.

We read tar headers ourselves instead of with `tarfile`: we only need name, type, size and link, and tarfile's
full header decoding dominated the run time (about 30 µs per entry). The reader is strict where tarfile is
lenient: a truncated or corrupt header is an error (tarfile silently ends the archive there, which would make a
layer look smaller than it is). Formats: ustar, GNU (long names/links), PAX (path, linkpath, size), v7.

An uncompressed layer on a seekable source is read by seeking over file data (one small read per entry, whatever
the file sizes); a compressed layer is decompressed once, as a stream, in bounded chunks.
"""

from __future__ import annotations

import bz2
import io
import lzma
import posixpath
import queue
import threading
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from dockerlint_slim.image.archive import ImageError

FILE, DIR, SYMLINK, HARDLINK, OTHER, WHITEOUT, OPAQUE = "file", "dir", "symlink", "hardlink", "other", "whiteout", "opaque"
WHITEOUT_PREFIX = ".wh."
OPAQUE_MARKER = ".wh..wh..opq"
BLOCK = 512
ZERO_BLOCK = bytes(BLOCK)
SKIP_CHUNK = 1 << 20  # compressed streams are skipped through in chunks of this size (bounded memory)
MAX_META = 16 * 1024 * 1024  # a PAX or GNU long-name record larger than this is not a real header

GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
BZIP2_MAGIC = b"BZh"
XZ_MAGIC = b"\xfd7zXZ\x00"

# typeflag -> kind; anything unknown is read as a regular file, as Go's archive/tar does
_KINDS = {b"0": FILE, b"\x00": FILE, b"7": FILE, b"S": FILE, b"1": HARDLINK, b"2": SYMLINK, b"5": DIR, b"D": DIR,
          b"3": OTHER, b"4": OTHER, b"6": OTHER}


class _Malformed(Exception):
    pass


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
    """`./etc/a/`, `etc/a`, `/etc/a` -> `/etc/a`; `..` cannot climb above the root."""
    name = name.removeprefix("./")
    path = "/" + name.strip("/")
    if "//" in path or "/." in path:  # rare: only then pay for the full normalization
        path = posixpath.normpath(path)
        if path.startswith("//"):
            path = "/" + path.lstrip("/")
    return path


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


class _Blocks:
    """Sequential access to a tar stream: read headers, skip data (by seeking when the source allows it)."""

    def __init__(self, handle: IO[bytes], seekable: bool):
        self.handle = handle
        self.seekable = seekable
        self.offset = 0
        if seekable:
            self.end = handle.seek(0, io.SEEK_END)
            handle.seek(0)
        else:
            self.buffer = bytearray(SKIP_CHUNK)

    def read(self, count: int) -> bytes:
        data = self.handle.read(count)
        self.offset += len(data)
        return data

    def close(self) -> None:
        pass

    def skip(self, count: int) -> None:
        if count <= 0:
            return
        if self.seekable:
            if self.offset + count > self.end:
                raise _Malformed(f"file data cut short at byte {self.end}")
            self.offset += count
            self.handle.seek(self.offset)
            return
        view = memoryview(self.buffer)
        while count:
            got = self.handle.readinto(view[: min(count, SKIP_CHUNK)])
            if not got:
                raise _Malformed(f"file data cut short at byte {self.offset}")
            self.offset += got
            count -= got


IN_CHUNK = 256 * 1024  # compressed bytes read at a time


def _gzip_chunks(raw: IO[bytes]) -> Iterator[bytes]:
    """Decompressed chunks of a gzip stream, through zlib directly (GzipFile's Python-level read path cost
    ~15 µs per call). Concatenated members are followed; zlib checks each member's CRC."""
    inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
    while True:
        if inflate.unconsumed_tail:
            data = inflate.decompress(inflate.unconsumed_tail, SKIP_CHUNK)
        elif inflate.eof:
            rest = inflate.unused_data or raw.read(IN_CHUNK)
            while rest and not rest.strip(b"\x00"):  # zero padding after the last member
                rest = raw.read(IN_CHUNK)
            if not rest:
                return
            inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)  # another gzip member
            data = inflate.decompress(rest, SKIP_CHUNK)
        else:
            compressed = raw.read(IN_CHUNK)
            if not compressed:
                raise _Malformed("gzip stream ends before its end marker (truncated layer)")
            data = inflate.decompress(compressed, SKIP_CHUNK)
        if data:
            yield data


def _file_chunks(handle: IO[bytes]) -> Iterator[bytes]:
    """Decompressed chunks from a bz2/xz/zstd file object."""
    while True:
        chunk = handle.read(SKIP_CHUNK)
        if not chunk:
            return
        yield chunk


class _Prefetch:
    """Runs a chunk iterator in a thread, so decompression (which releases the GIL) overlaps header parsing and
    stacking. At most `depth` chunks wait in the queue: memory stays bounded."""

    def __init__(self, chunks: Iterator[bytes], depth: int = 4):
        self.queue: queue.Queue = queue.Queue(depth)
        self.stop = threading.Event()
        self.finished = False
        self.thread = threading.Thread(target=self._run, args=(chunks,), name="slimlint-inflate", daemon=True)
        self.thread.start()

    def _run(self, chunks: Iterator[bytes]) -> None:
        try:
            for chunk in chunks:
                if not self._put(chunk):
                    return
            self._put(None)
        except BaseException as error:  # noqa: BLE001 - handed to the reading thread, which raises it
            self._put(error)

    def _put(self, item: object) -> bool:
        while not self.stop.is_set():
            try:
                self.queue.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def next(self) -> bytes | None:
        if self.finished:
            return None
        item = self.queue.get()
        if item is None:
            self.finished = True
            return None
        if isinstance(item, BaseException):
            self.finished = True
            raise item
        return item

    def close(self) -> None:
        self.stop.set()
        self.thread.join()


class _ChunkBlocks(_Blocks):
    """read/skip over a stream of decompressed chunks."""

    def __init__(self, chunks: _Prefetch):
        self.chunks = chunks
        self.data = b""
        self.position = 0
        self.offset = 0

    def _fill(self) -> bool:
        chunk = self.chunks.next()
        if chunk is None:
            return False
        left = self.data[self.position :]
        self.data = left + chunk if left else chunk
        self.position = 0
        return True

    def read(self, count: int) -> bytes:
        while len(self.data) - self.position < count and self._fill():
            pass
        data = self.data[self.position : self.position + count]
        self.position += len(data)
        self.offset += len(data)
        return data

    def skip(self, count: int) -> None:
        while count > 0:
            available = len(self.data) - self.position
            if available >= count:
                self.position += count
                self.offset += count
                return
            self.offset += available
            count -= available
            self.data, self.position = b"", 0
            if not self._fill():
                raise _Malformed(f"file data cut short at byte {self.offset}")

    def close(self) -> None:
        self.chunks.close()


def _open_blocks(raw: IO[bytes]) -> _Blocks:
    reader = raw if hasattr(raw, "peek") else io.BufferedReader(raw)  # type: ignore[arg-type]
    magic = reader.peek(8)[:8]
    if magic.startswith(GZIP_MAGIC):
        return _ChunkBlocks(_Prefetch(_gzip_chunks(reader)))
    if magic.startswith(ZSTD_MAGIC):
        return _ChunkBlocks(_Prefetch(_file_chunks(_zstd_reader(reader))))
    if magic.startswith(BZIP2_MAGIC):
        return _ChunkBlocks(_Prefetch(_file_chunks(bz2.BZ2File(reader))))
    if magic.startswith(XZ_MAGIC):
        return _ChunkBlocks(_Prefetch(_file_chunks(lzma.LZMAFile(reader))))
    return _Blocks(reader, seekable=reader.seekable())


def _octal(field: bytes, what: str) -> int:
    if field[:1] and field[0] & 0x80:  # GNU base-256 for big values
        return int.from_bytes(field[1:], "big") | ((field[0] & 0x3F) << (8 * (len(field) - 1)))
    text = field.split(b"\x00", 1)[0].strip(b" ")
    if not text:
        return 0
    try:
        return int(text, 8)
    except ValueError:
        raise _Malformed(f"bad {what} field {bytes(field)!r}") from None


def _checksum_ok(block: bytes) -> bool:
    stored = _octal(block[148:156], "checksum")
    unsigned = sum(block[:148]) + 256 + sum(block[156:])
    if stored == unsigned:
        return True
    # some old tars (HP-UX, early v7 writers) summed signed bytes
    signed = unsigned - 256 * sum(1 for byte in block[:148] + block[156:] if byte > 127)
    return stored == signed


def _string(field: bytes) -> str:
    return field.partition(b"\x00")[0].decode("utf-8", "surrogateescape")


def _pax(data: bytes) -> dict[str, str]:
    records: dict[str, str] = {}
    position = 0
    while position < len(data):
        space = data.find(b" ", position)
        if space < 0:
            if data[position:].strip(b"\x00"):
                raise _Malformed("bad PAX record")
            break
        try:
            length = int(data[position:space])
        except ValueError:
            raise _Malformed("bad PAX record length") from None
        if length <= 0 or position + length > len(data):
            raise _Malformed("bad PAX record length")
        key, _, value = data[space + 1 : position + length - 1].partition(b"=")
        records[key.decode("utf-8", "replace")] = value.decode("utf-8", "surrogateescape")
        position += length
    return records


def _headers(blocks: _Blocks) -> Iterator[tuple[str, bytes, int, str]]:
    """(name, typeflag, size, linkname) per member; extended headers applied; data skipped."""
    long_name = long_link = None
    pax: dict[str, str] = {}
    while True:
        at = blocks.offset
        block = blocks.read(BLOCK)
        if not block:
            return  # no end-of-archive marker: accepted, as by Go's archive/tar
        if len(block) < BLOCK:
            raise _Malformed(f"truncated tar header at byte {at}")
        if block == ZERO_BLOCK:
            following = blocks.read(BLOCK)
            if following.strip(b"\x00"):
                raise _Malformed(f"data after the end-of-archive block at byte {at}")
            return
        magic = block[257:263]
        try:
            valid = magic in (b"ustar\x00", b"ustar ") or _checksum_ok(block)
        except _Malformed:
            valid = False
        if not valid:
            raise _Malformed(f"invalid tar header at byte {at}")
        typeflag = block[156:157]
        try:  # the common case: 11 octal digits and a terminator
            size = int(block[124:135], 8) if block[135] in (0, 32) else _octal(block[124:136], "size")
        except ValueError:
            size = _octal(block[124:136], "size")
        padded = (size + BLOCK - 1) // BLOCK * BLOCK
        if typeflag in (b"x", b"X", b"g", b"L", b"K"):  # "X": Solaris' spelling of a PAX header
            if size > MAX_META:
                raise _Malformed(f"extended header of {size} bytes at byte {at}")
            data = blocks.read(padded)
            if len(data) < padded:
                raise _Malformed(f"truncated extended header at byte {at}")
            data = data[:size]
            if typeflag in (b"x", b"X"):
                pax.update(_pax(data))
            elif typeflag == b"L":
                long_name = _string(data)
            elif typeflag == b"K":
                long_link = _string(data)
            continue  # global PAX headers ("g") carry no per-file facts we need
        real_size = None
        if typeflag == b"S":  # old GNU sparse: the logical size, and extension blocks of the sparse map
            real_size = _octal(block[483:495], "realsize")
            extended = block[482]
            while extended:
                extension = blocks.read(BLOCK)
                if len(extension) < BLOCK:
                    raise _Malformed(f"truncated sparse header at byte {at}")
                extended = extension[504]
        name = _string(block[0:100])
        if block[345] and magic == b"ustar\x00":
            name = _string(block[345:500]) + "/" + name
        link = _string(block[157:257]) if typeflag in (b"1", b"2") else ""
        if long_name is not None:
            name, long_name = long_name, None
        if long_link is not None:
            link, long_link = long_link, None
        if pax:
            name = pax.get("GNU.sparse.name", pax.get("path", name))
            link = pax.get("linkpath", link)
            try:
                if "size" in pax:
                    size = int(pax["size"])
                    padded = (size + BLOCK - 1) // BLOCK * BLOCK
                sparse_size = pax.get("GNU.sparse.realsize", pax.get("GNU.sparse.size"))
                if sparse_size is not None:
                    real_size = int(sparse_size)
            except ValueError:
                raise _Malformed(f"bad PAX size at byte {at}") from None
            pax = {}
        if typeflag in (b"1", b"2", b"3", b"4", b"5", b"6"):
            stored = 0  # links, devices, directories carry no data, whatever the size field says
        else:
            stored = padded
        # a sparse file counts with its logical size, as Go's archive/tar (and so dive) reports it
        yield name, typeflag, (size if real_size is None else real_size) if stored or real_size else 0, link
        blocks.skip(stored)


def _entry(name: str, typeflag: bytes, size: int, link: str) -> Entry | None:
    path = normalize(name)
    if path == "/":
        return None  # the root directory itself
    cut = path.rfind("/")
    parent, base = path[:cut] or "/", path[cut + 1 :]
    if base.startswith(WHITEOUT_PREFIX):
        if base == OPAQUE_MARKER:
            return Entry(parent, OPAQUE)
        if base.startswith(WHITEOUT_PREFIX + WHITEOUT_PREFIX):
            return None  # other aufs metadata (.wh..wh.plnk, .wh..wh.aufs): not part of the file system
        return Entry(path[: cut + 1] + base[len(WHITEOUT_PREFIX):], WHITEOUT)
    kind = _KINDS.get(typeflag, FILE)
    if kind == FILE and name.endswith("/"):
        kind = DIR  # v7 archives mark directories with a trailing slash only
    if kind == HARDLINK:
        return Entry(path, HARDLINK, 0, normalize(link))
    if kind == SYMLINK:
        return Entry(path, SYMLINK, 0, link)
    if kind == FILE:
        return Entry(path, FILE, size)
    return Entry(path, kind)


def iter_entries(raw: IO[bytes], label: str) -> Iterator[Entry]:
    """Yield the entries of one layer; a malformed layer raises ImageError naming `label`."""
    blocks = None
    try:
        blocks = _open_blocks(raw)
        for name, typeflag, size, link in _headers(blocks):
            entry = _entry(name, typeflag, size, link)
            if entry is not None:
                yield entry
    except ImageError:
        raise
    except _Malformed as error:
        raise ImageError(f"{label}: malformed layer ({error})") from None
    except (EOFError, OSError, zlib.error, lzma.LZMAError, ValueError) as error:
        raise ImageError(f"{label}: malformed layer ({type(error).__name__}: {error})") from None
    except Exception as error:  # the zstd backends raise their own error types
        if type(error).__name__ == "ZstdError":
            raise ImageError(f"{label}: malformed zstd layer ({error})") from None
        raise
    finally:
        if blocks is not None:
            blocks.close()  # stops the decompression thread before the archive is read elsewhere
