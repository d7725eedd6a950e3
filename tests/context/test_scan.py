"""The context scanner on real trees: sparse files, symlink loops, links out of the root, FIFOs, bad names."""

from __future__ import annotations

import os
import socket
import stat

import pytest

from dockerlint_slim.context import ContextError, DockerignoreError, scan_context
from dockerlint_slim.context.scan import DIR, FILE, OTHER, SYMLINK

MiB = 1024 * 1024


def sparse(path, size: int) -> None:
    """A file that reports `size` bytes without using the disk."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as handle:
        handle.truncate(size)


@pytest.fixture
def ctx(tmp_path):
    sparse(tmp_path / "app" / "main.py", 1000)
    sparse(tmp_path / "app" / "data" / "model.bin", 300 * MiB)
    sparse(tmp_path / "node_modules" / "left-pad" / "index.js", 5 * MiB)
    sparse(tmp_path / ".git" / "objects" / "pack" / "p.pack", 80 * MiB)
    sparse(tmp_path / "README.md", 10)
    return tmp_path


def test_sizes_kinds_and_folder_totals(ctx) -> None:
    c = scan_context(str(ctx))
    assert c.get("app/data/model.bin") == (FILE, 300 * MiB, c.entries["app/data/model.bin"].mode, None)
    assert c.get("app").kind == DIR
    assert c.size("app") == 300 * MiB + 1000
    assert c.size("app/data/") == 300 * MiB
    assert c.size(".") == c.total_size == 300 * MiB + 1000 + 5 * MiB + 80 * MiB + 10
    assert c.file_count("app") == 2 and c.file_count() == 5
    assert c.children("app") == ["data", "main.py"]
    assert sorted(p for p, _ in c.walk("app")) == ["app/data", "app/data/model.bin", "app/main.py"]
    assert c.warnings == []


def test_dockerignore_excludes_and_prunes(ctx, monkeypatch) -> None:
    (ctx / ".dockerignore").write_text("node_modules\n.git\n*.md\n")
    visited = []
    real_scandir = os.scandir

    def spy(path):
        visited.append(os.path.relpath(path, ctx))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", spy)
    c = scan_context(str(ctx))
    assert "node_modules" not in c.entries and "README.md" not in c.entries
    assert c.excluded("node_modules/left-pad/index.js") and c.excluded(".git")
    assert not c.excluded("app/main.py")
    assert c.ignored_entry("node_modules/left-pad/index.js") == "node_modules"
    assert c.ignored_entry("README.md") == "README.md"
    assert c.ignored_entry("app/nothere") is None
    # The .dockerignore itself is in the context unless excluded, as with BuildKit.
    assert c.total_size == 300 * MiB + 1000 + len("node_modules\n.git\n*.md\n")
    assert not any(v.startswith(("node_modules", ".git")) for v in visited)
    assert c.pruned == {"node_modules", ".git"}


def test_exception_re_includes_below_excluded_folder(ctx) -> None:
    (ctx / ".dockerignore").write_text("node_modules\n!node_modules/left-pad/index.js\n")
    c = scan_context(str(ctx))
    assert c.get("node_modules/left-pad/index.js").size == 5 * MiB
    # BuildKit sends the parent folders of a re-included file.
    assert c.is_dir("node_modules") and c.is_dir("node_modules/left-pad")
    assert c.size("node_modules") == 5 * MiB
    assert c.children("") == [".dockerignore", ".git", "README.md", "app", "node_modules"]


def test_excluded_folder_with_nothing_re_included_is_walked_but_absent(ctx) -> None:
    (ctx / ".dockerignore").write_text("app\n!app/nothing-here\n")
    c = scan_context(str(ctx))
    assert "app" not in c.entries and c.size("app") == 0
    assert c.pruned == {"app/data"}  # walked `app` (the exception names something in it), not `app/data`
    assert c.ignored_entry("app/data/model.bin") == "app/data"
    assert c.ignored_entry("app/main.py") == "app/main.py"
    assert c.ignored_entry("app/missing") is None


def test_symlinks_are_never_followed(tmp_path) -> None:
    outside = tmp_path / "outside"
    sparse(outside / "huge.bin", 900 * MiB)
    root = tmp_path / "ctx"
    root.mkdir()
    os.symlink(outside, root / "to-outside")
    os.symlink(outside / "huge.bin", root / "huge-link")
    (root / "loop").mkdir()
    os.symlink("..", root / "loop" / "up")  # a loop back to the root
    os.symlink("self", root / "self")  # a link to itself
    os.symlink("missing", root / "dangling")
    c = scan_context(str(root))
    assert c.get("to-outside") == (SYMLINK, 0, c.entries["to-outside"].mode, str(outside))
    assert c.get("loop/up").target == ".." and c.get("self").kind == SYMLINK
    assert c.get("dangling").target == "missing"
    assert c.total_size == 0
    assert set(c.entries) == {"to-outside", "huge-link", "loop", "loop/up", "self", "dangling"}


def test_fifo_socket_never_opened(tmp_path) -> None:
    os.mkfifo(tmp_path / "pipe")  # opening it for reading would block the test forever
    sock = socket.socket(socket.AF_UNIX)
    sock_path = tmp_path / "s.sock"
    try:
        sock.bind(str(sock_path))
        c = scan_context(str(tmp_path))
    finally:
        sock.close()
    assert c.get("pipe").kind == OTHER and stat.S_ISFIFO(c.get("pipe").mode)
    assert c.get("s.sock").kind == OTHER
    assert c.total_size == 0


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read any folder")
def test_unreadable_folder_is_a_warning_as_user(tmp_path) -> None:  # pragma: no cover - runs as non-root only
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0)
    try:
        c = scan_context(str(tmp_path))
    finally:
        locked.chmod(0o755)
    assert any("locked/: cannot read folder" in w for w in c.warnings)


def test_unreadable_folder_is_a_warning(tmp_path, monkeypatch) -> None:
    # Tests run as root, where chmod 0 does not stop reading: fake the kernel's answer instead.
    sparse(tmp_path / "locked" / "secret", 10)
    sparse(tmp_path / "ok" / "file", 20)
    real_scandir = os.scandir

    def guarded(path):
        if os.path.basename(path) == "locked":
            raise PermissionError(13, "Permission denied", path)
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", guarded)
    c = scan_context(str(tmp_path))
    assert c.warnings == ["locked/: cannot read folder: Permission denied; its content is not counted"]
    assert c.get("locked").kind == DIR and c.size("ok") == 20 and c.total_size == 20


def test_non_utf8_name_is_a_warning(tmp_path) -> None:
    bad = os.fsencode(str(tmp_path)) + b"/caf\xe9.txt"
    with open(bad, "wb") as handle:
        handle.truncate(123)
    sparse(tmp_path / "good.txt", 7)
    c = scan_context(str(tmp_path))
    assert c.warnings == ["caf\\xe9.txt: name is not valid UTF-8; skipped"]
    assert set(c.entries) == {"good.txt"}


def test_unicode_names_are_fine(tmp_path) -> None:
    sparse(tmp_path / "données" / "café.bin", 42)
    c = scan_context(str(tmp_path))
    assert c.size("données/café.bin") == 42 and c.warnings == []


def test_missing_or_file_root_is_a_context_error(tmp_path) -> None:
    with pytest.raises(ContextError, match="No such file"):
        scan_context(str(tmp_path / "nope"))
    (tmp_path / "file").write_text("x")
    with pytest.raises(ContextError, match="not a folder"):
        scan_context(str(tmp_path / "file"))


def test_bad_dockerignore_is_a_clear_error(tmp_path) -> None:
    (tmp_path / ".dockerignore").write_text("ok\nbad[\n")
    with pytest.raises(DockerignoreError, match=r"\.dockerignore:2: bad pattern 'bad\['"):
        scan_context(str(tmp_path))


def test_normalize_paths(ctx) -> None:
    c = scan_context(str(ctx))
    assert c.normalize("./app//data/") == "app/data"
    assert c.normalize("/") == c.normalize(".") == ""
    assert c.normalize("../../etc/passwd") == "etc/passwd"  # BuildKit scopes sources to the context root


def test_a_file_resized_in_place_updates_its_folders_without_a_walk(ctx) -> None:
    c = scan_context(str(ctx))
    before = c.total_size
    mode = c.entries["app/main.py"].mode
    assert c.resize_file("app/main.py", 5000, mode)
    assert c.get("app/main.py").size == 5000
    assert c.size("app") == 300 * MiB + 5000 and c.total_size == before + 4000
    # Not an included regular file (excluded, a folder, absent, now a FIFO): only a new scan can tell.
    assert not c.resize_file("app", 10, stat.S_IFDIR | 0o755)
    assert not c.resize_file("app/new.py", 10, mode)
    assert not c.resize_file("app/main.py", 0, stat.S_IFIFO | 0o644)
    assert c.total_size == before + 4000


# --- work counted, never timed ---------------------------------------------------------------------------------

def _tree(root, depth: int = 4) -> None:
    """A source tree with deep folders, junk at several depths and files named like the patterns below."""
    for top in ("src", "docs", "node_modules", "build"):
        for index in range(3):
            folder = root / top / f"pkg{index}" / "lib" / "deep"
            sparse(folder / f"f{index}.py", 10 + index)
            sparse(folder / "debug.log", 100)
            sparse(root / top / f"pkg{index}" / "notes.txt", 5)
            sparse(root / top / f"pkg{index}" / "keep.log", 7)
    sparse(root / "app.log", 1)
    sparse(root / "README.md", 2)


IGNORE_FILES = [
    "node_modules\n*.log\n",
    "node_modules\n!node_modules/pkg1/notes.txt\n",
    "src/*/notes.txt\n!src/pkg0/notes.txt\nbuild\n!build/pkg2\n",
    "*\n!src\n",
    "**/*.log\n!**/keep.log\n",
    "docs/pkg[01]\n",
    "src/pkg0/lib/deep/*.py\nsrc\n!src/pkg1\n",
]


@pytest.mark.parametrize("ignore", IGNORE_FILES)
def test_skipping_pattern_checks_below_their_depth_changes_nothing(tmp_path, monkeypatch, ignore) -> None:
    _tree(tmp_path)
    (tmp_path / ".dockerignore").write_text(ignore)
    fast = scan_context(str(tmp_path))
    from dockerlint_slim.context.dockerignore import IgnoreMatcher

    monkeypatch.setattr(IgnoreMatcher, "deepest_match", property(lambda self: None))  # check every entry
    every = scan_context(str(tmp_path))
    assert fast.entries == every.entries and fast.ignored == every.ignored and fast.pruned == every.pruned
    assert fast.total_size == every.total_size and fast.file_count() == every.file_count()
    assert fast.ignored  # every ignore file above excludes something: the comparison is not of empty sets


def test_patterns_are_checked_only_as_deep_as_they_reach(tmp_path, monkeypatch) -> None:
    _tree(tmp_path)
    (tmp_path / ".dockerignore").write_text("node_modules\n*.log\nsrc/*/notes.txt\n")
    from dockerlint_slim.context.dockerignore import IgnoreMatcher

    checked = []
    real_step = IgnoreMatcher.step
    monkeypatch.setattr(IgnoreMatcher, "step", lambda self, path, parent: checked.append(path) or real_step(self, path, parent))
    c = scan_context(str(tmp_path))
    # Three levels at most (`src/*/notes.txt`): `src/pkg0/lib` is checked, what is inside it never.
    assert "src/pkg0/lib" in checked and max(p.count("/") for p in checked) == 2
    assert "src/pkg0/lib/deep/debug.log" in c.entries  # `*.log` is anchored at the root, as in BuildKit
    assert "app.log" in c.ignored and "src/pkg0/notes.txt" in c.ignored and c.pruned == {"node_modules"}


def test_each_entry_is_stat_once_and_pruned_folders_never_listed(tmp_path, monkeypatch) -> None:
    _tree(tmp_path)
    (tmp_path / ".dockerignore").write_text("node_modules\nbuild\n!build/pkg2\n")
    stats, listed = [], []
    real_scandir = os.scandir

    class CountingEntry:
        def __init__(self, entry):
            self._entry = entry

        def __getattr__(self, name):
            return getattr(self._entry, name)

        def stat(self, *, follow_symlinks=True):
            assert follow_symlinks is False  # an lstat: a link is never followed
            stats.append(self._entry.path)
            return self._entry.stat(follow_symlinks=False)

    class CountingScandir:
        def __init__(self, path):
            listed.append(os.path.relpath(path, tmp_path))
            self._iterator = real_scandir(path)

        def __enter__(self):
            return (CountingEntry(entry) for entry in self._iterator.__enter__())

        def __exit__(self, *exc):
            return self._iterator.__exit__(*exc)

    monkeypatch.setattr(os, "scandir", CountingScandir)
    c = scan_context(str(tmp_path))
    assert len(stats) == len(set(stats)) == len(c.entries) + len(c.ignored)
    assert not any(folder.startswith("node_modules") for folder in listed)
    assert "build" in listed and "build/pkg0" not in listed and "build/pkg2" in listed  # `!` below it: walked
    assert c.get("build/pkg2/notes.txt") is not None and c.pruned == {"node_modules", "build/pkg0", "build/pkg1"}
