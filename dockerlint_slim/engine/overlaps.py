"""Findings of different rules on the same bytes: a rule declares the rules it supersedes (`SUPERSEDES` in its module),
and its findings replace theirs where both name the same origin and path.

A finding names where its bytes are in `properties["overlap"]` (`diagnostics.OVERLAP`): keys of the instruction
whose layer stores them (`origin_line`) and the image path. A finding of rule R is superseded by the findings of
the rules that declare R in their `SUPERSEDES` and *reported in this file* (they ran, were not suppressed, and
found something): a key of R's finding is covered when one of their keys has the same origin line and the same
path or a folder above it.

- every key covered: the finding is dropped (the superseding finding says the same, with the better fix);
- some keys covered: the finding stays (it says something the other does not); totals still count each key's
  bytes once (`diagnostics.ByteTotals`).

Nothing is dropped because of a rule that did not run (`--ignore`, a pragma, a `--context` it needs, or a threshold
that kept it quiet): turning a rule off never hides another rule's finding.
"""

from __future__ import annotations

from typing import Iterable

from dockerlint_slim.diagnostics import OVERLAP, Diagnostic


def _keys(diagnostic: Diagnostic) -> list[tuple[int, str]]:
    keys = diagnostic.properties.get(OVERLAP) or ()
    return [(k["origin_line"], k["path"]) for k in keys
            if isinstance(k, dict) and isinstance(k.get("origin_line"), int) and isinstance(k.get("path"), str)]


def _covered(line: int, path: str, claims: dict[int, set[str]]) -> bool:
    paths = claims.get(line)
    if not paths:
        return False
    if path in paths:
        return True
    # A folder above the path: walk up its parents (each a set lookup), not over every claimed path.
    parent = path.rstrip("/")
    while "/" in parent.lstrip("/"):
        parent = parent.rsplit("/", 1)[0]
        if parent in paths or (parent + "/") in paths:
            return True
    return "/" in paths


def resolve_overlaps(diagnostics: list[Diagnostic], superseded_by: dict[str, Iterable[str]]) -> list[Diagnostic]:
    """The file's diagnostics with superseded findings dropped or marked (see the module docstring).
    `superseded_by` maps a rule id to the ids of the rules that supersede it (among the rules that ran)."""
    claims: dict[str, dict[int, set[str]]] = {}  # rule id -> origin line -> claimed paths
    for diagnostic in diagnostics:
        for line, path in _keys(diagnostic):
            claims.setdefault(diagnostic.rule_id, {}).setdefault(line, set()).add(path)
    if not claims:
        return diagnostics
    kept: list[Diagnostic] = []
    for diagnostic in diagnostics:
        winners = [claims[other] for other in superseded_by.get(diagnostic.rule_id, ()) if other in claims]
        keys = _keys(diagnostic) if winners else []
        if not keys:
            kept.append(diagnostic)
            continue
        if all(any(_covered(line, path, winner) for winner in winners) for line, path in keys):
            continue
        kept.append(diagnostic)
    return kept
