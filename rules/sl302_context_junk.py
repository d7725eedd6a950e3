"""What it does
With `--context`, looks inside every broad COPY/ADD (`COPY . .`, or any folder) of a stage that reaches the image
for files an image never needs, counting what `.dockerignore` and `--exclude` let through:

- version-control folders (`.git`, `.hg`, `.svn`), unless a RUN of the image runs `git` on them;
- `node_modules`, when the image installs its JavaScript dependencies itself (`npm ci`, `yarn install`, ...);
- virtualenvs (any folder with a `pyvenv.cfg`, `.venv`), `__pycache__` and `*.pyc`;
- test and tool caches (`.pytest_cache`, `.mypy_cache`, `.ruff_cache`, `.tox`, `.nox`, `.gradle`,
  `.parcel-cache`, `.turbo`, `.next/cache`, `.nyc_output`, `htmlcov`, `.terraform`, `.eslintcache`);
- Rust/Maven `target/` when the image builds with cargo or Maven itself;
- logs (`*.log`), `.env` files (not `.env.example`), editor and OS files (`.idea`, `.vscode`, `*.swp`,
  `.DS_Store`, `Thumbs.db`).

It reports when the total reaches `min_bytes` (1 MiB by default), with the biggest offenders and the
`.dockerignore` lines that drop them.

Why is this bad?
Everything a COPY brings is stored in its layer and pulled by every machine that runs the image. A `.git` folder
or a host `node_modules` often outweighs the application, busts the layer cache on every commit, and `.env`
files can leak secrets into the image.

Example
```dockerfile
FROM node:20-slim
WORKDIR /app
COPY . .
RUN npm ci --omit=dev
```
with no `.dockerignore`, and a 300 MiB `node_modules` plus a 90 MiB `.git` in the folder.

Use instead
```text
# .dockerignore
.git
node_modules
**/*.log
```

Fix
`--fix` appends the lines to the ignore file the build reads (`<Dockerfile>.dockerignore` or the context's
`.dockerignore`, created when missing), except a line that would drop something the build still uses: a source a
COPY/ADD names itself, `.git` when a stage runs git, `node_modules` when a stage copies folders without installing
its own, `.env` files a RUN mentions, `target/` when a stage builds with cargo or Maven. It is unsafe when other
Dockerfiles share the context's `.dockerignore` (their builds read it too), and when the lines drop `.git` (or
another VCS folder) while a stage that copies folders runs something that may read it without a `git` command: a
local project install or build (`pip install .`, `python setup.py`, `python -m build`, `poetry build`: versioning
plugins such as setuptools-scm read the repository), `make`, `npm run`, or a script of the copied tree
(`./build.sh`, `python tools/x.py`); the help text names that command.

hadolint equivalent: none (hadolint does not read the build context).
"""

from __future__ import annotations

import os
import posixpath
from dataclasses import dataclass

from dockerlint_slim.context.dockerignore import DockerignoreError, default_dockerignore, parse_dockerignore
from dockerlint_slim.context.resolve import exclude_matcher
from dockerlint_slim.context.scan import DIR
from dockerlint_slim.diagnostics import SAFE, UNSAFE, Finding, Fix, Span, TextEdit, clip, format_bytes, join_within
from dockerlint_slim.knowledge.build_tools import may_read_vcs
from dockerlint_slim.knowledge.dockerfile_names import is_dockerfile_name
from dockerlint_slim.model import RunInstruction
from dockerlint_slim.options import Integer, MiB, Size
from dockerlint_slim.replay import layer_model_for
from dockerlint_slim.shell.argv import unwrap_argv

ID = "SL302"
NAME = "context-junk"
SEVERITY = "warning"
SUMMARY = "A broad COPY brings VCS folders, dependencies, caches, logs or editor files into the image"
NEEDS = frozenset({"context"})
OPTIONS = {"min_bytes": Size(MiB, "smallest junk total reported"), "top": Integer(5, "paths named in the message", minimum=1)}
TAGS = ("context", "size")
FIX = "sometimes"

