"""SL201 apt-lists-not-removed."""

import pytest
from conftest import run_lint

from dockerlint_slim.knowledge.cache_sizes import APT_LISTS_DEBIAN_12, APT_LISTS_UBUNTU_24_04


def sl201(text, **kw):
    return [d for d in run_lint(text, select=("SL201",), **kw)]


def test_update_without_cleanup_is_flagged_with_cost_and_fix():
    found = sl201("""
        FROM debian:bookworm
        RUN apt-get update && apt-get install -y --no-install-recommends curl
    """)
    assert len(found) == 1
    assert found[0].span.line == 2
    assert "/var/lib/apt/lists" in found[0].message and "MiB, measured for Debian 12" in found[0].message
    assert "rm -rf /var/lib/apt/lists/*" in found[0].fix.description
    assert found[0].wasted_bytes == APT_LISTS_DEBIAN_12.bytes
    assert found[0].properties["estimate"] == APT_LISTS_DEBIAN_12.label
    assert len(found[0].message) <= 160


@pytest.mark.parametrize("base", ["ubuntu:22.04", "nvidia/cuda:12.4.1-devel-ubuntu22.04", "buildpack-deps:noble"])
def test_ubuntu_lists_are_measured_apart(base):
    found = sl201(f"FROM {base}\nRUN apt-get update && apt-get install -y curl\n")
    assert found[0].wasted_bytes == APT_LISTS_UBUNTU_24_04.bytes and "Ubuntu 24.04" in found[0].message


def test_later_removal_is_named_and_the_fix_moves_it():
    found = sl201("FROM debian:12\nRUN apt-get update && apt-get install -y curl\nRUN rm -rf /var/lib/apt/lists/*\n")
    assert "line 3 runs in a later layer" in found[0].message and "Move the removal of line 3" in found[0].fix.description


@pytest.mark.parametrize(
    "cleanup",
    [
        "rm -rf /var/lib/apt/lists/*",
        "rm -fr /var/lib/apt/lists",
        "rm -r -f /var/lib/apt/lists/",
        "rm -rf /var/lib/apt/lists/* /var/cache/apt/*",
        "rm -rf /var/lib/apt",
        "apt-get dist-clean",
        "apt dist-clean",
        "find /var/lib/apt/lists -type f -delete",
    ],
)
def test_accepted_cleanups(cleanup):
    assert sl201(f"""
        FROM debian:bookworm
        RUN apt-get update && apt-get install -y --no-install-recommends curl && {cleanup}
    """) == []


def test_unrelated_rm_does_not_count():
    found = sl201("""
        FROM debian:bookworm
        RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /tmp/*
    """)
    assert len(found) == 1


def test_partial_find_does_not_count():
    assert len(sl201("""
        FROM debian:bookworm
        RUN apt-get update && find /var/lib/apt/lists -name '*.gz' -delete
    """)) == 1


def test_cleanup_before_a_later_update_does_not_count():
    found = sl201("""
        FROM debian:bookworm
        RUN apt-get update && apt-get install -y --no-install-recommends gnupg && rm -rf /var/lib/apt/lists/* \\
         && echo deb http://example.org/ stable main > /etc/apt/sources.list.d/x.list \\
         && apt-get update && apt-get install -y --no-install-recommends x
    """)
    assert len(found) == 1
    assert found[0].span.line == 4  # the last update, which nothing cleans


def test_cleanup_in_a_later_layer_is_still_flagged_and_says_so():
    found = sl201("""
        FROM debian:bookworm
        RUN apt-get update && apt-get install -y --no-install-recommends curl
        RUN rm -rf /var/lib/apt/lists/*
    """)
    assert len(found) == 1 and "line 3" in found[0].message


@pytest.mark.parametrize("target", ["/var/lib/apt/lists", "/var/lib/apt"])
@pytest.mark.parametrize("kind", ["cache", "tmpfs"])
def test_cache_or_tmpfs_mount_on_lists(kind, target):
    assert sl201(f"""
        FROM debian:bookworm
        RUN --mount=type={kind},target={target} apt-get update && apt-get install -y --no-install-recommends curl
    """) == []


def test_cache_mount_elsewhere_does_not_count():
    assert len(sl201("""
        FROM debian:bookworm
        RUN --mount=type=cache,target=/var/cache/apt apt-get update && apt-get install -y curl
    """)) == 1


@pytest.mark.parametrize(
    "run",
    [
        "RUN apt update",
        "RUN apt-get -qq update",
        "RUN apt-get -o Acquire::Retries=3 update",
        "RUN sudo apt-get update",
        "RUN [\"apt-get\", \"update\"]",
        "RUN sh -c 'apt-get update && apt-get install -y curl'",
        "RUN set -e; if true; then apt-get update; fi",
        "RUN (apt-get update)",
        "ONBUILD RUN apt-get update",
    ],
)
def test_shell_forms(run):
    assert len(sl201(f"FROM debian:bookworm\n{run}\n")) == 1


def test_heredoc():
    assert len(sl201("""
        FROM debian:bookworm
        RUN <<EOF
        apt-get update
        apt-get install -y --no-install-recommends git
        EOF
    """)) == 1


def test_build_only_stage_is_not_flagged():
    assert sl201("""
        FROM debian:bookworm AS build
        RUN apt-get update && apt-get install -y --no-install-recommends gcc
        RUN gcc -o /hello hello.c

        FROM scratch
        COPY --from=build /hello /hello
    """) == []


def test_parent_stage_of_the_target_is_flagged():
    found = sl201("""
        FROM debian:bookworm AS base
        RUN apt-get update && apt-get install -y --no-install-recommends curl

        FROM base
        CMD ["curl"]
    """)
    assert len(found) == 1


