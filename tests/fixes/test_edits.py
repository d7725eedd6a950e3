"""Edit builders: the edits rules ask for, in the style of the instruction and the file, or None when a change
cannot be made exactly."""

from __future__ import annotations

import subprocess
import textwrap

import pytest

from dockerlint_slim.fixes.apply import apply_edits
from dockerlint_slim.fixes.edits import (
    append_command,
    insert_flag,
    join_groups,
    join_runs,
    remove_command,
    remove_instruction,
    replace_image,
)
from dockerlint_slim.knowledge.package_managers import package_call, variables_at
from dockerlint_slim.model import RunInstruction
from dockerlint_slim.parser import parse_dockerfile
from dockerlint_slim.shell.argv import program_argv

RM = "rm -rf /var/lib/apt/lists/*"


def source(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def runs(dockerfile):
    return [i for i in dockerfile.instructions if isinstance(i, RunInstruction)]


def appended(text: str, command: str = RM, index: int = 0) -> str | None:
    text = source(text)
    dockerfile = parse_dockerfile(text)
    edits = append_command(dockerfile, runs(dockerfile)[index], command)
    return None if edits is None else apply_edits(text, edits)


# --- append a command --------------------------------------------------------------------------------------------

def test_one_line_run_gets_the_command_on_its_line():
    assert appended("FROM d\nRUN apt-get update && apt-get install -y curl\n") == \
        f"FROM d\nRUN apt-get update && apt-get install -y curl && {RM}\n"


def test_leading_and_style_with_its_indentation():
    text = """
        FROM d
        RUN apt-get update \\
         && apt-get install -y curl
        """
    assert appended(text) == source(f"""
        FROM d
        RUN apt-get update \\
         && apt-get install -y curl \\
         && {RM}
        """)


def test_trailing_and_style():
    text = """
        FROM d
        RUN apt-get update && \\
            apt-get install -y curl
        """
    assert appended(text) == source(f"""
        FROM d
        RUN apt-get update && \\
            apt-get install -y curl && \\
            {RM}
        """)


def test_set_e_script_written_with_semicolons():
    text = """
        FROM d
        RUN set -eux; \\
            apt-get update; \\
            apt-get install -y curl;
        """
    assert appended(text) == source(f"""
        FROM d
        RUN set -eux; \\
            apt-get update; \\
            apt-get install -y curl; \\
            {RM};
        """)


def test_semicolons_without_set_e_still_use_and():
    # `install; rm` would hide a failed install (the RUN's status would be rm's).
    text = "FROM d\nRUN apt-get update; \\\n    apt-get install -y curl\n"
    assert appended(text) == f"FROM d\nRUN apt-get update; \\\n    apt-get install -y curl && \\\n    {RM}\n"


def test_shell_comment_stays_last():
    text = "FROM d\nRUN apt-get update && apt-get install -y curl # tools\n"
    assert appended(text) == f"FROM d\nRUN apt-get update && apt-get install -y curl && {RM} # tools\n"


def test_backtick_escape():
    text = "# escape=`\nFROM d\nRUN apt-get update `\n && apt-get install -y curl\n"
    assert appended(text) == f"# escape=`\nFROM d\nRUN apt-get update `\n && apt-get install -y curl `\n && {RM}\n"


def test_crlf_file():
    text = "FROM d\r\nRUN apt-get update \\\r\n && apt-get install -y curl\r\n"
    assert appended(text) == f"FROM d\r\nRUN apt-get update \\\r\n && apt-get install -y curl \\\r\n && {RM}\r\n"


def test_heredoc_script_with_set_e_gets_a_new_line():
    text = """
        FROM d
        RUN <<EOF
        set -e
          apt-get update
          apt-get install -y curl
        EOF
        """
    assert appended(text) == source(f"""
        FROM d
        RUN <<EOF
        set -e
          apt-get update
          apt-get install -y curl
          {RM}
        EOF
        """)


def test_heredoc_script_without_set_e_chains_to_its_last_command():
    # Without `set -e` the script's status is its last command's: a new line would hide a failed install.
    text = "FROM d\nRUN <<EOF\napt-get update\napt-get install -y curl\nEOF\n"
    assert appended(text) == f"FROM d\nRUN <<EOF\napt-get update\napt-get install -y curl && {RM}\nEOF\n"


def test_exec_form_shell_string_is_rewritten_as_json():
    text = 'FROM d\nRUN ["/bin/sh", "-c", "apt-get update && apt-get install -y curl"]\n'
    assert appended(text) == f'FROM d\nRUN ["/bin/sh", "-c", "apt-get update && apt-get install -y curl && {RM}"]\n'


@pytest.mark.parametrize("text", [
    'FROM d\nRUN ["apt-get", "install", "-y", "curl"]\n',  # exec form: no shell to run a second command
    "FROM d\nRUN apt-get update && apt-get install -y curl && exec tini\n",  # nothing runs after exec
    "FROM d\nRUN apt-get install -y curl; exit 0\n",
    "FROM d\nRUN apt-get install -y curl && { true || exit 1; }\n",  # a group runs in the same shell
    "FROM d\nRUN apt-get install -y curl &\n",  # background job
    "FROM d\nRUN apt-get install -y curl && if then fi\n",  # shell syntax error
    "FROM d\nRUN <<EOF cat > /x\napt-get update\nEOF\n",  # the heredoc is data
    "FROM d\nRUN <<EOF\n#!/usr/bin/env python3\nprint(1)\nEOF\n",  # another interpreter
    'FROM d\nSHELL ["pwsh", "-c"]\nRUN apt-get update\n',  # not a POSIX shell
])
def test_no_append_when_it_cannot_be_exact(text):
    assert appended(text) is None


def test_an_exit_in_a_child_shell_does_not_stop_the_append():
    # `exit` in `( ... )` or `$( ... )` leaves that child shell only: what follows still runs.
    text = "FROM d\nRUN yum install -y iputils && (setcap cap_net_raw+ep /bin/ping || exit 1) && echo $(exit 0)\n"
    assert appended(text, "yum clean all") == \
        "FROM d\nRUN yum install -y iputils && (setcap cap_net_raw+ep /bin/ping || exit 1) && echo $(exit 0) && yum clean all\n"


def test_shell_with_errexit_counts_as_set_e():
    text = 'FROM d\nSHELL ["/bin/bash", "-eo", "pipefail", "-c"]\nRUN apt-get update; \\\n    apt-get install -y x\n'
    assert appended(text).endswith(f"apt-get install -y x; \\\n    {RM}\n")


def test_one_line_run_uses_the_files_continuation_style_when_multi_line_elsewhere():
    text = "FROM d\nRUN a \\\n      && b\nRUN apt-get update && \\\n  apt-get install -y x\n"
    assert appended(text, index=1).endswith(f"apt-get install -y x && \\\n  {RM}\n")


# --- flags -------------------------------------------------------------------------------------------------------

def flagged(text: str, flag: str, command_index: int = 0) -> str | None:
    text = source(text)
    dockerfile = parse_dockerfile(text)
    run = runs(dockerfile)[0]
    command = run.commands[command_index]
    call = package_call(program_argv(command), variables_at(dockerfile.stages[0], run, command))
    edits = insert_flag(dockerfile, command, call, flag)
    return None if edits is None else apply_edits(text, edits)


@pytest.mark.parametrize("before, flag, index, after", [
    ("RUN apk add curl", "--no-cache", 0, "RUN apk add --no-cache curl"),
    ("RUN sudo -E apt-get -q install -y x", "--no-install-recommends", 0,
     "RUN sudo -E apt-get -q install --no-install-recommends -y x"),
    ("RUN echo x | xargs apk add", "--no-cache", 1, "RUN echo x | xargs apk add --no-cache"),
    ("RUN python3 -m pip install -r req.txt", "--no-cache-dir", 0, "RUN python3 -m pip install --no-cache-dir -r req.txt"),
    ('RUN sh -c "pip install flask"', "--no-cache-dir", 1, 'RUN sh -c "pip install --no-cache-dir flask"'),
    ("RUN dnf group install -y tools", "--setopt=keepcache=0", 0, "RUN dnf group install --setopt=keepcache=0 -y tools"),
])
def test_flag_after_the_subcommand(before, flag, index, after):
    assert flagged(f"FROM d\n{before}\n", flag, index) == f"FROM d\n{after}\n"


def test_no_flag_through_a_variable_or_in_exec_form():
    assert flagged("FROM d\nARG CMD=add\nRUN apk $CMD curl\n", "--no-cache") is None
    assert flagged('FROM d\nRUN ["apk", "add", "curl"]\n', "--no-cache") is None


# --- remove a command --------------------------------------------------------------------------------------------

def removed(text: str, command_index: int) -> str | None:
    text = source(text)
    dockerfile = parse_dockerfile(text)
    run = runs(dockerfile)[0]
    edits = remove_command(dockerfile, run, run.commands[command_index])
    return None if edits is None else apply_edits(text, edits)


def test_remove_last_middle_and_first_command():
    text = "FROM d\nRUN tar -xf /x.tgz -C /o \\\n && rm /x.tgz \\\n && echo ok\n"
    assert removed(text, 1) == "FROM d\nRUN tar -xf /x.tgz -C /o \\\n && echo ok\n"
    assert removed("FROM d\nRUN tar -xf /x.tgz && rm /x.tgz\n", 1) == "FROM d\nRUN tar -xf /x.tgz\n"
    assert removed("FROM d\nRUN rm /x.tgz && echo ok\n", 0) == "FROM d\nRUN echo ok\n"
    assert removed("FROM d\nRUN set -e; tar -xf /x.tgz; rm /x.tgz; echo ok\n", 2) == "FROM d\nRUN set -e; tar -xf /x.tgz; echo ok\n"


@pytest.mark.parametrize("text, index", [
    ("FROM d\nRUN tar -xf /x.tgz && rm /x.tgz || true\n", 1),  # `||` would bind differently
    ("FROM d\nRUN ls /x.tgz | rm /x.tgz\n", 1),
    ("FROM d\nRUN if rm /x.tgz; then echo; fi\n", 0),
    ("FROM d\nRUN rm /x.tgz\n", 0),  # the whole script: remove the instruction instead
])
def test_no_removal_that_changes_the_rest(text, index):
    assert removed(text, index) is None


# --- instructions -------------------------------------------------------------------------------------------------

def test_remove_instruction_with_heredoc_and_at_the_end():
    text = "FROM d\nCOPY <<EOF /x\nhello\nEOF\nRUN a\n"
    dockerfile = parse_dockerfile(text)
    assert apply_edits(text, remove_instruction(dockerfile, dockerfile.instructions[1])) == "FROM d\nRUN a\n"
    assert apply_edits(text, remove_instruction(dockerfile, dockerfile.instructions[2])) == "FROM d\nCOPY <<EOF /x\nhello\nEOF\n"


def test_replace_image_keeps_flags_and_alias():
    text = "FROM --platform=$BUILDPLATFORM python:3.12 AS build\n"
    dockerfile = parse_dockerfile(text)
    edits = replace_image(dockerfile, dockerfile.instructions[0], "python:3.12-slim")
    assert apply_edits(text, edits) == "FROM --platform=$BUILDPLATFORM python:3.12-slim AS build\n"
    text = "ARG V=3.12\nFROM python:${V}\n"
    dockerfile = parse_dockerfile(text)
    assert replace_image(dockerfile, dockerfile.instructions[1], "python:3.12-slim") is None


# --- join RUNs ---------------------------------------------------------------------------------------------------

def joined(text: str) -> str | None:
    text = source(text)
    dockerfile = parse_dockerfile(text)
    edits = join_runs(dockerfile, runs(dockerfile))
    return None if edits is None else apply_edits(text, edits)


def test_join_keeps_comments_drops_blank_lines_and_follows_the_style():
    text = """
        FROM d
        RUN apt-get update

        # the tools
        RUN apt-get install -y curl
        """
    assert joined(text) == source("""
        FROM d
        RUN apt-get update \\
        # the tools
            && apt-get install -y curl
        """)


def test_join_wraps_state_changes_and_lists_in_subshells():
    text = """
        FROM d
        RUN cd /src && make
        RUN make install; echo done
        RUN true || echo never
        """
    assert joined(text) == source("""
        FROM d
        RUN (cd /src && make) \\
            && (make install; echo done) \\
            && (true || echo never)
        """)


def test_join_needs_no_subshell_for_what_already_runs_in_one():
    text = 'FROM d\nRUN (cd /src && make) && echo "$(cd /tmp; pwd)"\nRUN make install\n'
    assert joined(text) == 'FROM d\nRUN (cd /src && make) && echo "$(cd /tmp; pwd)" \\\n    && make install\n'


def test_join_never_writes_two_opening_parentheses():
    # `((` opens an arithmetic command in bash: a wrapped script that starts with a subshell gets `( (`.
    text = "FROM d\nRUN (cd /a && make) && cd /b\nRUN echo a\nRUN (cd /tmp; pwd); pwd\n"
    assert joined(text) == ("FROM d\nRUN ( (cd /a && make) && cd /b) \\\n    && echo a \\\n"
                            "    && ( (cd /tmp; pwd); pwd)\n")


def test_join_turns_exec_form_into_the_same_command_line():
    text = 'FROM d\nRUN apt-get update\nRUN ["apt-get", "install", "-y", "$NOT_EXPANDED", "a b"]\n'
    assert joined(text) == "FROM d\nRUN apt-get update \\\n    && apt-get install -y '$NOT_EXPANDED' 'a b'\n"


def test_no_subshell_where_set_e_is_in_force():
    # `(set -e; false; echo x) && y` prints x: errexit is ignored in a subshell that `&&` tests.
    text = source("""
        FROM d
        RUN set -e; false; echo not-here
        RUN echo here
        RUN a
        RUN b; c
        """)
    dockerfile = parse_dockerfile(text)
    groups = join_groups(dockerfile, runs(dockerfile))
    assert [[r.arguments for r in group] for group in groups] == [["echo here", "a", "b; c"]]
    text = 'FROM d\nSHELL ["/bin/bash", "-e", "-c"]\nRUN cd /x\nRUN a; b\nRUN c\n'
    dockerfile = parse_dockerfile(text)
    # `cd /x` needs a subshell before another RUN: under `-e` it stays alone; `a; b` first in its group needs none.
    assert [[r.arguments for r in g] for g in join_groups(dockerfile, runs(dockerfile))] == [["a; b", "c"]]
    assert join_runs(dockerfile, runs(dockerfile)) is None


def test_join_groups_split_where_joining_is_not_exact():
    text = source("""
        FROM d
        RUN a
        RUN b # a comment swallows what would follow it
        RUN c
        RUN <<EOF
        d
        EOF
        RUN e
        # slimlint ignore=SL201
        RUN f
        RUN ["echo", "-e", "builtin"]
        RUN g
        RUN h
        """)
    dockerfile = parse_dockerfile(text)
    groups = join_groups(dockerfile, runs(dockerfile))
    assert [[r.arguments.split()[0] for r in group] for group in groups] == [["a", "b"], ["g", "h"]]


# The joined script must do what the RUNs did one after the other (each in a fresh `sh -c`, stopping at the first
# failure): run both with the real shell and compare what they print and whether they succeed.
SEQUENCES = [
    ["cd /tmp && pwd", "pwd"],
    ["export A=1", 'echo "A=$A"'],
    ["A=1", 'echo "A=$A"'],
    ["umask 077", "umask"],
    ["trap 'echo trapped' EXIT", "echo second"],
    ["exit 0", "echo still-runs"],
    ["echo one; false", "echo two"],
    ["false || echo recovered", "echo next"],
    ["echo first", "false || echo masked", "echo last"],
    ["true", "echo a; echo b"],
    ["f() { echo f; }", "f || echo no-f"],
    ["alias x=echo", "x 2>/dev/null || echo no-alias"],
    ["echo x", "exit 3"],
    ["false", "echo never"],
    ["(cd /tmp && pwd) && cd /tmp", "pwd"],
    ["echo a", "(cd /tmp; pwd); pwd"],
    ["(cd /tmp && pwd)", "pwd"],
    ["(exit 0) && echo sub", "echo after"],
    ['echo "$(cd /tmp; pwd)"', "pwd"],
]


def _run_sequence(scripts: list[str], shell: str) -> tuple[str, bool]:
    output = ""
    for script in scripts:
        proc = subprocess.run([shell, "-c", script], capture_output=True, text=True, cwd="/")
        output += proc.stdout
        if proc.returncode != 0:
            return output, False
    return output, True


@pytest.mark.parametrize("shell", ["sh", "bash"])
@pytest.mark.parametrize("scripts", SEQUENCES, ids=[" / ".join(s) for s in SEQUENCES])
def test_joined_script_does_what_the_runs_did(scripts, shell):
    text = "FROM d\n" + "".join(f"RUN {script}\n" for script in scripts)
    fixed = joined(text)
    assert fixed is not None
    merged = parse_dockerfile(fixed)
    assert len(runs(merged)) == 1
    proc = subprocess.run([shell, "-c", runs(merged)[0].arguments], capture_output=True, text=True, cwd="/")
    assert (proc.stdout, proc.returncode == 0) == _run_sequence(scripts, shell)
