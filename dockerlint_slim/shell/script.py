"""Shell scripts of RUN instructions as simple commands (argv lists with spans), read with tree-sitter-bash.

tree-sitter parses a line in microseconds and tolerates broken input, so a half-valid script still yields the
commands it can see. Commands are found with a tree-sitter query, matched in C: no Python recursion, so deep
nesting cannot hit Python's recursion limit.
"""

from __future__ import annotations

import re
from _thread import _local as thread_local  # threading.local itself, without importing threading at start-up
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

# One parser per thread: tree-sitter's Parser keeps state while parsing and releases the GIL, so the language
# server's worker threads and the main thread must never share one. The query is immutable and shared.
_local = thread_local()
_query = None


def _get_parser():
    global _query
    parser = getattr(_local, "parser", None)
    if parser is None:
        import tree_sitter

        language = tree_sitter.Language(_bash_language())
        parser = _local.parser = tree_sitter.Parser(language)
        if _query is None:
            # Matching in C is much faster than walking every node of the tree from Python.
            _query = tree_sitter.Query(language, "(command) @command (redirected_statement) @redirected "
                                       "(if_statement) @branching (case_statement) @branching "
                                       "(while_statement) @branching (list) @branching")
    return parser, _query


# tree-sitter-bash's scanner reads past its tables on a `{` followed by a code point of planes 14-16 (U+E0000 and
# above: tags, private use) and crashes the process now and then. Such characters are parsed as U+10000, which has
# the same UTF-8 length, so every byte offset still points into the original text the words are read from.
_UNSAFE_FOR_SCANNER = re.compile("[\U000e0000-\U0010ffff]")


def _parse(text: str, data: bytes):
    """The syntax tree of `data` (`text` encoded as UTF-8)."""
    if _UNSAFE_FOR_SCANNER.search(text):
        data = _UNSAFE_FOR_SCANNER.sub("\U00010000", text).encode("utf-8", "surrogatepass")
    return _get_parser()[0].parse(data)


_language_pointer = None


def _bash_language():
    global _language_pointer
    if _language_pointer is None:
        _language_pointer = _load_bash_language()
    return _language_pointer


def _load_bash_language():
    """The grammar's language pointer from `tree_sitter_bash._binding`, loaded without running the package's
    `__init__`: that imports `importlib.resources` (tempfile, shutil, lzma, bz2, random) for its query files, which
    slimlint never reads, and costs a tenth of a one-file run's start-up."""
    import importlib.machinery
    import importlib.util

    package = importlib.util.find_spec("tree_sitter_bash")
    if package is not None and package.submodule_search_locations:
        spec = importlib.machinery.PathFinder.find_spec("tree_sitter_bash._binding", package.submodule_search_locations)
        if spec is not None and spec.loader is not None:
            binding = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(binding)
            return binding.language()
    import tree_sitter_bash  # an install laid out differently: the package's own way

    return tree_sitter_bash.language()


# Maps an offset in a script (characters) to a source Span start (line, column).
Locator = Callable[[int], tuple[int, int]]


@dataclass(frozen=True)
class _Script:
    text: str
    locate: Locator
    depth: int
    conditional: bool = False  # the `sh -c` command that runs it may not run


class ScriptTooComplex(ValueError):
    """The commands of a script would take far more memory than its text: 50,000 nested `$(echo $(echo ...))` repeat
    each inner command in the words of every command around it (gigabytes). Such a script is not analysed."""


# The words of a script's commands may hold this many times its own text (plus a MiB): nesting repeats inner text
# in outer words, a few times over in real scripts (`sh -c "..."` in `$(...)`), thousands of times in crafted ones.
_WORDS_PER_SCRIPT_CHARACTER = 16
_WORDS_MARGIN = 1024 * 1024


def parse_script(text: str, locate: Locator) -> list[ShellCommand]:
    """All simple commands of a shell script in source order, including those in `sh -c` strings. Raises
    ScriptTooComplex when their words would exceed the budget above."""
    commands: list[ShellCommand] = []
    budget = [_WORDS_PER_SCRIPT_CHARACTER * len(text) + _WORDS_MARGIN]
    pending = [_Script(text, locate, 0)]
    while pending:
        script = pending.pop(0)
        for command, string_offset in _commands_of(script, budget):
            commands.append(command)
            if string_offset is not None and script.depth < _MAX_SCRIPT_DEPTH:
                inner = command.argv[-1]
                base = string_offset
                pending.append(_Script(inner, _shifted(script.locate, base), script.depth + 1,
                                       command.conditional))
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


