"""Small queries over the model that many rules share (which RUNs reach the image, env lookups, mounts)."""

from __future__ import annotations

import posixpath
import re
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Iterable, Iterator

from dockerlint_slim.model import Dockerfile, RunInstruction, ShellCommand, Stage

TRUTHY = frozenset({"1", "true", "yes", "on"})


def image_stages(dockerfile: Dockerfile) -> list[Stage]:
    """Stages whose layers reach the built image: the target and the stages it is built FROM."""
    return dockerfile.image_stages()


def image_runs(dockerfile: Dockerfile) -> Iterator[tuple[Stage, RunInstruction]]:
    """(stage, RUN) for every RUN (ONBUILD RUN triggers included) in a stage that reaches the image, whose shell
    could be analysed (a RUN under a non-POSIX SHELL has no commands to check)."""
    for stage in image_stages(dockerfile):
        for run in stage.runs():
            if run.shell_analysed:
                yield stage, run


def has_flag(argv: tuple[str, ...], *names: str) -> bool:
    """Long options (`--no-cache`, `--no-cache=...`) or short ones given alone."""
    for arg in argv:
        for name in names:
            if arg == name or (name.startswith("--") and arg.startswith(name + "=")):
                return True
    return False


class CommandsAfter(Sequence):
    """A view of the commands of a RUN after one of them: made in O(1), so that rules asking it for every command
    of a 100,000-command RUN stay linear unless they really read what follows."""

    def __init__(self, commands: tuple[ShellCommand, ...], start: int) -> None:
        self._commands, self._start = commands, start

    def __len__(self) -> int:
        return max(0, len(self._commands) - self._start)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return tuple(self)[index]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        return self._commands[self._start + index]

    def __iter__(self) -> Iterator[ShellCommand]:
        commands = self._commands
        for index in range(self._start, len(commands)):
            yield commands[index]


_POSITIONS: "weakref.WeakKeyDictionary[RunInstruction, dict[int, int]]" = weakref.WeakKeyDictionary()


def commands_after(run: RunInstruction, command: ShellCommand) -> CommandsAfter:
    """The commands of the same RUN that come after `command` in source order."""
    positions = _POSITIONS.get(run)
    if positions is None:
        positions = _POSITIONS[run] = {id(c): i for i, c in enumerate(run.commands)}
    index = positions.get(id(command))
    return CommandsAfter(run.commands, len(run.commands) if index is None else index + 1)


# --- package-manager and cleanup helpers (SL2xx, SL402) -------------------------------------------------------

# Wrappers that run the next word as the real program: `sudo apt-get ...`, `env X=1 pip ...`, `xargs apk add`.
_WRAPPERS = frozenset({"sudo", "env", "nice", "nohup", "time", "eatmydata", "xargs", "doas", "stdbuf", "ionice"})
# Wrapper options that take a value (`sudo -u user`, `xargs -n 1`), so the value is not the program.
_WRAPPER_VALUE_OPTIONS = {
    "sudo": frozenset({"-u", "-g", "-C", "-h", "-p", "-U", "-r", "-t"}),
    "xargs": frozenset({"-n", "-L", "-P", "-I", "-d", "-E", "-s", "-a"}),
    "env": frozenset({"-u", "-C", "-S"}),
    "nice": frozenset({"-n"}),
    "ionice": frozenset({"-c", "-n"}),
    "doas": frozenset({"-u", "-C"}),
}


def program_argv(command: ShellCommand) -> tuple[str, ...]:
    """argv of the program that really runs: wrappers (`sudo`, `env A=b`, `xargs -r`) removed, argv[0] a base name."""
    argv = unwrap_argv(command.argv, _WRAPPERS)
    if not argv:
        return ()
    return (argv[0].rsplit("/", 1)[-1], *argv[1:])


# Also run the next word as the program: `exec cmd`, `command cmd`, `gosu app cmd`, `su-exec app cmd`.
_RUN_AS = frozenset({"gosu", "su-exec"})  # their first operand is the user
REPLAY_WRAPPERS = _WRAPPERS | {"exec", "command"} | _RUN_AS