_VCS = {".git", ".hg", ".svn"}
_CACHE_DIRS = {
    ".pytest_cache", ".mypy_cache", ".ruff_cache", ".tox", ".nox", ".gradle", ".parcel-cache", ".turbo",
    ".nyc_output", "htmlcov", ".terraform", ".hypothesis", ".sass-cache",
}
_EDITOR_DIRS = {".idea", ".vscode"}
_JUNK_FILES = {".DS_Store": "**/.DS_Store", "Thumbs.db": "**/Thumbs.db", ".eslintcache": "**/.eslintcache",
               ".coverage": "**/.coverage"}
_JUNK_SUFFIXES = {".pyc": "**/*.pyc", ".pyo": "**/*.pyo", ".log": "**/*.log", ".swp": "**/*.sw?", ".swo": "**/*.sw?"}
_JUNK_SUFFIX_TUPLE = tuple(_JUNK_SUFFIXES)
_ENV_KEEP = (".example", ".sample", ".template", ".dist", ".defaults")
_JS_INSTALL = {"npm": {"ci", "install", "i"}, "yarn": {"install", ""}, "pnpm": {"install", "i"}, "bun": {"install", "i"}}


@dataclass
class _Offender:
    label: str  # what to show
    ignore_line: str  # the .dockerignore line that drops it
    bytes: int
    files: int = 1


def check(target):
    context = target.context
    if context is None:
        return
    min_bytes = target.options["min_bytes"]
    top = target.options["top"]
    model = layer_model_for(target)
    runs = [i for stage in model.stages for i in stage.instructions if isinstance(i, RunInstruction)]
    uses_git = any(_is_git_use(c.argv) for run in runs for c in run.commands)
    installs_js = any(_is_js_install(c.argv) for run in runs for c in run.commands)
    builds_target = any(c.name in ("cargo", "mvn", "mvnw") for run in runs for c in run.commands)
    for stage in model.stages:
        for instruction in stage.instructions:
            resolution = model.copies.get(id(instruction))
            if resolution is None:
                continue
            offenders: dict[str, _Offender] = {}
            for item in resolution.items:
                if item.kind != DIR or item.source is None or item.extracted:
                    continue
                exclude = exclude_matcher(item.excludes)
                _scan(context, item.source, exclude, offenders, uses_git, installs_js, builds_target)
            total = sum(o.bytes for o in offenders.values())
            if offenders and total >= min_bytes:
                finding = _finding(instruction, offenders, total, top, context.dockerignore_path)
                yield _with_fix(finding, target.dockerfile, context)


def _scan(context, root: str, exclude, offenders, uses_git: bool, installs_js: bool, builds_target: bool) -> None:
    # Paths built here from the scan's own names are clean already: looked up as they are, not normalised again.
    root = context.normalize(root)
    prefix = len(root) + 1 if root else 0
    entries = context.entries
    stack = [root]
    while stack:
        folder = stack.pop()
        names = context.names_in(folder)
        for name in names:
            path = f"{folder}/{name}" if folder else name
            if exclude and exclude.excluded(path[prefix:]):
                continue
            entry = entries.get(path)
            if entry is None:
                continue
            if entry.kind == DIR:
                kind = _junk_dir(context, path, name, names, uses_git, installs_js, builds_target)
                if kind is None:
                    stack.append(path)
                    continue
                size = context.size(path)
                if size:
                    line = path if "/" not in path else f"**/{name}" if kind != "target" else path
                    _add(offenders, path + "/", line, size, context.file_count(path))
                continue
            junk = _junk_file(name)
            if junk is not None and entry.size:
                line, aggregate = junk
                if aggregate:
                    _add(offenders, line, line, entry.size, 1)
                else:
                    _add(offenders, path, path if "/" not in path else f"**/{name}", entry.size, 1)


def _add(offenders, label, line, size, files) -> None:
    key = label
    found = offenders.get(key)
    if found is None:
        offenders[key] = _Offender(label, line, size, files)
    else:
        found.bytes += size
        found.files += files


