"""The typed model: stages, reachability, ARG/ENV scoping, flags, mounts, heredocs, shell commands, spans."""

import pytest

from dockerlint_slim.diagnostics import Span
from dockerlint_slim.model import CopyInstruction, FromInstruction, RunInstruction
from dockerlint_slim.parser import parse_dockerfile
from dockerlint_slim.parser.words import expand


def parse(text, target=None):
    return parse_dockerfile(text, "Dockerfile", target=target)


def argvs(run):
    return [list(c.argv) for c in run.commands]


MULTI = """ARG GO_VERSION=1.22
ARG BASE=docker.io/library/debian
FROM golang:${GO_VERSION} AS build
RUN go build -o /out/app
FROM build AS test
RUN go test ./...
FROM ${BASE}:bookworm-slim AS runtime
COPY --from=build /out/app /usr/local/bin/app
"""


def test_stages_bases_parents_and_reachability():
    model = parse(MULTI)
    build, test, runtime = model.stages
    assert (build.name, build.base_image, build.parent) == ("build", "golang:1.22", None)
    assert test.parent is build and test.base_image == "golang:1.22"
    assert runtime.base_image == "docker.io/library/debian:bookworm-slim"
    assert [s.reaches_image for s in model.stages] == [False, False, True]
    # --target test builds test FROM build: both reach the image, runtime does not.
    targeted = parse(MULTI, target="test")
    assert [s.reaches_image for s in targeted.stages] == [True, True, False]
    assert parse(MULTI, target="nope").target_stage() is None


def test_arg_scoping_and_env_substitution():
    model = parse(
        "ARG V=1\nFROM alpine\nARG V\nARG W=${V}-x\nENV A=${W} B=$A\nENV C=\"${A:+set}\"\n"
        "WORKDIR /app/$A\nCOPY src/${V} ./\n"
    )
    stage = model.stages[0]
    assert stage.env == {"A": "1-x", "B": "", "C": "set"}  # B sees A before this ENV, as in BuildKit
    copy = next(i for i in model.instructions if isinstance(i, CopyInstruction))
    assert copy.sources == ("src/1",) and copy.destination == "./" and copy.workdir == "/app/1-x"


def test_stage_arg_without_redeclaration_is_not_visible():
    model = parse("ARG V=1\nFROM alpine\nCOPY a${V} /\n")
    assert model.instructions[-1].sources == ("a",)


def test_env_is_inherited_through_from_stage():
    model = parse("FROM python:3.12 AS base\nENV PIP_NO_CACHE_DIR=1\nFROM base\nRUN pip install x\n")
    assert model.stages[1].env["PIP_NO_CACHE_DIR"] == "1"


def test_flags_and_mounts_are_typed_with_spans():
    model = parse(
        "FROM alpine\nRUN --mount=type=cache,target=/root/.cache,sharing=locked "
        "--mount=type=secret,id=npm,dst=/run/secrets/npm --mount=type=bind,from=build,source=/out,target=out,ro "
        "--network=none echo\n"
    )
    run = model.instructions[1]
    assert isinstance(run, RunInstruction)
    cache, secret, bind = run.mounts
    assert (cache.type, cache.target, dict(cache.options)) == ("cache", "/root/.cache", {"sharing": "locked"})
    assert (secret.type, secret.id, secret.target) == ("secret", "npm", "/run/secrets/npm")
    assert (bind.type, bind.from_, bind.source, bind.target, bind.readonly) == ("bind", "build", "/out", "/out", True)
    assert run.network == "none"
    assert run.flags[0].span == Span(2, 5, 2, 58)
    assert model.parse_errors == []


def test_bare_required_and_buildah_mount_flags_are_no_parse_error():
    # BuildKit takes a bare `required` on secret/ssh mounts; Podman/Buildah files use `,z`/`,Z`/`,U` (real-world
    # CentOS Stream Dockerfile: `--mount=type=cache,target=/var/cache/dnf,z`).
    model = parse(
        "FROM alpine\nRUN --mount=type=secret,id=npm,dst=/root/.npmrc,required "
        "--mount=type=cache,target=/var/cache/dnf,z --mount=type=cache,target=/x,Z,U echo\n"
    )
    secret, dnf, other = model.instructions[1].mounts
    assert dict(secret.options)["required"] == "true" and secret.target == "/root/.npmrc"
    assert (dnf.type, dnf.target) == ("cache", "/var/cache/dnf")
    assert other.target == "/x"
    assert model.parse_errors == []
    assert parse("FROM alpine\nRUN --mount=type=cache,target=/x,bogus echo\n").parse_errors