def unwrap_argv(argv: tuple[str, ...], wrappers: frozenset[str] = REPLAY_WRAPPERS) -> tuple[str, ...]:
    """argv without the wrappers in front of the real program (`sudo -u app`, `env A=b`, `nice -n 5`,
    `gosu app`), argv[0] kept as written (`/tmp/install.sh`)."""
    argv = list(argv)
    while argv:
        name = argv[0].rsplit("/", 1)[-1]
        if name not in wrappers:
            break
        takes_value = _WRAPPER_VALUE_OPTIONS.get(name, frozenset())
        index = 1
        while index < len(argv):
            arg = argv[index]
            if arg in takes_value:
                index += 2
            elif arg.startswith("-") or (name == "env" and "=" in arg):
                index += 1
            else:
                break
        if name in _RUN_AS:
            index += 1
        argv = argv[index:]
    return tuple(argv)


def positionals(argv: tuple[str, ...], value_options: frozenset[str] = frozenset()) -> list[str]:
    """Non-option words after argv[0]; options in `value_options` (`-o`, `--virtual`) consume the next word."""
    found: list[str] = []
    skip = False
    for arg in argv[1:]:
        if skip:
            skip = False
            continue
        if arg == "--":
            continue
        if arg.startswith("-") and len(arg) > 1:
            skip = arg in value_options
            continue
        found.append(arg)
    return found


def expand_braces(word: str) -> list[str]:
    """`/var/cache/{yum,dnf}` -> both paths (bash brace expansion; one level of nesting per pass)."""
    start = word.find("{")
    end = word.find("}", start + 1)
    if start < 0 or end < 0 or "," not in word[start:end]:
        return [word]
    head, body, tail = word[:start], word[start + 1 : end], word[end + 1 :]
    expanded: list[str] = []
    for part in body.split(","):
        expanded += expand_braces(head + part + tail)
    return expanded


_HOME_PREFIXES = ("${HOME}", "$HOME", "~")


def normalize_path(path: str, home: str = "/root") -> str:
    """A path for comparisons: `~`/`$HOME` made absolute (root's home unless told), `//` and trailing `/` removed."""
    for prefix in _HOME_PREFIXES:
        if path == prefix or path.startswith(prefix + "/"):
            path = home + path[len(prefix) :]
            break
    if not path.startswith("/"):
        return path
    return posixpath.normpath(path).replace("//", "/")


# find predicates that still select the whole tree (everything under DIR is deleted).
_FIND_WHOLE_TREE = frozenset(
    {"-mindepth", "-maxdepth", "-type", "-depth", "-xdev", "-mount", "-print", "-delete", "-exec",
     "-ignore_readdir_race", "-L", "-P", "-H"}
)


def removed_paths(command: ShellCommand) -> list[str]:
    """Paths (glob patterns as written, braces expanded) that the command deletes: `rm -r/-f`, `find P -delete`."""
    argv = program_argv(command)
    if not argv:
        return []
    if argv[0] == "rm":
        paths = [a for a in argv[1:] if not a.startswith("-")]
    elif argv[0] == "find" and ("-delete" in argv or ("-exec" in argv and "rm" in argv[argv.index("-exec") :])):
        paths = []
        for arg in argv[1:]:
            if arg.startswith("-") or arg in ("(", "!"):
                break
            paths.append(arg)
        # `find DIR -name '*.pyc' -delete` removes only some files of DIR: not a removal of DIR.
        rest = list(argv[1 + len(paths) :])
        rest = rest[: rest.index("-exec")] if "-exec" in rest else rest
        if any((a.startswith("-") or a in ("(", "!")) and a not in _FIND_WHOLE_TREE for a in rest):
            return []
    else:
        return []
    return [p for word in paths for p in expand_braces(word)]


def path_pattern_covers(pattern: str, path: str) -> bool:
    """True when deleting `pattern` deletes `path` or the contents of directory `path`.

    `/var/lib/apt/lists/*`, `/var/lib/apt/lists`, `/var/lib/apt` and `/var/lib/apt/lists/*_*` all cover
    `/var/lib/apt/lists`; `/tmp/*` does not.
    """
    import fnmatch

    pattern, path = normalize_path(pattern), normalize_path(path)
    if not pattern.startswith("/") or pattern == "/":
        return False
    literal = pattern
    while literal and any(ch in literal.rsplit("/", 1)[-1] for ch in "*?["):
        literal = literal.rsplit("/", 1)[0]  # `/dir/*` or `/dir/*.gz`: the contents of `/dir`
    if literal and (path == literal or path.startswith(literal.rstrip("/") + "/")):
        return literal == pattern or path == literal or fnmatch.fnmatch(path, pattern)
    return fnmatch.fnmatch(path, pattern) or fnmatch.fnmatch(path, pattern.rstrip("/*") or "/")


