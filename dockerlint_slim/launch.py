"""The `slimlint` console script and `python -m dockerlint_slim`: the command line, started lean.

A pre-commit hook or an editor runs `slimlint Dockerfile` once per save, so start-up is most of what the user
waits for. Two things here keep it short (benchmarks/startup.py measures them):

- `slimlint PATH...` (and `--no-color`), the plain check with every default, goes straight to the runner without
  importing click and building its command tree; anything else (another option, a subcommand, `--help`) is parsed
  by click in `dockerlint_slim.cli`, which gives the same result for the plain form;
- once the report is written and flushed, the process ends without the interpreter's tear-down of every module
  (nothing slimlint runs needs it: files are closed by `with`, there are no threads or atexit handlers).
"""

from __future__ import annotations

import os
import sys

SUBCOMMANDS = ("check", "rules", "ast", "image", "server")


def plain_check(args: list[str]) -> tuple[tuple[str, ...], bool] | None:
    """(paths, --no-color given) when `args` are only paths (and `--no-color`), else None (click parses them)."""
    paths = tuple(arg for arg in args if arg != "--no-color")
    if not paths or paths[0] in SUBCOMMANDS or any(path.startswith("-") and path != "-" for path in paths):
        return None
    return paths, len(paths) != len(args)


def plain_request(paths: tuple[str, ...], no_color: bool):
    """The request `slimlint check PATHS [--no-color]` makes with every other option at its default."""
    from dockerlint_slim.engine.runner import CheckRequest
    from dockerlint_slim.printable import use_color

    return CheckRequest(paths=paths, color=use_color(no_color, None))


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else list(argv)
    plain = plain_check(args)
    try:
        if plain is None:
            from dockerlint_slim.cli import main as click_main

            click_main(args)
            code = 0
        else:
            from dockerlint_slim.engine.runner import run_check

            code = run_check(plain_request(*plain))
    except SystemExit as exc:
        code = exc.code
    except BrokenPipeError:
        code = 1
        _silence(sys.stderr)
    except KeyboardInterrupt:
        print("slimlint: error: interrupted", file=sys.stderr)
        code = 2
    if code is not None and not isinstance(code, int):  # sys.exit("message"): as the interpreter does it
        print(code, file=sys.stderr)
        code = 1
    _exit(code or 0)


def _silence(stream) -> None:
    try:
        stream.close()
    except OSError:
        pass


def _exit(code: int) -> None:
    """Flush what was written, then end the process without tearing down the interpreter."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a reader that went away (`slimlint ... | head`), a closed stream
            if stream is sys.stdout:
                code = code or 1
    os._exit(code)