def test_a_mount_without_a_target_lands_on_workdir_as_in_buildkit():
    # Real-world (moby, buildx, tonistiigi/xx): `RUN --mount=type=bind,from=x,src=/out make` mounts on WORKDIR.
    model = parse("FROM alpine\nWORKDIR /src\nRUN --mount=type=bind,from=tools,src=/out --mount=type=cache,id=go make\n")
    bind, cache = model.instructions[2].mounts
    assert (bind.target, bind.source, bind.from_) == ("/src", "/out", "tools")
    assert cache.target == "/src"
    assert model.parse_errors == []
    # Without a WORKDIR the base image's decides where it lands: no error; a mount on `/` itself is refused.
    assert parse("FROM golang:1.22\nRUN --mount=type=bind,src=. go build\n").parse_errors == []
    errors = parse("FROM alpine\nRUN --mount=type=cache,target=/ x\n").parse_errors
    assert [e.message for e in errors] == ['invalid mount target "/"']


def test_copy_flags():
    model = parse("FROM alpine\nCOPY --from=build --chown=app:app --chmod=0755 --link --exclude=*.md --parents a b /dst/\n")
    copy = model.instructions[1]
    assert (copy.from_, copy.chown, copy.chmod, copy.link, copy.parents) == ("build", "app:app", "0755", True, True)
    assert copy.excludes == ("*.md",) and copy.sources == ("a", "b") and copy.destination == "/dst/"


def test_unknown_flag_is_a_parse_error():
    model = parse("FROM alpine\nCOPY --frm=build a b\n")
    assert any("unknown flag for COPY: --frm" in e.message for e in model.parse_errors)


def test_shell_commands_across_operators_with_spans():
    model = parse(
        "FROM debian\nRUN apt-get update \\\n  && apt-get install -y curl; \\\n  (cd /x || exit 1) | tee log\n"
    )
    run = model.instructions[1]
    assert argvs(run) == [
        ["apt-get", "update"], ["apt-get", "install", "-y", "curl"], ["cd", "/x"], ["exit", "1"], ["tee", "log"],
    ]
    install = run.commands[1]
    assert (install.span.line, install.span.column) == (3, 6)


def test_heredoc_script_and_shell_c_and_exec_form():
    model = parse(
        "FROM debian\nRUN <<EOF\nset -e\napt-get update\nEOF\n"
        "RUN bash -ec 'pip install x && rm -rf /root/.cache'\n"
        'RUN ["/bin/sh", "-c", "apk add curl"]\n'
        'RUN ["pip", "install", "flask"]\n'
        "RUN cat <<EOF > /etc/conf\nrm -rf /\nEOF\n"
    )
    heredoc, shell_c, exec_sh, exec_plain, cat = model.instructions[1:]
    assert argvs(heredoc) == [["set", "-e"], ["apt-get", "update"]]
    assert heredoc.commands[1].span.line == 4
    assert argvs(shell_c)[1:] == [["pip", "install", "x"], ["rm", "-rf", "/root/.cache"]]
    assert argvs(exec_sh) == [["/bin/sh", "-c", "apk add curl"], ["apk", "add", "curl"]]
    assert argvs(exec_plain) == [["pip", "install", "flask"]]
    assert argvs(cat) == [["cat"]]  # the heredoc body is data for cat, not commands


def test_env_prefix_on_commands():
    model = parse("FROM debian\nRUN DEBIAN_FRONTEND=noninteractive apt-get install -y x\n")
    command = model.instructions[1].commands[0]
    assert command.env == (("DEBIAN_FRONTEND", "noninteractive"),) and command.name == "apt-get"


def test_non_posix_shell_turns_shell_analysis_off():
    model = parse('FROM mcr.microsoft.com/windows/servercore\nSHELL ["powershell", "-Command"]\nRUN Remove-Item x\n')
    run = model.instructions[-1]
    assert run.shell_analysed is False and run.commands == ()


def test_onbuild_trigger_is_typed_and_counted_as_a_run():
    model = parse("FROM node\nONBUILD RUN npm install\n")
    runs = list(model.stages[0].runs())
    assert argvs(runs[0]) == [["npm", "install"]]


def test_instruction_spans_include_heredoc_bodies():
    model = parse("FROM a\n  RUN <<EOF\necho\nEOF\nCOPY x y\n")
    run = model.instructions[1]
    assert run.span == Span(2, 3, 4, 4)
    assert run.heredocs[0].body_span == Span(3, 1, 3, 1)


def test_from_platform_and_alias_case():
    model = parse("FROM --platform=$BUILDPLATFORM golang:1.22 AS Build\nFROM build\n")
    first = model.instructions[0]
    assert isinstance(first, FromInstruction) and first.platform == "$BUILDPLATFORM" and first.alias == "build"
    assert model.stages[1].parent is model.stages[0]


def test_substitution_forms():
    env = {"V": "1.2.3", "E": ""}
    cases = {
        "${V%.*}": "1.2", "${V%%.*}": "1", "${V#*.}": "2.3", "${V##*.}": "3", "${V/./-}": "1-2.3",
        "${V//./-}": "1-2-3", "${E:-d}": "d", "${E-d}": "", "${U-d}": "d", "${V:+y}": "y", "${E:+y}": "",
        "'$V'": "$V", '"$V"': "1.2.3", "a\\$V": "a$V",
    }
    for word, expected in cases.items():
        assert expand(word, env) == expected, word