def removes_path(command: ShellCommand, path: str) -> bool:
    """The command deletes `path` or everything in it."""
    return any(path_pattern_covers(pattern, path) for pattern in removed_paths(command))


def _at_or_below(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def mount_covers_path(run: RunInstruction, path: str, kinds: tuple[str, ...] = ("cache", "tmpfs")) -> bool:
    """True when a mount of one of `kinds` is on `path` or a parent of it (its files never reach a layer);
    `~`/`$HOME` in either path is read as root's home."""
    if not run.mounts:
        return False
    path = normalize_path(path)
    return any(
        mount.type in kinds and mount.target and _at_or_below(path, normalize_path(mount.target))
        for mount in run.mounts
    )


def stage_var(stage: Stage, name: str) -> str | None:
    """An ENV value of the stage's lineage, else an `ARG name=default` declared in it (ARGs are env vars in RUN)."""
    value = stage.env.get(name)
    if value is not None:
        return value
    from dockerlint_slim.model import ArgInstruction

    for ancestor in stage.lineage():
        for instruction in reversed(ancestor.instructions):
            if isinstance(instruction, ArgInstruction):
                for key, default in instruction.pairs:
                    if key == name and default is not None:
                        return default
    return None


def var_before(stage: Stage, instruction, name: str) -> str | None:
    """The value `name` has when `instruction` runs: ENV of the parent stages, then this stage's ENV/ARG lines
    above it (ENV wins over an ARG of the same name, as in BuildKit). None when unset or unknown."""
    from dockerlint_slim.model import ArgInstruction, EnvInstruction, OnbuildInstruction

    env_value = stage.parent.env.get(name) if stage.parent is not None else None
    arg_value = None
    found = False
    for current in stage.instructions:
        if current is instruction or (isinstance(current, OnbuildInstruction) and current.trigger is instruction):
            found = True
            break
        if isinstance(current, EnvInstruction):
            env_value = next((v for k, v in reversed(current.pairs) if k == name), env_value)
        elif isinstance(current, ArgInstruction):
            arg_value = next((v for k, v in reversed(current.pairs) if k == name and v is not None), arg_value)
    if not found:  # not an instruction of this stage: fall back to the stage's final values
        return stage_var(stage, name)
    return env_value if env_value is not None else arg_value


# --- argv helpers of the file-system replay (layers, layer_events) ---------------------------------------------

VAR_REFERENCE = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))")


def operands(args: Iterable[str], with_value: frozenset[str] = frozenset()) -> list[str]:
    """Non-option words of `args` (argv without argv[0]): after the first `--` every word is an operand, `-` is one
    (stdin); options in `with_value` consume the next word."""
    found: list[str] = []
    words = list(args)
    index = 0
    literal = False
    while index < len(words):
        word = words[index]
        if literal or not word.startswith("-") or word == "-":
            found.append(word)
        elif word == "--":
            literal = True
        elif word in with_value:
            index += 1
        index += 1
    return found


def subcommand(argv: tuple[str, ...]) -> str | None:
    """The first non-option word after the program (`install` of `apt-get -y install x`)."""
    return next((arg for arg in argv[1:] if not arg.startswith("-")), None)


def option_value(argv: Iterable[str], names: tuple[str, ...]) -> str | None:
    """The value of the first of `names` given as `-o VALUE`, `--name VALUE` or `--name=VALUE`."""
    words = list(argv)
    for index, arg in enumerate(words):
        for name in names:
            if arg == name and index + 1 < len(words):
                return words[index + 1]
            if name.startswith("--") and arg.startswith(name + "="):
                return arg.split("=", 1)[1]
    return None


def has_option(args: Iterable[str], short: str, long: tuple[str, ...] = ()) -> bool:
    """`-r`, a bundle like `-rf`, or one of the `long` names (`--recursive`, `--recursive=...`) before `--`."""
    for word in args:
        if word == "--":
            break
        if word.startswith("--"):
            if word.split("=", 1)[0] in long:
                return True
        elif word.startswith("-") and short in word[1:]:
            return True
    return False