def _commands_of(script: _Script, budget: list[int]) -> list[tuple[ShellCommand, int | None]]:
    """(command, offset of its `-c` script string or None) for each simple command in the script."""
    import tree_sitter

    data = script.text.encode("utf-8", "surrogatepass")
    to_char = _byte_to_char(script.text, data)
    query = _get_parser()[1]
    tree = _parse(script.text, data)
    if len(data) <= _QUERY_LIMIT:
        captures = tree_sitter.QueryCursor(query).captures(tree.root_node)
        nodes, statements = captures.get("command", []), captures.get("redirected", [])
        branching = captures.get("branching", [])
    else:
        nodes, statements, branching = _walk(tree.root_node)
    nodes.sort(key=lambda node: node.start_byte)
    redirects = _redirects_by_command(statements, data)
    regions = _conditional_regions(branching)
    found: list[tuple[ShellCommand, int | None]] = []
    skip_until = -1  # commands inside a `-c` string are read when that string is parsed on its own
    region, region_end = 0, -1
    for node in nodes:
        while region < len(regions) and regions[region][0] <= node.start_byte:
            region_end = max(region_end, regions[region][1])
            region += 1
        if node.start_byte < skip_until:
            continue
        budget[0] -= node.end_byte - node.start_byte  # before its words are copied out of the script
        if budget[0] < 0:
            raise ScriptTooComplex(f"shell script nested too deeply to analyse ({len(found)} commands read)")
        conditional = script.conditional or node.start_byte < region_end
        command = _command(node, data, to_char, script.locate, redirects.get(node.id, ()), conditional)
        if command is not None:
            found.append(command)
            if command[1] is not None:
                skip_until = node.end_byte
    return found


def _command(node, data: bytes, to_char, locate: Locator, redirects=(),
             conditional: bool = False) -> tuple[ShellCommand, int | None] | None:
    argv: list[str] = []
    words: list[Span] = []
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
        words.append(_word_span(child, to_char, locate))
        last_arg_node = child
    if not argv:
        return None
    start_line, start_col = locate(to_char(node.start_byte))
    end_line, end_col = locate(to_char(node.end_byte))
    span = Span(start_line, start_col, end_line, end_col)
    command = ShellCommand(tuple(argv), span, tuple(env), tuple(redirects), tuple(words), conditional)
    string_offset = None
    script = shell_c_script(command.argv)
    if script is not None and last_arg_node is not None and argv[-1] == script:
        quoted = data[last_arg_node.start_byte : last_arg_node.start_byte + 1] in (b'"', b"'")
        string_offset = to_char(last_arg_node.start_byte) + (1 if quoted else 0)
    return command, string_offset


def _word_span(node, to_char, locate: Locator) -> Span:
    # The end is one past the word's last character: an end offset at a line continuation would map to the start of
    # the next source line.
    start = to_char(node.start_byte)
    line, column = locate(start)
    last_line, last_column = locate(max(start, to_char(node.end_byte) - 1))
    return Span(line, column, last_line, last_column + 1)


# tree-sitter's query cursor slows down sharply on very deep trees (a 100,000-command `&&` chain: 40 s); past
# this size the tree is walked from Python instead, which is slower per node but linear.
_QUERY_LIMIT = 64 * 1024


def _walk(root) -> tuple[list, list, list]:
    """Commands, redirected statements and branching nodes of a tree, by an explicit-stack walk (no recursion)."""
    commands, statements, branching = [], [], []
    stack = [root]
    while stack:
        node = stack.pop()
        if node.type == "command":
            commands.append(node)
        elif node.type == "redirected_statement":
            statements.append(node)
        elif node.type in _BRANCHING:
            branching.append(node)
        stack.extend(node.children)
    return commands, statements, branching


_BRANCHING = frozenset({"if_statement", "case_statement", "while_statement", "list"})
# Commands that only test something: what follows them with `&&` runs only when the test holds.
_TEST_PROGRAMS = frozenset({"test", "[", "[["})


