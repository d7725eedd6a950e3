"""Which files each instruction of the image creates, and which later commands delete, clean, rewrite or consume
them: the origin side of the static file-system replay (`Replay.events`).

Read by SL102 (deletes, cleans, package removals), SL103 (modifications) and SL303 (consumed `ADD <url>`
downloads). The model is the shell model only (paths as written, ENV/ARG/WORKDIR applied); unknown paths
(unresolved `$VARS`, `cd` into an unknown directory) are skipped, never guessed, and so are the effects of commands
that may not run (`if` branches, `case` items, loop bodies, after `||`, after `&&` behind a test). Byte figures come
from the layer model (`replay.layer_model`) when a build context is given.
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
from dataclasses import dataclass, field

from dockerlint_slim.context.resolve import CONTEXT, GIT, REMOTE, is_archive_name, source_origin
from dockerlint_slim.diagnostics import clip, join_within
from dockerlint_slim.knowledge.build_tools import (
    BUILD_SYSTEMS,
    C_COMPILERS,
    LANGUAGE_COMPILERS,
    SOURCE_BUILDERS,
    is_interpreter,
    is_shell,
)
from dockerlint_slim.knowledge.cache_sizes import APT_LISTS_DEBIAN_12
from dockerlint_slim.knowledge.package_managers import (
    APK_CACHE,
    APT_ARCHIVES,
    APT_LISTS,
    AUTOREMOVE,
    INSTALL,
    REMOVE,
    RPM_CACHE_DIRS,
    SYSTEM_MANAGERS,
    UPDATE,
    ZYPPER_CACHE,
    PackageCall,
    clean_targets,
    package_call,
    pip_cache_disabled,
)
from dockerlint_slim.model import (
    CopyInstruction,
    Dockerfile,
    EnvInstruction,
    Instruction,
    RunInstruction,
    ShellCommand,
    Stage,
    WorkdirInstruction,
)
from dockerlint_slim.model.queries import under_mount
from dockerlint_slim.replay.path_index import PathIndex
from dockerlint_slim.replay.walk import BuildVars, image_instructions
from dockerlint_slim.shell.argv import (
    expand_vars,
    has_option,
    operands,
    subcommand,
    unwrap_argv,
)
from dockerlint_slim.shell.commands import (
    cd_operand,
    clone_directory,
    download_outputs,
    git_clone_operands,
    keeps_owner,
    move_call,
    rewritten_files,
    rm_call,
    tar_call,
    unzip_call,
)

_ARCHIVE = re.compile(r"\.(tar(\.(gz|bz2|xz|zst|lz4|lzma))?|tgz|tbz2?|txz|zip)$", re.I)
_GLOB = re.compile(r"[*?\[]")


@dataclass(eq=False)
class Origin:
    """Files an instruction of the image created."""

    path: str  # absolute and normalised; a package name for kind "package"
    instruction: Instruction
    kind: str  # copy | add-url | add-git | run | cache | package
    what: str  # for messages: "`COPY . /app`", "the apt lists of `apt-get update`"
    known_contents: bool = True  # False: a directory that received entries we cannot name (`COPY dir/ /etc/`)
    typical: str | None = None  # "the apt lists: ~19.0 MiB, measured for Debian 12" for well-known caches
    source: str | None = None  # the COPY/ADD source it came from
    is_dir: bool = False  # surely a directory (a non-recursive chmod/chown of it changes no file)
    fetched: bool = False  # a RUN's download (`curl -o`, `wget -O`): consumed and left behind, it is a `leftover`
    command: ShellCommand | None = None  # the command of a RUN that wrote it
    # One file: nothing below `path` is this instruction's (`COPY nginx.conf /etc/nginx` may have gone into a folder
    # of the base image; what else is in that folder is not this COPY's).
    single_file: bool = False


@dataclass(eq=False)
class Event:
    """A command of a later layer that deletes (`delete`, `clean`, `remove-packages`) or rewrites (`modify`)
    files created by earlier instructions (`origins`, all from other instructions than `run`), that unpacks,
    installs or runs a download of an `ADD` (`consume`); or, at the end of a RUN, a download of that RUN which one
    of its commands consumed and none deleted (`leftover`: `command` is the consuming one, `origins` the download,
    `paths` what the RUN deleted in that folder instead)."""

    verb: str
    stage: Stage
    run: RunInstruction
    command: ShellCommand
    paths: list[str]
    origins: list[Origin]
    recursive: bool = False


@dataclass
class _State:
    origins: PathIndex[Origin] = field(default_factory=PathIndex)  # files and folders, by path
    remote: PathIndex[Origin] = field(default_factory=PathIndex)  # the `ADD <url>` / `ADD <git>` ones among them
    packages: dict[str, Origin] = field(default_factory=dict)
    env: BuildVars = field(default_factory=lambda: BuildVars())
    workdir: str = "/"
    home: str | None = "/root"
    # Official Debian/Ubuntu images delete downloaded .deb files after every install (docker-clean); a Dockerfile
    # that removes that setting, or keeps packages, has an apt cache to clean.
    apt_keeps_archives: bool = False
    # Of the RUN being replayed: folders its commands build in (their files may be new), its downloads that a
    # command consumed (id -> (download, consuming command)), and the paths it deleted.
    built: list[str] = field(default_factory=list)
    consumed: dict[int, tuple[Origin, ShellCommand]] = field(default_factory=dict)
    deleted: list[str] = field(default_factory=list)


def image_file_events(dockerfile: Dockerfile) -> list[Event]:
    """Events of the target image, in build order (the stages it is built FROM first). Rules read them through
    `dockerlint_slim.replay.replay_for(target).events`, computed once per linted file."""
    state = _State()
    events: list[Event] = []
    for stage, instruction in image_instructions(dockerfile, onbuild_runs=True):
        _apply(stage, instruction, state, events)
    return events


def _apply(stage: Stage, instruction: Instruction, state: _State, events: list[Event]) -> None:
    state.env.apply(instruction)
    if isinstance(instruction, EnvInstruction):
        if any(k == "HOME" for k, _ in instruction.pairs):
            state.home = state.env.get("HOME")
    elif isinstance(instruction, WorkdirInstruction):
        state.workdir = instruction.path or state.workdir
    elif instruction.keyword == "USER":
        user = (instruction.args[0] if instruction.args else "").split(":")[0]
        if "HOME" not in state.env.env:
            state.home = "/root" if user in ("root", "0") else None
    elif isinstance(instruction, CopyInstruction):
        for origin in _copy_origins(instruction, state):
            _place(state, origin)
    elif isinstance(instruction, RunInstruction) and instruction.shell_analysed:
        _run(stage, instruction, state, events)


def _is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


def _copy_origins(copy: CopyInstruction, state: _State) -> list[Origin]:
    dest = copy.destination
    if not dest or "$" in dest:
        return []
    into_dir = dest.endswith("/") or len(copy.sources) > 1
    dest = posixpath.normpath(posixpath.join(copy.workdir or state.workdir, dest))
    keyword = "ADD" if copy.is_add else "COPY"
    found: list[Origin] = []
    for source in copy.sources:
        what = f"`{clip(f'{keyword} {source} {copy.destination}', 28)}` (line {copy.span.line})"
        # Sources are classified as the layer model classifies them (`context.resolve.source_origin`).
        kind = source_origin(copy, source)
        if kind == GIT:
            found.append(Origin(dest, copy, "add-git", what, source=source, is_dir=True))
            continue
        if kind == REMOTE:
            name = posixpath.basename(source.split("?")[0].split("#")[0].rstrip("/"))
            path = posixpath.join(dest, name) if into_dir else dest
            found.append(Origin(path, copy, "add-url", what, source=source))
            continue
        if copy.is_add and kind == CONTEXT and is_archive_name(source):
            # A local tar archive is extracted into dest: its entries are unknown.
            found.append(Origin(dest, copy, "copy", what, known_contents=False, source=source, is_dir=True))
            continue
        directory_like = source in (".", "./", "/") or source.endswith(("/", "/.")) or _GLOB.search(source)
        if into_dir and not directory_like:
            # A file lands as dest/<name>; a directory would spill its entries into dest instead.
            name = posixpath.basename(source.rstrip("/"))
            found.append(Origin(posixpath.join(dest, name), copy, "copy", what, source=source))
            if "." not in name:
                found.append(Origin(dest, copy, "copy", what, known_contents=False, source=source, is_dir=True))
        elif into_dir or directory_like:
            fresh = not state.origins.has_under(dest)
            # `COPY . /app`: /app is this COPY's tree when nothing earlier was put there (and it is not `/`).
            known = not dest.endswith("/") and dest != "/" and fresh and _dedicated(dest) and not _system_folder(dest)
            found.append(Origin(dest, copy, "copy", what, known_contents=known, source=source, is_dir=True))
        elif _looks_like_a_file(source):
            found.append(Origin(dest, copy, "copy", what, source=source, single_file=True))
            name = posixpath.basename(source.rstrip("/"))
            if name and name != posixpath.basename(dest):
                # Without a trailing slash the destination may still be an existing folder: the file lands inside.
                found.append(Origin(posixpath.join(dest, name), copy, "copy", what, source=source, single_file=True))
        else:
            # `COPY app /app`, `COPY ./bin /usr/local/bin`, `ADD crontab /etc/crontab`: a folder (its content goes
            # into the destination) or a file. What is below the destination is this COPY's unless something else
            # is known to be there, or it is a configuration folder the base image's packages fill.
            known = dest != "/" and not _system_folder(dest)
            found.append(Origin(dest, copy, "copy", what, known_contents=known, source=source))
            name = posixpath.basename(source.rstrip("/"))
            exists = state.origins.has_under(dest) or not _dedicated(dest) or _system_folder(dest)
            if name and name != posixpath.basename(dest) and exists:
                # `COPY --from=composer /usr/bin/composer /usr/local/bin`, `ADD monit /etc/init.d`: into a folder
                # that is surely there already, a file keeps its name
                found.append(Origin(posixpath.join(dest, name), copy, "copy", what, source=source, single_file=True))
    return found


_EXTENSION = re.compile(r"\.[A-Za-z][A-Za-z0-9_-]*$")


def _looks_like_a_file(source: str) -> bool:
    """`nginx.conf`, `entrypoint.sh`, `.env`: a name with an extension (a folder rarely has one; `scripts_14.0` or
    `python3.12` are versions, not extensions)."""
    name = posixpath.basename(source.rstrip("/"))
    return bool(_EXTENSION.search(name.lstrip("."))) or (name.startswith(".") and len(name) > 1)


def _system_folder(path: str) -> bool:
    """A configuration folder (`/etc/nginx`): the base image's packages keep files there, so a folder copied there
    joins what is already in it (`COPY conf/ /etc/nginx/` then `rm /etc/nginx/conf.d/default.conf` deletes a file
    of the base image). Other folders, even under /usr, are usually the application's own (`/usr/share/zabbix`)."""
    return (path.rstrip("/") + "/").startswith("/etc/")


