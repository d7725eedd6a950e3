"""The Dockerfile model that rules read: instructions with typed fields and exact spans, stages, shell commands."""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass, field
from typing import Iterator

from dockerlint_slim.diagnostics import Span


@dataclass(frozen=True)
class Flag:
    """A `--name[=value]` flag before an instruction's arguments; `value` is None for a bare flag."""

    name: str
    value: str | None
    span: Span


@dataclass(frozen=True)
class Mount:
    """One `RUN --mount=...`, its CSV fields typed (BuildKit defaults applied)."""

    type: str  # bind | cache | tmpfs | secret | ssh
    target: str | None
    source: str | None = None
    from_: str | None = None
    id: str | None = None
    readonly: bool = False
    options: tuple[tuple[str, str], ...] = ()
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Heredoc:
    name: str
    content: str
    file_descriptor: int = 0
    chomp: bool = False  # `<<-`: leading tabs stripped
    expand: bool = True  # False when the delimiter was quoted
    body_span: Span | None = None  # the body lines, without the terminator


@dataclass(frozen=True)
class ShellCommand:
    """A simple command inside a RUN: argv with quotes removed (variables kept as written)."""

    argv: tuple[str, ...]
    span: Span
    env: tuple[tuple[str, str], ...] = ()  # `VAR=value cmd` prefixes
    redirects: tuple[tuple[str, str], ...] = ()  # (operator with its descriptor, e.g. ">", "2>>", "<"; target)
    # The source span of each argv word (same length as argv), for fixes that edit a word; empty when words have no
    # exact place in the source (commands inside a JSON-form RUN's string).
    word_spans: tuple[Span, ...] = ()
    # It may not run: inside an `if`'s branches, a `case` item, a `while`/`until` body, after `||`, or after `&&`
    # behind a test (`[ -n "$X" ] && rm ...`). A static replay must not take its effect as certain.
    conditional: bool = False
    # What readers derive from the argv (the program behind wrappers, ...), kept so that every rule asking about
    # the same command does not redo it.
    derived: dict = field(default_factory=dict, init=False, compare=False, hash=False, repr=False)

    @property
    def name(self) -> str:
        """The program's base name (`/usr/bin/apt-get` -> `apt-get`)."""
        return self.argv[0].rsplit("/", 1)[-1] if self.argv else ""


@dataclass(eq=False)
class Instruction:
    keyword: str  # upper-case: RUN, COPY, ...
    span: Span  # the whole instruction, heredoc bodies included
    original: str  # the logical line: continuations joined, comments removed (BuildKit's Node.Original)
    arguments: str  # the text after the keyword and flags
    flags: tuple[Flag, ...] = ()
    json_form: bool = False
    args: tuple[str, ...] = ()  # JSON items, or the whitespace-separated words of `arguments`
    heredocs: tuple[Heredoc, ...] = ()
    stage_index: int = -1  # -1: before the first FROM (global ARGs)
    # Where `arguments` lies in the source: (offset in `arguments`, line, column) at each source line it spans,
    # ascending; see `position`.
    arguments_map: tuple[tuple[int, int, int], ...] = field(default=(), repr=False)

    def position(self, offset: int) -> tuple[int, int] | None:
        """The source (line, column) of the character at `offset` in `arguments` (offset == len: just after its
        last character); None when unknown. Line continuations are skipped: consecutive offsets may jump lines."""
        segments = self.arguments_map
        if not segments:
            return None
        lo, hi = 0, len(segments) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if segments[mid][0] <= offset:
                lo = mid
            else:
                hi = mid - 1
        start, line, column = segments[lo]
        return line, column + max(0, offset - start)

    def flag(self, name: str) -> Flag | None:
        """The last occurrence of a flag (later flags win, as in BuildKit)."""
        found = None
        for flag in self.flags:
            if flag.name == name:
                found = flag
        return found

    def flag_values(self, name: str) -> list[str]:
        return [f.value for f in self.flags if f.name == name and f.value is not None]


@dataclass(eq=False)
class FromInstruction(Instruction):
    image: str = ""  # as written
    resolved_image: str = ""  # ARG defaults substituted
    platform: str | None = None
    alias: str | None = None  # lower-cased, as BuildKit compares stage names


@dataclass(eq=False)
class RunInstruction(Instruction):
    mounts: tuple[Mount, ...] = ()
    network: str | None = None
    security: str | None = None
    script: str = ""  # the shell-form script (or the JSON argv joined by spaces)
    commands: tuple[ShellCommand, ...] = ()
    shell_analysed: bool = True  # False under a non-POSIX SHELL or when the script could not be read

    def cache_mount_targets(self) -> list[str]:
        return [m.target for m in self.mounts if m.type in ("cache", "tmpfs") and m.target]


@dataclass(eq=False)
class CopyInstruction(Instruction):
    """COPY or ADD (`is_add`)."""

    is_add: bool = False
    sources: tuple[str, ...] = ()  # substituted
    destination: str = ""  # substituted, as written (relative paths are relative to WORKDIR)
    from_: str | None = None  # --from: a stage name/index or an image
    chown: str | None = None
    chmod: str | None = None
    link: bool = False
    parents: bool = False
    excludes: tuple[str, ...] = ()
    workdir: str = "/"  # WORKDIR in effect


@dataclass(eq=False)
class EnvInstruction(Instruction):
    pairs: tuple[tuple[str, str], ...] = ()  # values substituted


@dataclass(eq=False)
class ArgInstruction(Instruction):
    # `ARG name` without default has value None
    pairs: tuple[tuple[str, str | None], ...] = ()


