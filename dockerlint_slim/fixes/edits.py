"""Edit builders: the text edits of common fixes, computed from the model so that rules never build text by hand.

Each builder returns the edits (a list of `TextEdit`) or None when it cannot make the change exactly: a script
tree-sitter cannot read, a word that is not where the source says, an exec-form RUN that would need a shell, a
command after which nothing runs (`exit`, `exec`), ... A rule turns None into "no fix" (its advice stays).

Style follows the instruction and the file: a one-line RUN gets ` && cmd` on its line; a multi-line RUN gets a new
continuation line with the indentation and the `&&` position (leading or trailing) it already uses, or `;` in a
`set -e` script written with `;`; a heredoc script gets a new line before its terminator.
"""

from __future__ import annotations

import json
import re
import shlex
import weakref
from dataclasses import dataclass
from typing import Sequence

from dockerlint_slim.diagnostics import Span, TextEdit
from dockerlint_slim.model import Dockerfile, FromInstruction, Instruction, RunInstruction, ShellCommand
from dockerlint_slim.shell.script import Outline, command_removal, dequote, outline, shell_c_script

Edits = list[TextEdit]

_PRAGMA_COMMENT = re.compile(r"^\s*#\s*slimlint\b", re.I)
# Names a POSIX shell runs as builtins: an exec-form RUN of one of them runs the binary, which may behave
# differently (dash's `echo` has no `-e`), so it is not converted to shell form.
_SHELL_BUILTINS = frozenset({
    "echo", "printf", "test", "[", "cd", "pwd", "kill", "true", "false", "read", "type", "command", "getopts",
    "ulimit", "umask", "alias", "unalias", "export", "set", "unset", "exec", "exit", "eval", "trap", "wait", "times",
    "hash", ":", ".", "source", "shift", "return", "break", "continue", "readonly", "local", "let", "fc", "jobs",
    "fg", "bg",
})


# --- positions --------------------------------------------------------------------------------------------------

def _point(line: int, column: int) -> Span:
    return Span(line, column, line, column)


def _after(instruction: Instruction, offset: int) -> tuple[int, int] | None:
    """Where to insert text right after `arguments[offset - 1]`, on that character's line (not after a line
    continuation that follows it)."""
    if offset == 0:
        return instruction.position(0)
    position = instruction.position(offset - 1)
    return None if position is None else (position[0], position[1] + 1)


def _range(instruction: Instruction, start: int, end: int) -> Span | None:
    """The source span of `arguments[start:end]`."""
    if start == end:
        point = _after(instruction, start)
        return None if point is None else _point(*point)
    first = instruction.position(start)
    last = _after(instruction, end)
    if first is None or last is None:
        return None
    return Span(first[0], first[1], last[0], last[1])


def _source(dockerfile: Dockerfile, span: Span) -> str | None:
    """The source text of a one-line span (None for a span over several lines)."""
    if span.line != span.end_line or not 1 <= span.line <= len(dockerfile.lines):
        return None
    return dockerfile.lines[span.line - 1][span.column - 1 : span.end_column - 1]


def _exact(instruction: Instruction, dockerfile: Dockerfile) -> bool:
    """Each source line of the arguments holds the arguments' text at the place the map says (no escapes or
    trimmed characters in between), so offsets can be turned into source positions."""
    segments = instruction.arguments_map
    if not segments:
        return False
    text = instruction.arguments
    for index, (offset, line, column) in enumerate(segments):
        end = segments[index + 1][0] if index + 1 < len(segments) else len(text)
        if not 1 <= line <= len(dockerfile.lines):
            return False
        if dockerfile.lines[line - 1][column - 1 : column - 1 + end - offset] != text[offset:end]:
            return False
    return True


# --- style ------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Style:
    leading: bool  # `&&` starts the continuation lines (else it ends the line before)
    indent: str


