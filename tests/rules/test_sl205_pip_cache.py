"""SL205 pip-cache."""

import pytest
from conftest import run_lint


def sl205(text, **kw):
    return run_lint(text, select=("SL205",), **kw)


@pytest.mark.parametrize(
    "run",
    ["pip install flask", "pip3 install -r requirements.txt", "pip3.12 install x", "python -m pip install x",
     "python3 -m pip install --upgrade pip", "/usr/local/bin/pip install x", "sudo -H pip install x",
     "uv pip install --system x", "uv sync --frozen", "uv tool install ruff",
     "pip install --no-compile x"],  # --no-compile is not an abbreviation of --no-cache-dir
)
def test_flagged(run):
    found = sl205(f"FROM python:3.12-slim\nRUN {run}\n")
    assert len(found) == 1
    assert "cache" in found[0].message and "size unknown" in found[0].message and found[0].wasted_bytes is None
    assert "--no-cache" in found[0].fix.description and len(found[0].message) <= 160


@pytest.mark.parametrize(
    "run",
    [
        "pip install --no-cache-dir flask",
        "pip install flask --no-cache-dir",
        "PIP_NO_CACHE_DIR=1 pip install flask",
        "pip install flask && rm -rf /root/.cache/pip",
        "pip install flask && rm -rf ~/.cache",
        "pip install flask && rm -rf $HOME/.cache/pip",
        "pip install flask && pip cache purge",
        "pip install --cache-dir /tmp/pc flask && rm -rf /tmp/pc",
        "pip download flask",
        "pip --version",
        "uv pip install --no-cache x",
        "UV_NO_CACHE=1 uv sync",
        "uv sync && uv cache clean",
        # uv's --no-cache has the aliases -n and --no-cache-dir (real-world: `uv pip install --no-cache-dir -r`)
        "uv pip install --no-cache-dir -r pyproject.toml --group dev",
        "uv pip install -n x",
        # pip takes unambiguous abbreviations of long options: --no-cache is --no-cache-dir
        "pip install --no-cache -r requirements.txt",
        "pip3 install --no-cach flask",
    ],
)
def test_accepted(run):
    assert sl205(f"FROM python:3.12-slim\nRUN {run}\n") == []


@pytest.mark.parametrize("target", ["/root/.cache/pip", "/root/.cache", "/root/.cache/pip/"])
def test_cache_mount(target):
    assert sl205(f"FROM python:3.12\nRUN --mount=type=cache,target={target} pip install flask\n") == []


def test_cache_mount_on_custom_pip_cache_dir():
    assert sl205("""
        FROM python:3.12
        ENV PIP_CACHE_DIR=/pipcache
        RUN --mount=type=cache,target=/pipcache pip install flask
    """) == []


# pip turns the cache off for every valid boolean, false ones too (checked against pip's option parser):
# `ENV PIP_NO_CACHE_DIR=off` (a widespread template) disables it; an empty value does not.
@pytest.mark.parametrize("value,flagged", [("1", False), ("true", False), ("on", False), ("0", False),
                                           ("off", False), ("false", False), ("", True)])
def test_env_in_stage(value, flagged):
    found = sl205(f"FROM python:3.12\nENV PIP_NO_CACHE_DIR={value}\nRUN pip install flask\n")
    assert bool(found) is flagged


def test_env_inherited_from_parent_stage():
    assert sl205("""
        FROM python:3.12 AS base
        ENV PIP_NO_CACHE_DIR=1
        FROM base
        RUN pip install flask
    """) == []


def test_env_in_unrelated_stage_does_not_count():
    assert len(sl205("""
        FROM python:3.12 AS other
        ENV PIP_NO_CACHE_DIR=1
        FROM python:3.12
        COPY --from=other /x /x
        RUN pip install flask
    """)) == 1


def test_arg_default_counts():
    assert sl205("FROM python:3.12\nARG PIP_NO_CACHE_DIR=1\nRUN pip install flask\n") == []


def test_uv_no_cache_env():
    assert sl205("FROM python:3.12\nENV UV_NO_CACHE=1\nRUN uv pip install --system flask\n") == []


def test_pip_config_set_earlier():
    assert sl205("""
        FROM python:3.12
        RUN pip config set global.no-cache-dir false
        RUN pip install flask
    """) == []


def test_cleanup_before_install_does_not_count():
    assert len(sl205("FROM python:3.12\nRUN rm -rf /root/.cache/pip && pip install flask\n")) == 1


def test_unrelated_rm_does_not_count():
    assert len(sl205("FROM python:3.12\nRUN pip install flask && rm -rf /tmp/*\n")) == 1


def test_build_only_stage_not_flagged():
    assert sl205("""
        FROM python:3.12 AS build
        RUN pip wheel -w /wheels flask && pip install flask
        FROM python:3.12-slim
        COPY --from=build /wheels /wheels
    """) == []