def expand_vars(word: str, lookup) -> str | None:
    """`$NAME`/`${NAME}` replaced by `lookup(NAME)`; None when a value is unknown (lookup gives None) or a `$` is
    left (`$(...)`, `${X:-y}`): such paths are never guessed."""
    if "$" not in word:
        return word
    unknown = False

    def substitute(match: re.Match) -> str:
        nonlocal unknown
        value = lookup(match.group(1) or match.group(2))
        if value is None:
            unknown = True
            return ""
        return value

    expanded = VAR_REFERENCE.sub(substitute, word)
    return None if unknown or "$" in expanded else expanded


_GIT_CLONE_VALUE_OPTIONS = frozenset({"--depth", "-b", "--branch", "-o", "--origin", "-c", "--config", "--reference",
                                      "--separate-git-dir", "-j", "--jobs", "--filter", "-u", "--upload-pack",
                                      "--template", "--shallow-since", "--shallow-exclude"})


def git_clone_operands(argv: tuple[str, ...]) -> list[str]:
    """`git [-C dir] clone [options] <repo> [<dir>]` -> [repo, dir?] (empty when this is not a clone)."""
    args = list(argv[1:])
    if "clone" not in args:
        return []
    args = args[args.index("clone") + 1 :]
    found, skip = [], False
    for arg in args:
        if skip:
            skip = False
        elif arg in _GIT_CLONE_VALUE_OPTIONS:
            skip = True
        elif not arg.startswith("-"):
            found.append(arg)
    return found


def clone_directory(repository: str) -> str:
    """The folder `git clone <repository>` creates when none is given."""
    return repository.rstrip("/").rsplit("/", 1)[-1].removesuffix(".git")


@dataclass(frozen=True)
class TarCall:
    """What a `tar` command line asks for: extract or create, the archive (`-f`), the directory (`-C`)."""

    extract: bool
    create: bool
    archive: str | None
    directory: str | None


def tar_call(argv: tuple[str, ...]) -> TarCall:
    """Reads `tar -xzf a.tgz -C /opt`, old-style bundles (`tar xzf a.tgz`), `--extract --file=a --directory=d`."""
    args = list(argv[1:])
    extract = create = False
    archive = directory = None
    if args and not args[0].startswith("-"):
        # Old-style bundled letters: `tar xzf FILE`.
        first = args[0]
        extract, create = "x" in first, "c" in first
        if "f" in first and len(args) > 1:
            archive = args[1]
        args = args[2:] if "f" in first else args[1:]
    index = 0
    while index < len(args):
        word = args[index]
        if word in ("--extract", "--get"):
            extract = True
        elif word == "--create":
            create = True
        elif word.startswith("--file="):
            archive = word.split("=", 1)[1]
        elif word == "--file" and index + 1 < len(args):
            archive = args[index + 1]
            index += 1
        elif word.startswith("--directory="):
            directory = word.split("=", 1)[1]
        elif word in ("-C", "--directory") and index + 1 < len(args):
            directory = args[index + 1]
            index += 1
        elif word.startswith("-") and not word.startswith("--"):
            letters = word[1:]
            extract = extract or "x" in letters
            create = create or "c" in letters
            if "f" in letters:
                rest = letters[letters.index("f") + 1 :]
                if rest:
                    archive = rest
                elif index + 1 < len(args):
                    archive = args[index + 1]
                    index += 1
            if letters.endswith("C") and index + 1 < len(args):
                directory = args[index + 1]
                index += 1
        index += 1
    return TarCall(extract, create, archive, directory)


def unzip_call(argv: tuple[str, ...]) -> tuple[str | None, str | None]:
    """(archive, `-d` directory) of an `unzip` command line."""
    found = operands(argv[1:], frozenset({"-d", "-x", "-P"}))
    directory = None
    for index, word in enumerate(argv):
        if word == "-d" and index + 1 < len(argv):
            directory = argv[index + 1]
    return (found[0] if found else None), directory


def _url_file_name(url: str) -> str:
    return posixpath.basename(url.split("?", 1)[0])


