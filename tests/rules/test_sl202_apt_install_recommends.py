"""SL202 apt-install-recommends."""

import pytest
from conftest import run_lint


def sl202(text, **kw):
    return run_lint(text, select=("SL202",), **kw)


def test_install_without_flag_is_flagged():
    found = sl202("""
        FROM debian:bookworm
        RUN apt-get update && apt-get install -y curl wget && rm -rf /var/lib/apt/lists/*
    """)
    assert len(found) == 1
    assert "--no-install-recommends" in found[0].message and "curl wget" in found[0].message


@pytest.mark.parametrize(
    "install",
    [
        "apt-get install -y --no-install-recommends curl",
        "apt-get install -y curl --no-install-recommends",
        "apt-get -o APT::Install-Recommends=false install -y curl",
        "apt-get -oAPT::Install-Recommends=0 install -y curl",
        "apt-get install -y -o 'APT::Install-Recommends=false' curl",
        "apt-get install --option=APT::Install-Recommends=no -y curl",
        "apt-get update",
        "apt-get remove -y curl",
        "apt-get install -s postgresql-16-jit",
        "apt-get install --simulate curl",
    ],
)
def test_accepted(install):
    assert sl202(f"FROM debian:bookworm\nRUN {install}\n") == []


def test_recommends_true_is_still_flagged():
    assert len(sl202("FROM debian\nRUN apt-get -o APT::Install-Recommends=true install -y curl\n")) == 1


@pytest.mark.parametrize("run", ["RUN apt install -y curl", "RUN sudo apt-get -y install curl",
                                 'RUN ["apt-get", "install", "-y", "curl"]', "RUN bash -c 'apt-get install -y x'"])
def test_forms(run):
    assert len(sl202(f"FROM debian\n{run}\n")) == 1


def test_apt_conf_written_earlier_in_the_lineage():
    assert sl202("""
        FROM debian:bookworm AS base
        RUN echo 'APT::Install-Recommends "false";' > /etc/apt/apt.conf.d/99norecommends

        FROM base
        RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*
    """) == []


def test_build_only_stage_not_flagged():
    assert sl202("""
        FROM debian AS build
        RUN apt-get update && apt-get install -y gcc
        FROM scratch
        COPY --from=build /out /out
    """) == []


def test_one_finding_per_install_command():
    found = sl202("FROM debian\nRUN apt-get install -y a && apt-get install -y --no-install-recommends b "
                  "&& apt-get install -y c\n")
    assert len(found) == 2


def test_apt_conf_written_by_a_heredoc():
    copy = 'FROM debian\nCOPY <<nr /etc/apt/apt.conf.d/99nr\nAPT::Install-Recommends "false";\nnr\nRUN apt-get install -y curl\n'
    assert sl202(copy) == []
    run = 'FROM debian\nRUN cat > /etc/apt/apt.conf.d/98 <<EOF\nAPT::Install-Recommends "0";\nEOF\nRUN apt-get install -y curl\n'
    assert sl202(run) == []
    # a COPY heredoc after the install does not help it
    late = 'FROM debian\nRUN apt-get install -y curl\nCOPY <<nr /etc/apt/apt.conf.d/99nr\nAPT::Install-Recommends "false";\nnr\n'
    assert len(sl202(late)) == 1


def test_install_from_a_list_file_quotes_the_command():
    # Real-world: `xargs -a /tmp/apt-packages.txt apt-get install -y` names no package on the command line.
    found = sl202("FROM ubuntu:24.04\nRUN apt-get update && xargs -a /tmp/apt-packages.txt apt-get install -y "
                  "&& rm -rf /var/lib/apt/lists/*\n")
    assert len(found) == 1
    assert "`apt-get install -y`" in found[0].message


@pytest.mark.parametrize(
    "decl",
    ['ARG APT_OPTS="--no-install-recommends -y"', "ENV APT_FLAGS=--no-install-recommends"],
)
def test_flags_held_in_arg_or_env(decl):
    name = decl.split()[1].split("=")[0]
    assert run_lint(f"FROM debian:bookworm\n{decl}\nRUN apt-get install ${name} curl\n", select=("SL202",)) == []


def test_aptitude_install_pulls_recommends_too():
    found = run_lint("FROM debian:bookworm\nRUN aptitude install -y curl\n", select=("SL202",))
    assert len(found) == 1 and "aptitude" in found[0].message
    assert "--without-recommends" in found[0].fix.description  # aptitude has no --no-install-recommends
    assert run_lint("FROM debian:bookworm\nRUN aptitude install -y -R curl\n", select=("SL202",)) == []
    assert run_lint("FROM debian:bookworm\nRUN aptitude install --without-recommends curl\n",
                    select=("SL202",)) == []