def _junk_dir(context, path, name, siblings, uses_git, installs_js, builds_target) -> str | None:
    if name in _VCS:
        return None if uses_git else "vcs"
    if name == "node_modules":
        return "deps" if installs_js else None
    if name == "__pycache__" or name in _CACHE_DIRS or name in _EDITOR_DIRS:
        return "cache"
    if name == "cache" and path.endswith(".next/cache"):
        return "cache"
    if name == ".venv" or f"{path}/pyvenv.cfg" in context.entries:
        return "venv"
    if name == "target" and builds_target and ("Cargo.toml" in siblings or "pom.xml" in siblings):
        return "target"
    return None


def _junk_file(name: str) -> tuple[str, bool] | None:
    """(.dockerignore line, aggregate under that line) for a junk file name, else None (asked of every file of the
    copied tree: the common answer, no, costs one lookup and one suffix test)."""
    if name in _JUNK_FILES:
        return _JUNK_FILES[name], True
    if name.endswith(_JUNK_SUFFIX_TUPLE):
        return _JUNK_SUFFIXES[name[-4:]], True
    if name.startswith(".env") and (name == ".env" or (name.startswith(".env.") and not name.endswith(_ENV_KEEP))):
        return name, False  # shown one by one: these may hold secrets
    return None


def _finding(instruction, offenders, total: int, top: int, ignore_path: str | None) -> Finding:
    ranked = sorted(offenders.values(), key=lambda o: (-o.bytes, o.label))
    labels = [f"{clip(o.label, 40)} {format_bytes(o.bytes)}" for o in ranked]
    shown = join_within(labels[:top], 90, hidden=len(labels) - top)
    lines = []
    for o in ranked:
        if o.ignore_line not in lines:
            lines.append(o.ignore_line)
    target_file = posixpath.basename(ignore_path) if ignore_path else ".dockerignore"
    message = f"{instruction.keyword} brings {format_bytes(total)} the image does not need: {shown}"
    return Finding(
        instruction.span,
        message,
        wasted_bytes=total,
        fix=Fix(f"Add to {target_file}: " + ", ".join(lines[: top + 3])
                + (f" and {len(lines) - top - 3} more" if len(lines) > top + 3 else "")),
        properties={
            "junk_bytes": total,
            "offenders": [{"path": o.label, "bytes": o.bytes, "files": o.files} for o in ranked[: max(top, 10)]],
            "dockerignore_lines": lines,
        },
    )


def _is_git_use(argv) -> bool:
    if not argv or argv[0].rsplit("/", 1)[-1] != "git":
        return False
    words = [a for a in argv[1:] if not a.startswith("-")]
    return not words or words[0] not in ("clone", "config", "init")


def _is_js_install(argv) -> bool:
    if not argv:
        return False
    name = argv[0].rsplit("/", 1)[-1]
    if name not in _JS_INSTALL:
        return False
    words = [a for a in argv[1:] if not a.startswith("-")]
    return (words[0] if words else "") in _JS_INSTALL[name]


# --- fix ---------------------------------------------------------------------------------------------------------