def download_outputs(argv: tuple[str, ...]) -> list[str]:
    """Files a `curl`/`wget` command writes, as written (relative to the working directory unless absolute):
    `curl -o F`/`-oF`/`--output=F`, `curl -O URL` (the URL's file name; every URL with `--remote-name-all`),
    `wget -O F`, `wget [-P DIR] URL...`. Writing to stdout (`-o -`, `-O -`, no output option for curl) gives none."""
    name = argv[0].rsplit("/", 1)[-1] if argv else ""
    args = list(argv[1:])
    urls = [a for a in args if "://" in a]
    if name == "curl":
        outputs = []
        for index, word in enumerate(args):
            if word in ("-o", "--output") and index + 1 < len(args):
                outputs.append(args[index + 1])
            elif word.startswith("--output="):
                outputs.append(word.split("=", 1)[1])
            elif word.startswith("-o") and len(word) > 2 and not word.startswith("--"):
                outputs.append(word[2:])
        outputs = [o for o in outputs if o and o != "-"]
        if outputs:
            return outputs
        if "--remote-name-all" in args:
            return [n for n in map(_url_file_name, urls) if n]
        if has_option(args, "O", ("--remote-name",)) and urls:
            return [n for n in [_url_file_name(urls[0])] if n]
        return []
    if name == "wget":
        for index, word in enumerate(args):
            output = None
            if word in ("-O", "--output-document") and index + 1 < len(args):
                output = args[index + 1]
            elif word.startswith("--output-document="):
                output = word.split("=", 1)[1]
            elif word.startswith("-") and not word.startswith("--") and "O" in word:
                # `-O-`, `-qO-`, `-qO file`: the value follows the O (or is the next word)
                rest = word[word.index("O") + 1 :]
                output = rest if rest else (args[index + 1] if index + 1 < len(args) else None)
            if output is not None:
                return [] if output in ("-", "") else [output]
        prefix = option_value(args, ("-P", "--directory-prefix"))
        return [posixpath.join(prefix, n) if prefix else n for n in map(_url_file_name, urls) if n]
    return []


_CHMOD_MODE_LETTERS = frozenset("rwxXst")


def rewritten_files(argv: tuple[str, ...]) -> tuple[list[str], bool] | None:
    """(files, recursive) that `chmod`/`chown`/`chgrp`, `sed -i` or `touch` rewrite in place; None for any other
    command (and for `sed` without `-i`). Paths are as written."""
    name = argv[0].rsplit("/", 1)[-1] if argv else ""
    args = list(argv[1:])
    if name in ("chmod", "chown", "chgrp"):
        # chmod modes like `-x` or `-w` look like options; a leading `-[rwxXst]+` word is the mode.
        words: list[str] = []
        for word in args:
            if word.startswith("-") and word.lstrip("-") and set(word[1:]) <= _CHMOD_MODE_LETTERS and not words:
                words.append(word)
            elif not word.startswith("-"):
                words.append(word)
        if not any(a.startswith("--reference") for a in args):
            words = words[1:]  # the mode or owner
        return words, has_option(args, "R", ("--recursive",))
    if name == "sed":
        in_place = any(a == "-i" or (a.startswith("-i") and not a.startswith("--")) or a.startswith("--in-place")
                       or (a.startswith("-") and not a.startswith("--") and "i" in a[1:] and "e" not in a[1:])
                       for a in args)
        if not in_place:
            return None
        script_option = any(a in ("-e", "-f", "--expression", "--file") or a.startswith(("--expression=", "--file="))
                            for a in args)
        found = operands(args, frozenset({"-e", "-f", "--expression", "--file", "-l"}))
        return (found if script_option else found[1:]), False
    if name == "touch":
        return operands(args, frozenset({"-d", "-t", "-r", "--date", "--reference"})), False
    return None


def rm_call(argv: tuple[str, ...]) -> tuple[list[str], bool]:
    """(paths as written, recursive) of an `rm` command line."""
    args = argv[1:]
    return operands(args), has_option(args, "r", ("--recursive",)) or has_option(args, "R")


def cd_operand(argv: tuple[str, ...]) -> str | None:
    """The directory a `cd` command line names, as written (`-` for `cd -`); None for a bare `cd` ($HOME)."""
    found = operands(argv[1:])
    return found[0] if found else None


def under_mount(run: RunInstruction, path: str) -> bool:
    """True when `path` is at or below the target of any mount of the RUN (bind, cache, tmpfs, secret, ssh):
    what a command writes there never reaches the layer."""
    return any(mount.target and _at_or_below(path, posixpath.normpath(mount.target)) for mount in run.mounts)


