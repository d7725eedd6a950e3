"""Pair the image's history with the Dockerfile's instructions and turn measured waste into SL601 findings.

The built stage's instructions (and those of the stages it is built FROM, oldest first) appear, in order, at the
end of the image history; the base image's entries come before them. We align the two sequences with a small
dynamic program (keywords must agree; commands are compared as text), which tolerates instructions without a
history entry and history entries without an instruction (ONBUILD triggers of the base). The first matched entry
marks where the base image ends, which gives `user_wasted_ratio` a better denominator than dive's "every layer
after the first".
"""

from __future__ import annotations

import posixpath
from collections import Counter
from dataclasses import dataclass, field

from dockerlint_slim.diagnostics import Diagnostic, format_bytes
from dockerlint_slim.image.archive import ImageRef
from dockerlint_slim.image.history import (
    HistoryInstruction,
    normalize_command,
    parse_created_by,
)
from dockerlint_slim.image.stack import StackResult, WasteGroup
from dockerlint_slim.knowledge.package_managers import cache_of
from dockerlint_slim.model import Dockerfile, Instruction

RULE_ID, RULE_NAME, SEVERITY = "SL601", "image-layer-waste", "warning"
GAP_INSTRUCTION = 1.0  # an instruction with no history entry (rare: the history was edited)
GAP_HISTORY = 1.0  # a history entry of ours with no instruction (ONBUILD trigger)
MIN_SIMILARITY = 0.6  # below it a RUN/COPY/ADD pairing is not trusted enough to blame a line
HISTORY_SLACK = 20  # history entries considered beyond twice the instruction count (base + ONBUILD extras)


@dataclass
class Mapping:
    pairs: dict[int, Instruction]  # history index -> instruction
    similarity: dict[int, float]  # history index -> how alike the texts are (0..1)
    instructions: list[Instruction]  # the built stage's instructions that can have history
    first_user_history: int | None  # history index of the first matched instruction

    @property
    def matched(self) -> int:
        return len(self.pairs)

    def layer_lines(self, image: ImageRef) -> dict[int, int]:
        return {layer.index: self.pairs[layer.history_index].span.line for layer in image.layers
                if layer.history_index in self.pairs}

    def base_layers(self, image: ImageRef) -> int | None:
        """How many layers come from the base image, or None when the Dockerfile did not match."""
        if self.first_user_history is None:
            return None
        return sum(1 for layer in image.layers
                   if layer.history_index is not None and layer.history_index < self.first_user_history)


def built_instructions(dockerfile: Dockerfile) -> list[Instruction]:
    """Instructions that end up in the image history: the target stage and the stages it is built FROM."""
    target = dockerfile.target_stage()
    if target is None:
        return []
    stages = list(target.lineage())[::-1]
    return [instruction for stage in stages for instruction in stage.instructions[1:]]  # FROM has no entry


def _destination(text: str) -> str:
    words = text.split()
    if not words:
        return ""
    return posixpath.normpath(words[-1]) if words[-1] != "/" else "/"


def _instruction_text(instruction: Instruction) -> str:
    script = getattr(instruction, "script", None)
    if instruction.keyword == "RUN" and script:
        # BuildKit records a heredoc RUN with its body: compare the body too, not just `<<EOF`
        bodies = " ".join(f"{heredoc.content} {heredoc.name}" for heredoc in instruction.heredocs)
        return normalize_command(f"{script} {bodies}" if bodies else script)
    pairs = getattr(instruction, "pairs", None)
    if instruction.keyword in ("ENV", "ARG", "LABEL") and pairs:
        return " ".join(f"{name}={value}" if value is not None else name for name, value in pairs)
    return normalize_command(instruction.arguments)


@dataclass(frozen=True)
class _Side:
    """What one instruction or history entry offers to the comparison, computed once."""

    keyword: str
    text: str
    tokens: Counter
    destination: str  # COPY/ADD: the absolute destination, "" when unknown


def _instruction_side(instruction: Instruction) -> _Side:
    text = _instruction_text(instruction)
    destination = ""
    if instruction.keyword in ("COPY", "ADD"):
        written = getattr(instruction, "destination", "") or _destination(text)
        workdir = getattr(instruction, "workdir", "/") or "/"
        destination = posixpath.normpath(posixpath.join(workdir, written)) if written else ""
    return _Side(instruction.keyword, text, Counter(text.split()), destination)


def _history_side(entry: HistoryInstruction) -> _Side:
    text = normalize_command(entry.arguments)
    return _Side(entry.keyword, text, Counter(text.split()), _destination(text) if entry.keyword in ("COPY", "ADD")
                 else "")