def _continuation_lines(dockerfile: Dockerfile, instruction: Instruction) -> list[str]:
    return [dockerfile.lines[line - 1] for _, line, _ in instruction.arguments_map[1:] if line <= len(dockerfile.lines)]


def _style_of(lines: list[str]) -> _Style | None:
    leading = [line for line in lines if line.lstrip().startswith(("&&", "||"))]
    if leading:
        last = leading[-1]
        return _Style(True, last[: len(last) - len(last.lstrip())])
    code = [line for line in lines if line.strip()]
    if code:
        last = code[-1]
        return _Style(False, last[: len(last) - len(last.lstrip())])
    return None


def run_style(dockerfile: Dockerfile, run: RunInstruction) -> _Style:
    """How continuation lines of this RUN are written, else how the file's other RUNs write them, else ` && ` under
    the instruction (Docker's documentation style)."""
    own = _style_of(_continuation_lines(dockerfile, run))
    if own is not None:
        return own
    style = _FILE_STYLES.get(dockerfile)
    if style is None:  # once per file: rules ask it for every RUN of a 200,000-line file
        style = _FILE_STYLES[dockerfile] = _file_style(dockerfile)
    return style


_FILE_STYLES: "weakref.WeakKeyDictionary[Dockerfile, _Style]" = weakref.WeakKeyDictionary()


def _file_style(dockerfile: Dockerfile) -> _Style:
    for other in dockerfile.instructions:
        if isinstance(other, RunInstruction) and not other.json_form and len(other.arguments_map) > 1:
            style = _style_of(_continuation_lines(dockerfile, other))
            if style is not None and style.indent:
                return style
    return _Style(True, "    ")


def _errexit(dockerfile: Dockerfile, run: RunInstruction, shape: Outline) -> bool:
    if shape.errexit:
        return True
    if 0 <= run.stage_index < len(dockerfile.stages):
        shell = dockerfile.stages[run.stage_index].shell
        return any(a.startswith("-") and not a.startswith("--") and "e" in a[1:] for a in shell[1:-1])
    return False


# --- RUN: append a command -----------------------------------------------------------------------------------------

def append_command(dockerfile: Dockerfile, run: RunInstruction, command: str) -> Edits | None:
    """Edits that run `command` at the end of `run` when everything before it succeeded."""
    if not run.shell_analysed:
        return None
    if run.json_form:
        return _append_to_json_shell(dockerfile, run, command)
    if run.heredocs:
        return _append_to_heredoc_script(dockerfile, run, command)
    shape = outline(run.arguments)
    if shape is None or shape.has_error or shape.background or shape.exits or not _exact(run, dockerfile):
        return None
    point = _after(run, shape.end)
    if point is None:
        return None
    semicolon = _errexit(dockerfile, run, shape) and len(shape.separators) > 1 and shape.separators[-2] == ";"
    escape = dockerfile.escape
    if len(run.arguments_map) == 1:
        text = f"; {command}" if semicolon else f" && {command}"
    else:
        style = run_style(dockerfile, run)
        if semicolon:
            text = f"; {escape}\n{style.indent}{command}"
        elif style.leading:
            text = f" {escape}\n{style.indent}&& {command}"
        else:
            text = f" && {escape}\n{style.indent}{command}"
    return [TextEdit(_point(*point), text)]


def _append_to_json_shell(dockerfile: Dockerfile, run: RunInstruction, command: str) -> Edits | None:
    """`RUN ["sh", "-c", "script"]`: the command goes into the script string (the JSON array is rewritten)."""
    argv = list(run.args)
    script = shell_c_script(argv)
    if script is None or argv[-1] != script:
        return None  # plain exec form: adding a command would need a shell the image may not have
    shape = outline(script)
    if shape is None or shape.has_error or shape.background or shape.exits or shape.has_comment:
        return None
    argv[-1] = script[: shape.end] + f" && {command}" + script[shape.end :]
    return _replace_json(dockerfile, run, argv)


