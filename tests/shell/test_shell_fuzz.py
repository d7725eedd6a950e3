"""The shell model on random scripts: tree-sitter-bash reading, the argv reader and the command readers never raise,
spans stay inside the source, and what is extracted grows linearly with the script."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dockerlint_slim.model import ShellCommand
from dockerlint_slim.shell import argv as argv_reader
from dockerlint_slim.shell import commands as command_reader
from dockerlint_slim.shell.paths import expand_braces, normalize_path, path_pattern_covers
from dockerlint_slim.shell.script import dequote, parse_script, shell_c_script

PROGRAMS = ["apt-get", "apk", "pip", "npm", "yarn", "rm", "cd", "tar", "curl", "wget", "mv", "cp", "chmod", "chown",
            "git", "unzip", "sh", "bash", "sudo", "env", "xargs", "gosu", "exec", "command", "make", "echo", "mkdir"]
WORDS = ["-rf", "-y", "install", "--no-cache", "-c", "-o", "/tmp/x", "~/.cache", "$HOME", "${A:-b}", "*.tar.gz",
         "-xzf", "-C", "--", "-", "A=b", "https://e.x/f.tgz", "'q w'", '"d $x"', "a\\ b", "{a,b}", "..", "/", "-u",
         "app", "&", "\\", "'", '"', "`", "$(", ")", "$'x\\n'", "#", "<<", "2>&1", ">", "|", "=", "[", "]"]
SEPARATORS = [" && ", " || ", "; ", " | ", "\n", " & ", " \\\n  "]


@st.composite
def scripts(draw, depth: int = 0) -> str:
    """A script made of commands joined by operators; commands may nest `$(...)`, backticks, subshells,
    `sh -c "..."`, redirections, `if`/`for`, and raw fragments that break the grammar."""
    parts = []
    for index in range(draw(st.integers(1, 6))):
        if index:
            parts.append(draw(st.sampled_from(SEPARATORS)))
        words = [draw(st.sampled_from(PROGRAMS))]
        words += draw(st.lists(st.sampled_from(WORDS), max_size=6))
        kind = draw(st.integers(0, 9)) if depth < 3 else 0
        if kind == 1:
            words.append("$(" + draw(scripts(depth + 1)) + ")")
        elif kind == 2:
            words = ["sh", "-c", '"' + draw(scripts(depth + 1)).replace('"', '\\"') + '"']
        elif kind == 3:
            words = ["(", draw(scripts(depth + 1)), ")"]
        elif kind == 4:
            words += [draw(st.sampled_from([">", ">>", "2>", "<"])), draw(st.sampled_from(["/dev/null", "f", "$x"]))]
        elif kind == 5:
            words = ["if", draw(scripts(depth + 1)) + ";", "then", draw(scripts(depth + 1)) + ";", "fi"]
        elif kind == 6:
            words = ["for", "x", "in", "a", "b;", "do", draw(scripts(depth + 1)) + ";", "done"]
        elif kind == 7:
            words.append("`" + draw(scripts(depth + 1)).replace("`", "") + "`")
        elif kind == 8:
            words.append(draw(st.text(alphabet="$(){}[]'\"`\\|&;<>*?~ \n\tab", max_size=12)))
        parts.append(" ".join(words))
    return "".join(parts)


def _readers(command: ShellCommand) -> None:
    """Every reader of a command's argv, as the rules and the replay call them."""
    program = argv_reader.program_argv(command)
    unwrapped = argv_reader.unwrap_argv(command.argv)
    for words in (command.argv, program, unwrapped):
        argv_reader.operands(words[1:], frozenset({"-o", "-C"}))
        argv_reader.subcommand(words)
        argv_reader.option_value(words, ("-o", "--output"))
        argv_reader.has_option(words[1:], "r", ("--recursive",))
        argv_reader.has_flag(words, "--no-cache")
        command_reader.git_clone_operands(words)
        command_reader.tar_call(words)
        command_reader.unzip_call(words)
        command_reader.download_outputs(words)
        command_reader.rewritten_files(words)
        command_reader.rm_call(words)
        command_reader.cd_operand(words)
        command_reader.move_call(words)
        shell_c_script(words)
        for word in words:
            argv_reader.expand_vars(word, lambda name: "v" if name == "HOME" else None)
            dequote(word)
            normalize_path(word)
            path_pattern_covers(word, "/tmp/x/y")
            expand_braces(word)
    for path in command_reader.removed_paths(command):
        assert isinstance(path, str)
    command_reader.removes_path(command, "/var/lib/apt/lists")
    command_reader.removes_asked_path(command, "/root/.cache/pip")
    command_reader.removes_variable_path(command, "HOME")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scripts())
def test_random_scripts_read_without_errors_and_spans_stay_inside(script):
    lines = script.split("\n")
    starts = [0]
    for line in lines[:-1]:
        starts.append(starts[-1] + len(line) + 1)

    def locate(offset: int) -> tuple[int, int]:
        assert 0 <= offset <= len(script), offset
        row = max(index for index, start in enumerate(starts) if start <= offset)
        return row + 1, offset - starts[row] + 1

    commands = parse_script(script, locate)
    for command in commands:
        span = command.span
        assert command.argv
        assert 1 <= span.line <= span.end_line <= len(lines)
        assert 1 <= span.column <= len(lines[span.line - 1]) + 1
        assert 1 <= span.end_column <= len(lines[span.end_line - 1]) + 1
        assert (span.line, span.column) <= (span.end_line, span.end_column)
        _readers(command)
    # Nesting repeats inner text in the words around it, a bounded number of times (at most 3 levels here).
    assert sum(len(word) for command in commands for word in command.argv) <= 16 * len(script) + 64
    assert len(commands) <= len(script)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_any_text_reads_without_errors(text):
    for command in parse_script(text, lambda offset: (1, offset + 1)):
        assert 1 <= command.span.column <= len(text) + 1
        _readers(command)
