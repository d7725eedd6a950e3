"""Our tar header reader against Python's tarfile, on archives written by GNU tar in every format it knows
(long names and links, PAX records, hard and symbolic links, fifos, empty and big files), plain and gzipped."""

from __future__ import annotations

import gzip
import io
import os
import shutil
import subprocess
import sysconfig
import tarfile

import pytest

from dockerlint_slim.image.archive import ImageError
from dockerlint_slim.image.tar_stream import (
    DIR,
    FILE,
    HARDLINK,
    OTHER,
    SYMLINK,
    iter_entries,
    normalize,
)

TAR = shutil.which("tar")


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    root = tmp_path_factory.mktemp("tree")
    deep = root / ("d" * 60) / ("e" * 60) / "f"
    deep.mkdir(parents=True)
    (deep / ("long-name-" * 12 + ".txt")).write_bytes(b"x" * 5000)
    (root / "empty").write_bytes(b"")
    (root / "exact").write_bytes(b"y" * 1024)
    (root / "big").write_bytes(os.urandom(300_000))
    os.link(root / "big", root / ("hard-" * 30))
    os.symlink("../" + "t" * 150, root / "sym-long-target")
    os.symlink("big", root / "sym")
    os.mkfifo(root / "fifo")
    (root / "ünïcödé").write_bytes(b"u")
    return root


def _reference(data: bytes) -> list[tuple]:
    out = []
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        for info in tar:
            path = normalize(info.name)
            if path == "/":
                continue
            if info.isdir():
                out.append((path, DIR, 0, ""))
            elif info.islnk():
                out.append((path, HARDLINK, 0, normalize(info.linkname)))
            elif info.issym():
                out.append((path, SYMLINK, 0, info.linkname))
            elif info.isreg():
                out.append((path, FILE, info.size, ""))
            else:
                out.append((path, OTHER, 0, ""))
    return out


def _ours(data: bytes) -> list[tuple]:
    return [(e.path, e.kind, e.size, e.link) for e in iter_entries(io.BufferedReader(io.BytesIO(data)), "test")]


@pytest.mark.skipif(TAR is None, reason="GNU tar not installed")
@pytest.mark.parametrize("fmt", ["gnu", "oldgnu", "posix", "ustar", "v7"])
@pytest.mark.parametrize("compressed", [False, True])
def test_same_entries_as_tarfile(tree, tmp_path, fmt, compressed):
    out = tmp_path / "layer.tar"
    done = subprocess.run([TAR, f"--format={fmt}", "-cf", str(out), "-C", str(tree), "."],
                          capture_output=True, check=False)
    if done.returncode != 0:
        # ustar/v7 cannot store the long names: tar says so and skips them; compare what it wrote
        assert out.exists(), done.stderr
    data = out.read_bytes()
    if compressed:
        data = gzip.compress(data)
    expected = _reference(data)
    assert expected, "tar wrote nothing"
    assert _ours(data) == expected


def test_bad_checksum_on_a_v7_header_is_an_error():
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        info = tarfile.TarInfo("a")
        info.size = 3
        tar.addfile(info, io.BytesIO(b"abc"))
    data = bytearray(buffer.getvalue())
    data[257:263] = bytes(6)  # no ustar magic: the checksum is what validates the header
    data[0] = ord("b")
    with pytest.raises(ImageError, match="invalid tar header at byte 0"):
        _ours(bytes(data))


def test_garbage_after_end_marker_is_an_error():
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        tar.addfile(tarfile.TarInfo("a"))
    data = buffer.getvalue()[:512] + bytes(512) + b"junk".ljust(512, b"\x01")  # header, end block, junk
    with pytest.raises(ImageError, match="after the end-of-archive"):
        _ours(data)


def test_missing_end_marker_is_accepted_like_go():
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        info = tarfile.TarInfo("a")
        info.size = 3
        tar.addfile(info, io.BytesIO(b"abc"))
    assert _ours(buffer.getvalue()[:1024]) == [("/a", FILE, 3, "")]
    with pytest.raises(ImageError, match="cut short"):
        _ours(buffer.getvalue()[:600])


def _cpython_testtar(suffix: str = "") -> bytes:
    """CPython's tar torture test (GNU/old-GNU/PAX sparse files, v7, signed checksums, Solaris and xstar headers,
    long names and links, bad PAX records), shipped with the interpreter's test package where installed."""
    stdlib = sysconfig.get_paths()["stdlib"]
    for relative in (f"test/testtar.tar{suffix}", f"test/archivetestdata/testtar.tar{suffix}"):
        path = os.path.join(stdlib, relative)
        if os.path.isfile(path):
            with open(path, "rb") as handle:
                return handle.read()
    pytest.skip("CPython's test/testtar.tar is not installed")


def test_cpython_tar_torture_test():
    data = _cpython_testtar()
    expected = _reference(data)
    assert len(expected) == 39
    assert _ours(data) == expected
    sparse = {path: size for path, kind, size, _ in expected if "sparse" in path}
    assert sparse and set(sparse.values()) == {86016}  # logical sizes, as Go's archive/tar reports them


def test_cpython_tar_torture_test_xz():
    data = _cpython_testtar(".xz")
    assert _ours(data) == _reference(data)