# System directories that hold much more than what one instruction puts there.
_SHARED_DIRS = frozenset(
    "/ /bin /sbin /lib /lib64 /etc /usr /usr/bin /usr/sbin /usr/lib /usr/local /usr/local/bin /usr/local/sbin "
    "/usr/local/lib /usr/local/share /usr/share /opt /var /var/lib /var/cache /var/www /tmp /root /home /srv "
    "/usr/src /usr/include /usr/local/include /etc/apt /etc/apt/sources.list.d /run /var/run /var/log".split()
)


def _dedicated(path: str) -> bool:
    return path not in _SHARED_DIRS


_MODIFIERS = frozenset({"chown", "chgrp", "chmod", "touch", "sed", "perl", "dos2unix", "strip", "upx", "mv"})


def _run(stage: Stage, run: RunInstruction, state: _State, events: list[Event]) -> None:
    cwd: str | None = state.workdir
    state.built, state.consumed, state.deleted = [], {}, []
    for command in run.commands:
        call = _program(command)  # what runs (`sudo`, `env A=b` dropped); events keep naming `command`
        name, argv = call.name, call.argv
        if not argv:
            continue  # a wrapper alone (`RUN env`, `xargs`, `sudo`, `exec`) runs no program of its own here
        if name == "cd":
            directory = cd_operand(argv) or state.home  # a bare `cd` goes to $HOME
            conditional = command.conditional
            cwd = _resolve(directory, cwd, state) if directory and directory != "-" and not conditional else None
            continue
        if cwd is not None and (name in _BUILDS_IN_PLACE or argv[0] in _BUILDS_IN_PLACE):
            state.built.append(cwd)  # what the build writes below its folder is this RUN's, not the sources'
        if command.conditional:
            # It may not run (`if [ "$ARG" = x ]; then rm -rf /app; fi`): no deletion, rewrite or consumption is
            # claimed for it, nothing it would create is known; what it may move or unpack away is forgotten.
            if name == "mv":
                _moved_away(call.argv, cwd, state, run)
            elif name in _DECOMPRESSORS:
                _decompressed(call.argv, cwd, state, run)
            continue
        package = _package_call(call, state)
        if package is not None and package.manager.name in SYSTEM_MANAGERS and package.action in (REMOVE, AUTOREMOVE):
            _remove_packages(stage, run, command, package, state, events)
        elif name == "rm":
            words, recursive = rm_call(argv)
            paths = _resolved_operands(words, cwd, state, run)
            state.deleted += paths
            _delete(stage, run, command, paths, state, events, "delete", recursive)
        elif package is not None and clean_targets(package, state.home):
            _delete(stage, run, command, clean_targets(package, state.home), state, events, "clean", True)
        elif name in _MODIFIERS:
            _modify(stage, run, command, call, cwd, state, events)
        _consume(stage, run, command, call, cwd, state, events)
        _create(run, call, package, cwd, state, command)
        if name == "mv":
            _moved_away(call.argv, cwd, state, run)
        elif name in _DECOMPRESSORS:
            _decompressed(call.argv, cwd, state, run)
        _apt_settings(call, cwd, state)
    _leftovers(stage, run, state, events)