@dataclass(eq=False)
class WorkdirInstruction(Instruction):
    path: str = ""  # absolute, after substitution and relative resolution


@dataclass(eq=False)
class ShellInstruction(Instruction):
    argv: tuple[str, ...] = ()


@dataclass(eq=False)
class OnbuildInstruction(Instruction):
    trigger: Instruction | None = None


@dataclass(frozen=True)
class ParseError:
    message: str
    span: Span


_MISSING = object()


class InheritedEnv(MutableMapping):
    """The ENV of a stage: its own values over those of the stage it is built FROM, read through the chain (each
    answer remembered along it), so that a chain of 20,000 `FROM previous` stages holds each value once instead of
    copying every ancestor's variables into every stage."""

    __slots__ = ("own", "parent", "_known")

    def __init__(self, parent: "InheritedEnv | None" = None) -> None:
        self.own: dict[str, str | None] = {}
        self.parent = parent
        self._known: dict[str, object] = {}  # name -> what the ancestors hold (_MISSING: nothing)

    def get(self, name, default=None):
        if name in self.own:
            return self.own[name]
        walked = [self]
        env, found = self.parent, _MISSING
        while env is not None:
            if name in env.own:
                found = env.own[name]
                break
            if name in env._known:
                found = env._known[name]
                break
            walked.append(env)
            env = env.parent
        for each in walked:  # a parent is complete when its children are built: the answer stays true
            each._known[name] = found
        return default if found is _MISSING else found

    def __getitem__(self, name):
        value = self.get(name, _MISSING)
        if value is _MISSING:
            raise KeyError(name)
        return value

    def __contains__(self, name) -> bool:
        return self.get(name, _MISSING) is not _MISSING

    def __setitem__(self, name, value) -> None:
        self.own[name] = value

    def __delitem__(self, name) -> None:
        raise TypeError("a stage's ENV is only ever added to")

    def __iter__(self):
        seen: set[str] = set()
        env: InheritedEnv | None = self
        while env is not None:
            for name in env.own:
                if name not in seen:
                    seen.add(name)
                    yield name
            env = env.parent

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __repr__(self) -> str:
        return f"InheritedEnv({dict(self)!r})"


@dataclass(eq=False)
class Stage:
    index: int
    from_instruction: FromInstruction
    instructions: list[Instruction] = field(default_factory=list)  # FROM first
    parent: "Stage | None" = None  # set when built `FROM <earlier stage>`
    reaches_image: bool = False  # its layers end up in the built image
    env: InheritedEnv = field(default_factory=InheritedEnv)  # ENV at the end of the stage, inherited from the parent
    workdir: str = "/"  # WORKDIR at the end of the stage, inherited from the parent
    shell: tuple[str, ...] = ("/bin/sh", "-c")
    shell_is_posix: bool = True
    _root: "Stage | None" = field(default=None, init=False, repr=False, compare=False)

    @property
    def name(self) -> str | None:
        return self.from_instruction.alias

    @property
    def base_image(self) -> str:
        """The image this stage is built from, following `FROM <stage>` to the first real image."""
        return self.root.from_instruction.resolved_image

    @property
    def root(self) -> "Stage":
        """The first stage of the lineage: the one built FROM an image (remembered along the chain, so that a chain
        of 20,000 `FROM previous` stages is walked once)."""
        walked = []
        stage: Stage = self
        while stage._root is None and stage.parent is not None and stage.parent.index < stage.index:
            walked.append(stage)
            stage = stage.parent
        root = stage._root or stage
        for member in walked:
            member._root = root
        return root

    def lineage(self) -> Iterator["Stage"]:
        """This stage, then the stages it is built FROM, nearest first."""
        stage: Stage | None = self
        seen: set[int] = set()
        while stage is not None and stage.index not in seen:
            seen.add(stage.index)
            yield stage
            stage = stage.parent

    def runs(self) -> Iterator[RunInstruction]:
        """RUN instructions, ONBUILD RUN triggers included (they add layers to every child image)."""
        for instruction in self.instructions:
            if isinstance(instruction, OnbuildInstruction):
                instruction = instruction.trigger
            if isinstance(instruction, RunInstruction):
                yield instruction


@dataclass(eq=False)
class Dockerfile:
    path: str
    lines: list[str]  # source lines, for code frames
    instructions: list[Instruction]
    stages: list[Stage]
    global_args: dict[str, str | None]
    directives: dict[str, str]
    escape: str
    parse_errors: list[ParseError]
    comments: list[tuple[int, str]]  # (line, text after '#') for pragmas
    target: str | None = None
    _stages_by_name: dict[str, Stage] | None = field(default=None, init=False, repr=False)

    def target_stage(self) -> Stage | None:
        return _find_target(self.stages, self.target)

    def stage_named(self, name: str) -> Stage | None:
        """The first stage called `name` (case-insensitive), else the stage of that index."""
        if self._stages_by_name is None:  # built once: rules ask this for every COPY --from
            self._stages_by_name = {}
            for stage in self.stages:
                if stage.name:
                    self._stages_by_name.setdefault(stage.name, stage)
        key = name.lower()
        stage = self._stages_by_name.get(key)
        if stage is not None:
            return stage
        if key.isdigit() and int(key) < len(self.stages):
            return self.stages[int(key)]
        return None

    def image_stages(self) -> list[Stage]:
        """The stages whose layers reach the built image (target and the stages it is built FROM)."""
        return [s for s in self.stages if s.reaches_image]


def _find_target(stages: list[Stage], target: str | None) -> Stage | None:
    if not stages:
        return None
    if target:
        for stage in stages:
            if stage.name == target.lower():
                return stage
        return None
    return stages[-1]
