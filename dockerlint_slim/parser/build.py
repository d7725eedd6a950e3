"""Typed instructions and stages from the lexer's raw instructions."""

from __future__ import annotations

import bisect
import csv
import posixpath
import re

from dockerlint_slim.diagnostics import Span
from dockerlint_slim.model import (
    ArgInstruction,
    CopyInstruction,
    Dockerfile,
    EnvInstruction,
    Flag,
    FromInstruction,
    Heredoc,
    InheritedEnv,
    Instruction,
    Mount,
    OnbuildInstruction,
    ParseError,
    RunInstruction,
    ShellCommand,
    ShellInstruction,
    Stage,
    WorkdirInstruction,
)
from dockerlint_slim.parser.lexer import RawInstruction, lex
from dockerlint_slim.parser.words import ExpansionLimits, expand
from dockerlint_slim.shell import script as shell

# Flags BuildKit accepts per instruction; anything else fails the build ("unknown flag").
ALLOWED_FLAGS = {
    "FROM": {"platform"},
    "RUN": {"mount", "network", "security"},
    "COPY": {"from", "chown", "chmod", "link", "parents", "exclude"},
    "ADD": {"chown", "chmod", "link", "keep-git-dir", "checksum", "exclude", "unpack"},
    "HEALTHCHECK": {"interval", "timeout", "start-period", "start-interval", "retries"},
}
# Flags that may stand alone (`--link`); every other flag needs `=value`, as BuildKit's BFlags checks.
BOOL_FLAGS = frozenset({"link", "parents", "keep-git-dir", "unpack"})
_MOUNT_TYPES = {"bind", "cache", "tmpfs", "secret", "ssh"}
_MOUNT_TARGET_KEYS = ("target", "dst", "destination")
_MOUNT_SOURCE_KEYS = ("source", "src")
_BOOL_MOUNT_KEYS = {"readonly", "ro", "rw", "readwrite"}
# Valueless --mount options of Podman/Buildah (SELinux relabel `z`/`Z`, chown to the build user `U`).
_BUILDAH_MOUNT_FLAGS = {"z", "u"}  # z, Z and U (keys are compared lower-case)
_HEREDOC_WORD = re.compile(r"^\d*<<-?")
# Build args BuildKit sets on its own; their values are not known before the build.
# Values of the automatic platform args on the usual build machine (linux/amd64), used only to find the stage
# that a `FROM name-$TARGETARCH` refers to.
_PLATFORM_DEFAULTS = {"TARGETPLATFORM": "linux/amd64", "TARGETOS": "linux", "TARGETARCH": "amd64", "TARGETVARIANT": "",
                      "BUILDPLATFORM": "linux/amd64", "BUILDOS": "linux", "BUILDARCH": "amd64"}
_AUTOMATIC_ARGS = ("TARGETPLATFORM", "TARGETOS", "TARGETARCH", "TARGETVARIANT", "BUILDPLATFORM", "BUILDOS", "BUILDARCH")


def decode_source(data: bytes) -> tuple[str, list[str]]:
    """Text of a Dockerfile and the problems found decoding it. BuildKit reads UTF-8 (a BOM is dropped)."""
    problems = []
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        problems.append("file is UTF-16 encoded; BuildKit reads Dockerfiles as UTF-8: save it as UTF-8")
        return data.decode("utf-16", "replace"), problems
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problems.append(f"file is not valid UTF-8 (first bad byte on line {line}); BuildKit reads UTF-8")
        text = data.decode("utf-8", "replace")
    return text, problems


def parse_dockerfile(source: str | bytes, path: str = "Dockerfile", target: str | None = None) -> Dockerfile:
    problems: list[str] = []
    if isinstance(source, bytes):
        source, problems = decode_source(source)
    errors = [ParseError(message, Span(1, 1, 1, 1)) for message in problems]
    if "\x00" in source:
        # A binary file: linting its "instructions" would only produce noise.
        errors.append(ParseError("file contains NUL bytes: this is not a Dockerfile", Span(1, 1, 1, 1)))
        return Dockerfile(path, [], [], [], {}, {}, "\\", errors, [], target)
    lexed = lex(source)
    for error in lexed.errors:
        end_column = error.end_column or (len(lexed.lines[error.end_line - 1]) + 1 if lexed.lines else 1)
        errors.append(ParseError(error.message, Span(error.line, error.column, error.end_line, end_column)))
    builder = _Builder(lexed.escape, errors)
    for raw in lexed.instructions:
        builder.add(raw)
    if not lexed.instructions:
        # BuildKit refuses it too ("file with no instructions"): an empty or comment-only file builds nothing.
        errors.append(ParseError("file with no instructions: a Dockerfile needs at least a FROM", Span(1, 1, 1, 1)))
    dockerfile = Dockerfile(
        path=path,
        lines=lexed.lines,
        instructions=builder.instructions,
        stages=builder.stages,
        global_args=builder.global_args,
        directives=lexed.directives,
        escape=lexed.escape,
        parse_errors=errors,
        comments=lexed.comments,
        target=target,
    )
    _mark_reaching_stages(dockerfile)
    return dockerfile


