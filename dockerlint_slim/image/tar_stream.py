"""Stream the entries of one layer tar: decompression by magic bytes, whiteout markers decoded, no data kept.

We read tar headers ourselves instead of with `tarfile`: we only need name, type, size and link, and tarfile's
full header decoding dominated the run time (about 30 µs per entry). The reader is strict where tarfile is
lenient: a truncated or corrupt header is an error (tarfile silently ends the archive there, which would make a
layer look smaller than it is). Formats: ustar, GNU (long names/links), PAX (path, linkpath, size), v7.

Every layer is read once, as a stream of chunks, in bounded memory: decompressed (gzip through ISA-L when the
optional `isal` package is installed, else zlib; zstd, bzip2, xz) by magic bytes, hashed on the way so the
caller can verify the blob digest and the diff_id, and read to its very end (a gzip stream without its CRC trailer,
or data after the tar's end, is refused). Paths longer than PATH_MAX are refused.
"""

from __future__ import annotations

import bz2
import hashlib
import itertools
import lzma
import posixpath
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from dockerlint_slim.image.errors import ImageError

FILE, DIR, SYMLINK, HARDLINK, OTHER, WHITEOUT, OPAQUE = "file", "dir", "symlink", "hardlink", "other", "whiteout", "opaque"
WHITEOUT_PREFIX = ".wh."
OPAQUE_MARKER = ".wh..wh..opq"
BLOCK = 512
ZERO_BLOCK = bytes(BLOCK)
SKIP_CHUNK = 1 << 20  # at most this many decompressed bytes per step (bounded memory)
IN_CHUNK = 1 << 20  # stored bytes read at a time
PATH_MAX = 4096  # Linux's limit for a path: longer names in a layer are refused, not stored
MAX_META = 16 * 1024 * 1024  # a PAX or GNU long-name record larger than this is not a real header

GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
BZIP2_MAGIC = b"BZh"
XZ_MAGIC = b"\xfd7zXZ\x00"

# typeflag -> kind; anything unknown is read as a regular file, as Go's archive/tar does
_KINDS = {b"0": FILE, b"\x00": FILE, b"7": FILE, b"S": FILE, b"1": HARDLINK, b"2": SYMLINK, b"5": DIR, b"D": DIR,
          b"3": OTHER, b"4": OTHER, b"6": OTHER}


class Malformed(Exception):
    """A tar stream that breaks the format (the caller names the archive or layer)."""


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


def _inflater_module():
    """ISA-L's inflate (the optional `isal` package) runs about twice as fast as zlib's; zlib is the fallback."""
    try:
        from isal import isal_zlib  # type: ignore[import-not-found]
    except ImportError:
        return zlib
    return isal_zlib


_INFLATE = None
_ZLIB_ERRORS: tuple[type[BaseException], ...] = (zlib.error,)


def _inflate_module():
    global _INFLATE, _ZLIB_ERRORS
    if _INFLATE is None:
        _INFLATE = _inflater_module()
        _ZLIB_ERRORS = (zlib.error, getattr(_INFLATE, "error", zlib.error))
    return _INFLATE


class InflateBudget:
    """How many decompressed bytes the whole image may produce: a gzip bomb (10 MB that inflate to 10 GiB) is
    refused with one error instead of keeping the CPU busy. None: no limit."""

    def __init__(self, limit: int | None):
        self.limit = limit
        self.used = 0

    def take(self, count: int) -> None:
        self.used += count
        if self.limit is not None and self.used > self.limit:
            raise ImageError(f"the layers inflate to more than {self.limit} bytes (--max-inflate): refusing to go on "
                             "(a decompression bomb?); raise the limit if the image is really that large")


