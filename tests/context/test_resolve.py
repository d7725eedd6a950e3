"""COPY/ADD source resolution against a scanned context."""

from __future__ import annotations

from dockerlint_slim.context.resolve import GIT, HEREDOC, REMOTE, STAGE, destination, resolve_copy
from dockerlint_slim.model import CopyInstruction

from .helpers import MiB, dockerfile, make_context, scan


def _copies(text: str) -> list[CopyInstruction]:
    return [i for i in dockerfile(text).instructions if isinstance(i, CopyInstruction)]


def test_file_folder_and_wildcard_sources(tmp_path) -> None:
    ctx = scan(make_context(tmp_path, {"a.txt": 10, "b.txt": 20, "c.md": 5, "src/x.py": 100, "src/sub/y.py": 200}))
    copy_file, copy_dir, copy_glob, copy_many = _copies("""
        FROM alpine
        WORKDIR /app
        COPY a.txt conf
        COPY src /srv/
        COPY *.txt ./
        COPY a.txt src/ /opt/
    """)
    r = resolve_copy(copy_file, ctx)
    assert [(i.dest, i.size) for i in r.items] == [("/app/conf", 10)]  # no trailing slash: the file is renamed
    r = resolve_copy(copy_dir, ctx)
    assert [(i.dest, i.kind, i.size) for i in r.items] == [("/srv", "dir", 300)]  # the folder's content
    r = resolve_copy(copy_glob, ctx)
    assert r.sources[0].matches == ["a.txt", "b.txt"]
    assert [(i.dest, i.size) for i in r.items] == [("/app/a.txt", 10), ("/app/b.txt", 20)]
    r = resolve_copy(copy_many, ctx)
    assert [(i.dest, i.size) for i in r.items] == [("/opt/a.txt", 10), ("/opt", 300)]
    assert r.known_bytes == 310 and r.complete


def test_wildcards_follow_go_filepath_match(tmp_path) -> None:
    ctx = scan(make_context(tmp_path, {"pkg/a/go.mod": 1, "pkg/b/go.mod": 2, "pkg/b/c/go.mod": 4, "x[1].txt": 8}))
    (deep,) = _copies("FROM x\nCOPY pkg/*/go.mod /m/\n")
    assert resolve_copy(deep, ctx).sources[0].matches == ["pkg/a/go.mod", "pkg/b/go.mod"]  # `*` stays in one folder
    (klass,) = _copies("FROM x\nCOPY x[1].txt /m/\n")
    assert resolve_copy(klass, ctx).sources[0].matches == []  # a class: it would match `x1.txt`
    (literal,) = _copies("FROM x\nCOPY x[[]1].txt /m/\n")
    assert resolve_copy(literal, ctx).sources[0].matches == ["x[1].txt"]
    (empty,) = _copies("FROM x\nCOPY nothing*.txt /m/\n")
    source = resolve_copy(empty, ctx).sources[0]
    assert source.wildcard and source.matches == [] and not source.missing  # BuildKit allows empty wildcards


def test_missing_ignored_and_scoped_sources(tmp_path) -> None:
    ctx = scan(make_context(tmp_path, {"dist/app.js": 10, "keep.txt": 1}, dockerignore="dist\n"))
    missing, ignored, scoped = _copies("""
        FROM x
        COPY nope.txt /a/
        COPY dist/app.js /b/
        COPY ../../keep.txt /c/
    """)
    assert resolve_copy(missing, ctx).sources[0].missing
    source = resolve_copy(ignored, ctx).sources[0]
    assert source.ignored_by == "dist" and not source.missing
    assert resolve_copy(scoped, ctx).sources[0].matches == ["keep.txt"]  # BuildKit scopes `..` to the context


def test_exclude_parents_and_symlinked_source(tmp_path) -> None:
    root = make_context(tmp_path, {"app/main.py": 100, "app/README.md": 7, "app/docs/x.md": 9, "real/f.bin": 50})
    (root / "link").symlink_to("real")
    ctx = scan(root)
    excl, parents, linked = _copies("""
        FROM x
        COPY --exclude=*.md --exclude=docs app /srv/
        COPY --parents app/main.py real/./f.bin /p/
        COPY link/f.bin /l/
    """)
    assert resolve_copy(excl, ctx).items[0].size == 100
    assert [i.dest for i in resolve_copy(parents, ctx).items] == ["/p/app/main.py", "/p/f.bin"]
    r = resolve_copy(linked, ctx)
    assert r.sources[0].matches == ["real/f.bin"] and r.items[0].size == 50


def test_heredoc_remote_git_stage_and_archives(tmp_path) -> None:
    ctx = scan(make_context(tmp_path, {"vendor/tool.tar.gz": 30 * MiB, "app.zip": 5}))
    heredoc, remote, git, stage, archive, zipped = _copies("""
        FROM x AS build
        COPY <<EOF /etc/app.conf
        key=value
        EOF
        ADD https://example.com/dl/tool.tgz?x=1 /opt/
        ADD https://github.com/moby/buildkit.git#v0.12 /src
        COPY --from=build /out/bin /usr/local/bin/
        ADD vendor/tool.tar.gz /opt/tool/
        ADD app.zip /opt/
    """)
    r = resolve_copy(heredoc, ctx)
    assert r.sources[0].origin == HEREDOC and [(i.dest, i.size) for i in r.items] == [("/etc/app.conf", 10)]
    r = resolve_copy(remote, ctx)
    assert r.sources[0].origin == REMOTE and [(i.dest, i.size) for i in r.items] == [("/opt/tool.tgz", None)]
    assert resolve_copy(git, ctx).sources[0].origin == GIT
    r = resolve_copy(stage, ctx)
    assert r.sources[0].origin == STAGE and [(i.dest, i.size) for i in r.items] == [("/usr/local/bin/bin", None)]
    r = resolve_copy(archive, ctx)
    assert r.items[0].extracted and r.items[0].size is None and r.items[0].dest == "/opt/tool"
    r = resolve_copy(zipped, ctx)  # ADD does not unpack zip files
    assert not r.items[0].extracted and r.items[0].size == 5


def test_destination_relative_to_workdir() -> None:
    copies = _copies("""
        FROM x
        WORKDIR /srv/app
        COPY a .
        COPY a sub/dir/
        COPY a /abs
    """)
    assert [destination(c) for c in copies] == [("/srv/app", True), ("/srv/app/sub/dir", True), ("/abs", False)]


def test_without_context_nothing_is_looked_up() -> None:
    (copy,) = _copies("FROM x\nCOPY src /app/\n")
    r = resolve_copy(copy, None)
    assert r.items == [] and r.sources[0].path == "src" and not r.sources[0].missing
