"""`slimlint server`: a language server (LSP over stdio) that lints the Dockerfiles an editor has open.

pygls and lsprotocol are an optional extra (`pip install 'slimlint[server]'`): nothing outside this package imports
them, so the command line starts without them.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

INSTALL_HINT = "pip install 'slimlint[server]'"


def missing_dependency() -> str | None:
    """The name of the server's dependency that is not installed, or None."""
    for name in ("pygls", "lsprotocol"):
        if importlib.util.find_spec(name) is None:
            return name
    return None


def serve(rules_dirs: tuple[Path, ...] = ()) -> int:
    """Run the server until the editor ends it; the process exits here (see `app.run`). 2 when pygls is missing."""
    missing = missing_dependency()
    if missing is not None:
        print(f"slimlint: error: `slimlint server` needs {missing}, which is not installed: {INSTALL_HINT}",
              file=sys.stderr)
        return 2
    from dockerlint_slim.server.app import run

    code = run(rules_dirs)
    # pygls reads stdin on a worker thread that the interpreter would join at exit, and an editor may keep stdin
    # open after `exit`: leave at once.
    for stream in (sys.stdout, sys.stderr):  # stdout is stderr's descriptor by now (see `app.run`)
        stream.flush()
    os._exit(code)
