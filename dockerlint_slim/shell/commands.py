"""What well-known commands do to files, read from their argv: `rm`, `find -delete`, `tar`, `unzip`, `curl`/`wget`
downloads, `chmod`/`chown`/`sed -i`/`touch` rewrites, `cp`/`mv`, `cd`, `git clone`."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from typing import Callable

from dockerlint_slim.model import ShellCommand
from dockerlint_slim.shell.argv import has_option, operands, option_value, program_argv
from dockerlint_slim.shell.paths import expand_braces, path_pattern_covers

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


def removes_path(command: ShellCommand, path: str) -> bool:
    """The command deletes `path` or everything in it."""
    return any(path_pattern_covers(pattern, path) for pattern in removed_paths(command))


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


def removes_variable_path(command: ShellCommand, *names: str) -> bool:
    """`rm -r "$YARN_CACHE_FOLDER"` / `rm -rf ${GOPATH}/*`: the command deletes the directory held in one of the
    variables `names`, whatever value it was given (`export YARN_CACHE_FOLDER="$(mktemp -d)"` earlier)."""
    wanted = {f"${name}" for name in names} | {f"${{{name}}}" for name in names}
    for pattern in removed_paths(command):
        if pattern.removesuffix("/*").rstrip("/") in wanted:
            return True
    return False


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


# curl's short options that take a value (`-o FILE`, `-H HEADER`, `-u USER`, ...).
_CURL_VALUE_LETTERS = frozenset("oHdDuXAebcTFmwxrCEKyYzQtU")


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
            elif word.startswith("-") and not word.startswith("--") and len(word) > 1:
                # a cluster of short options (`-fsSLo FILE`, `-oFILE`): the first one that takes a value takes the
                # rest of the word, or the next word
                for position, letter in enumerate(word[1:], start=1):
                    if letter in _CURL_VALUE_LETTERS:
                        rest = word[position + 1 :]
                        value = rest if rest else (args[index + 1] if index + 1 < len(args) else None)
                        if letter == "o" and value is not None:
                            outputs.append(value)
                        break
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


# --- rewrites that change nothing (no file is stored again) -------------------------------------------------------

_SYMBOLIC_MODE = re.compile(r"^([ugoa]*)([+-])([rwx]+)$")
_WHO_BITS = {"u": 0o700, "g": 0o070, "o": 0o007}
_PERMISSION_BITS = {"r": 0o444, "w": 0o222, "x": 0o111}


def keeps_owner(argv: tuple[str, ...], copied_owner: str | None) -> bool:
    """`chown [-R] U:G` (or `chown U`, `chgrp G`) of files that `COPY --chown=U:G` wrote: they have that owner and
    group already, so no file changes (a real build stores 16 kB for 30 MB re-owned so). Only the owner exactly as
    written in both places, without variables, counts: `1001` and `app` are not compared."""
    name = argv[0].rsplit("/", 1)[-1] if argv else ""
    if name not in ("chown", "chgrp") or not copied_owner or "$" in copied_owner:
        return False
    if any(a.startswith(("--from", "--reference")) for a in argv[1:]):
        return False
    words = [a for a in argv[1:] if not a.startswith("-")]
    if not words or not words[0] or "$" in words[0]:
        return False
    spec = words[0]
    user, _, group = copied_owner.partition(":")
    if name == "chgrp":
        return bool(group) and spec == group
    return spec == copied_owner if ":" in spec else spec == user


def mode_kept(argv: tuple[str, ...]) -> Callable[[int], bool] | None:
    """For `chmod MODE ...`: a test of whether a file with permission bits `mode` keeps them (then the file is not
    stored again: a real build stores 2 kB for a 300 kB file `chmod 755`ed to its own mode). Decided for an octal
    MODE and a symbolic `[ugoa]*[+-][rwx]+` (all its bits already set for `+`, all clear for `-`, whatever the
    umask); None for anything else (`=`, `X`, `s`, lists, `--reference`) and other commands."""
    if not argv or argv[0].rsplit("/", 1)[-1] != "chmod" or any(a.startswith("--reference") for a in argv[1:]):
        return None
    words = [a for a in argv[1:] if not a.startswith("-") or (a[1:] and set(a[1:]) <= set("rwx"))]
    if not words:
        return None
    spec = words[0]
    if spec.isdigit() and set(spec) <= set("01234567") and len(spec) <= 4:
        wanted = int(spec, 8)
        return lambda mode: mode & 0o7777 == wanted
    match = _SYMBOLIC_MODE.match(spec)
    if not match:
        return None
    who, operator, what = match.groups()
    scope = 0o777 if not who or "a" in who else sum(_WHO_BITS[w] for w in set(who))
    bits = scope & sum(_PERMISSION_BITS[p] for p in set(what))
    if operator == "+":
        return lambda mode: mode & bits == bits
    return lambda mode: mode & bits == 0