def _replace_json(dockerfile: Dockerfile, instruction: Instruction, argv: Sequence[str]) -> Edits | None:
    text = instruction.arguments
    start = len(text) - len(text.lstrip())
    end = len(text.rstrip())
    try:
        if json.loads(text[start:end]) != list(instruction.args):
            return None  # something follows the array (BuildKit ignores it): leave such a line alone
    except ValueError:
        return None
    span = _range(instruction, start, end)
    if span is None:
        return None
    return [TextEdit(span, json.dumps(list(argv), ensure_ascii=False))]


def _heredoc_script(run: RunInstruction):
    """The heredoc that is the RUN's whole script (`RUN <<EOF` alone on its line), else None."""
    words = run.arguments.split()
    if len(words) != 1 or not run.heredocs or not words[0].lstrip("0123456789").startswith("<<"):
        return None
    heredoc = run.heredocs[0]
    if heredoc.body_span is None or heredoc.file_descriptor not in (0,):
        return None
    return heredoc


def _append_to_heredoc_script(dockerfile: Dockerfile, run: RunInstruction, command: str) -> Edits | None:
    heredoc = _heredoc_script(run)
    if heredoc is None:
        return None
    body = heredoc.content.replace("\r\n", "\n")
    if body.startswith("#!"):
        return None  # an interpreter line: the body may not be a POSIX script
    shape = outline(body)
    if shape is None or shape.has_error or shape.background or shape.exits:
        return None
    first = heredoc.body_span.line
    last_line = heredoc.body_span.end_line
    if shape.errexit:
        # `set -e` script: a new line before the terminator, indented like the last command.
        lines = [dockerfile.lines[n - 1] for n in range(first, last_line + 1) if dockerfile.lines[n - 1].strip()]
        indent = lines[-1][: len(lines[-1]) - len(lines[-1].lstrip())] if lines else ""
        if heredoc.chomp and indent.strip("\t"):
            indent = indent.lstrip(" ")
        return [TextEdit(_point(last_line + 1, 1), f"{indent}{command}\n")]
    end = shape.end
    line = first + body.count("\n", 0, end)
    column = end - (body.rfind("\n", 0, end) + 1) + 1
    return [TextEdit(_point(line, column), f" && {command}")]


# --- RUN: a word of a command ------------------------------------------------------------------------------------

def insert_after_word(dockerfile: Dockerfile, command: ShellCommand, index: int, text: str) -> Edits | None:
    """Insert ` text` after word `index` of `command` (a flag after a subcommand)."""
    if not 0 <= index < len(command.word_spans) or len(command.word_spans) != len(command.argv):
        return None
    span = command.word_spans[index]
    written = _source(dockerfile, span)
    if written is None or dequote(written) != command.argv[index]:
        return None
    return [TextEdit(_point(span.end_line, span.end_column), " " + text)]


def subcommand_index(command: ShellCommand, call) -> int | None:
    """The index in `command.argv` of the last word of a package manager call's subcommand (`install` of
    `sudo apt-get -y install x`), or of its program when it has none (`yarn`); None when the call's words are not
    the command's own (read through a variable)."""
    own = call.argv
    argv = command.argv
    if len(own) > len(argv) or tuple(argv[len(argv) - len(own) + 1 :]) != tuple(own[1:]):
        return None
    program = len(argv) - len(own)
    if not call.command:
        return program
    width = len(call.command)
    for position in range(1, len(own) - width + 1):
        if tuple(own[position : position + width]) == tuple(call.command):
            return program + position + width - 1
    return None


def insert_flag(dockerfile: Dockerfile, command: ShellCommand, call, flag: str) -> Edits | None:
    """Insert `flag` right after the subcommand of a package-manager call (`apk add --no-cache ...`)."""
    index = subcommand_index(command, call)
    return None if index is None else insert_after_word(dockerfile, command, index, flag)