def test_env_set_after_the_run_does_not_count():
    assert len(sl205("FROM python:3.12\nRUN pip install flask\nENV PIP_NO_CACHE_DIR=1\n")) == 1


def test_env_overrides_arg():
    # an empty ENV value (unlike 0, which pip also reads as "no cache") leaves the cache on and hides the ARG
    assert len(sl205("FROM python:3.12\nARG PIP_NO_CACHE_DIR=1\nENV PIP_NO_CACHE_DIR=\nRUN pip install x\n")) == 1


def test_relative_removal_after_cd_counts():
    assert sl205("FROM python:3.12-slim\nRUN pip install flask && cd /root/.cache && rm -rf pip\n") == []
    assert len(sl205("FROM python:3.12-slim\nRUN pip install flask && cd / && rm -rf pip\n")) == 1


def test_cache_lives_in_the_users_home_after_user():
    # `USER app` + a cache mount on the app user's pip cache: nothing reaches the layer.
    text = "FROM python:3.12-slim\nUSER app\nRUN --mount=type=cache,target=/home/app/.cache/pip pip install flask\n"
    assert sl205(text) == []
    found = sl205("FROM python:3.12-slim\nUSER app\nRUN pip install --user flask\n")
    assert len(found) == 1 and "/home/app/.cache/pip" in found[0].message
    assert sl205("FROM python:3.12-slim\nUSER app\nRUN pip install flask && rm -rf ~/.cache/pip\n") == []


def test_unknown_uid_accepts_a_mount_on_some_home_cache():
    text = "FROM python:3.12-slim\nUSER 1001\nRUN --mount=type=cache,target=/opt/app/.cache/pip,uid=1001 pip install x\n"
    assert sl205(text) == []
    found = sl205("FROM python:3.12-slim\nUSER 1001\nRUN pip install x\n")
    assert len(found) == 1 and "~/.cache/pip" in found[0].message


def test_uv_no_cache_needs_a_true_value():
    assert len(sl205("FROM python:3.12-slim\nENV UV_NO_CACHE=0\nRUN uv sync\n")) == 1
    assert sl205("FROM python:3.12-slim\nRUN PIP_NO_CACHE_DIR=off pip install x\n") == []


def test_removing_the_dir_pip_reports_counts():
    assert sl205("FROM python:3.12-slim\nRUN pip install -r r.txt && rm -rf $(pip cache dir)\n") == []
    assert sl205("FROM python:3.12-slim\nRUN uv sync && rm -rf \"$(uv cache dir)\"\n") == []
    assert len(sl205("FROM python:3.12-slim\nRUN pip install x && rm -rf $(yarn cache dir)\n")) == 1


@pytest.mark.parametrize("base", ["ubuntu:14.04", "ubuntu:trusty", "debian:jessie", "debian:8", "debian:wheezy",
                                  "nvidia/cuda:8.0-cudnn6-devel-ubuntu14.04", "buildpack-deps:jessie-scm"])
def test_release_pip_older_than_6_has_no_cache(base):
    # Debian 8 / Ubuntu 14.04 package pip 1.5: no cache to keep and no --no-cache-dir to add (the flag fails).
    assert sl205(f"""
        FROM {base}
        RUN apt-get update && apt-get install -y python-pip && rm -rf /var/lib/apt/lists/*
        RUN pip install flask
    """) == []


def test_old_release_pip_upgraded_from_pypi_has_a_cache():
    found = sl205("""
        FROM ubuntu:14.04
        RUN apt-get update && apt-get install -y python-pip && rm -rf /var/lib/apt/lists/*
        RUN pip install --upgrade pip
        RUN pip install flask
    """)
    assert [f.span.line for f in found] == [4]  # the upgrade itself ran the old pip


@pytest.mark.parametrize("upgrade", ["curl -sSL https://bootstrap.pypa.io/get-pip.py | python",
                                     "python get-pip.py", "easy_install pip", "python -m pip install -U 'pip<21'"])
def test_other_ways_to_replace_the_release_pip(upgrade):
    found = sl205(f"""
        FROM debian:jessie
        RUN apt-get update && apt-get install -y python-pip && {upgrade} && pip install flask
    """)
    assert len(found) == 1 and found[0].span.column > 60


@pytest.mark.parametrize("base", ["ubuntu:16.04", "debian:stretch", "python:2.7-jessie", "ubuntu:14.04"])
def test_pip_with_a_cache_is_still_flagged(base):
    # 16.04 / stretch package pip 8 / 9; python images install their own pip; on 14.04 without python-pip from
    # apt the pip comes from elsewhere.
    install = "apt-get update && apt-get install -y python-pip && " if base != "ubuntu:14.04" else ""
    assert len(sl205(f"FROM {base}\nRUN {install}pip install flask\n")) == 1