def move_call(argv: tuple[str, ...]) -> tuple[list[str], str] | None:
    """(sources, destination) of a `cp`/`mv` command line, as written; with `-t DIR` the destination is `DIR/`
    (a folder). None when it names fewer than two paths."""
    words = operands(argv[1:], frozenset({"-t", "-S", "--suffix", "--target-directory"}))
    target = None
    for index, word in enumerate(argv[1:]):
        if word in ("-t", "--target-directory") and index + 2 < len(argv):
            target = argv[index + 2]
        elif word.startswith("--target-directory="):
            target = word.split("=", 1)[1]
    if target is not None:
        return (words, target.rstrip("/") + "/") if words else None
    return (words[:-1], words[-1]) if len(words) >= 2 else None


def cwd_before(run: RunInstruction, command: ShellCommand, start: str | None = None) -> str | None:
    """The directory `command` runs in, from the `cd` commands before it in the same RUN (`start`, the WORKDIR,
    when none). None when unknown (`cd -`, a bare `cd`, a `cd $VAR`)."""
    cwd = start
    for earlier in run.commands:
        if earlier is command:
            break
        argv = program_argv(earlier)
        if argv[:1] != ("cd",):
            continue
        target = cd_operand(argv)
        if target is None or target == "-" or "$" in target or "`" in target:
            cwd = None
        elif target.startswith("/"):
            cwd = posixpath.normpath(target)
        elif cwd is not None:
            cwd = posixpath.normpath(posixpath.join(cwd, target))
    return cwd


def run_removes_path(run: RunInstruction, command: ShellCommand, path: str, start: str | None = None,
                     home: str = "/root") -> bool:
    """Like `removes_path`, with relative operands (`cd /var/cache && rm -rf yum`) resolved against the
    directory the command runs in (see `cwd_before`), and `~`/`$HOME` read as `home` (see `user_home`)."""
    cwd = None
    for pattern in removed_paths(command):
        if home != "/root" and pattern.startswith(_HOME_PREFIXES):
            pattern = normalize_path(pattern, home)
        if not pattern.startswith(("/", "~", "$")):
            cwd = cwd or cwd_before(run, command, start)
            if cwd is None:
                continue
            pattern = posixpath.join(cwd, pattern)
        if path_pattern_covers(pattern, path):
            return True
    return False


def user_home(stage: Stage, instruction) -> str | None:
    """$HOME when `instruction` runs: `ENV HOME`, else the home of the last `USER` above it in the stage's lineage
    (`root`/`0`/none -> /root, `node` -> /home/node, another name -> /home/<name>, as `useradd -m` makes it).
    None when it cannot be known (`USER 1000` or `USER $NAME`): callers must not pin a cache to /root then."""
    home = var_before(stage, instruction, "HOME")
    if home and "$" not in home:
        return home.rstrip("/") or "/"
    user = None
    for ancestor in reversed(list(stage.lineage())):
        for current in ancestor.instructions:
            if ancestor is stage and (current is instruction or getattr(current, "trigger", None) is instruction):
                break
            if current.keyword == "USER":
                user = (current.args[0] if current.args else current.arguments.strip()).split(":", 1)[0]
    if user is None or user in ("root", "0", ""):
        return "/root"
    if "$" in user or user.isdigit():
        return None
    return f"/home/{user}"


def rehome(path: str, home: str | None) -> str:
    """A /root/... default cache path moved to `home` (kept as is when `home` is unknown)."""
    if home is None or home == "/root" or not (path == "/root" or path.startswith("/root/")):
        return path
    return home.rstrip("/") + path[len("/root"):]


_ASKED_PATH = re.compile(r"^(?:\$\(|`)\s*([^)`]*?)\s*(?:\)|`)(?:/\*?)?$")


def removes_asked_path(command: ShellCommand, *queries: str) -> bool:
    """`rm -rf $(yarn cache dir)` / `rm -rf "$(pip cache dir)"/*`: the command deletes the directory that one of
    `queries` (`"yarn cache dir"`, `"npm config get cache"`) prints."""
    wanted = {" ".join(q.split()) for q in queries}
    for pattern in removed_paths(command):
        match = _ASKED_PATH.match(pattern)
        if match and " ".join(match.group(1).split()) in wanted:
            return True
    return False