# Programs that build in their folder (compilers, build systems): files below it may be new. (pip, npm and python
# write where they are told: their outputs are tracked one by one.)
_BUILDS_IN_PLACE = (SOURCE_BUILDERS - {"pip", "pip3", "npm", "yarn", "python", "python3"}) | BUILD_SYSTEMS | C_COMPILERS \
    | LANGUAGE_COMPILERS | {"./configure", "./autogen.sh"}

# Unpacked in place: the compressed file is replaced by its content (unless kept with -k or written to stdout).
_DECOMPRESSORS = frozenset({"gunzip", "unxz", "bunzip2", "unzstd", "unlzma", "gzip", "xz", "bzip2", "zstd", "lzma"})

# Downloads that are dead weight once consumed: archives, packages and installers (a script is a few KB).
_PACKAGE_FILE = re.compile(r"\.(tar(\.(gz|bz2|xz|zst|lz4|lzma))?|tgz|tbz2?|txz|zip|7z|deb|rpm|apk|whl|gem|jar|"
                           r"run|bin|gz|xz|bz2|zst)$", re.I)


def _moved_away(argv: tuple[str, ...], cwd: str | None, state: _State, run: RunInstruction) -> None:
    """`mv a b`: nothing is left at `a` for a later command to delete or rewrite, whoever created it."""
    call = move_call(argv)
    if call is None:
        return
    for path in _resolved_operands(call[0], cwd, state, run):
        if _GLOB.search(path):
            continue
        for origin in state.origins.under(path):
            _forget(state, origin)


