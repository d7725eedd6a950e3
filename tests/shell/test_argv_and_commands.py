"""The argv and command-line readers the rules and the replay share (`dockerlint_slim.shell`)."""

from __future__ import annotations

import pytest

from dockerlint_slim.model.queries import under_mount
from dockerlint_slim.shell.argv import expand_vars, has_option, operands, option_value, subcommand, unwrap_argv
from dockerlint_slim.shell.commands import (
    TarCall,
    cd_operand,
    download_outputs,
    git_clone_operands,
    move_call,
    rewritten_files,
    rm_call,
    tar_call,
    unzip_call,
)


def test_operands_skip_options_and_their_values():
    assert operands(["-rf", "/a", "-", "b"]) == ["/a", "-", "b"]
    assert operands(["-m", "755", "/d"], frozenset({"-m"})) == ["/d"]
    assert operands(["-f", "--", "-weird", "--"]) == ["-weird", "--"]


def test_subcommand_option_value_has_option():
    assert subcommand(("apt-get", "-y", "install", "curl")) == "install"
    assert subcommand(("apk",)) is None
    assert option_value(("apk", "add", "--virtual", ".deps", "gcc"), ("--virtual", "-t")) == ".deps"
    assert option_value(("tar", "--directory=/opt"), ("-C", "--directory")) == "/opt"
    assert option_value(("tar", "-C"), ("-C",)) is None
    assert has_option(("-rf",), "r") and has_option(("--recursive=yes",), "r", ("--recursive",))
    assert not has_option(("--", "-r"), "r") and not has_option(("--force",), "r")


def test_expand_vars_never_guesses():
    env = {"APP": "/opt/app", "EMPTY": ""}.get
    assert expand_vars("${APP}/bin", env) == "/opt/app/bin"
    assert expand_vars("$APP$EMPTY/x", env) == "/opt/app/x"
    assert expand_vars("$UNSET/x", env) is None
    assert expand_vars("${APP:-/srv}/x", env) is None
    assert expand_vars("/plain", env) == "/plain"


@pytest.mark.parametrize("argv, expected", [
    (("tar", "-xzf", "a.tgz", "-C", "/opt"), TarCall(True, False, "a.tgz", "/opt")),
    (("tar", "xfz", "a.tgz"), TarCall(True, False, "a.tgz", None)),
    (("tar", "--extract", "--file=a.tar", "--directory=/d"), TarCall(True, False, "a.tar", "/d")),
    (("tar", "-xf-"), TarCall(True, False, "-", None)),
    (("tar", "-czf", "out.tgz", "src"), TarCall(False, True, "out.tgz", None)),
    (("tar", "-xz", "-C", "/opt"), TarCall(True, False, None, "/opt")),
])
def test_tar_call(argv, expected):
    assert tar_call(argv) == expected


def test_unzip_call_skips_option_values():
    assert unzip_call(("unzip", "-q", "a.zip", "-d", "/opt")) == ("a.zip", "/opt")
    assert unzip_call(("unzip", "-x", "skip.txt", "a.zip")) == ("a.zip", None)
    assert unzip_call(("unzip",)) == (None, None)


@pytest.mark.parametrize("argv, expected", [
    (("curl", "-fsSL", "-o", "/tmp/a.tgz", "https://x/a.tgz"), ["/tmp/a.tgz"]),
    (("curl", "-oapp.tgz", "https://x/app.tgz"), ["app.tgz"]),
    (("curl", "-fsSLo", "/tmp/node.tar.xz", "https://x/n.tar.xz"), ["/tmp/node.tar.xz"]),  # a cluster ending in o
    (("curl", "-sLo/tmp/a", "https://x/a"), ["/tmp/a"]),
    (("curl", "-sH", "X-o: 1", "-o", "f", "https://x/a"), ["f"]),  # -H takes the next word, not -o
    (("curl", "--output=/t/b", "https://x/b"), ["/t/b"]),
    (("curl", "-o", "-", "https://x/a"), []),
    (("curl", "-fsSLO", "https://x/a.tgz?x=1", "https://x/b.tgz"), ["a.tgz"]),  # -O names the first URL only
    (("curl", "--remote-name-all", "https://x/a", "https://x/b"), ["a", "b"]),
    (("curl", "-fsSL", "https://x/a.sh"), []),  # to stdout
    (("wget", "-O", "/tmp/x", "https://x/y"), ["/tmp/x"]),
    (("wget", "-qO-", "https://x/y"), []),
    (("wget", "-O", "-", "https://x/y"), []),
    (("wget", "-P", "/dl", "https://x/a.deb", "ftp://x/b.deb"), ["/dl/a.deb", "/dl/b.deb"]),
    (("wget", "https://x/a.deb"), ["a.deb"]),
    (("git", "clone", "https://x/r"), []),
])
def test_download_outputs(argv, expected):
    assert download_outputs(argv) == expected