def _mark_reaching_stages(dockerfile: Dockerfile) -> None:
    target = dockerfile.target_stage()
    if target is not None:
        for stage in target.lineage():
            stage.reaches_image = True


def _span(raw: RawInstruction) -> Span:
    return Span(raw.start_line, raw.start_column, raw.end_line, raw.end_column)


class _Builder:
    def __init__(self, escape: str, errors: list[ParseError]) -> None:
        self.escape = escape
        self.errors = errors
        self.instructions: list[Instruction] = []
        self.stages: list[Stage] = []
        self.stage_by_name: dict[str, Stage] = {}  # the last stage of each name: FROM <name> builds on it
        self.global_args: dict[str, str | None] = {}
        self.stage: Stage | None = None
        self.vars: dict[str, str | None] | InheritedEnv = {}  # what substitution sees in the stage: ARGs, then ENV
        self.limits = ExpansionLimits()  # what the file's substitutions may cost, and what they had to leave out
        self.workdir = "/"

    def error(self, message: str, span: Span) -> None:
        self.errors.append(ParseError(message, span))

    def add(self, raw: RawInstruction) -> None:
        if not raw.keyword:
            return  # a lone line continuation at the end of the file: nothing to build
        reported = len(self.limits.problems)
        instruction = self.build(raw)
        for problem in self.limits.problems[reported:]:  # substitutions cut or left unevaluated on this line
            self.error(problem, _span(raw))
        if instruction is None:
            return
        self.instructions.append(instruction)
        if isinstance(instruction, FromInstruction):
            self.start_stage(instruction)
        elif self.stage is None:
            if raw.keyword != "ARG":
                self.error(f"{raw.keyword} before the first FROM: only ARG may precede FROM", _span(raw))
        else:
            self.stage.instructions.append(instruction)

    def build(self, raw: RawInstruction) -> Instruction | None:
        keyword = raw.keyword
        flags = tuple(self.flag(raw, flag) for flag in raw.flags)
        allowed = ALLOWED_FLAGS.get(keyword, set())
        for flag in flags:
            if flag.name not in allowed:
                self.error(f"unknown flag for {keyword}: --{flag.name}", flag.span)
            elif flag.name in BOOL_FLAGS:
                if flag.value is not None and flag.value.lower() not in ("true", "false"):
                    self.error(f"expecting boolean value for flag {flag.name}, not: {flag.value}", flag.span)
            elif flag.value is None:
                self.error(f"missing a value on flag: --{flag.name} (write --{flag.name}=VALUE)", flag.span)
        common = dict(
            keyword=keyword,
            span=_span(raw),
            original=raw.line,
            arguments=raw.rest,
            flags=flags,
            json_form=raw.json_form,
            args=tuple(raw.values),
            heredocs=tuple(self.heredoc(h) for h in raw.heredocs),
            stage_index=self.stage.index if self.stage else -1,
            arguments_map=_arguments_map(raw),
        )
        if keyword == "FROM":
            return self.from_(raw, common)
        if keyword == "RUN":
            return self.run(raw, common)
        if keyword in ("COPY", "ADD"):
            return self.copy(raw, common)
        if keyword == "ENV":
            return self.env(raw, common)
        if keyword == "ARG":
            return self.arg(raw, common)
        if keyword == "WORKDIR":
            return self.workdir_(raw, common)
        if keyword == "SHELL":
            return self.shell_(raw, common)
        if keyword == "ONBUILD":
            trigger = self.build(raw.sub) if raw.sub is not None else None
            return OnbuildInstruction(**common, trigger=trigger)
        return Instruction(**common)

    def flag(self, raw: RawInstruction, flag) -> Flag:
        name, eq, value = flag.text[2:].partition("=")
        line, column = raw.offsets.position(flag.start)
        end_line, end_column = raw.offsets.position(flag.end)
        return Flag(name, value if eq else None, Span(line, column, end_line, end_column))

    def heredoc(self, raw_heredoc) -> Heredoc:
        body = None
        if raw_heredoc.end_line >= raw_heredoc.start_line:
            body = Span(raw_heredoc.start_line, 1, raw_heredoc.end_line, 1)
        return Heredoc(
            raw_heredoc.name,
            raw_heredoc.content,
            raw_heredoc.file_descriptor,
            raw_heredoc.chomp,
            raw_heredoc.expand,
            body,
        )

    def expand(self, text: str) -> str:
        return expand(text, self.vars, self.escape, self.limits)

    # FROM ---------------------------------------------------------------------------------------------------
    def from_(self, raw: RawInstruction, common: dict) -> FromInstruction:
        values = list(raw.values)
        alias = None
        if len(values) == 3 and values[1].lower() == "as":
            alias = values[2].lower()
        elif len(values) != 1:
            self.error("FROM requires either one or three arguments: FROM <image> [AS <name>]", common["span"])
        image = values[0] if values else ""
        global_vars = {name: None for name in _AUTOMATIC_ARGS} | self.global_args
        resolved = expand(image, global_vars, self.escape, self.limits) if image else ""
        platform = next((f.value for f in common["flags"] if f.name == "platform"), None)
        return FromInstruction(**common, image=image, resolved_image=resolved, platform=platform, alias=alias)

    def start_stage(self, instruction: FromInstruction) -> None:
        parent = self.stage_by_name.get(instruction.resolved_image.lower())
        if parent is None and "$" in instruction.image:
            # `FROM runtime-$TARGETARCH` (multi-arch Dockerfiles): pick the stage of the usual build platform.
            guess = expand(instruction.image, self._platform_vars(), self.escape, self.limits).lower()
            parent = self.stage_by_name.get(guess)
        stage = Stage(index=len(self.stages), from_instruction=instruction, parent=parent)
        instruction.stage_index = stage.index
        stage.instructions.append(instruction)
        if parent is not None:
            stage.env = InheritedEnv(parent.env)
            stage.shell, stage.shell_is_posix = parent.shell, parent.shell_is_posix
        if parent is not None:
            stage.workdir = parent.workdir
        self.workdir = stage.workdir
        self.stages.append(stage)
        if stage.name:
            self.stage_by_name[stage.name] = stage
        self.stage = stage
        self.vars = InheritedEnv(stage.env)  # the stage's ENV, with its ARGs over it (never copied: see InheritedEnv)

    def _platform_vars(self) -> dict:
        values = dict(self.global_args)
        for key, default in _PLATFORM_DEFAULTS.items():
            if values.get(key) is None:
                values[key] = default
        return values

    # RUN ----------------------------------------------------------------------------------------------------
    def run(self, raw: RawInstruction, common: dict) -> RunInstruction:
        mounts = tuple(m for f in common["flags"] if f.name == "mount" for m in [self.mount(f)] if m is not None)
        network = next((f.value for f in reversed(common["flags"]) if f.name == "network"), None)
        security = next((f.value for f in reversed(common["flags"]) if f.name == "security"), None)
        stage = self.stage
        posix = stage.shell_is_posix if stage else True
        script = " ".join(raw.values) if raw.json_form else raw.rest
        commands: tuple = ()
        if posix:
            try:
                commands = tuple(self.run_commands(raw, common))
            except shell.ScriptTooComplex as exc:
                self.error(f"{exc}: its commands are not checked", common["span"])
                posix = False
        return RunInstruction(
            **common,
            mounts=mounts,
            network=network,
            security=security,
            script=script,
            commands=commands,
            shell_analysed=posix,
        )

    def run_commands(self, raw: RawInstruction, common: dict):
        span = common["span"]
        if raw.json_form:
            argv = tuple(raw.values)
            if not argv:
                return []
            script = shell.shell_c_script(argv)
            if script is None:
                return [ShellCommand(argv, span)]
            # A JSON string has no finer source position: inner commands point at the whole instruction.
            inner = shell.parse_script(script, lambda offset: (span.line, span.column))
            return [ShellCommand(argv, span)] + [ShellCommand(c.argv, span, c.env, conditional=c.conditional)
                                                 for c in inner]
        offsets, base = raw.offsets, raw.rest_offset
        line_locate = lambda offset: offsets.position(base + offset)  # noqa: E731
        heredocs = raw.heredocs
        rest = raw.rest
        if not heredocs:
            return shell.parse_script(rest, line_locate)
        commands = []
        words = rest.split(None, 1)
        # `RUN <<EOF` alone runs the heredoc as the script itself (BuildKit writes it to a file and runs it); with
        # anything else on the line (`RUN <<EOF cat > f`, `RUN <<EOF bash`) the line is the shell command and the
        # heredoc its stdin.
        if len(words) == 1 and _HEREDOC_WORD.match(words[0]):
            first = heredocs[0]
            if _is_shell_script(first.content):
                body = _unix_lines(first.content)
                commands += shell.parse_script(body, _body_locator(first.start_line, body))
            heredocs = heredocs[1:]
            rest = words[1] if len(words) > 1 else ""
            base += len(raw.rest) - len(rest)
            line_locate = lambda offset: offsets.position(base + offset)  # noqa: E731
        # The shell sees the line followed by the heredoc bodies: without them tree-sitter reads `cat <<EOF > f` as
        # an error and loses the redirection. Bodies are data here, so no command is found inside them.
        script = _heredoc_words_last(rest) + "".join(f"\n{h.content}{h.name}" for h in heredocs)
        line_commands = shell.parse_script(script, line_locate) if rest.strip() else []
        commands += line_commands
        # `bash <<EOF` / `sh <<EOF`: the heredoc is the shell's script on stdin.
        stdin_shells = [c for c in line_commands if c.name in shell.SHELLS and shell.shell_c_script(c.argv) is None]
        for heredoc, _ in zip(heredocs, stdin_shells):
            body = _unix_lines(heredoc.content)
            commands += shell.parse_script(body, _body_locator(heredoc.start_line, body))
        commands.sort(key=lambda c: (c.span.line, c.span.column))
        return commands

    def mount(self, flag: Flag) -> Mount | None:
        value = flag.value or ""
        try:
            fields = next(csv.reader([value], strict=True), [])
        except csv.Error as exc:
            self.error(f"malformed --mount value {value!r}: {exc}", flag.span)
            return None
        kind = "bind"
        target = source = from_ = mount_id = None
        readonly = False
        options = []
        for item in fields:
            key, eq, val = item.partition("=")
            key = key.strip().lower()
            if not eq:
                if key in _BOOL_MOUNT_KEYS:
                    readonly = key in ("readonly", "ro")
                    continue
                if key == "required":
                    # BuildKit takes a bare `required` on secret and ssh mounts (`required=true` elsewhere too).
                    options.append((key, "true"))
                    continue
                if key in _BUILDAH_MOUNT_FLAGS:
                    options.append((key, ""))  # Podman/Buildah relabel/chown flags: the file builds there
                    continue
                self.error(f"malformed --mount field {item!r}: expected key=value", flag.span)
                continue
            if key == "type":
                kind = val.lower()
                if kind not in _MOUNT_TYPES:
                    self.error(f"unsupported mount type {val!r} (bind, cache, tmpfs, secret or ssh)", flag.span)
            elif key in _MOUNT_TARGET_KEYS:
                target = self.expand(val)
            elif key in _MOUNT_SOURCE_KEYS:
                source = self.expand(val)
            elif key == "from":
                from_ = self.expand(val)
            elif key == "id":
                mount_id = val
            elif key in _BOOL_MOUNT_KEYS:
                readonly = (key in ("readonly", "ro")) == (val.lower() in ("true", "1", ""))
            else:
                options.append((key, val))
        if target is None and kind in ("bind", "cache", "tmpfs"):
            # BuildKit mounts a mount without a target on the working directory (`RUN --mount=type=bind,from=x,src=/y
            # make`) and refuses it only where that is `/`, which the base image's WORKDIR may decide: no error here.
            target = ""
        elif target is not None and posixpath.normpath(target) == "/" and kind in ("bind", "cache", "tmpfs"):
            self.error('invalid mount target "/"', flag.span)
        if target is not None and not target.startswith("/"):
            target = posixpath.normpath(posixpath.join(self.workdir, target))
        return Mount(kind, target, source, from_, mount_id, readonly, tuple(options), flag.span)

    # COPY / ADD ---------------------------------------------------------------------------------------------
    def copy(self, raw: RawInstruction, common: dict) -> CopyInstruction:
        flags = common["flags"]
        values = [v if _HEREDOC_WORD.match(v) else self.expand(v) for v in raw.values]
        if raw.json_form:
            values = [self.expand(v) for v in raw.values]
        if len(values) < 2:
            self.error(f"{raw.keyword} requires at least two arguments: source(s) and destination", common["span"])
        last = lambda name: next((self.expand(f.value) for f in reversed(flags) if f.name == name and f.value is not None), None)  # noqa: E731
        present = lambda name: any(f.name == name and (f.value is None or f.value.lower() != "false") for f in flags)  # noqa: E731
        return CopyInstruction(
            **common,
            is_add=raw.keyword == "ADD",
            sources=tuple(values[:-1]),
            destination=values[-1] if len(values) >= 2 else "",
            from_=last("from"),
            chown=last("chown"),
            chmod=last("chmod"),
            link=present("link"),
            parents=present("parents"),
            excludes=tuple(self.expand(f.value) for f in flags if f.name == "exclude" and f.value),
            workdir=self.workdir,
        )

    # ENV / ARG ----------------------------------------------------------------------------------------------
    def env(self, raw: RawInstruction, common: dict) -> EnvInstruction:
        values = raw.values
        pairs = []
        for index in range(0, len(values) - 1, 2):
            pairs.append((values[index], self.expand(values[index + 1])))
        for name, value in pairs:
            self.vars[name] = value
            if self.stage is not None:
                self.stage.env[name] = value
        return EnvInstruction(**common, pairs=tuple(pairs))

    def arg(self, raw: RawInstruction, common: dict) -> ArgInstruction:
        pairs = []
        for word in raw.values:
            name, eq, default = word.partition("=")
            value = self.expand(default) if eq else None
            pairs.append((name, value))
        for name, value in pairs:
            if self.stage is None:
                self.global_args[name] = value
                self.vars[name] = value
            else:
                if value is None:
                    value = self.global_args.get(name)
                if name not in self.stage.env:  # ENV wins over ARG of the same name
                    self.vars[name] = value
        return ArgInstruction(**common, pairs=tuple(pairs))

    # WORKDIR / SHELL ----------------------------------------------------------------------------------------
    def workdir_(self, raw: RawInstruction, common: dict) -> WorkdirInstruction:
        path = self.expand(raw.rest.strip())
        self.workdir = posixpath.normpath(posixpath.join(self.workdir, path)) if path else self.workdir
        if self.workdir.startswith("//"):
            self.workdir = "/" + self.workdir.lstrip("/")
        if self.stage is not None:
            self.stage.workdir = self.workdir  # inherited by `FROM <this stage>`
        return WorkdirInstruction(**common, path=self.workdir)

    def shell_(self, raw: RawInstruction, common: dict) -> ShellInstruction:
        argv = tuple(raw.values) if raw.json_form else ()
        if not raw.json_form:
            self.error("SHELL requires the arguments to be in JSON form: SHELL [\"executable\", \"parameters\"]", common["span"])
        if self.stage is not None and argv:
            self.stage.shell = argv
            self.stage.shell_is_posix = argv[0].replace("\\", "/").rsplit("/", 1)[-1].lower() not in shell.NON_POSIX_SHELLS
        return ShellInstruction(**common, argv=argv)


