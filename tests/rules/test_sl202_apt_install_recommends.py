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
    assert "--no-install-recommends" in found[0].fix.description and "curl wget" in found[0].message
    assert len(found[0].message) <= 160


def test_message_names_the_recommended_packages_and_their_size():
    from dockerlint_slim.knowledge.debian_packages import recommends_cost

    found = sl202("FROM debian:bookworm\nRUN apt-get update && apt-get install -y curl\n")
    cost = recommends_cost("bookworm", ["curl"])
    assert cost.packages  # libcurl4 recommends ca-certificates, publicsuffix, libsasl2-modules, ...
    assert f"{len(cost.packages)} recommended packages" in found[0].message and "on Debian 12" in found[0].message
    assert cost.names[0] in found[0].message
    assert found[0].wasted_bytes == cost.total_bytes and "Installed-Size" in found[0].properties["estimate"]
    assert found[0].properties["recommended"] == list(cost.names)


@pytest.mark.parametrize("package", ["pandoc", "apache2-utils", "tzdata"])
@pytest.mark.parametrize("base", ["debian:bookworm", "debian:12-slim", "python:3.12-slim-bookworm"])
def test_packages_without_recommends_are_not_flagged(base, package):
    assert sl202(f"FROM {base}\nRUN apt-get update && apt-get install -y {package}\n") == []


@pytest.mark.parametrize("base", ["myorg/base:1", "ubuntu:18.04", "registry.example/app/runtime:3"])
def test_unknown_release_keeps_the_finding_with_size_unknown(base):
    found = sl202(f"FROM {base}\nRUN apt-get update && apt-get install -y git\n")
    assert len(found) == 1 and "size unknown" in found[0].message and found[0].wasted_bytes is None
    # no Debian release recommends anything for these: no release the image may be built on does either
    assert sl202(f"FROM {base}\nRUN apt-get update && apt-get install -y apache2-utils login\n") == []


@pytest.mark.parametrize("base, release", [
    ("ubuntu:22.04", "Debian 12"), ("ubuntu:jammy-20240101", "Debian 12"), ("ubuntu:20.04", "Debian 11"),
    ("ubuntu:rolling", "Debian 13"), ("ubuntu:25.04", "Debian 13"), ("nvidia/cuda:12.4.1-runtime-ubuntu22.04", "Debian 12"),
])
def test_ubuntu_base_gets_the_figure_of_the_nearest_debian_release(base, release):
    from dockerlint_slim.knowledge.debian_packages import recommends_cost

    found = sl202(f"FROM {base}\nRUN apt-get update && apt-get install -y git\n")
    assert len(found) == 1 and f"(Ubuntu: estimated from {release})" in found[0].message
    suite = {"Debian 11": "bullseye", "Debian 12": "bookworm", "Debian 13": "trixie"}[release]
    assert found[0].wasted_bytes == recommends_cost(suite, ["git"]).total_bytes
    assert "Ubuntu" in found[0].properties["estimate"] and len(found[0].message) <= 160


@pytest.mark.parametrize("base", ["ubuntu:rolling", "ubuntu:22.04", "myorg/base:1"])
def test_negligible_recommends_on_every_release_are_not_flagged(base):
    # libjemalloc-dev, libgoogle-perftools-dev and libomp-dev recommend nothing on Debian 11/12 and only libgpm2
    # (45 KiB) on 13: no "size unknown" warning for that
    assert sl202(f"FROM {base}\nRUN apt-get update && apt-get install -y libjemalloc-dev libgoogle-perftools-dev"
                 " libomp-dev\n") == []
    assert sl202(f"FROM {base}\nRUN apt-get install -y libomp-dev\n") == []


def test_recommends_above_the_negligible_size_still_flagged_on_an_unknown_base():
    found = sl202("FROM myorg/base:1\nRUN apt-get install -y libjemalloc-dev curl\n")
    assert len(found) == 1


@pytest.mark.parametrize("install", [
    "apt install -y /tmp/dive.deb",
    "apt-get install -y ./pkg.deb",
    "apt-get install -y ../dist/app_1.0_amd64.deb /opt/other.deb",
    "apt-get install -y pkg_1.2_all.deb",
])
def test_local_deb_files_alone_are_not_judged(install):
    assert sl202(f"FROM debian:bookworm\nRUN {install}\n") == []
    assert sl202(f"FROM ubuntu:22.04\nRUN {install}\n") == []


def test_local_deb_next_to_a_named_package_keeps_the_finding():
    found = sl202("FROM debian:bookworm\nRUN apt-get install -y ./local.deb curl\n")
    assert len(found) == 1 and "size unknown" in found[0].message


def test_packages_the_image_has_already_pull_in_nothing():
    # golang's default images are built on buildpack-deps:<suite>-scm: git is there already, apt installs nothing
    assert sl202("FROM golang:1.25\nRUN apt-get update && apt-get -y install git\n") == []
    assert sl202("FROM debian:12\nRUN apt-get install -y --no-install-recommends git\nRUN apt-get install -y git\n") == []
    # the slim variant has no git
    assert len(sl202("FROM python:3.12-slim-bookworm\nRUN apt-get install -y git\n")) == 1


def test_release_of_an_unpinned_official_image_comes_from_its_tag_table():
    found = sl202("FROM python:3.12-slim\nRUN apt-get update && apt-get install -y curl\n")
    assert len(found) == 1 and "on Debian 13" in found[0].message


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