def test_git_clone_operands():
    assert git_clone_operands(("git", "clone", "--depth", "1", "--filter", "blob:none", "https://x/r.git")) == \
        ["https://x/r.git"]
    assert git_clone_operands(("git", "-C", "/src", "clone", "https://x/r", "dest")) == ["https://x/r", "dest"]
    assert git_clone_operands(("git", "pull")) == []


@pytest.mark.parametrize("argv, expected", [
    (("chown", "-R", "app:app", "/app"), (["/app"], True)),
    (("chmod", "+x", "/a", "/b"), (["/a", "/b"], False)),
    (("chmod", "-R", "-x", "/app"), (["/app"], True)),  # `-x` is the mode
    (("chmod", "--reference=/etc/x", "/y"), (["/y"], False)),
    (("sed", "-i", "s/a/b/", "/etc/f"), (["/etc/f"], False)),
    (("sed", "-i", "-e", "s/a/b/", "/etc/f"), (["/etc/f"], False)),
    (("sed", "-i", "--expression=s/a/b/", "/etc/f"), (["/etc/f"], False)),
    (("sed", "-ri.bak", "s/a/b/", "/etc/f"), (["/etc/f"], False)),
    (("sed", "s/a/b/", "/etc/f"), None),  # to stdout
    (("touch", "-d", "2020-01-01", "f"), (["f"], False)),
    (("rm", "-rf", "/a"), None),
])
def test_rewritten_files(argv, expected):
    assert rewritten_files(argv) == expected


def test_rm_call():
    assert rm_call(("rm", "-rf", "/a", "/b")) == (["/a", "/b"], True)
    assert rm_call(("rm", "-R", "/a")) == (["/a"], True)
    assert rm_call(("rm", "-f", "--", "-r")) == (["-r"], False)


def test_cd_operand():
    assert cd_operand(("cd", "/src")) == "/src"
    assert cd_operand(("cd", "-P", "build")) == "build"
    assert cd_operand(("cd", "-")) == "-"
    assert cd_operand(("cd",)) is None


def test_under_mount_covers_every_mount_type():
    from dockerlint_slim.parser import parse_dockerfile

    text = ("FROM alpine\n"
            "RUN --mount=type=cache,target=/root/.cache/ --mount=type=secret,id=n,target=/root/.npmrc true\n")
    run = parse_dockerfile(text, "Dockerfile").stages[0].instructions[1]
    assert under_mount(run, "/root/.cache/pip/x") and under_mount(run, "/root/.cache")
    assert under_mount(run, "/root/.npmrc")
    assert not under_mount(run, "/root/.cachex") and not under_mount(run, "/root")


def test_move_call():
    assert move_call(("mv", "a", "b")) == (["a"], "b")
    assert move_call(("cp", "-r", "a", "b", "/dest/")) == (["a", "b"], "/dest/")
    assert move_call(("mv", "-t", "/dest", "a", "b")) == (["a", "b"], "/dest/")
    assert move_call(("cp", "--target-directory=/d", "a")) == (["a"], "/d/")
    assert move_call(("cp", "-S", ".bak", "a", "b")) == (["a"], "b")
    assert move_call(("mv", "a")) is None


def test_unwrap_argv_keeps_the_program_as_written():
    assert unwrap_argv(("sudo", "-u", "app", "/tmp/install.sh", "-y")) == ("/tmp/install.sh", "-y")
    assert unwrap_argv(("gosu", "app", "rm", "-f", "x")) == ("rm", "-f", "x")
    assert unwrap_argv(("env", "A=b", "nice", "-n", "5", "exec", "pip", "install", "x")) == ("pip", "install", "x")
    assert unwrap_argv(("rm", "x")) == ("rm", "x")


def _conditional(script: str) -> list[tuple[str, bool]]:
    from dockerlint_slim.shell.script import parse_script

    return [(" ".join(c.argv), c.conditional) for c in parse_script(script, lambda offset: (1, offset + 1))]


def test_commands_that_may_not_run_are_marked_conditional():
    assert _conditional('if echo "$X" | grep -q no; then rm -rf a; elif [ b ]; then c; else d; fi; e') == [
        ("echo $X", False), ("grep -q no", False), ("rm -rf a", True), ("c", True), ("d", True), ("e", False)]
    assert _conditional('[ -n "$X" ] && rm a && rm b || rm c; f') == [
        ("rm a", True), ("rm b", True), ("rm c", True), ("f", False)]
    assert _conditional("case $X in a) rm x;; esac; while read l; do rm y; done; z") == [
        ("rm x", True), ("read l", False), ("rm y", True), ("z", False)]
    assert _conditional("cd /x && test -f y && rm y; a && b; rm c || true") == [
        ("cd /x", False), ("test -f y", False), ("rm y", True), ("a", False), ("b", False), ("rm c", False),
        ("true", True)]
    # a `sh -c` script run by a command that may not run: all of its commands may not run
    assert _conditional("if x; then sh -c 'rm d; e'; fi") == [
        ("x", False), ("sh -c rm d; e", True), ("rm d", True), ("e", True)]
