"""Inline suppressions: `# slimlint ignore=...` above an instruction and `# slimlint global ignore=...` anywhere."""

from __future__ import annotations

import re
from typing import Iterable

from dockerlint_slim.model import Dockerfile

_PRAGMA = re.compile(r"^slimlint\s+(global\s+)?ignore\s*=\s*([A-Za-z0-9_,\- ]+)$", re.I)


def ignored_by_pragmas(dockerfile: Dockerfile) -> tuple[set[str], dict[int, set[str]]]:
    """`# slimlint global ignore=...` (whole file) and `# slimlint ignore=...` (the next instruction).

    A pragma applies to the instruction that follows its comment block; findings are matched by the line the
    instruction starts on.
    """
    everywhere: set[str] = set()
    by_line: dict[int, set[str]] = {}
    starts = sorted(i.span.line for i in dockerfile.instructions)
    for line, text in dockerfile.comments:
        match = _PRAGMA.match(text)
        if not match:
            continue
        # Commas or blanks separate the ids: `ignore=SL201 SL202` must not silently ignore nothing.
        ids = {token for token in re.split(r"[,\s]+", match.group(2)) if token}
        if match.group(1):
            everywhere |= ids
            continue
        following = next((start for start in starts if start > line), None)
        if following is not None:
            by_line.setdefault(following, set()).update(ids)
    # A finding inside a multi-line instruction is keyed by the instruction's first line.
    return everywhere, _spread_to_instruction_lines(dockerfile, by_line)


def _spread_to_instruction_lines(dockerfile: Dockerfile, by_line: dict[int, set[str]]) -> dict[int, set[str]]:
    spread: dict[int, set[str]] = {}
    for instruction in dockerfile.instructions:
        ids = by_line.get(instruction.span.line)
        if ids:
            for line in range(instruction.span.line, instruction.span.end_line + 1):
                spread.setdefault(line, set()).update(ids)
    return spread


def ignores_rule(rule, ids: Iterable[str]) -> bool:
    """Whether suppression tokens (`SL201`, `apt-lists-not-removed`, `ALL`) name `rule`."""
    return any(token.upper() == rule.id or token == rule.name or token.upper() == "ALL" for token in ids)