def remove_command(dockerfile: Dockerfile, run: RunInstruction, command: ShellCommand) -> Edits | None:
    """Remove a simple command from a shell-form RUN with the `&&` or `;` that joins it to its neighbour; None when
    that would change what the rest means (it is in a pipeline, after `||`, in a condition, ...)."""
    if run.json_form or run.heredocs or not _exact(run, dockerfile):
        return None
    start = _offset_of(run, command.span.line, command.span.column)
    end = _offset_of(run, command.span.end_line, command.span.end_column)
    if start is None or end is None:
        return None
    removal = command_removal(run.arguments, start, end)
    if removal is None:
        return None
    if removal == (0, len(run.arguments)):
        return None  # the whole script: remove the instruction instead
    span = _range(run, *removal)
    return None if span is None else [TextEdit(span, "")]


def _offset_of(instruction: Instruction, line: int, column: int) -> int | None:
    """The offset in `arguments` of a source position (the inverse of `position`)."""
    segments = instruction.arguments_map
    for index, (offset, segment_line, segment_column) in enumerate(segments):
        if segment_line != line or column < segment_column:
            continue
        end = segments[index + 1][0] if index + 1 < len(segments) else len(instruction.arguments)
        candidate = offset + column - segment_column
        if candidate <= end:
            return candidate
    return None


def remove_words(dockerfile: Dockerfile, command: ShellCommand, indexes: Sequence[int]) -> Edits | None:
    """Remove words of a command (an operand of `rm` that no longer exists) with the blanks before them."""
    edits = []
    for index in indexes:
        if not 0 < index < len(command.word_spans):
            return None
        span, before = command.word_spans[index], command.word_spans[index - 1]
        written = _source(dockerfile, span)
        if written is None or dequote(written) != command.argv[index] or before.end_line != span.line:
            return None
        edits.append(TextEdit(Span(span.line, before.end_column, span.end_line, span.end_column), ""))
    return edits


# --- instructions ------------------------------------------------------------------------------------------------

def remove_instruction(dockerfile: Dockerfile, instruction: Instruction) -> Edits | None:
    """Delete the lines of an instruction (heredoc bodies included)."""
    span = instruction.span
    lines = dockerfile.lines
    if span.line < 1 or span.end_line > len(lines) or lines[span.line - 1][: span.column - 1].strip():
        return None
    # Up to the start of the next line (the end of the text after the last one).
    return [TextEdit(Span(span.line, 1, span.end_line + 1, 1), "")]


# --- comments -----------------------------------------------------------------------------------------------------

def remove_comment_line(dockerfile: Dockerfile, line: int) -> Edits | None:
    """Delete a comment line. None when that would change the parser directives: before the first instruction, a
    later `# syntax=...` comment is a directive only if nothing but directives precede it."""
    lines = dockerfile.lines
    if not 1 <= line <= len(lines) or not lines[line - 1].lstrip().startswith("#"):
        return None
    first = min((i.span.line for i in dockerfile.instructions), default=len(lines) + 1)
    if line < first:
        from dockerlint_slim.parser.lexer import lex

        if lex("\n".join(lines[: line - 1] + lines[line : first - 1]) + "\n").directives != dockerfile.directives:
            return None
    return [TextEdit(Span(line, 1, line + 1, 1), "")]


def remove_list_item(dockerfile: Dockerfile, line: int, items: Sequence[tuple[int, int]], index: int) -> Edits | None:
    """Remove item `index` of a comma- or blank-separated list on one line (`ignore=SL201,SL2O1`), given the
    (column, end column) of every item: with the separator before it, or after it for the first item."""
    if not 1 <= line <= len(dockerfile.lines) or not 0 <= index < len(items) or len(items) < 2:
        return None
    start, end = items[index]
    if index > 0:
        start = items[index - 1][1]
    else:
        end = items[1][0]
    return [TextEdit(Span(line, start, line, end), "")]