def _decompressed(argv: tuple[str, ...], cwd: str | None, state: _State, run: RunInstruction) -> None:
    name = posixpath.basename(argv[0])
    args = list(argv[1:])
    if name in ("gzip", "xz", "bzip2", "zstd", "lzma") and not has_option(args, "d", ("--decompress",)):
        return
    if has_option(args, "k", ("--keep",)) or has_option(args, "c", ("--stdout",)):
        return
    for path in _resolved_operands(operands(args), cwd, state, run):
        state.deleted.append(path)
        for origin in state.origins.at(path):
            _forget(state, origin)


def _apt_settings(call: ShellCommand, cwd: str | None, state: _State) -> None:
    """Whether this image keeps downloaded .deb files: it removed the official images' docker-clean setting, or
    wrote `Keep-Downloaded-Packages "true"` (the cache-mount recipe)."""
    if call.name == "rm" and any(w.rstrip("/").endswith("apt.conf.d/docker-clean") for w in call.argv[1:]):
        state.apt_keeps_archives = True
    elif any("Keep-Downloaded-Packages" in w and "true" in w.lower() for w in call.argv[1:]):
        state.apt_keeps_archives = True


def _leftovers(stage: Stage, run: RunInstruction, state: _State, events: list[Event]) -> None:
    """Downloads of this RUN that a command consumed and that are still there when the RUN ends."""
    for origin, command in state.consumed.values():
        if origin not in state.origins:
            continue  # deleted, moved or unpacked in place
        folder = posixpath.dirname(origin.path)
        elsewhere = [p for p in state.deleted if posixpath.dirname(p) == folder and p != origin.path]
        events.append(Event("leftover", stage, run, command, elsewhere, [origin]))


def _program(command: ShellCommand) -> ShellCommand:
    """The command without its wrappers; `env A=b` assignments join the command's own `A=b` prefixes."""
    argv = unwrap_argv(command.argv)
    if argv == command.argv:
        return command
    dropped = command.argv[: len(command.argv) - len(argv)]
    assigned = tuple(tuple(w.split("=", 1)) for w in dropped if "=" in w and not w.startswith("-"))
    return ShellCommand(argv, command.span, command.env + assigned, conditional=command.conditional)


# Commands that unpack, install or copy a file: the file itself is then dead weight in the image.
_UNPACKERS = frozenset({"bsdtar", "gunzip", "gzip", "bunzip2", "bzip2", "xz", "unxz", "zstd", "unzstd", "7z", "7za",
                        "cpio", "install", "cp"})


_INSTALLERS = frozenset({"apt-get", "apt", "yum", "dnf", "microdnf", "tdnf", "zypper", "apk", "pip", "pip3", "gem",
                         "npm", "rpm", "dpkg", "pipx", "uv"})

# Installer options whose value is read, not installed: a requirements or constraints file, a key to import, a
# config file. Such small files are kept where they are (the installer may read them again); not consumed.
_READ_OPTIONS = frozenset({"-r", "--requirement", "-c", "--constraint", "--import", "-e", "--editable", "-C",
                           "--config", "--rcfile", "--keyring", "-o"})
_INSTALLER_LOOKING = re.compile(r"(install|setup|get-|bootstrap)", re.I)