@pytest.mark.parametrize("flags", ["--no-cache", "--no-cache-d"])
def test_abbreviations_of_no_cache_dir(flags):
    assert sl205(f"FROM python:3.12\nRUN pip install {flags} flask\n") == []


@pytest.mark.parametrize(
    "decl",
    ['ARG PIP_OPTS="--no-cache-dir --quiet"', "ENV PIP_OPTS=--no-cache-dir", "ARG PIP_OPTS=--no-cache"],
)
def test_flags_held_in_arg_or_env(decl):
    assert sl205(f"FROM python:3.12\n{decl}\nRUN pip install $PIP_OPTS flask\n") == []
    assert sl205(f"FROM python:3.12\n{decl}\nRUN pip install ${{PIP_OPTS}} -r requirements.txt\n") == []


def test_flags_in_an_arg_without_default_are_unknown():
    assert len(sl205("FROM python:3.12\nARG PIP_OPTS\nRUN pip install $PIP_OPTS flask\n")) == 1


@pytest.mark.parametrize("run", ["pip install /install/*.whl", "pip install --no-deps dist/app-1.0-py3-none-any.whl",
                                 "uv pip install /wheels/*.whl"])
def test_local_wheel_files_only_download_nothing(run):
    assert sl205(f"FROM python:3.12\nRUN {run}\n") == []


@pytest.mark.parametrize("run", ["pip install .", "pip install -r requirements.txt /w/a.whl", "pip install ./src",
                                 "pip install https://example.org/wheels/x-1.0-cp311-linux_x86_64.whl"])
def test_local_projects_still_download_their_dependencies(run):
    assert len(sl205(f"FROM python:3.12\nRUN {run}\n")) == 1


@pytest.mark.parametrize("script", ["clean-layer.sh", "/usr/local/bin/cleanup.sh"])
def test_project_cleanup_script_after_the_install(script):
    assert sl205(f"FROM python:3.12\nRUN pip install flask && {script}\n") == []


@pytest.mark.parametrize("assign", ['export PIP_CACHE_DIR="$(mktemp -d)"', "XDG_CACHE_HOME=/tmp/c; export XDG_CACHE_HOME"])
def test_cache_relocated_by_the_run_itself_is_not_guessed(assign):
    assert sl205(f"FROM python:3.12\nRUN {assign} && pip install flask\n") == []


def test_images_that_run_as_their_own_user():
    # Jupyter's docker-stacks images run as jovyan: the cache is in /home/jovyan
    found = sl205("FROM jupyter/base-notebook:2024-01-01\nRUN pip install there\n")
    assert "/home/jovyan/.cache/pip" in found[0].message
    assert "/root/.cache/pip" in sl205("FROM jupyter/base-notebook\nUSER root\nRUN pip install there\n")[0].message


# --- fix -----------------------------------------------------------------------------------------------------------

def test_fix_adds_no_cache_dir_to_every_install_of_the_run(fix):
    assert fix("FROM python:3.12\nRUN pip install -U pip && pip3 install -r requirements.txt\n", select="SL205") == \
        "FROM python:3.12\nRUN pip install --no-cache-dir -U pip && pip3 install --no-cache-dir -r requirements.txt\n"
    assert fix("FROM python:3.12\nRUN python -m pip install flask\n", select="SL205") == \
        "FROM python:3.12\nRUN python -m pip install --no-cache-dir flask\n"
    assert fix("FROM python:3.12\nRUN uv pip install --system flask\n", select="SL205") == \
        "FROM python:3.12\nRUN uv pip install --no-cache --system flask\n"
    assert fix("FROM python:3.12\nRUN sudo -H pip install flask\n", select="SL205") == \
        "FROM python:3.12\nRUN sudo -H pip install --no-cache-dir flask\n"


def test_no_fix_with_an_explicit_cache_dir_or_through_a_variable(lint):
    for text in (
        "FROM python:3.12\nRUN pip install --cache-dir /tmp/pip flask\n",
        'FROM python:3.12\nARG PIP="pip install"\nRUN $PIP flask\n',  # the subcommand is in the variable
    ):
        (finding,) = [d for d in lint(text) if d.rule_id == "SL205"]
        assert finding.fix.edits == (), text


def test_fix_through_a_variable_program_keeps_the_variable(fix):
    assert fix("FROM python:3.12\nARG PIP=pip3\nRUN $PIP install flask\n", select="SL205") == \
        "FROM python:3.12\nARG PIP=pip3\nRUN $PIP install --no-cache-dir flask\n"


def test_old_release_pip_gets_no_flag_it_does_not_know(lint):
    # Debian 8's python-pip (1.5) has neither a cache nor --no-cache-dir: no finding, so no fix either.
    assert [d for d in lint("FROM debian:jessie\nRUN apt-get install -y python-pip && pip install flask\n")
            if d.rule_id == "SL205"] == []