def replace_comment(dockerfile: Dockerfile, line: int, column: int, end_column: int, text: str) -> Edits | None:
    """Replace a comment (from its `#` to the end of its text) with `text`, a comment of one line."""
    if not 1 <= line <= len(dockerfile.lines) or "\n" in text or not text.startswith("#"):
        return None
    source = dockerfile.lines[line - 1]
    if source[column - 1 : column] != "#" or end_column > len(source) + 1:
        return None
    return [TextEdit(Span(line, column, line, end_column), text)]


def replace_image(dockerfile: Dockerfile, instruction: FromInstruction, image: str) -> Edits | None:
    """`FROM old` -> `FROM new` (the image word only: flags and `AS name` stay)."""
    text = instruction.arguments
    start = len(text) - len(text.lstrip())
    end = start + len(instruction.image)
    if not instruction.image or text[start:end] != instruction.image or "$" in instruction.image:
        return None
    span = _range(instruction, start, end)
    if span is None or _source(dockerfile, span) != instruction.image:
        return None
    return [TextEdit(span, image)]


_LONG_LINE = 100


def add_flag(dockerfile: Dockerfile, instruction: Instruction, flag: str) -> Edits | None:
    """Insert an instruction flag before the arguments (`RUN --mount=... cmd`); when the line would get long, the
    arguments move to a continuation line."""
    point = instruction.position(0)
    if point is None:
        return None
    line = dockerfile.lines[point[0] - 1] if 0 < point[0] <= len(dockerfile.lines) else ""
    if len(line) + len(flag) + 1 > _LONG_LINE and isinstance(instruction, RunInstruction):
        indent = run_style(dockerfile, instruction).indent or "    "
        return [TextEdit(_point(*point), f"{flag} {dockerfile.escape}\n{indent}")]
    return [TextEdit(_point(*point), flag + " ")]


# --- RUN: join consecutive RUNs ----------------------------------------------------------------------------------

def shell_words(argv: Sequence[str]) -> str:
    """An exec-form argv as a shell command line that runs exactly that argv."""
    return " ".join(shlex.quote(word) for word in argv)


@dataclass(frozen=True)
class _Part:
    run: RunInstruction
    shape: Outline | None  # None for an exec-form RUN turned into a command line
    script: str  # what the RUN contributes to the joined script


def _joinable(dockerfile: Dockerfile, run: RunInstruction) -> _Part | None:
    if not run.shell_analysed or run.heredocs:
        return None
    if run.json_form:
        argv = run.args
        if not argv or argv[0].rsplit("/", 1)[-1] in _SHELL_BUILTINS or not _exact(run, dockerfile):
            return None
        return _Part(run, None, shell_words(argv))
    shape = outline(run.arguments)
    if shape is None or shape.has_error or shape.background or not _exact(run, dockerfile):
        return None
    return _Part(run, shape, run.arguments)


def join_groups(dockerfile: Dockerfile, runs: Sequence[RunInstruction]) -> list[list[RunInstruction]]:
    """Consecutive RUNs (as a rule found them) split where they cannot be joined exactly: a heredoc, a script
    tree-sitter cannot read, a background job, a shell comment before another RUN (it would swallow it), a
    `# slimlint` pragma between two RUNs (it belongs to the second), or a part that would need a subshell where
    `set -e` is in force (errexit is ignored inside a subshell that `&&` tests)."""
    groups: list[list[RunInstruction]] = []
    current: list[_Part] = []

    def close() -> None:
        if len(current) > 1:
            groups.append([part.run for part in current])

    for run in runs:
        part = _joinable(dockerfile, run)
        pragma = bool(current) and any(
            _PRAGMA_COMMENT.match(dockerfile.lines[line - 1])
            for line in range(current[-1].run.span.end_line + 1, run.span.line))
        fits = (part is not None and not pragma and bool(current)
                and _can_precede(dockerfile, current[-1]) and _can_follow(dockerfile, part))
        if not fits:
            close()
            current = [part] if part is not None else []
        else:
            current.append(part)
    close()
    return groups


