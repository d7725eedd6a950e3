"""The layer model: for the stages whose layers reach the image (base first), what each layer stores and which
bytes of earlier layers a later instruction deletes, moves, overwrites or re-stores.

Per image:

- stored bytes: everything the known layers store;
- wasted bytes: stored bytes that are not in the final file system (stored - needed);
- efficiency: needed / stored, dive's score restricted to the bytes we know, and only when they are meaningful:
  at least `MEANINGFUL_KNOWN_BYTES` (1 MB). Below that the known bytes are an entrypoint script and a few config
  files, and one `chmod` of them would swing the figure from 100 % to 50 %: it is unknown then (None).

dive's "potential wasted space" sums every copy of a path stored more than once, including the one kept, so it
reads higher than `wasted_bytes` for re-stored files; `dive_wasted_bytes` gives that figure too.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dockerlint_slim.context.dockerignore import IgnoreMatcher
from dockerlint_slim.context.resolve import CopyResolution
from dockerlint_slim.model import Instruction, RunInstruction, ShellCommand, Stage

DELETED, MOVED, OVERWRITTEN, MODIFIED = "deleted", "moved", "overwritten", "modified"

# Fewer known stored bytes than this: the efficiency over them is not a prediction of the image's (see above).
MEANINGFUL_KNOWN_BYTES = 1_000_000


EXTRACTED, INSTALLED, EXECUTED = "extracted", "installed", "executed"


@dataclass
class Node:
    """A path an instruction placed in the image. A folder node copied from the context keeps `source` so that
    sizes below it can be looked up; `removed` lists sub-paths (relative) no longer live in the final image."""

    path: str
    kind: str  # file | dir | unknown
    size: int | None  # bytes stored when it was written (None: unknown)
    instruction: Instruction  # whose layer stores it
    source: str | None = None  # context path of its content
    removed: dict[str, int | None] = field(default_factory=dict)
    origin: Instruction | None = None  # the COPY/ADD that first brought it, kept through chmod/mv/cp
    # `COPY --exclude` of the COPY that brought it: those context files below `exclude_base` never reached the image
    exclude: IgnoreMatcher | None = None
    exclude_base: str = ""
    merged: bool = False  # many items re-stored as one folder (their total size known, not each item's)

    def __post_init__(self) -> None:
        if self.origin is None:
            self.origin = self.instruction

    @property
    def live_size(self) -> int | None:
        if self.size is None:
            return None
        gone = [b for b in self.removed.values()]
        if any(b is None for b in gone):
            return None
        return max(0, self.size - sum(b for b in gone if b is not None))


@dataclass(frozen=True)
class WasteEvent:
    """Bytes an earlier layer keeps although `instruction` deletes, moves, overwrites or re-stores them."""

    instruction: Instruction  # the later instruction (RUN, COPY or ADD)
    action: str  # deleted | moved | overwritten | modified
    path: str  # image path
    bytes: int | None  # None: the path is known, its size is not
    created_by: Instruction  # the instruction whose layer stores the bytes
    command: ShellCommand | None = None
    source: str | None = None  # context path the bytes came from, if any


@dataclass(frozen=True)
class Consumption:
    """A RUN that extracts, installs, runs, moves or deletes something an earlier COPY/ADD put in the image."""

    instruction: RunInstruction
    action: str  # extracted | installed | executed | moved | deleted
    path: str  # image path the command names
    item_path: str  # the path the COPY/ADD wrote (equal to `path`, or a folder containing it)
    whole_item: bool  # the command names the copied item itself, not something inside it
    bytes: int | None  # bytes of `path` from that layer
    created_by: Instruction
    command: ShellCommand
    source: str | None = None


@dataclass
class LayerModel:
    """The replay of one Dockerfile's image stages."""

    stages: list[Stage]
    layers: list[Instruction] = field(default_factory=list)  # COPY/ADD/RUN of the image, in build order
    stored: dict[int, int] = field(default_factory=dict)  # id(instruction) -> known bytes its layer stores
    unknown_layers: list[Instruction] = field(default_factory=list)  # layers that add bytes we cannot size
    events: list[WasteEvent] = field(default_factory=list)
    consumptions: list[Consumption] = field(default_factory=list)
    copies: dict[int, CopyResolution] = field(default_factory=dict)  # id(COPY/ADD) -> resolution
    context_bytes: int = 0  # bytes the image gets from the build context
    has_context: bool = False
    _indexed: int = field(default=-1, repr=False)
    _by_instruction: dict = field(default_factory=dict, repr=False)
    _by_command: dict = field(default_factory=dict, repr=False)

    @property
    def stored_bytes(self) -> int:
        return sum(self.stored.values())

    @property
    def wasted_bytes(self) -> int:
        return sum(e.bytes for e in self.events if e.bytes)

    @property
    def needed_bytes(self) -> int:
        return max(0, self.stored_bytes - self.wasted_bytes)

    @property
    def efficiency(self) -> float | None:
        """needed / stored over the known bytes; None when fewer than MEANINGFUL_KNOWN_BYTES are known."""
        stored = self.stored_bytes
        if stored < MEANINGFUL_KNOWN_BYTES:
            return None
        return self.needed_bytes / stored

    def unknown_waste(self) -> list[WasteEvent]:
        """Waste events whose path is known but whose bytes are not (a download or a clone deleted later)."""
        return [e for e in self.events if e.bytes is None]

    @property
    def dive_wasted_bytes(self) -> int:
        """dive's "potential wasted space": every stored copy of a path that is stored more than once or removed."""
        total = 0
        for event in self.events:
            if not event.bytes:
                continue
            total += event.bytes
            if event.action in (MODIFIED, OVERWRITTEN, MOVED):
                total += event.bytes  # dive also counts the copy that is kept
        return total

    def events_for(self, instruction: Instruction) -> list[WasteEvent]:
        """The waste events of one instruction (looked up, not scanned: rules ask once per finding)."""
        return self._index()[0].get(id(instruction), [])

    def events_of_command(self, command: ShellCommand) -> list[WasteEvent]:
        """The waste events one command of a RUN caused."""
        return self._index()[1].get(id(command), [])

    def _index(self) -> tuple[dict[int, list[WasteEvent]], dict[int, list[WasteEvent]]]:
        if self._indexed != len(self.events):  # built once the model is complete (and again if events were added)
            self._by_instruction, self._by_command = {}, {}
            for event in self.events:
                self._by_instruction.setdefault(id(event.instruction), []).append(event)
                if event.command is not None:
                    self._by_command.setdefault(id(event.command), []).append(event)
            self._indexed = len(self.events)
        return self._by_instruction, self._by_command

    def wasted_by_instruction(self) -> dict[int, int]:
        """id(instruction) -> known bytes of earlier layers it wastes."""
        out: dict[int, int] = {}
        for event in self.events:
            if event.bytes:
                out[id(event.instruction)] = out.get(id(event.instruction), 0) + event.bytes
        return out

    def top_wasted(self, limit: int = 5) -> list[WasteEvent]:
        """The biggest waste events, like dive's "Inefficient Files" list."""
        known = [e for e in self.events if e.bytes]
        known.sort(key=lambda e: (-(e.bytes or 0), e.path))
        return known[:limit]