class LayerHashes:
    """sha256 of a layer's stored bytes (its blob digest) and of its uncompressed tar (its diff_id), computed while
    the layer streams; the same hash serves both when the layer is not compressed."""

    def __init__(self, tar_digest: bool = True) -> None:
        self.stored = hashlib.sha256()
        self.tar: Any = None
        self.size = 0  # stored bytes
        self.compressed = False
        # A compressed layer whose blob digest is verified needs no second hash of the inflated tar: the digest
        # chain (index -> manifest -> blob) already binds it. Without a blob digest (legacy archives), the
        # diff_id is what is checked.
        self.tar_digest = tar_digest

    def stored_hex(self) -> str:
        return self.stored.hexdigest()

    def tar_hex(self) -> str | None:
        """The diff_id's hex digest; None when it was not computed (see tar_digest)."""
        if self.compressed:
            return self.tar.hexdigest() if self.tar is not None else None
        return self.stored.hexdigest()


def _hashing(chunks: Iterable[bytes], hasher: Any, counter: LayerHashes | None = None) -> Iterator[bytes]:
    update = hasher.update
    for chunk in chunks:
        update(chunk)
        if counter is not None:
            counter.size += len(chunk)
        yield chunk


def file_chunks(handle: IO[bytes], size: int | None = None) -> Iterator[bytes]:
    """The bytes of a file object (or its next `size` bytes) in bounded chunks."""
    left = size
    while left is None or left > 0:
        chunk = handle.read(IN_CHUNK if left is None else min(IN_CHUNK, left))
        if not chunk:
            if left:
                raise Malformed(f"data cut short ({left} bytes missing)")
            return
        if left is not None:
            left -= len(chunk)
        yield chunk