def _errexit_context(dockerfile: Dockerfile, part: _Part) -> bool:
    """`set` runs in it (it may turn errexit on) or the stage's SHELL has `-e`."""
    if part.shape is not None and "set" in part.shape.state_changes:
        return True
    run = part.run
    if 0 <= run.stage_index < len(dockerfile.stages):
        shell = dockerfile.stages[run.stage_index].shell
        return any(a.startswith("-") and not a.startswith("--") and "e" in a[1:] for a in shell[1:-1])
    return False


def _wrap_before(part: _Part) -> bool:
    """Followed by another RUN, it must run in a subshell: its shell state would leak into the next one."""
    return part.shape is not None and bool(part.shape.state_changes)


def _wrap_after(part: _Part) -> bool:
    """After another RUN, it must run in a subshell: `prev && a; b` would run `b` even when `prev` failed."""
    return part.shape is not None and (len(part.shape.statements) > 1 or part.shape.has_or)


def _can_precede(dockerfile: Dockerfile, part: _Part) -> bool:
    if part.shape is not None and part.shape.has_comment:
        return False  # its comment runs to the end of the logical line: nothing may follow it
    return not (_wrap_before(part) and _errexit_context(dockerfile, part))


def _can_follow(dockerfile: Dockerfile, part: _Part) -> bool:
    return not (_wrap_after(part) and _errexit_context(dockerfile, part))


def join_runs(dockerfile: Dockerfile, runs: Sequence[RunInstruction]) -> Edits | None:
    """One RUN from consecutive RUNs with the same flags (a group of `join_groups`): `RUN a` + `RUN b` ->
    `RUN a \\ && b`.

    Exact: a RUN whose commands change the shell's state (`cd`, `export`, `set`, `source`, `umask`, `trap`, `exit`,
    a variable, a function, ...) is wrapped in a subshell when a later one follows; a later RUN with several
    statements or an `||` is wrapped so that `&&` joins all of it; exec-form RUNs become the command line that
    runs the same argv; comments between the RUNs stay (as comment lines inside the instruction), blank lines go.
    """
    if len(runs) < 2:
        return None
    parts = [_joinable(dockerfile, run) for run in runs]
    if any(part is None for part in parts):
        return None
    if not all(_can_precede(dockerfile, p) for p in parts[:-1]) or not all(_can_follow(dockerfile, p) for p in parts[1:]):
        return None
    style = run_style(dockerfile, runs[0])
    escape = dockerfile.escape
    edits: Edits = []
    last = len(parts) - 1
    for index, part in enumerate(parts):
        run, shape = part.run, part.shape
        wrap = (index < last and _wrap_before(part)) or (index > 0 and _wrap_after(part))
        if shape is None:  # exec form -> its command line
            span = _range(run, len(run.arguments) - len(run.arguments.lstrip()), len(run.arguments.rstrip()))
            if span is None:
                return None
            edits.append(TextEdit(span, part.script))
            end_point = _point(span.end_line, span.end_column)
        else:
            if wrap:
                opening = run.position(shape.statements[0][0])
                if opening is None:
                    return None
                # `((` would open an arithmetic command in bash and ksh: a script that starts with a subshell gets
                # a blank after the new parenthesis.
                edits.append(TextEdit(_point(*opening), "( " if part.script[shape.statements[0][0]:].startswith("(")
                                      else "("))
            end = _after(run, shape.end)
            if end is None:
                return None
            end_point = _point(*end)
            if wrap:
                edits.append(TextEdit(end_point, ")"))
        if index == last:
            break
        following = parts[index + 1].run
        begin = following.position(0)
        if begin is None:
            return None
        comments = "".join(
            dockerfile.lines[line - 1] + "\n"
            for line in range(run.span.end_line + 1, following.span.line)
            if dockerfile.lines[line - 1].lstrip().startswith("#")
        )
        if style.leading:
            joint = f" {escape}\n{comments}{style.indent}&& "
        else:
            joint = f" && {escape}\n{comments}{style.indent}"
        # From the end of this RUN's script (its trailing `;` and blanks go) to the start of the next one's.
        gap = Span(end_point.line, end_point.column, begin[0], begin[1])
        if wrap:
            edits[-1] = TextEdit(gap, ")" + joint)
        else:
            edits.append(TextEdit(gap, joint))
    return edits