def _arguments_map(raw: RawInstruction) -> tuple[tuple[int, int, int], ...]:
    """The offset map of `raw.rest` (the arguments) within the source."""
    start = raw.rest_offset
    segments: list[tuple[int, int, int]] = []
    for offset, line, column in raw.offsets.segments:
        if offset <= start:
            segments = [(0, line, column + (start - offset))]
        else:
            segments.append((offset - start, line, column))
    return tuple(segments)


def _unix_lines(content: str) -> str:
    """A heredoc body of a CRLF file read as the shell script it is meant to be (its \r kept in the model)."""
    return content.replace("\r\n", "\n")


def _heredoc_words_last(line: str) -> str:
    """`<<EOF cat > f` as `cat > f <<EOF` for tree-sitter-bash, whose grammar has no redirection before the
    command name. The moved words are blanked in place, so offsets of everything else stay the same."""
    moved = []
    position = 0
    while True:
        match = re.compile(r"\s*(\d*<<-?\S+)").match(line, position)
        if not match or not _HEREDOC_WORD.match(match.group(1)):
            break
        moved.append(match.group(1))
        position = match.end()
    if not moved or not line[position:].strip():
        return line
    return " " * position + line[position:] + " " + " ".join(moved)


def _body_locator(first_line: int, content: str):
    """Positions in a heredoc body, whose text starts at column 1 of `first_line`."""
    starts = [0] + [index + 1 for index, ch in enumerate(content) if ch == "\n"]

    def locate(offset: int) -> tuple[int, int]:
        row = bisect.bisect_right(starts, offset) - 1
        return first_line + row, offset - starts[row] + 1

    return locate


def _is_shell_script(content: str) -> bool:
    if not content.startswith("#!"):
        return True
    interpreter = content[2:].split("\n", 1)[0].split()
    if not interpreter:
        return True
    program = interpreter[0].rsplit("/", 1)[-1]
    if program == "env" and len(interpreter) > 1:
        program = interpreter[1]
    return program in shell.SHELLS