@pytest.mark.parametrize(
    "source",
    [
        "curl -fsSL https://deb.nodesource.com/setup_20.x | bash -",
        "echo 'deb https://deb.nodesource.com/node_20.x nodistro main' > /etc/apt/sources.list.d/nodesource.list",
        "add-apt-repository -y ppa:deadsnakes/ppa",
        "printf 'Types: deb\\n' | tee /etc/apt/sources.list.d/x.sources",
        "dpkg -i cuda-keyring_1.1-1_all.deb",
    ],
)
def test_packages_of_another_repository_are_not_read_from_debians_table(source):
    # NodeSource's nodejs has none of Debian's nodejs Recommends (nodejs-doc, ...): the size is unknown
    found = sl202(f"FROM debian:bookworm\nRUN {source} && apt-get install -y nodejs\n")
    assert len(found) == 1 and "size unknown" in found[0].message


# --- fix -----------------------------------------------------------------------------------------------------------

def test_fix_is_unsafe_and_adds_the_flag_after_install(fix, lint):
    text = "FROM debian:bookworm\nRUN apt-get update && apt-get -q install -y curl \\\n && aptitude install -y git\n"
    (first, second) = [d for d in lint(text) if d.rule_id == "SL202"]
    assert first.fix.applicability == second.fix.applicability == "unsafe"
    assert fix(text, select="SL202") == text  # --fix alone leaves unsafe fixes
    assert fix(text, select="SL202", unsafe=True) == (
        "FROM debian:bookworm\nRUN apt-get update && apt-get -q install --no-install-recommends -y curl \\\n"
        " && aptitude install --without-recommends -y git\n")


def test_no_fix_through_a_variable_or_in_exec_form(lint):
    for text in ('FROM debian\nARG I="install -y"\nRUN apt-get $I curl\n', 'FROM debian\nRUN ["apt-get", "install", "-y", "curl"]\n'):
        found = [d for d in lint(text) if d.rule_id == "SL202"]
        assert found and all(d.fix.edits == () for d in found), text


# --- ca-certificates: a recommended package a later https download needs --------------------------------------------

@pytest.mark.parametrize("text, line", [
    # the next RUN downloads over https (koalaman/shellcheck's builders on ubuntu:25.04)
    ("FROM ubuntu:25.04\nRUN apt-get update && apt-get install -y curl xz-utils\n"
     "RUN curl -L https://downloads.example.org/x.tar.xz | tar xJ\n", 3),
    # the same RUN, with the Debian table (libcurl4 recommends ca-certificates)
    ("FROM debian:bookworm\nRUN apt-get update && apt-get install -y curl && curl -fsSLO https://example.org/a.tgz\n", 2),
    # wget, an unknown base
    ("FROM myorg/base:1\nRUN apt-get install -y wget\nRUN wget -q https://example.org/a.tgz\n", 3),
    # git clone over https, in a stage built FROM this one
    ("FROM debian:12 AS base\nRUN apt-get update && apt-get install -y git\nFROM base\n"
     "RUN git clone https://github.com/example/x /src\n", 4),
])
def test_ca_certificates_named_when_https_follows(fix, lint, text, line):
    (found,) = [d for d in lint(text) if d.rule_id == "SL202"]
    assert f"--no-install-recommends ca-certificates" in found.fix.description
    assert f"line {line}" in found.fix.description
    fixed = fix(text, select="SL202", unsafe=True)
    assert "install --no-install-recommends ca-certificates -y" in fixed
    assert [d for d in lint(fixed) if d.rule_id == "SL202"] == []


@pytest.mark.parametrize("text", [
    # no https afterwards
    "FROM debian:bookworm\nRUN apt-get install -y curl\nRUN curl -o /x http://example.org/x\n",
    "FROM ubuntu:22.04\nRUN apt-get install -y wget\n",
    # ca-certificates named in the install, or already installed earlier, or installed before the download
    "FROM ubuntu:22.04\nRUN apt-get install -y curl ca-certificates\nRUN curl -O https://example.org/x\n",
    "FROM ubuntu:22.04\nRUN apt-get install -y --no-install-recommends ca-certificates\n"
    "RUN apt-get install -y curl\nRUN curl -O https://example.org/x\n",
    "FROM ubuntu:22.04\nRUN apt-get install -y curl\nRUN apt-get install -y --no-install-recommends ca-certificates"
    " && curl -O https://example.org/x\n",
    # the https download is before the install
    "FROM ubuntu:22.04\nRUN curl -O https://example.org/x\nRUN apt-get install -y curl\n",
    # a sibling stage (not built FROM this one) downloads
    "FROM debian:12 AS a\nRUN apt-get install -y --no-install-recommends curl ca-certificates"
    " && curl -O https://example.org/x\nFROM debian:12\nRUN apt-get install -y curl\n",
])
def test_ca_certificates_not_added_without_a_later_https_download_that_needs_it(lint, text):
    found = [d for d in lint(text) if d.rule_id == "SL202"]
    assert found, text
    for found in found:
        assert "ca-certificates`" not in found.fix.description, text
        assert "--no-install-recommends`" in found.fix.description


def test_negligible_recommends_stay_silent_after_another_repository_is_added():
    text = ("FROM ubuntu:rolling\nRUN add-apt-repository -y ppa:deadsnakes/ppa && apt-get update"
            " && apt-get install -y libjemalloc-dev libomp-dev\n")
    assert sl202(text) == []
    # a package that does recommend something: kept, and no Debian figure is quoted for it there
    found = sl202(text.replace("libjemalloc-dev libomp-dev", "git"))
    assert len(found) == 1 and "size unknown" in found[0].message