def test_target_selects_the_stage():
    text = """
        FROM debian:bookworm AS dev
        RUN apt-get update && apt-get install -y --no-install-recommends git

        FROM scratch AS prod
        COPY app /app
    """
    assert sl201(text) == []
    assert len(sl201(text, target="dev")) == 1


def test_update_not_analysed_under_powershell_shell():
    assert sl201("""
        FROM mcr.microsoft.com/windows/servercore:ltsc2022
        SHELL ["powershell", "-Command"]
        RUN apt-get update
    """) == []


def test_relative_removal_after_cd_counts():
    text = "FROM debian\nRUN apt-get update && apt-get install -y --no-install-recommends curl && cd /var/lib/apt && rm -rf lists\n"
    assert sl201(text) == []
    assert len(sl201(text.replace("cd /var/lib/apt", "cd /opt"))) == 1


def test_aptitude_update_like_apt_get():
    found = sl201("FROM debian:bookworm\nRUN aptitude update && aptitude install -y curl\n")
    assert len(found) == 1 and "aptitude update" in found[0].message
    assert sl201("FROM debian:bookworm\nRUN aptitude update && aptitude install -y curl "
                 "&& rm -rf /var/lib/apt/lists/*\n") == []


def test_value_options_before_update():
    assert len(sl201("FROM debian:bookworm\nRUN apt-get -o Acquire::Retries=3 update\n")) == 1


# --- fix -----------------------------------------------------------------------------------------------------------

def test_fix_appends_the_removal_in_the_runs_style(fix):
    assert fix("""
        FROM debian:bookworm
        RUN apt-get update \\
         && apt-get install -y --no-install-recommends curl
    """, select="SL201") == (
        "FROM debian:bookworm\nRUN apt-get update \\\n && apt-get install -y --no-install-recommends curl \\\n"
        " && rm -rf /var/lib/apt/lists/*\n"
    )
    assert fix("FROM debian\nRUN apt-get update && apt-get install -y curl\n", select="SL201") == \
        "FROM debian\nRUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\n"


def test_no_fix_when_a_later_run_installs_without_updating(lint):
    # Removing the lists in the first RUN would make `apt-get install` in the second fail.
    for text in (
        "FROM debian\nRUN apt-get update\nRUN apt-get install -y curl\n",
        "FROM debian AS base\nRUN apt-get update\nFROM base\nRUN apt-get install -y curl\n",
    ):
        (finding,) = [d for d in lint(text) if d.rule_id == "SL201"]
        assert finding.fix.edits == (), text
    (finding,) = [d for d in lint("FROM debian\nRUN apt-get update\nRUN apt-get update && apt-get install -y x "
                                  "&& rm -rf /var/lib/apt/lists/*\n") if d.rule_id == "SL201"]
    assert finding.fix.edits  # the later RUN updates first: it does not need these lists


def test_fix_after_the_join_cleans_the_joined_run(fix):
    assert fix("FROM debian\nRUN apt-get update\nRUN apt-get install -y curl\n", select=("SL101", "SL201")) == (
        "FROM debian\nRUN apt-get update \\\n    && apt-get install -y curl \\\n    && rm -rf /var/lib/apt/lists/*\n")


def test_no_fix_after_exec_or_in_plain_exec_form(lint):
    for text in ("FROM debian\nRUN apt-get update && exec foo\n", 'FROM debian\nRUN ["apt-get", "update"]\n'):
        (finding,) = [d for d in lint(text) if d.rule_id == "SL201"]
        assert finding.fix.edits == (), text


@pytest.mark.parametrize("script", ["clean-layer.sh", "/scripts/cleanup.sh", "apt-install-and-clear -y doxygen"])
def test_project_cleanup_script_may_remove_the_lists(script):
    # ml-workspace's clean-layer.sh, photoprism's /scripts/cleanup.sh, TVM's apt-install-and-clear
    assert sl201(f"FROM ubuntu:22.04\nRUN apt-get update && {script}\n") == []


def test_advice_keeps_a_later_install_working():
    # the RUN at line 3 installs from the lists line 2 left: removing them at line 2 alone would break it
    found = sl201("FROM debian:12\nRUN apt-get update && apt-get install -y curl\nRUN apt-get install -y git\n")
    assert len(found) == 1 and "start the RUN at line 3 with `apt-get update &&`" in found[0].fix.description
    assert found[0].fix.edits == ()
    found = sl201("FROM debian:12\nRUN apt-get update && apt-get install -y curl\n"
                  "RUN apt-get update && apt-get install -y git && rm -rf /var/lib/apt/lists/*\n")
    assert "start the RUN" not in found[0].fix.description


@pytest.mark.parametrize("cleanup", ["apt-get distclean", "apt distclean", "apt-get dist-clean"])
def test_apt_distclean_deletes_the_lists(cleanup):
    assert sl201(f"FROM debian:trixie\nRUN apt-get update && apt-get install -y curl && {cleanup}\n") == []


def test_distclean_before_the_update_does_not_count():
    assert len(sl201("FROM debian:trixie\nRUN apt-get distclean && apt-get update && apt-get install -y curl\n")) == 1


@pytest.mark.parametrize("helper", ["install-packages", "install_packages", "/usr/bin/install-packages"])
def test_install_helpers_that_clean_the_lists_by_convention(helper):
    assert sl201(f"FROM ubuntu:22.04\nRUN apt update && {helper} curl git\n") == []


def test_other_install_scripts_do_not_count_as_cleanup():
    assert len(sl201("FROM ubuntu:22.04\nRUN apt update && ./install-deps.sh curl\n")) == 1
    assert len(sl201("FROM ubuntu:22.04\nRUN apt update && apt-get install -y curl && packages-install x\n")) == 1