_PRIVILEGE = frozenset({"sudo", "doas"})
_PRIVILEGE_VALUE_OPTIONS = frozenset({"-u", "-g", "-C", "-h", "-p", "-U", "-r", "-t"})


def privilege_prefix(command: ShellCommand) -> str | None:
    """`sudo ` (with its options, `sudo -E `) when `command` runs through sudo or doas, so that a cleanup appended
    after it runs with the same rights; "" without one; None when the command line is not plain words."""
    argv = command.argv
    words: list[str] = []
    index = 0
    while index < len(argv) and argv[index].rsplit("/", 1)[-1] in _PRIVILEGE:
        words.append(argv[index])
        index += 1
        while index < len(argv) and argv[index].startswith("-"):
            words.append(argv[index])
            if argv[index] in _PRIVILEGE_VALUE_OPTIONS and index + 1 < len(argv):
                words.append(argv[index + 1])
                index += 1
            index += 1
    if any("$" in word or "`" in word for word in words):
        return None
    return "".join(shlex.quote(word) + " " for word in words)


_PLAIN_WORD = re.compile(r"^[A-Za-z0-9_./${}:+-]+$")


def program_word(command: ShellCommand, call) -> str | None:
    """The package manager's program as the command wrote it (`/opt/conda/bin/conda`, `pip3`), so that a command
    appended after it runs the same program; None when it is not a plain word."""
    index = subcommand_index(command, call)
    if index is None:
        return None
    index -= len(call.command)
    if index < 0 or not _PLAIN_WORD.match(command.argv[index]):
        return None
    return command.argv[index]


def command_text(dockerfile: Dockerfile, run: RunInstruction, command: ShellCommand) -> str | None:
    """The shell text of a simple command of a shell-form RUN, as written (quotes kept, continuations joined)."""
    if run.json_form or run.heredocs or not _exact(run, dockerfile):
        return None
    start = _offset_of(run, command.span.line, command.span.column)
    end = _offset_of(run, command.span.end_line, command.span.end_column)
    if start is None or end is None or end <= start:
        return None
    return " ".join(run.arguments[start:end].split()) if "\n" not in run.arguments[start:end] else None


def is_whole_script(run: RunInstruction, command: ShellCommand) -> bool:
    """`command` is everything the RUN runs (removing it leaves an empty RUN)."""
    if run.json_form or run.heredocs or len(run.commands) != 1 or run.commands[0] is not command:
        return False
    shape = outline(run.arguments)
    return shape is not None and len(shape.statements) == 1 and not shape.has_comment


def move_command(dockerfile: Dockerfile, command: ShellCommand, source: RunInstruction,
                 destination: RunInstruction) -> tuple[Edits, int] | None:
    """Move a command from one RUN to the end of another (a cleanup into the RUN that made the mess); the source RUN
    goes when the command was all it ran. Returns (edits, instructions removed), or None."""
    text = command_text(dockerfile, source, command)
    if text is None:
        return None
    appended = append_command(dockerfile, destination, text)
    if appended is None:
        return None
    if is_whole_script(source, command):
        removal = remove_instruction(dockerfile, source)
        return (appended + removal, 1) if removal is not None else None
    removal = remove_command(dockerfile, source, command)
    return (appended + removal, 0) if removal is not None else None