def similarity(mine: _Side, theirs: _Side, workdir: str = "/") -> float:
    """-1 when the keywords differ, else 0..1: 1 for the same text, else the Dice coefficient of the words
    (cheap enough for every pair of a long history, unlike an edit distance)."""
    if mine.keyword != theirs.keyword:
        return -1.0
    if mine.text == theirs.text:
        return 1.0
    if mine.destination and theirs.destination:
        # the classic builder records `file:<hash> in /dest`: only the destination can be compared
        recorded = posixpath.normpath(posixpath.join(workdir, theirs.destination))
        if recorded == mine.destination:
            return 0.9
    total = sum(mine.tokens.values()) + sum(theirs.tokens.values())
    if not total:
        return 0.0
    return 2 * sum((mine.tokens & theirs.tokens).values()) / total


def align(dockerfile: Dockerfile, image: ImageRef) -> Mapping:
    instructions = built_instructions(dockerfile)
    # the built stage's entries are at the end of the history: older entries are the base image's, and leaving
    # them out keeps the alignment small on images with long histories
    offset = max(0, len(image.history) - (2 * len(instructions) + HISTORY_SLACK))
    history = [_history_side(parse_created_by(entry.created_by)) for entry in image.history[offset:]]
    sides = [_instruction_side(instruction) for instruction in instructions]
    workdirs = [getattr(instruction, "workdir", "/") or "/" for instruction in instructions]
    n, m = len(instructions), len(history)
    # score[i][j]: best alignment of instructions[:i] with history[:j]; history before the first match is free
    # (it is the base image), history after the last instruction is not.
    score = [[0.0] * (m + 1) for _ in range(n + 1)]
    move = [[""] * (m + 1) for _ in range(n + 1)]
    sims: dict[tuple[int, int], float] = {}
    for i in range(1, n + 1):
        score[i][0] = -GAP_INSTRUCTION * i
        move[i][0] = "I"
        for j in range(1, m + 1):
            best, how = score[i - 1][j] - GAP_INSTRUCTION, "I"
            if score[i][j - 1] - GAP_HISTORY > best:
                best, how = score[i][j - 1] - GAP_HISTORY, "H"
            sim = similarity(sides[i - 1], history[j - 1], workdirs[i - 1])
            if sim >= 0:
                sims[(i - 1, j - 1)] = sim
                if score[i - 1][j - 1] + 1.0 + 2.0 * sim > best:
                    best, how = score[i - 1][j - 1] + 1.0 + 2.0 * sim, "M"
            score[i][j], move[i][j] = best, how
    pairs: dict[int, Instruction] = {}
    similarity_of: dict[int, float] = {}
    i, j = n, m
    while i > 0:
        how = move[i][j]
        if how == "M":
            pairs[offset + j - 1] = instructions[i - 1]
            similarity_of[offset + j - 1] = sims[(i - 1, j - 1)]
            i, j = i - 1, j - 1
        elif how == "I":
            i -= 1
        else:
            j -= 1
    # The base boundary is trusted only when most instructions found a convincing partner: a Dockerfile that is not
    # the image's own may still pair a WORKDIR or an ENV by chance.
    trusted = [index for index, value in similarity_of.items() if value >= MIN_SIMILARITY]
    first = min(trusted) if trusted and 2 * len(trusted) >= len(instructions) else None
    return Mapping(pairs, similarity_of, instructions, first)


@dataclass
class _Blame:
    """Waste blamed on one instruction, with the layers on the other side."""

    instruction: Instruction
    layer: int
    stored: dict[int, list[WasteGroup]] = field(default_factory=dict)  # killer layer -> groups (we stored)
    deleted: dict[int, list[WasteGroup]] = field(default_factory=dict)  # storing layer -> groups (we deleted)


def _where(groups: list[WasteGroup], limit: int = 3) -> str:
    merged: dict[str, list[int]] = {}
    for group in groups:
        entry = merged.setdefault(group.directory, [0, 0])
        entry[0] += group.bytes
        entry[1] += group.files
    top = sorted(merged.items(), key=lambda item: (-item[1][0], item[0]))
    parts = []
    for directory, (size, files) in top[:limit]:
        if files == 1:
            example = max((g for g in groups if g.directory == directory), key=lambda g: g.example_bytes).example
            parts.append(f"{example} ({format_bytes(size)})")
        else:
            parts.append(f"{directory}/ ({files} files, {format_bytes(size)})")
    if len(top) > limit:
        parts.append(f"{len(top) - limit} more directories")
    return ", ".join(parts)


def _line_of(layer: int, image: ImageRef, mapping: Mapping) -> str:
    history_index = image.layers[layer].history_index
    instruction = mapping.pairs.get(history_index) if history_index is not None else None
    if instruction is not None:
        return f"line {instruction.span.line}"
    return f"layer {layer}"