def _consumed_operands(call: ShellCommand) -> list[str]:
    """The file operands a command uses up: the archive it extracts, the packages it installs (by their file
    names: not the requirements file or GPG key it reads), the installer script it runs."""
    name, argv = call.name, call.argv
    if name == "tar":
        archive = tar_call(argv)
        return [archive.archive] if archive.extract and archive.archive not in (None, "-") else []
    if name == "unzip":
        archive = unzip_call(argv)[0]
        return [archive] if archive else []
    if name in _UNPACKERS:
        return operands(argv[1:])
    if name in _INSTALLERS:
        words, skip = [], False
        for word in argv[1:]:
            if skip:
                skip = False
            elif word in _READ_OPTIONS:
                skip = True
            elif not word.startswith("-") and not _is_url(word):
                words.append(word)
        return words
    if is_shell(name) or is_interpreter(name):
        if any(a.startswith("-") and "c" in a[1:] and not a.startswith("--") for a in argv[1:2]):
            return []  # `sh -c STRING`
        script = next((w for w in argv[1:] if not w.startswith("-")), None)
        return [script] if script and _runs_once(script) else []
    if "/" in argv[0] and _runs_once(argv[0]):
        return [argv[0]]  # the downloaded installer run directly
    return []


def _runs_once(script: str) -> bool:
    """A script run once to install something (not the application's own program, which the image keeps)."""
    base = posixpath.basename(script)
    return base.endswith((".run", ".bin")) or bool(_INSTALLER_LOOKING.search(base)) or script.startswith("/tmp/")


def _consume(stage, run, command, call, cwd, state: _State, events) -> None:
    """`consume` events: a command unpacks, installs or runs a file that `ADD <url>` or `ADD <git>` fetched; and the
    RUN's own downloads it uses up (`leftover` events at the end of the RUN if it keeps them)."""
    name, argv = call.name, call.argv
    candidates = _consumed_operands(call)
    if name in SOURCE_BUILDERS or argv[0] in SOURCE_BUILDERS:
        candidates.append(".")  # a build in the current directory reads the cloned sources there
    paths = [p for p in (_resolve(c, cwd, state) for c in candidates if not _is_url(c)) if p]
    for path in paths:
        for origin in state.origins.at(path):
            if origin.fetched and origin.instruction is run and _PACKAGE_FILE.search(origin.path):
                state.consumed.setdefault(id(origin), (origin, command))
    if not len(state.remote):
        return
    found: dict[int, Origin] = {}
    for path in paths:
        # the download itself, or a file inside a git checkout
        for origin in state.remote.at(path) + [o for _, o in state.remote.above(path) if o.kind == "add-git"]:
            if origin.instruction is not run:
                found[id(origin)] = origin
    matched = sorted(found.values(), key=state.remote.order)
    if matched:
        events.append(Event("consume", stage, run, command, paths, matched))


def _resolve(path: str, cwd: str | None, state: _State) -> str | None:
    """An absolute normalised path, or None when a variable or the working directory is unknown."""
    if path.startswith("~"):
        if state.home is None or not (path == "~" or path.startswith("~/")):
            return None
        path = state.home + path[1:]
    path = expand_vars(path, state.env.get)
    if path is None:
        return None
    if not path.startswith("/"):
        if cwd is None:
            return None
        path = posixpath.join(cwd, path)
    trailing = path.endswith("/*")
    path = posixpath.normpath(path)
    if path.startswith("//"):
        path = path[1:]
    return path + "/*" if trailing and not path.endswith("/*") else path


def _resolved_operands(operands, cwd, state, run: RunInstruction) -> list[str]:
    paths = []
    for operand in operands:
        path = _resolve(operand, cwd, state)
        if path is not None and not under_mount(run, path):
            paths.append(path)
    return paths


def is_glob(path: str) -> bool:
    """Whether a path has shell wildcards (`/tmp/*`)."""
    return _GLOB.search(path) is not None


def _segments(path: str) -> list[str]:
    return [p for p in path.split("/") if p]


def _glob_match(pattern: str, path: str) -> bool:
    """Segment-wise shell glob: `*` never crosses a `/`."""
    ps, xs = _segments(pattern), _segments(path)
    return len(ps) == len(xs) and all(fnmatch.fnmatchcase(x, p) for p, x in zip(ps, xs))


def _covers(path: str, origin: Origin, recursive: bool = True) -> bool:
    """Whether an operation on `path` (recursive or not) reaches files of `origin`."""
    x = origin.path
    if _GLOB.search(path):
        segments = _segments(x)
        for depth in range(1, len(segments) + 1):
            prefix = "/" + "/".join(segments[:depth])
            if _glob_match(path, prefix) and (recursive or depth == len(segments)):
                return origin.known_contents or depth == len(segments)
        # `dir/*` reaches the entries that a directory-spilling COPY put into `dir`, and a glob inside a folder
        # whose whole content is the origin's (`COPY . /app` then `chmod +x /app/*.sh`) reaches its files.
        parent = posixpath.dirname(path)
        if _GLOB.search(parent):
            return False
        if not origin.known_contents:
            return parent == x
        return not origin.single_file and (parent == x or parent.startswith(x.rstrip("/") + "/"))
    if path == x:
        return recursive or not origin.is_dir
    if recursive and (x.startswith(path.rstrip("/") + "/") or path == "/"):
        return True
    return origin.known_contents and not origin.single_file and path.startswith(x + "/")