def replace_destination(dockerfile: Dockerfile, instruction: Instruction, destination: str) -> Edits | None:
    """`COPY src /old` -> `COPY src /new` (shell form, the destination written as a plain last word)."""
    text = instruction.arguments.rstrip()
    if instruction.json_form or instruction.heredocs or not instruction.args or not text.endswith(instruction.args[-1]):
        return None
    if not _PLAIN_WORD.match(destination) or not _PLAIN_WORD.match(instruction.args[-1]):
        return None
    span = _range(instruction, len(text) - len(instruction.args[-1]), len(text))
    if span is None or _source(dockerfile, span) != instruction.args[-1]:
        return None
    return [TextEdit(span, destination)]


# `# syntax=` images whose Dockerfile frontend predates `RUN --mount` (it came with 1.2; 1.x-experimental had it).
_OLD_FRONTEND = re.compile(r"^(docker\.io/)?docker/dockerfile:1\.[01](\.\d+)?$")


def syntax_for_mounts(dockerfile: Dockerfile) -> Edits | None:
    """The edit that makes the file's frontend understand `RUN --mount`: [] when it already does (no `# syntax`
    line: the builder's own frontend, BuildKit's and Buildah's, has it); a pinned 1.0/1.1 becomes
    `docker/dockerfile:1`; None for another frontend slimlint cannot vouch for."""
    syntax = dockerfile.directives.get("syntax")
    if syntax is None:
        return []
    value = syntax.strip()
    if value.startswith(("docker/dockerfile:1", "docker.io/docker/dockerfile:1")) and not _OLD_FRONTEND.match(value):
        return []
    if not _OLD_FRONTEND.match(value):
        return None
    for number, line in enumerate(dockerfile.lines, start=1):
        start = line.find(value)
        if line.lstrip().startswith("#") and "syntax" in line.lower() and start >= 0:
            return [TextEdit(Span(number, start + 1, number, start + 1 + len(value)), "docker/dockerfile:1")]
    return None


_MOUNT_VALUE = re.compile(r"^[A-Za-z0-9_./@+-]+$")


def bind_mount_instead(dockerfile: Dockerfile, copy: Instruction, run: RunInstruction, source: str,
                       target: str, read_write: bool = False) -> Edits | None:
    """Drop a COPY and give the RUN that uses what it copied a bind mount of the same context file instead:
    `COPY big.tar /tmp/` + `RUN tar -xf /tmp/big.tar` -> `RUN --mount=type=bind,source=big.tar,target=/tmp/big.tar
    tar -xf /tmp/big.tar`."""
    if not _MOUNT_VALUE.match(source) or not _MOUNT_VALUE.match(target) or not target.startswith("/"):
        return None
    syntax = syntax_for_mounts(dockerfile)
    removal = remove_instruction(dockerfile, copy)
    mount = add_flag(dockerfile, run, f"--mount=type=bind,source={source},target={target}" + (",rw" if read_write else ""))
    if syntax is None or removal is None or mount is None:
        return None
    return syntax + removal + mount


def prepend_command(dockerfile: Dockerfile, run: RunInstruction, command: str) -> Edits | None:
    """Edits that run `command` first in `run`, the rest only when it succeeded (`cmd && rest`); None when the
    script is not one `&&` chain (`cmd && a; b` would run `b` after a failed `cmd`)."""
    if not run.shell_analysed or run.json_form or run.heredocs or not _exact(run, dockerfile):
        return None
    shape = outline(run.arguments)
    if shape is None or shape.has_error or shape.background or shape.has_comment or len(shape.statements) != 1 \
            or shape.has_or:
        return None
    point = run.position(shape.statements[0][0])
    if point is None:
        return None
    if len(run.arguments_map) == 1:
        return [TextEdit(_point(*point), f"{command} && ")]
    style = run_style(dockerfile, run)
    escape = dockerfile.escape
    if style.leading:
        return [TextEdit(_point(*point), f"{command} {escape}\n{style.indent}&& ")]
    return [TextEdit(_point(*point), f"{command} && {escape}\n{style.indent}")]
