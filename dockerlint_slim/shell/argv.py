"""Reading a command's argv: the program behind wrappers (`sudo`, `env A=b`, `xargs`), its operands and options,
and `$VAR` references. One argv reader for the rules and the replay."""

from __future__ import annotations

import re
from typing import Iterable

from dockerlint_slim.model import ShellCommand

TRUTHY = frozenset({"1", "true", "yes", "on"})


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
    found = command.derived.get("program_argv")
    if found is None:
        argv = unwrap_argv(command.argv, _WRAPPERS)
        found = command.derived["program_argv"] = (argv[0].rsplit("/", 1)[-1], *argv[1:]) if argv else ()
    return found


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


def has_flag(argv: tuple[str, ...], *names: str) -> bool:
    """Long options (`--no-cache`, `--no-cache=...`) or short ones given alone."""
    for arg in argv:
        for name in names:
            if arg == name or (name.startswith("--") and arg.startswith(name + "=")):
                return True
    return False


VAR_REFERENCE = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))")


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