def _candidates(path: str, index: PathIndex[Origin], recursive: bool) -> list[Origin]:
    """The origins an operation on `path` may reach (`_covers` decides), found through the index: at the path,
    below it (recursive operations), in the folders above it (whose known contents hold it); for a glob, at or
    below the paths it matches, and in its folder (a directory-spilling COPY)."""
    if _GLOB.search(path):
        matched = index.matching(_segments(path), lambda part, name: fnmatch.fnmatchcase(name, part))
        found = [o for m in matched for o in (index.under(m) if recursive else index.at(m))]
        parent = posixpath.dirname(path)
        if _GLOB.search(parent):
            return found
        return found + index.at(parent) + [o for _, o in index.above(parent) if o.known_contents]
    found = index.at(path) + [o for _, o in index.above(path) if o.known_contents]
    return found + (index.under(path) if recursive else [])


def _covered(paths: list[str], state: _State, recursive: bool) -> list[tuple[str, Origin]]:
    """(operated path, origin) for the origins the operations on `paths` reach, oldest origin first."""
    found: dict[int, tuple[str, Origin]] = {}
    for path in paths:
        for origin in _candidates(path, state.origins, recursive):
            if id(origin) not in found and _covers(path, origin, recursive):
                found[id(origin)] = (path, origin)
    return sorted(found.values(), key=lambda pair: state.origins.order(pair[1]))


def _matching(paths: list[str], state: _State, run: RunInstruction, recursive: bool = True) -> list[Origin]:
    return [o for p, o in _covered(paths, state, recursive) if o.instruction is not run and not _shadowed(p, o, state, run)]


def _shadowed(path: str, origin: Origin, state: _State, run: RunInstruction) -> bool:
    """Whether `path`, which `origin` (an earlier instruction's folder) reaches only through a folder above it, may be
    this RUN's own file: the RUN built, extracted, cloned or downloaded into a folder at or above `path` inside
    that origin (`git clone /src`, then `cd /src && make && strip bin/app`: bin/app was built now)."""
    top = origin.path.rstrip("/")
    if _GLOB.search(path) or path == origin.path or not path.startswith(top + "/"):
        return False

    def inside(folder: str) -> bool:
        return (folder == top or folder.startswith(top + "/")) and (path == folder or path.startswith(folder.rstrip("/") + "/"))

    if any(inside(folder) for folder in state.built):
        return True
    mine = [(at, o) for at, o in state.origins.above(path)] + [(path, o) for o in state.origins.at(path)]
    return any(o.instruction is run and inside(at) for at, o in mine)


def _place(state: _State, origin: Origin) -> None:
    state.origins.add(origin.path, origin)
    if origin.kind in ("add-url", "add-git"):
        state.remote.add(origin.path, origin)


def _forget(state: _State, origin: Origin) -> None:
    state.origins.remove(origin)
    state.remote.remove(origin)


def _delete(stage, run, command, paths, state: _State, events, verb: str, recursive: bool) -> None:
    if not paths:
        return
    covered = _covered(paths, state, recursive)
    matched = [o for p, o in covered if o.instruction is not run and not _shadowed(p, o, state, run)]
    if matched:
        events.append(Event(verb, stage, run, command, paths, matched, recursive))
    # Deleted files are gone for later commands, whoever created them (same-RUN cleanup included).
    for path, origin in covered:
        if _GLOB.search(path) or origin.path == path or origin.path.startswith(path.rstrip("/") + "/"):
            _forget(state, origin)


def _package_call(command: ShellCommand, state: _State) -> PackageCall | None:
    """The package-manager call of a command, `$BUILD_DEPS` from ENV/ARG split into its words as the unquoted
    expansion does."""
    return package_call(command.argv, state.env.get)


def _remove_packages(stage, run, command, package: PackageCall, state: _State, events) -> None:
    removed = list(package.packages)
    matched = [state.packages[p] for p in removed if p in state.packages and state.packages[p].instruction is not run]
    if matched:
        events.append(Event("remove-packages", stage, run, command, removed, matched))
    for name in removed:
        state.packages.pop(name, None)