def _conditional_regions(branching) -> list[tuple[int, int]]:
    """(start, end) byte ranges whose commands may not run, sorted by start: an `if`'s branches (from `then`; its
    first condition always runs), `case` items, `while`/`until` bodies, the right side of `||`, and the right side
    of `&&` when the left side holds a test (`[ -n "$X" ] && rm x`, `test -f a && b && c`). Each node's direct
    children are read once: linear in the size of the tree."""
    regions: list[tuple[int, int]] = []
    tested: set[int] = set()  # ids of `&&`/`||` lists with a test command in their chain
    # Inner lists before the lists around them (a chain `a && b && c` nests to the left).
    for node in sorted(branching, key=lambda n: (n.end_byte, -n.start_byte)):
        kind = node.type
        if kind == "if_statement":
            then = next((c for c in node.children if c.type == "then"), None)
            if then is not None:
                regions.append((then.start_byte, node.end_byte))
        elif kind == "case_statement":
            item = next((c for c in node.children if c.type == "case_item"), None)
            if item is not None:
                regions.append((item.start_byte, node.end_byte))
        elif kind == "while_statement":
            body = node.child_by_field_name("body")
            if body is not None:
                regions.append((body.start_byte, body.end_byte))
        else:
            named = [c for c in node.named_children if c.type != "comment"]
            operator = next((c.type for c in node.children if c.type in ("&&", "||")), None)
            if len(named) < 2 or operator is None:
                continue
            left, right = named[0], named[-1]
            has_test = any(_is_test(child, tested) for child in named)
            if has_test:
                tested.add(node.id)
            if operator == "||" or _is_test(left, tested):
                regions.append((right.start_byte, right.end_byte))
    regions.sort()
    return regions


def _is_test(node, tested: set[int]) -> bool:
    if node.type == "test_command" or (node.type == "list" and node.id in tested):
        return True
    if node.type != "command":
        return False
    name = node.child_by_field_name("name")
    return name is not None and name.text.decode("utf-8", "replace") in _TEST_PROGRAMS


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


# --- the top level of a script, for fixes that add to it or remove from it ---------------------------------------

# Commands whose effect outlives them in the shell that runs them: merged after them into one script, a later
# command would run in a different directory, environment or shell mode, or not at all.
STATE_COMMANDS = frozenset({
    "cd", "pushd", "popd", "export", "set", "source", ".", "umask", "shopt", "trap", "exit", "exec", "alias",
    "unalias", "unset", "ulimit", "eval", "declare", "typeset", "local", "readonly", "shift", "hash", "enable",
    "getopts", "read", "let", "mapfile", "readarray", "return", "wait",
})
_EXITS = frozenset({"exit", "exec", "return"})
# Nodes whose commands run in a child shell: `( ... )`, `$( ... )`, backquotes, `<( ... )`. A `cd` or an `exit` in
# them changes nothing for the commands after them.
_CHILD_SHELLS = frozenset({"subshell", "command_substitution", "process_substitution"})
_STATE_NODES = {"declaration_command": "declare", "unset_command": "unset", "function_definition": "function"}


@dataclass(frozen=True)
class Outline:
    """The top level of a shell script (offsets are characters of the script text)."""

    statements: tuple[tuple[int, int], ...]  # (start, end) of each top-level statement
    separators: tuple[str, ...]  # what follows each statement: ";", "&" or "" (a newline or nothing)
    has_error: bool  # tree-sitter could not read part of it
    has_comment: bool  # a `#` comment: in a RUN's logical line it runs to the end of the instruction
    background: bool  # something runs in the background (`cmd &`)
    errexit: bool  # a top-level `set -e` (or `set -o errexit`) runs in it
    state_changes: tuple[str, ...]  # what changes the shell's state for the commands after it (`cd`, `x=1`, ...)
    exits: bool  # `exit`, `exec` or `return` outside a child shell: commands appended after it may never run
    has_or: bool = False  # a top-level statement is an and-or list with an `||` (`a || b`)

    @property
    def end(self) -> int:
        """The end of the last statement: where a command is appended (before a trailing `;`, comment, blanks)."""
        return self.statements[-1][1]


