"""The engine: loads the rules (`registry`) and the configuration (`config`), runs the selected rules over each
file with the per-file state they share (`session`), applies suppressions (`pragmas`), and turns findings into
diagnostics (`linter`); `runner` sits between the command line and the linter (discovery, contexts, exit code)."""

from dockerlint_slim.engine.linter import (
    FileError,
    FileResult,
    Linter,
    LintOptions,
    RuleOptionError,
    TargetNotFound,
    select_rules,
)
from dockerlint_slim.engine.session import LintTarget, Session

__all__ = [
    "FileError",
    "FileResult",
    "LintOptions",
    "LintTarget",
    "Linter",
    "RuleOptionError",
    "Session",
    "TargetNotFound",
    "select_rules",
]