def _modify(stage, run, command, call, cwd, state: _State, events) -> None:
    name, argv = call.name, call.argv
    args = list(argv[1:])
    recursive = any(a in ("-R", "--recursive") or (a.startswith("-") and not a.startswith("--") and "R" in a)
                    for a in args)
    rewrite = rewritten_files(argv)
    if rewrite is not None:
        files, recursive = rewrite
    elif name == "perl":
        if not any(a.startswith("-") and "i" in a and not a.startswith("--") for a in args):
            return
        files = operands(args)[1:] if not any("e" in a for a in args if a.startswith("-")) else _after_e(args)
    elif name == "mv":
        files = (move_call(argv) or ([], ""))[0]
        recursive = True
    elif name == "sed":
        return  # not in place
    else:  # dos2unix, strip, upx
        files = operands(args)
    paths = _resolved_operands(files, cwd, state, run)
    if not paths:
        return
    matched = _matching(paths, state, run, recursive)
    # `chown -R app:app /app` after `COPY --chown=app:app . /app`: those files keep their owner; nothing is stored
    # again. (A `chmod` to the mode a file has needs the build context's modes: the layer model decides that.)
    matched = [o for o in matched if not (isinstance(o.instruction, CopyInstruction) and o.kind == "copy"
                                          and keeps_owner(argv, o.instruction.chown))]
    if name == "mv":
        matched = [o for o in matched if any(_covers(p, o, True) and (o.path == p or o.path.startswith(p + "/")
                                                                     or p.startswith(o.path + "/")) for p in paths)]
    if matched:
        events.append(Event("modify", stage, run, command, paths, matched, recursive))
        # From now on the RUN's own copy is the file: a second rewrite or a deletion in this RUN wastes nothing more
        # (`chmod +x f && chown app f`, `chmod +x f && ./f && rm f`: one copy of the COPY's f is wasted, once).
        _restored(run, name, paths, matched, state)


def _restored(run: RunInstruction, name: str, paths: list[str], matched: list[Origin], state: _State) -> None:
    """What a RUN rewrote is now stored by that RUN: the copied or RUN-made origins at or below each rewritten path
    give way to one origin of this RUN (none after `mv`, which took them elsewhere). Later commands then name the
    layer that holds the current copy, and a folder rewritten again and again is one origin, not all it ever held.
    Downloads and caches keep their kind (SL303 and the cache advice read it)."""
    for path in paths:
        if _GLOB.search(path):
            continue
        inside = [o for o in matched if o.kind in ("copy", "run") and state.origins.path_of(o) is not None
                  and (o.path == path or o.path.startswith(path.rstrip("/") + "/"))]
        if not inside:
            continue
        for origin in inside:
            _forget(state, origin)
        if name != "mv":
            whole = all(o.known_contents for o in inside) and _dedicated(path)
            folder = any(o.is_dir or o.path != path for o in inside)
            _place(state, Origin(path, run, "run", f"`{name}` (line {run.span.line})", whole, is_dir=folder))


def _after_e(args: list[str]) -> list[str]:
    files, skip = [], False
    for arg in args:
        if skip:
            skip = False
            continue
        if arg.startswith("-"):
            skip = arg.endswith("e") or arg.endswith("E")
            continue
        files.append(arg)
    return files


_WRITE_REDIRECTS = frozenset({">", ">>", ">|", "&>", "&>>"})


def _create(run: RunInstruction, command: ShellCommand, package: PackageCall | None, cwd: str | None,
            state: _State, original: ShellCommand | None = None) -> None:
    """Record what a RUN command writes that a later layer may delete or rewrite (`original`: the command as
    written, wrappers included, for spans)."""
    name, argv = command.name, command.argv
    sub = subcommand(argv)
    manager = package.manager.name if package is not None else None
    action = package.action if package is not None else None

    def add(path: str | None, kind: str, what: str, known: bool = True, typical: str | None = None,
            is_dir: bool = False, fetched: bool = False, single_file: bool = False) -> None:
        if path is None or under_mount(run, path) or _GLOB.search(path):
            return
        for replaced in [o for o in state.origins.at(path) if o.kind == kind]:
            _forget(state, replaced)
        _place(state, Origin(path, run, kind, what, known, typical, is_dir=is_dir or not known, fetched=fetched,
                             command=original or command, single_file=single_file))

    line = run.span.line
    for operator, target in command.redirects:
        # `printf ... > /etc/app.conf`: the shell writes the file (not /dev/* streams, not `>&2` duplications).
        if operator.lstrip("0123456789") in _WRITE_REDIRECTS and not target.startswith("/dev/"):
            add(_resolve(target, cwd, state), "run", f"the output of `{name} ... {operator} {clip(target, 30)}` (line {line})")
    if manager == "apt" and action == UPDATE:
        add(APT_LISTS, "cache", f"the apt lists of `{name} update` (line {line})", False,
            f"~{APT_LISTS_DEBIAN_12.label}")
    if manager in SYSTEM_MANAGERS and action == INSTALL and not package.simulated:
        packages = list(package.packages)
        virtual = package.option("--virtual", "-t") if manager == "apk" else None
        for installed in packages + ([virtual] if virtual else []):
            state.packages[installed] = Origin(installed, run, "package", f"`{name} {sub}` (line {line})")
        if manager == "apt" and state.apt_keeps_archives:
            # Only here: the official Debian/Ubuntu images delete the .deb files after every install (docker-clean),
            # so a later `apt-get clean` deletes nothing unless this image turned that off.
            add(APT_ARCHIVES, "cache", f"the apt cache of `{name} install` (line {line})", False)
        elif manager == "rpm":
            add(RPM_CACHE_DIRS.get(name, "/var/cache/dnf"), "cache", f"the {name} cache of `{name} {sub}` (line {line})",
                False)
        elif manager == "zypper":
            add(ZYPPER_CACHE, "cache", f"the zypper cache of `zypper {sub}` (line {line})", False)
        elif manager == "apk" and not package.has_flag("--no-cache"):
            add(APK_CACHE, "cache", f"the apk index cache of `apk add` (line {line})", False)
    elif manager == "pip" and action == INSTALL and state.home and not pip_cache_disabled(package, _env_of(command, state)):
        add(state.home + "/.cache/pip", "cache", f"the pip cache of `pip install` (line {line})", False)
    elif manager == "npm" and package.command in (("install",), ("i",), ("ci",)) and state.home:
        add(state.home + "/.npm", "cache", f"the npm cache of `npm {sub}` (line {line})", False)
        if "-g" not in argv and "--global" not in argv and cwd is not None:
            add(posixpath.join(cwd, "node_modules"), "run", f"the node_modules of `npm {sub}` (line {line})",
                is_dir=True)
    elif name in ("curl", "wget"):
        for path in _download_paths(argv, cwd, state):
            add(path, "run", f"the download of `{name}` (line {line})", fetched=True)
    elif name in ("tar", "unzip", "bsdtar"):
        _extraction(run, command, cwd, state, add)
    elif name == "git" and sub == "clone":
        found = git_clone_operands(argv)
        if found:
            url = found[0]
            directory = found[1] if len(found) > 1 else clone_directory(url)
            add(_resolve(directory, cwd, state), "run", f"`git clone` (line {line})", is_dir=True)
    elif name in ("cp", "mv") and move_call(argv) is not None:
        sources, dest = move_call(argv)
        resolved = _resolve(dest, cwd, state)
        if resolved is not None:
            if dest.endswith("/") or len(sources) > 1:
                for source in sources:
                    add(posixpath.join(resolved, posixpath.basename(source.rstrip("/"))), "run",
                        f"`{name}` (line {line})")
            elif name == "cp" and not any(has_option(argv[1:], letter, ("--recursive", "--archive"))
                                          for letter in "rRa"):
                # `cp ct /usr/local/bin`: one file, at the destination or inside it when it is a folder; nothing
                # else below the destination is this command's
                add(resolved, "run", f"`{name}` (line {line})", single_file=True)
                base = posixpath.basename(sources[0].rstrip("/"))
                if base and base != posixpath.basename(resolved):
                    add(posixpath.join(resolved, base), "run", f"`{name}` (line {line})", single_file=True)
            else:
                add(resolved, "run", f"`{name}` (line {line})")