def test_crlf_heredoc_script_commands_have_no_carriage_returns():
    model = parse("FROM debian\r\nRUN <<EOF\r\napt-get update\r\napt-get install -y curl\r\nEOF\r\n")
    run = model.instructions[1]
    assert [c.argv for c in run.commands] == [("apt-get", "update"), ("apt-get", "install", "-y", "curl")]
    assert run.heredocs[0].content == "apt-get update\r\napt-get install -y curl\r\n"  # as BuildKit keeps it


def test_onbuild_heredoc_trigger_is_analysed():
    model = parse("FROM debian\nONBUILD RUN <<EOF\napt-get update\nEOF\n")
    runs = list(model.stages[0].runs())
    assert [c.argv for r in runs for c in r.commands] == [("apt-get", "update")]


def test_from_stage_named_with_target_arch_picks_the_usual_platform():
    # Real-world multi-arch Dockerfile (ollama): `FROM runtime-$TARGETARCH` builds on runtime-amd64 by default.
    model = parse(
        "FROM ubuntu:22.04 AS runtime-amd64\nRUN apt-get update\n"
        "FROM ubuntu:22.04 AS runtime-arm64\nRUN apt-get update\n"
        "FROM runtime-$TARGETARCH\nCMD [\"serve\"]\n"
    )
    final = model.stages[2]
    assert final.parent is model.stages[0] and final.base_image == "ubuntu:22.04"
    assert [s.reaches_image for s in model.stages] == [True, False, True]
    # an ARG default wins over the guess; an unknown name stays unresolved
    model = parse("ARG TARGETARCH=arm64\nFROM alpine AS b-amd64\nFROM alpine AS b-arm64\nFROM b-$TARGETARCH\n")
    assert model.stages[2].parent is model.stages[1]
    assert parse("FROM alpine AS x\nFROM y-$TARGETARCH\n").stages[1].parent is None


def test_redirections_belong_to_their_command():
    model = parse(
        "FROM debian\nRUN printf x > /etc/app.conf 2>>/tmp/log < in && cat <<EOF > /x\nhi\nEOF\n"
        "RUN echo a &>/dev/null; (a; b) > f; c | d > g\n"
    )
    first, second = model.instructions[1:]
    assert [(c.argv[0], c.redirects) for c in first.commands] == [
        ("printf", ((">", "/etc/app.conf"), ("2>>", "/tmp/log"), ("<", "in"))),
        ("cat", ((">", "/x"),)),
    ]
    assert [(c.argv[0], c.redirects) for c in second.commands] == [
        ("echo", (("&>", "/dev/null"),)), ("a", ()), ("b", ()), ("c", ()), ("d", ((">", "g"),)),
    ]


def test_heredoc_is_the_script_only_when_alone_on_the_line():
    model = parse(
        "FROM debian\nRUN <<EOF cat > /usr/local/bin/refresh.sh\napt-get update\nEOF\n"
        "RUN <<EOT bash\nset -ex\napt-get install -y vim\nEOT\n"
        "RUN <<EOF\napt-get update\nEOF\n"
    )
    data, stdin_script, script = model.instructions[1:]
    assert argvs(data) == [["cat"]] and data.commands[0].redirects == ((">", "/usr/local/bin/refresh.sh"),)
    assert argvs(stdin_script) == [["bash"], ["set", "-ex"], ["apt-get", "install", "-y", "vim"]]
    assert argvs(script) == [["apt-get", "update"]]


def test_flag_values_are_checked_as_buildkit_does():
    model = parse("FROM alpine\nCOPY --chown a b\nRUN --network true\nCOPY --link=maybe a b\nCOPY --link --parents a b\n")
    assert [(e.span.line, e.message.split(":")[0]) for e in model.parse_errors] == [
        (2, "missing a value on flag"), (3, "missing a value on flag"), (4, "expecting boolean value for flag link, not"),
    ]


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n", "# syntax=docker/dockerfile:1\n"])
def test_file_without_instructions_is_a_parse_error(text):
    # The oracle (BuildKit's parser) rejects these with "file with no instructions".
    assert [e.message for e in parse(text).parse_errors] == [
        "file with no instructions: a Dockerfile needs at least a FROM"]


@pytest.mark.parametrize("text, count", [
    ("# syntax=docker/dockerfile:1\n# escape=`\nFROM alpine\n", 2),
    ("\ufeff# check=skip=all\nFROM alpine\n", 1),
    ("# a comment first\n# syntax=docker/dockerfile:1\nFROM alpine\n", 0),  # BuildKit reads it as a comment then
    ("# slimlint global ignore=SL101\nFROM alpine\n", 0),
    ("FROM alpine\n", 0),
    ("# syntax=x\n", 1),
])
def test_directive_line_count(text, count):
    from dockerlint_slim.parser.lexer import directive_line_count

    assert directive_line_count(text) == count
    assert len(parse_dockerfile(text, "Dockerfile").directives) == count
