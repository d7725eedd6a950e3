"""Shell scripts of RUN instructions as simple commands (argv lists with spans), read with tree-sitter-bash.

tree-sitter parses a line in microseconds and tolerates broken input, so a half-valid script still yields the
commands it can see. Commands are found with a tree-sitter query, matched in C: no Python recursion, so deep
nesting cannot hit Python's recursion limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from dockerlint_slim.diagnostics import Span
from dockerlint_slim.model import ShellCommand

# Interpreters whose `-c STRING` argument (and heredoc stdin) is itself a POSIX shell script.
SHELLS = frozenset({"sh", "bash", "dash", "ash", "zsh", "ksh", "mksh", "busybox"})
NON_POSIX_SHELLS = frozenset({"powershell", "powershell.exe", "pwsh", "pwsh.exe", "cmd", "cmd.exe"})
# `sh -c "sh -c '...'"` nesting deeper than this is not followed.
_MAX_SCRIPT_DEPTH = 4
_SKIPPED_CHILDREN = frozenset({"file_redirect", "heredoc_redirect", "herestring_redirect", "comment"})

_parser = None
_query = None


def _get_parser():
    global _parser, _query
    if _parser is None:
        import tree_sitter
        import tree_sitter_bash

        language = tree_sitter.Language(tree_sitter_bash.language())
        _parser = tree_sitter.Parser(language)
        # Matching in C is much faster than walking every node of the tree from Python.
        _query = tree_sitter.Query(language, "(command) @command (redirected_statement) @redirected")
    return _parser, _query


# Maps an offset in a script (characters) to a source Span start (line, column).
Locator = Callable[[int], tuple[int, int]]


@dataclass(frozen=True)
class _Script:
    text: str
    locate: Locator
    depth: int


def parse_script(text: str, locate: Locator) -> list[ShellCommand]:
    """All simple commands of a shell script in source order, including those in `sh -c` strings."""
    commands: list[ShellCommand] = []
    pending = [_Script(text, locate, 0)]
    while pending:
        script = pending.pop(0)
        for command, string_offset in _commands_of(script):
            commands.append(command)
            if string_offset is not None and script.depth < _MAX_SCRIPT_DEPTH:
                inner = command.argv[-1]
                base = string_offset
                pending.append(_Script(inner, _shifted(script.locate, base), script.depth + 1))
    commands.sort(key=lambda c: (c.span.line, c.span.column))
    return commands


def shell_c_script(argv: tuple[str, ...] | list[str]) -> str | None:
    """The script of `sh -c SCRIPT ...` / `bash -ec SCRIPT`, or None."""
    if not argv or argv[0].rsplit("/", 1)[-1] not in SHELLS:
        return None
    args = list(argv[1:])
    if argv[0].rsplit("/", 1)[-1] == "busybox":
        if not args or args[0] not in ("sh", "ash"):
            return None
        args = args[1:]
    for index, arg in enumerate(args):
        if arg.startswith("-") and not arg.startswith("--") and "c" in arg[1:]:
            rest = [a for a in args[index + 1 :] if not a.startswith("-")]
            return rest[0] if rest else None
        if not arg.startswith("-") and not arg.startswith("+"):
            return None
    return None


def _shifted(locate: Locator, base: int) -> Locator:
    return lambda offset: locate(base + offset)


def _commands_of(script: _Script) -> list[tuple[ShellCommand, int | None]]:
    """(command, offset of its `-c` script string or None) for each simple command in the script."""
    import tree_sitter

    data = script.text.encode("utf-8", "surrogatepass")
    to_char = _byte_to_char(script.text, data)
    parser, query = _get_parser()
    tree = parser.parse(data)
    if len(data) <= _QUERY_LIMIT:
        captures = tree_sitter.QueryCursor(query).captures(tree.root_node)
        nodes, statements = captures.get("command", []), captures.get("redirected", [])
    else:
        nodes, statements = _walk(tree.root_node)
    nodes.sort(key=lambda node: node.start_byte)
    redirects = _redirects_by_command(statements, data)
    found: list[tuple[ShellCommand, int | None]] = []
    skip_until = -1  # commands inside a `-c` string are read when that string is parsed on its own
    for node in nodes:
        if node.start_byte < skip_until:
            continue
        command = _command(node, data, to_char, script.locate, redirects.get(node.id, ()))
        if command is not None:
            found.append(command)
            if command[1] is not None:
                skip_until = node.end_byte
    return found


def _command(node, data: bytes, to_char, locate: Locator, redirects=()) -> tuple[ShellCommand, int | None] | None:
    argv: list[str] = []
    env: list[tuple[str, str]] = []
    last_arg_node = None
    for child in node.children:
        kind = child.type
        if kind in _SKIPPED_CHILDREN:
            continue
        text = data[child.start_byte : child.end_byte].decode("utf-8", "replace")
        if kind == "variable_assignment":
            if not argv:
                name, _, value = text.partition("=")
                env.append((name, dequote(value)))
            continue
        argv.append(dequote(text))
        last_arg_node = child
    if not argv:
        return None
    start_line, start_col = locate(to_char(node.start_byte))
    end_line, end_col = locate(to_char(node.end_byte))
    span = Span(start_line, start_col, end_line, end_col)
    command = ShellCommand(tuple(argv), span, tuple(env), tuple(redirects))
    string_offset = None
    script = shell_c_script(command.argv)
    if script is not None and last_arg_node is not None and argv[-1] == script:
        quoted = data[last_arg_node.start_byte : last_arg_node.start_byte + 1] in (b'"', b"'")
        string_offset = to_char(last_arg_node.start_byte) + (1 if quoted else 0)
    return command, string_offset


# tree-sitter's query cursor slows down sharply on very deep trees (a 100,000-command `&&` chain: 40 s); past
# this size the tree is walked from Python instead, which is slower per node but linear.
_QUERY_LIMIT = 64 * 1024


def _walk(root) -> tuple[list, list]:
    """Commands and redirected statements of a tree, by an explicit-stack walk (no recursion)."""
    commands, statements = [], []
    stack = [root]
    while stack:
        node = stack.pop()
        if node.type == "command":
            commands.append(node)
        elif node.type == "redirected_statement":
            statements.append(node)
        stack.extend(node.children)
    return commands, statements


_REDIRECT_CONTAINERS = frozenset({"list", "pipeline", "redirected_statement"})


def _redirects_by_command(statements, data: bytes) -> dict[int, list[tuple[str, str]]]:
    """File redirections per simple command (keyed by node id).

    tree-sitter-bash hangs them on a `redirected_statement` directly around the command or, for
    `a && cat <<EOF > f`, around the whole list: a trailing redirection belongs to the list's last command.
    Computed top-down from the statements (a node's parent is not cheap to reach in tree-sitter).
    """
    found: dict[int, list[tuple[str, str]]] = {}
    for statement in sorted(statements, key=lambda node: node.start_byte):
        command = _last_command(statement.child_by_field_name("body"))
        if command is None:
            continue
        for child in statement.children:
            if child.type == "file_redirect":
                redirects = [child]
            elif child.type == "heredoc_redirect":
                redirects = [c for c in child.children if c.type == "file_redirect"]
            else:
                continue
            for redirect in redirects:
                parts = [data[c.start_byte : c.end_byte].decode("utf-8", "replace") for c in redirect.children]
                if len(parts) >= 2:
                    found.setdefault(command.id, []).append(("".join(parts[:-1]), dequote(parts[-1])))
    return found


def _last_command(node):
    """The simple command a trailing redirection of `node` (a command, list, pipeline) applies to."""
    while node is not None and node.type in _REDIRECT_CONTAINERS:
        node = node.child_by_field_name("body") if node.type == "redirected_statement" else (
            node.named_children[-1] if node.named_children else None
        )
    return node if node is not None and node.type == "command" else None


def _byte_to_char(text: str, data: bytes):
    if len(data) == len(text):
        return lambda offset: offset
    return lambda offset: len(data[:offset].decode("utf-8", "replace"))


def dequote(word: str) -> str:
    """Remove shell quoting from one word; expansions (`$x`, `$(...)`) are kept as written."""
    if "'" not in word and '"' not in word and "\\" not in word:
        return word
    out: list[str] = []
    pos, length = 0, len(word)
    while pos < length:
        ch = word[pos]
        if ch == "'":
            end = word.find("'", pos + 1)
            end = length if end < 0 else end
            out.append(word[pos + 1 : end])
            pos = end + 1
        elif ch == '"':
            pos += 1
            while pos < length and word[pos] != '"':
                if word[pos] == "\\" and pos + 1 < length and word[pos + 1] in '"$`\\\n':
                    pos += 1
                out.append(word[pos])
                pos += 1
            pos += 1
        elif ch == "\\":
            if pos + 1 < length and word[pos + 1] != "\n":
                out.append(word[pos + 1])
            pos += 2
        elif ch == "$" and word.startswith("$'", pos):
            end = word.find("'", pos + 2)
            end = length if end < 0 else end
            out.append(word[pos + 2 : end])
            pos = end + 1
        else:
            out.append(ch)
            pos += 1
    return "".join(out)
