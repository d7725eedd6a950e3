"""Per-file state the rules share (the build context scan, the static replay), computed at most once and only
when a rule asks for it, and the target a rule's check function reads."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Mapping

from dockerlint_slim.model import Dockerfile


class Session:
    """Per-file state that rules share, computed at most once and only when a rule asks for it."""

    def __init__(self, dockerfile: Dockerfile, context_dir: Path | None, contexts: dict,
                 ignore_overrides: Mapping[str, str] | None = None) -> None:
        self.dockerfile = dockerfile
        self.context_dir = context_dir
        self._contexts = contexts  # scanned contexts, shared across the files of one run
        self._ignore_overrides = dict(ignore_overrides or {})  # ignore files as fixes left them, by path
        # The slimlint pragmas that suppress nothing (engine.pragmas.Problem), set once every other rule has run:
        # what rules that need "suppressions" (SL001) read.
        self.suppressions: list = []

    @cached_property
    def context(self):
        if self.context_dir is None:
            return None
        from dockerlint_slim.context import scan_context

        overrides = self._ignore_overrides
        key = context_key(self.context_dir, self.dockerfile.path, overrides)
        if key not in self._contexts:
            self._contexts[key] = scan_context(self.context_dir, self.dockerfile.path, overrides)
        return self._contexts[key]

    @cached_property
    def replay(self):
        """The static file-system replay of this file (`dockerlint_slim.replay.Replay`), shared by the rules."""
        from dockerlint_slim.replay import Replay

        return Replay(self.dockerfile, self.context)


def context_key(context_dir: Path, dockerfile_path: str, ignore_overrides: Mapping[str, str] | None = None) -> tuple:
    """What identifies the scan of a build context: the folder, the ignore file BuildKit would use for this
    Dockerfile, and that file's text when a fix changed it in memory. One walk per key: the Dockerfiles of a monorepo
    that share a context (and have no `<Dockerfile>.dockerignore` of their own) share its scan."""
    from dockerlint_slim.context.dockerignore import find_dockerignore

    overrides = ignore_overrides or {}
    ignore_file = find_dockerignore(str(context_dir), dockerfile_path, overrides)
    return (str(context_dir), ignore_file, overrides.get(ignore_file) if ignore_file else None)


@dataclass
class LintTarget:
    """What a rule's check function reads: the model, its own options, and the shared session."""

    dockerfile: Dockerfile
    options: Mapping[str, Any]
    session: Session

    @property
    def context(self):
        return self.session.context