def _with_fix(finding: Finding, dockerfile, context) -> Finding:
    """The finding with edits that append its lines to the ignore file (created when missing), minus every line
    that would drop something the build still uses: a source a COPY/ADD names itself, `.git` when any stage runs
    git, `node_modules` when a stage copies the folder without installing its own, `.env` files a RUN reads,
    `target/` when any stage builds with cargo or Maven. Unsafe when the ignore file is the context's own
    `.dockerignore` and other Dockerfiles share the context (their builds read it too)."""
    lines = [line for line in finding.properties.get("dockerignore_lines", ()) if _keeps_the_build(line, dockerfile)]
    if not lines:
        return finding
    path = context.dockerignore_path or default_dockerignore(context.root)
    text = context.ignore.text or ""
    try:
        parse_dockerignore(text + "\n" + "\n".join(lines) + "\n")
    except DockerignoreError:
        return finding
    count = text.count("\n")
    if not text:
        span, prefix = Span(1, 1, 1, 1), ""
    elif text.endswith("\n"):
        span, prefix = Span(count + 1, 1, count + 1, 1), ""
    else:
        last = len(text.rsplit("\n", 1)[-1].rstrip("\r")) + 1
        span, prefix = Span(count + 1, last, count + 1, last), "\n"
    edit = TextEdit(span, prefix + "".join(line + "\n" for line in lines), path=path)
    own = os.path.abspath(dockerfile.path)
    shared = path != dockerfile.path + ".dockerignore" and any(
        _is_dockerfile_name(name) and os.path.abspath(os.path.join(context.root, name)) != own
        for name in _context_files(context))
    description = finding.fix.description
    reader = _vcs_reader(dockerfile) if any(line.rsplit("/", 1)[-1] in _VCS for line in lines) else None
    if reader is not None:
        # The repository may be read without a `git` command (setuptools-scm, a pygit2 script): dropping it may
        # break that build, so the fix is left to someone who knows.
        line, why = reader
        description += f" (check first that the build does not need the VCS folder: line {line}: {why})"
    safety = UNSAFE if shared or reader is not None else SAFE
    return Finding(finding.span, finding.message, finding.wasted_bytes,
                   Fix(description, (edit,), safety), finding.properties)


def _vcs_reader(dockerfile) -> tuple[int, str] | None:
    """(line, why) of the first RUN command, in a stage that copies folders from the context, that may read the
    repository's VCS folder without running `git` (see `may_read_vcs`)."""
    for stage in dockerfile.stages:
        if not _copies_folders(stage):
            continue
        for run in stage.runs():
            for command in run.commands:
                why = may_read_vcs(unwrap_argv(command.argv))
                if why is not None:
                    return command.span.line, why
    return None


def _keeps_the_build(line: str, dockerfile) -> bool:
    if line.startswith(("#", "!")) or not line.strip():
        return False
    matcher = parse_dockerignore(line + "\n")
    instructions = [i for i in dockerfile.instructions]
    for instruction in instructions:
        if instruction.keyword in ("COPY", "ADD") and not getattr(instruction, "from_", None):
            for source in getattr(instruction, "sources", ()):
                name = source.strip("/").removeprefix("./")
                if name and name not in (".", "*") and _excluded_or_inside(matcher, name):
                    return False
    texts = [run.original for stage in dockerfile.stages for run in stage.runs()]
    words = [c.argv for stage in dockerfile.stages for run in stage.runs() for c in run.commands]
    name = line.rsplit("/", 1)[-1]
    if name in _VCS and any(_is_git_use(argv) for argv in words):
        return False
    if name == "node_modules" and not all(_installs_js(stage) for stage in dockerfile.stages if _copies_folders(stage)):
        return False
    if name.startswith(".env") and any(".env" in text for text in texts):
        return False
    if name == "target" or line.endswith("/target"):
        return not any(argv and argv[0].rsplit("/", 1)[-1] in ("cargo", "mvn", "mvnw") for argv in words)
    return True


def _excluded_or_inside(matcher, name: str) -> bool:
    """The ignore line drops the named source, or a folder above it, or something inside it."""
    parts = name.split("/")
    if any(matcher.excluded("/".join(parts[:i])) for i in range(1, len(parts) + 1)):
        return True
    return any(p.text.startswith(name.rstrip("/") + "/") for p in matcher.patterns)


def _installs_js(stage) -> bool:
    return any(_is_js_install(c.argv) for run in stage.runs() for c in run.commands)


def _copies_folders(stage) -> bool:
    return any(i.keyword in ("COPY", "ADD") and not getattr(i, "from_", None) and any(
        s in (".", "./") or s.endswith("/") or "." not in posixpath.basename(s) for s in getattr(i, "sources", ()))
        for i in stage.instructions)


def _context_files(context):
    for path, entry in context.entries.items():
        if entry.kind != DIR:
            yield path


def _is_dockerfile_name(path: str) -> bool:
    return is_dockerfile_name(posixpath.basename(path))