def _gzip(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """Decompressed chunks of a gzip stream (concatenated members followed, zero padding after the last one
    allowed). zlib/ISA-L check each member's CRC and length: a stream cut before its trailer is refused."""
    module = _inflate_module()
    inflate = module.decompressobj(16 + zlib.MAX_WBITS)
    while True:
        if inflate.unconsumed_tail:
            data = inflate.decompress(inflate.unconsumed_tail, SKIP_CHUNK)
        elif inflate.eof:
            rest = inflate.unused_data or next(chunks, b"")
            while rest and not rest.strip(b"\x00"):  # zero padding after the last member
                rest = next(chunks, b"")
            if not rest:
                return
            inflate = module.decompressobj(16 + zlib.MAX_WBITS)  # another gzip member
            data = inflate.decompress(rest, SKIP_CHUNK)
        else:
            compressed = next(chunks, b"")
            if not compressed:
                raise Malformed("gzip stream ends before its end marker (truncated layer)")
            data = inflate.decompress(compressed, SKIP_CHUNK)
        if data:
            yield data


def _buffered_inflate(chunks: Iterator[bytes], new: Callable[[], Any], what: str) -> Iterator[bytes]:
    """Decompressed chunks from a bz2/xz/zstd decompressor object (at most SKIP_CHUNK bytes per call, so a bomb
    never sits in memory); concatenated streams followed."""
    inflate = new()
    data = b""
    while True:
        if inflate.eof:
            rest = inflate.unused_data or next(chunks, b"")
            while rest and not rest.strip(b"\x00"):
                rest = next(chunks, b"")
            if not rest:
                return
            inflate, data = new(), rest
        elif inflate.needs_input:
            data = next(chunks, b"")
            if not data:
                raise Malformed(f"{what} stream ends before its end marker (truncated layer)")
        else:
            data = b""
        out = inflate.decompress(data, SKIP_CHUNK)
        if out:
            yield out


def _zstd_decompressor() -> Callable[[], Any]:
    """zstd from the stdlib (3.14+) or its backport; zstd is optional."""
    try:
        from compression import zstd  # type: ignore[import-not-found]  # Python 3.14+
    except ImportError:
        try:
            from backports import zstd  # type: ignore[import-not-found,no-redef]
        except ImportError:
            raise ImageError("zstd layers are not supported: install backports.zstd (Python < 3.14) "
                             "or re-save the image with gzip layers") from None
    return zstd.ZstdDecompressor


def _limited(chunks: Iterator[bytes], budget: InflateBudget | None) -> Iterator[bytes]:
    if budget is None:
        yield from chunks
        return
    for chunk in chunks:
        budget.take(len(chunk))
        yield chunk


def decompressed(chunks: Iterable[bytes], budget: InflateBudget | None = None) -> tuple[Iterator[bytes], bool]:
    """The stream's tar bytes, decompressed by magic bytes; and whether it was compressed."""
    chunks = iter(chunks)
    first = b""
    for first in chunks:
        if first:
            break
    while 0 < len(first) < 8:  # tiny first chunks: gather enough bytes to see the magic
        more = next(chunks, b"")
        if not more:
            break
        first += more
    stream = itertools.chain((first,), chunks) if first else chunks
    if first.startswith(GZIP_MAGIC):
        return _limited(_gzip(stream), budget), True
    if first.startswith(ZSTD_MAGIC):
        return _limited(_buffered_inflate(stream, _zstd_decompressor(), "zstd"), budget), True
    if first.startswith(BZIP2_MAGIC):
        return _limited(_buffered_inflate(stream, bz2.BZ2Decompressor, "bzip2"), budget), True
    if first.startswith(XZ_MAGIC):
        return _limited(_buffered_inflate(stream, lzma.LZMADecompressor, "xz"), budget), True
    return stream, False


class Blocks:
    """Sequential read/skip over a stream of chunks (file data is skipped without copying)."""

    def __init__(self, chunks: Iterator[bytes]):
        self.chunks = chunks
        self.data: bytes = b""
        self.position = 0
        self.offset = 0

    def _fill(self) -> bool:
        chunk = next(self.chunks, None)
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
                raise Malformed(f"file data cut short at byte {self.offset}")

    def take(self, count: int) -> Iterator[bytes]:
        """The next `count` bytes as chunks (a member's data, streamed)."""
        while count > 0:
            available = len(self.data) - self.position
            if not available:
                self.data, self.position = b"", 0
                if not self._fill():
                    raise Malformed(f"file data cut short at byte {self.offset}")
                continue
            size = min(available, count)
            piece = self.data[self.position : self.position + size] if size < len(self.data) else self.data
            self.position += size
            self.offset += size
            count -= size
            yield piece

    def drain(self) -> None:
        """Read the stream to its end: digests and gzip trailers are checked only there."""
        self.data, self.position = b"", 0
        for chunk in self.chunks:
            self.offset += len(chunk)


def _octal(field: bytes, what: str) -> int:
    if field[:1] and field[0] & 0x80:  # GNU base-256 for big values
        return int.from_bytes(field[1:], "big") | ((field[0] & 0x3F) << (8 * (len(field) - 1)))
    text = field.split(b"\x00", 1)[0].strip(b" ")
    if not text:
        return 0
    try:
        return int(text, 8)
    except ValueError:
        raise Malformed(f"bad {what} field {bytes(field)!r}") from None


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
                raise Malformed("bad PAX record")
            break
        try:
            length = int(data[position:space])
        except ValueError:
            raise Malformed("bad PAX record length") from None
        if length <= 0 or position + length > len(data):
            raise Malformed("bad PAX record length")
        key, _, value = data[space + 1 : position + length - 1].partition(b"=")
        records[key.decode("utf-8", "replace")] = value.decode("utf-8", "surrogateescape")
        position += length
    return records


def headers(blocks: Blocks) -> Iterator[tuple[str, bytes, int, str]]:
    """(name, typeflag, size, linkname) per member; extended headers applied. The caller may read the member's
    data from `blocks` (blocks.take(size)) before asking for the next header; what it left is skipped."""
    long_name = long_link = None
    pax: dict[str, str] = {}
    while True:
        at = blocks.offset
        block = blocks.read(BLOCK)
        if not block:
            return  # no end-of-archive marker: accepted, as by Go's archive/tar
        if len(block) < BLOCK:
            raise Malformed(f"truncated tar header at byte {at}")
        if block == ZERO_BLOCK:
            following = blocks.read(BLOCK)
            if following.strip(b"\x00"):
                raise Malformed(f"data after the end-of-archive block at byte {at}")
            return
        magic = block[257:263]
        try:
            valid = magic in (b"ustar\x00", b"ustar ") or _checksum_ok(block)
        except Malformed:
            valid = False
        if not valid:
            raise Malformed(f"invalid tar header at byte {at}")
        typeflag = block[156:157]
        try:  # the common case: 11 octal digits and a terminator
            size = int(block[124:135], 8) if block[135] in (0, 32) else _octal(block[124:136], "size")
        except ValueError:
            size = _octal(block[124:136], "size")
        padded = (size + BLOCK - 1) // BLOCK * BLOCK
        if typeflag in (b"x", b"X", b"g", b"L", b"K"):  # "X": Solaris' spelling of a PAX header
            if size > MAX_META:
                raise Malformed(f"extended header of {size} bytes at byte {at}")
            data = blocks.read(padded)
            if len(data) < padded:
                raise Malformed(f"truncated extended header at byte {at}")
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
                    raise Malformed(f"truncated sparse header at byte {at}")
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
                raise Malformed(f"bad PAX size at byte {at}") from None
            pax = {}
        if typeflag in (b"1", b"2", b"3", b"4", b"5", b"6"):
            stored = 0  # links, devices, directories carry no data, whatever the size field says
        else:
            stored = padded
        # a sparse file counts with its logical size, as Go's archive/tar (and so dive) reports it
        data_start = blocks.offset
        yield name, typeflag, (size if real_size is None else real_size) if stored or real_size else 0, link
        blocks.skip(stored - (blocks.offset - data_start))


def _entry(name: str, typeflag: bytes, size: int, link: str) -> Entry | None:
    if len(name) > PATH_MAX:
        raise Malformed(f"a path of {len(name)} characters, longer than PATH_MAX ({PATH_MAX})")
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


def entries_of(chunks: Iterable[bytes], label: str, budget: InflateBudget | None = None,
               hashes: LayerHashes | None = None) -> Iterator[Entry]:
    """Yield the entries of one layer given as chunks of its stored bytes, read to the end of the stream; `hashes`
    receives the digests for the caller to verify. A malformed layer raises ImageError naming `label`."""
    try:
        if hashes is not None:
            chunks = _hashing(chunks, hashes.stored, hashes)
        stream, compressed = decompressed(chunks, budget)
        if hashes is not None and compressed:
            hashes.compressed = True
            if hashes.tar_digest:
                hashes.tar = hashlib.sha256()
                stream = _hashing(stream, hashes.tar)
        blocks = Blocks(stream)
        for name, typeflag, size, link in headers(blocks):
            entry = _entry(name, typeflag, size, link)
            if entry is not None:
                yield entry
        blocks.drain()
    except ImageError as error:
        if str(error).startswith(label):
            raise
        raise ImageError(f"{label}: {error}") from None
    except Malformed as error:
        raise ImageError(f"{label}: malformed layer ({error})") from None
    except (EOFError, OSError, lzma.LZMAError, ValueError, *_ZLIB_ERRORS) as error:
        raise ImageError(f"{label}: malformed layer ({type(error).__name__}: {error})") from None
    except Exception as error:  # the zstd backends raise their own error types
        if type(error).__name__ in ("ZstdError", "IsalError"):
            raise ImageError(f"{label}: malformed compressed layer ({error})") from None
        raise


def iter_entries(raw: IO[bytes], label: str, budget: InflateBudget | None = None) -> Iterator[Entry]:
    """Yield the entries of one layer read from a file object."""
    return entries_of(file_chunks(raw), label, budget)