def _env_of(command: ShellCommand, state: _State):
    """A variable's value for `command`: its `VAR=value` prefix, else ENV/ARG."""
    prefixes = dict(command.env)
    return lambda key: prefixes[key] if key in prefixes else state.env.get(key)


def _download_paths(argv: tuple[str, ...], cwd: str | None, state: _State) -> list[str]:
    resolved = [_resolve(p, cwd, state) for p in download_outputs(argv)]
    return [p for p in resolved if p]


def _extraction(run, command, cwd, state: _State, add) -> None:
    argv, name = command.argv, command.name
    line = run.span.line
    if name == "unzip":
        archive, directory = unzip_call(argv)
    else:
        call = tar_call(argv)
        if not call.extract:
            return
        archive, directory = call.archive, call.directory
    where = _resolve(directory or ".", cwd, state)
    if where is None:
        return
    if archive in (None, "-"):
        # `curl ... | tar -xz -C /opt/tool`: the archive is a stream, but an explicit target directory still
        # says where its files went (its contents stay unknown). Without -C nothing is known.
        if directory is not None:
            add(where, "run", f"`{name}` (line {line})", known=False)
        return
    add(where, "run", f"`{name}` (line {line})", known=False)
    stem = _ARCHIVE.sub("", posixpath.basename(archive))
    if stem and "$" not in stem and "*" not in stem:
        # Archives conventionally unpack into a directory named like the archive.
        add(posixpath.join(where, stem), "run", f"`{name}` (line {line})",
            is_dir=True)


def origins_summary(origins: list[Origin], paths: list[str] = (), width: int = 60) -> str:
    """"/tmp/a.tgz of `COPY a.tgz /tmp/` (line 4); the apt lists of `apt-get update` (line 2)" for messages, in
    about `width` characters (the rest counted)."""
    by_what: dict[str, list[str]] = {}
    for origin in origins:
        # Name what the command touched when it is more precise than what the instruction created.
        inner = [p for p in paths if p.startswith(origin.path.rstrip("/") + "/") and not _GLOB.search(p)]
        by_what.setdefault(origin.what, []).extend(inner or [origin.path])
    parts = []
    for what, shown in by_what.items():
        if what.startswith("the "):
            parts.append(what)
        else:
            unique = sorted(set(shown))
            parts.append(f"{join_within([clip(p, 30) for p in unique], width - len(what) - 4)} of {what}")
    return clip(join_within(parts, width, "; "), width)