def _stored_message(blame: _Blame, image: ImageRef, mapping: Mapping) -> tuple[str, int]:
    groups = [g for gs in blame.stored.values() for g in gs]
    total = sum(g.bytes for g in groups)
    overwritten = sum(g.overwritten_bytes for g in groups)
    killers = ", ".join(f"{format_bytes(sum(g.bytes for g in gs))} at {_line_of(k, image, mapping)}"
                        for k, gs in sorted(blame.stored.items()))
    keyword = blame.instruction.keyword
    caches: dict[str, list] = {}
    cache_rewritten = 0
    for group in groups:
        cache = cache_of(group.directory + "/")
        if cache is not None:
            caches.setdefault(cache.directory, [cache, 0])[1] += group.bytes
            cache_rewritten += group.overwritten_bytes
    cached = sum(size for _, size in caches.values())
    if keyword == "RUN" and cached * 2 > total:
        # a package manager's cache, rewritten by the next `apt-get update`/`install` or deleted by a later cleanup
        # layer: not a chmod/chown
        found = sorted(caches.values(), key=lambda item: -item[1])
        what = " and ".join(cache.what for cache, _ in found[:2])
        cleanup = " && ".join(dict.fromkeys(cache.clean for cache, _ in found[:2]))
        mounts = " ".join(f"--mount=type=cache,target={cache.directory.rstrip('/')}" for cache, _ in found[:2])
        how = "which a later install rewrites" if cache_rewritten * 2 > cached else "which a later layer deletes"
        fix = (f"these are {what}, {how}: remove them at the end of this RUN "
               f"(`... && {cleanup}`) and of every RUN that fills them again, or keep them out of the layers with "
               f"`RUN {mounts} ...`")
    elif overwritten * 2 > total:
        fix = ("a later layer rewrites these files (chmod/chown/edit copies the whole file): set mode and owner "
               "here (COPY --chmod/--chown, or in this RUN) instead")
    elif keyword == "RUN":
        fix = "delete them in this same RUN, or keep them out of the image (RUN --mount=type=cache, multi-stage)"
    else:
        fix = ("do not copy them into the image: bind-mount what a RUN only reads (an archive it extracts, an "
               "installer it runs: `RUN --mount=type=bind,source=...,target=... ...`), leave out what no step needs "
               "(.dockerignore, a narrower COPY source), or build in a separate stage and COPY --from only the result")
    message = (f"{keyword} at line {blame.instruction.span.line} (layer {blame.layer}) stores {format_bytes(total)} "
               f"that later layers delete or overwrite ({killers}), so they are shipped but unreadable: "
               f"{_where(groups)}. Fix: {fix}.")
    return message, total


def _deleted_message(blame: _Blame, image: ImageRef, mapping: Mapping) -> tuple[str, int]:
    groups = [g for gs in blame.deleted.values() for g in gs]
    total = sum(g.bytes for g in groups)
    overwritten = sum(g.overwritten_bytes for g in groups)
    storers = ", ".join(f"layer {s}" for s in sorted(blame.deleted))
    if overwritten * 2 > total:
        what = "overwrites"
        fix = ("the old copies stay in the base layers: pick a base image that already has these versions "
               "(a newer tag), or avoid upgrading or rewriting base files")
    else:
        what = "deletes"
        fix = ("use a smaller base image, or build in one stage and COPY --from only what you need into a "
               "fresh one")
    message = (f"{blame.instruction.keyword} at line {blame.instruction.span.line} (layer {blame.layer}) {what} "
               f"{format_bytes(total)} stored by the base image ({storers}), which does not make the image smaller: "
               f"{_where(groups)}. Fix: {fix}.")
    return message, total


def diagnostics(path: str, image: ImageRef, result: StackResult, mapping: Mapping, base_layers: int,
                min_waste: int) -> list[Diagnostic]:
    """SL601 findings on the Dockerfile lines whose layers hold, or cause, at least `min_waste` dead bytes."""
    blames: dict[int, _Blame] = {}

    def blame_for(layer: int) -> _Blame | None:
        history_index = image.layers[layer].history_index
        if history_index is None or layer < base_layers:
            return None
        instruction = mapping.pairs.get(history_index)
        if instruction is None or mapping.similarity.get(history_index, 0) < MIN_SIMILARITY:
            return None  # unsure which line this is: precision first
        return blames.setdefault(layer, _Blame(instruction, layer))

    for (stored, killed), groups in result.waste.items():
        blamable = [group for group in groups.values() if not group.bookkeeping]
        if not blamable:
            continue
        storing = blame_for(stored)
        if storing is not None:
            storing.stored.setdefault(killed, []).extend(blamable)
        elif stored < base_layers:
            killing = blame_for(killed)
            if killing is not None:
                killing.deleted.setdefault(stored, []).extend(blamable)

    found = []
    for layer, blame in sorted(blames.items()):
        for kind, builder in (("stored", _stored_message), ("deleted", _deleted_message)):
            if not getattr(blame, kind):
                continue
            message, total = builder(blame, image, mapping)
            if total < min_waste:
                continue
            found.append(Diagnostic(
                rule_id=RULE_ID, severity=SEVERITY, message=message, path=path, span=blame.instruction.span,
                wasted_bytes=total,
                properties={"layer": layer, "kind": kind,
                            "otherLayers": sorted(getattr(blame, kind))},
            ))
    found.sort(key=lambda d: d.sort_key)
    return found