def outline(text: str) -> Outline | None:
    """The top-level statements of `text` and what a fix needs to know about them; None when it has none."""
    data = text.encode("utf-8", "surrogatepass")
    to_char = _byte_to_char(text, data)
    root = _parse(text, data).root_node
    statements: list[tuple[int, int]] = []
    separators: list[str] = []
    has_comment = background = errexit = has_or = False
    for child in root.children:
        if child.type == "comment":
            has_comment = True
        elif child.type in (";", "&", ";;"):
            if statements and not separators[-1]:
                separators[-1] = child.type
            background = background or child.type == "&"
        elif child.is_named:
            statements.append((to_char(child.start_byte), to_char(child.end_byte)))
            separators.append("")
            if child.type == "command" and _sets_errexit(child, data):
                errexit = True
            lists = [child]
            while lists:
                node = lists.pop()
                if node.type == "list":
                    has_or = has_or or any(c.type == "||" for c in node.children)
                    lists.extend(c for c in node.children if c.type == "list")
    if not statements:
        return None
    changes: list[str] = []
    exits = False
    stack = [(root, False)]
    while stack:  # explicit stack: no recursion limit on deep scripts
        node, nested = stack.pop()
        kind = node.type
        if kind == "comment":
            has_comment = True
        elif kind == "&" and not node.is_named:
            background = True
        elif nested:
            pass  # in a child shell: what it changes or exits ends with it
        elif kind in _STATE_NODES:
            changes.append(_STATE_NODES[kind])
        elif kind == "variable_assignment" and node.parent is not None and node.parent.type in ("program", "list"):
            changes.append("assignment")
        elif kind == "command":
            name = _command_name(node, data)
            if name in STATE_COMMANDS:
                changes.append(name)
                exits = exits or name in _EXITS
        nested = nested or kind in _CHILD_SHELLS
        stack.extend((child, nested) for child in node.children)
    return Outline(tuple(statements), tuple(separators), root.has_error, has_comment, background, errexit,
                   tuple(dict.fromkeys(changes)), exits, has_or)


def _command_name(node, data: bytes) -> str:
    name = node.child_by_field_name("name")
    if name is None:
        return ""
    return dequote(data[name.start_byte : name.end_byte].decode("utf-8", "replace"))


def _sets_errexit(node, data: bytes) -> bool:
    if _command_name(node, data) != "set":
        return False
    words = [dequote(data[c.start_byte : c.end_byte].decode("utf-8", "replace"))
             for c in node.children_by_field_name("argument")]
    for index, word in enumerate(words):
        if word.startswith("-") and not word.startswith("--") and "e" in word[1:] and "o" not in word[1:]:
            return True
        if word in ("-o", "-eo") and index + 1 < len(words) and words[index + 1] == "errexit":
            return True
    return False


def command_removal(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The range of `text` to delete to remove the simple command at [start, end) with the `&&`, `;` or newline
    that joins it to its neighbour, or None when removing it would change what the rest means (it is part of a
    pipeline, an `||`, a condition, a subshell, ...)."""
    data = text.encode("utf-8", "surrogatepass")
    to_char = _byte_to_char(text, data)
    to_byte = (lambda offset: offset) if len(data) == len(text) else (lambda offset: len(text[:offset].encode("utf-8", "surrogatepass")))
    root = _parse(text, data).root_node
    if root.has_error:
        return None
    node = root.descendant_for_byte_range(to_byte(start), to_byte(end))
    while node is not None and node.type != "command":
        node = node.parent
    if node is None or (to_char(node.start_byte), to_char(node.end_byte)) != (start, end):
        return None
    parent = node.parent
    siblings = list(parent.children) if parent is not None else []
    index = next(i for i, child in enumerate(siblings) if child.id == node.id)
    if parent.type == "list":
        # Only in a chain of `&&`: with an `||` anywhere in it, the rest would bind differently once it is gone.
        chain = parent
        while chain is not None and chain.type == "list":
            if any(not child.is_named and child.type != "&&" for child in chain.children):
                return None
            chain = chain.parent
        if index > 0:  # `a && rm x`: from the end of `a` to the end of the command
            return to_char(siblings[index - 2].end_byte), end
        return start, to_char(siblings[index + 2].start_byte)  # `rm x && b`: up to `b`
    if parent.type == "program":
        named = [child for child in siblings if child.is_named and child.type != "comment"]
        if len(named) == 1:
            return 0, len(text)
        position = next(i for i, child in enumerate(named) if child.id == node.id)
        if position > 0:  # from the end of the statement before it (its separator goes with the command)
            return to_char(named[position - 1].end_byte), end
        return start, to_char(named[1].start_byte)
    return None
