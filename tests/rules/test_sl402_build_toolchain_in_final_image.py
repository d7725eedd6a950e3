"""SL402 build-toolchain-in-final-image."""

import pytest
from conftest import run_lint


def sl402(text, **kw):
    return run_lint(text, select=("SL402",), **kw)


APP = 'CMD ["/usr/local/bin/app"]\n'  # the image runs a program of its own


def test_toolchain_used_and_kept_is_flagged():
    found = sl402("""
        FROM python:3.12-slim
        RUN apt-get update && apt-get install -y --no-install-recommends gcc libpq-dev \\
         && pip install --no-cache-dir psycopg2 && rm -rf /var/lib/apt/lists/*
        CMD ["python", "app.py"]
    """)
    assert len(found) == 1
    assert found[0].properties["packages"] == ["gcc", "libpq-dev"]
    assert found[0].message == "build toolchain (gcc, libpq-dev) installed at line 2 stays in the final image"
    assert "COPY --from" in found[0].fix.description and "apt-get purge -y --auto-remove gcc libpq-dev" in (
        found[0].fix.description)


@pytest.mark.parametrize(
    "base,install,build",
    [
        ("debian", "apt-get install -y build-essential", "make"),
        ("alpine", "apk add --no-cache build-base", "make"),
        ("alpine", "apk add --no-cache gcc musl-dev python3-dev", "pip install x"),
        ("rockylinux:9", "dnf install -y gcc-c++ make", "make"),
        ("rockylinux:9", "yum groupinstall -y 'Development Tools'", "./configure"),
        ("opensuse/leap", "zypper -n in gcc openssl-devel", "make"),
        ("debian", "apt-get install -y g++-12 cmake", "cmake --build ."),
        ("node:20-slim", "apt-get install -y python3 make g++", "npm ci"),
        ("python:3.12", "apt-get install -y cmake libgeos-dev", "pip install shapely"),  # not in buildpack-deps
    ],
)
def test_flagged(base, install, build):
    assert len(sl402(f"FROM {base}\nRUN {install} && {build}\n" + APP)) == 1


def test_build_in_a_later_run_still_counts_as_use():
    assert len(sl402("FROM alpine\nRUN apk add --no-cache gcc musl-dev\nCOPY . /src\nRUN make -C /src\n" + APP)) == 1


@pytest.mark.parametrize(
    "run",
    [
        "apk add --no-cache --virtual .build-deps gcc musl-dev && make && apk del .build-deps",
        "apk add --no-cache -t .bd gcc musl-dev && make && apk del --no-network .bd",
        "apk add --no-cache gcc musl-dev && make && apk del gcc musl-dev",
        "apt-get install -y gcc make && make && apt-get purge -y --auto-remove gcc make",
        "apt-get install -y $buildDeps && make && apt-get purge -y --auto-remove $buildDeps",
        "savedAptMark=\"$(apt-mark showmanual)\"; apt-get install -y gcc libc-dev make; make; "
        "apt-mark auto '.*' > /dev/null; apt-mark manual $savedAptMark; apt-get purge -y --auto-remove",
        "dnf install -y gcc make && make && dnf remove -y gcc make",
    ],
)
def test_removed_in_the_same_run(run):
    base = "fedora" if run.startswith("dnf") else ("alpine" if run.startswith("apk") else "debian")
    assert sl402(f"FROM {base}\nRUN {run}\n" + APP) == []


def test_partial_removal_reports_what_stays():
    found = sl402("FROM debian\nRUN apt-get install -y gcc-12 make && make && apt-get purge -y gcc-12\n" + APP)
    assert len(found) == 1 and found[0].properties["packages"] == ["make"]


def test_removal_in_a_later_run_does_not_help():
    assert len(sl402("FROM alpine\nRUN apk add --no-cache gcc musl-dev && make\nRUN apk del gcc musl-dev\n" + APP)) == 1


def test_build_only_stage_is_the_right_pattern():
    assert sl402("""
        FROM debian AS build
        RUN apt-get update && apt-get install -y build-essential && make
        FROM debian:bookworm-slim
        COPY --from=build /out /usr/local/bin/
    """) == []


def test_parent_stage_of_final_is_checked():
    assert len(sl402("""
        FROM alpine AS base
        RUN apk add --no-cache build-base && make
        FROM base
        CMD ["/app"]
    """)) == 1


@pytest.mark.parametrize(
    "text",
    [
        # the toolchain is what the image is for
        "FROM debian\nRUN apt-get install -y gcc make && make\nENTRYPOINT [\"make\"]\n",
        "FROM debian\nRUN apt-get install -y gcc libc6-dev\nCMD [\"/app\"]\n",  # installed, never used to build here
        "FROM buildpack-deps:bookworm\nRUN apt-get install -y libbluetooth-dev && ./configure && make\n",
        "FROM golang:1.22\nRUN apt-get install -y gcc libc6-dev && go build .\n",
        "FROM debian\nRUN apt-get install -y curl ca-certificates && make\n",
        "FROM debian\nRUN apt-get install -y ./local.deb && make\n",
    ],
)
def test_not_flagged(text):
    assert sl402(text) == []


@pytest.mark.parametrize("base", ["ruby:2.5", "node:20", "python:3.11-bookworm", "buildpack-deps:bookworm"])
def test_packages_the_full_base_already_ships_are_not_blamed_on_the_line(base):
    # Real-world rails/node Dockerfiles: build-essential and libpq-dev are already in the buildpack-deps based
    # base, so this install adds nothing; SL401/SL403 report the heavy base instead.
    text = (f"FROM {base}\nRUN apt-get update -qq && apt-get install -y build-essential libpq-dev nodejs\n"
            "RUN bundle install\nCMD [\"rails\", \"server\"]\n")
    assert sl402(text) == []


def test_slim_variant_of_the_same_image_is_flagged():
    found = sl402("FROM ruby:2.5-slim\nRUN apt-get install -y build-essential libpq-dev\nRUN bundle install\n"
                  'CMD ["rails", "server"]\n')
    assert found and found[0].properties["packages"] == ["build-essential", "libpq-dev"]


def test_dev_headers_alone_are_not_called_a_c_toolchain():
    # php:fpm + docker-php-ext-install zip: libzip-dev stays, but it weighs MBs, not a 200 MB compiler.
    found = sl402("FROM php:8.3-fpm\nRUN apt-get update && apt-get install -y --no-install-recommends libzip-dev "
                  "&& docker-php-ext-install zip && rm -rf /var/lib/apt/lists/*\n")
    assert len(found) == 1  # no CMD of its own, but php:*-fpm runs php-fpm: an app image
    assert "development packages (libzip-dev)" in found[0].message
    assert "compiler" not in found[0].fix.description


def test_r_base_dev_is_a_toolchain_not_just_headers():
    found = sl402("FROM ubuntu:18.04\nRUN apt-get update && apt-get install -y r-base r-base-dev "
                  "&& R -e \"install.packages('shiny')\"\n" 'CMD ["R", "-e", "shiny::runApp()"]\n')
    assert len(found) == 1 and "build toolchain" in found[0].message


@pytest.mark.parametrize("cmd", ['CMD ["/bin/zsh"]', "CMD bash", 'CMD ["bash", "-l"]'])
def test_development_box_with_a_shell_as_command_is_not_flagged(cmd):  # noqa: D103
    # Real-world dev-environment image: build-essential + cmake + emacs built from source, `CMD ["/bin/zsh"]`.
    text = f"FROM ubuntu:14.04\nRUN apt-get install -y build-essential cmake && ./configure && make\n{cmd}\n"
    assert sl402(text) == []


def test_shell_running_a_program_is_still_an_app_image():
    text = 'FROM ubuntu:22.04\nRUN apt-get install -y build-essential && make\nCMD ["bash", "-c", "./server"]\n'
    assert len(sl402(text)) == 1
    text = 'FROM ubuntu:22.04\nRUN apt-get install -y build-essential && make\nENTRYPOINT ["/app"]\nCMD ["bash"]\n'
    assert len(sl402(text)) == 1


def test_bun_install_uses_the_toolchain():
    # Real-world oven/bun image: build-essential for native modules, then `bun install`.
    text = ("FROM oven/bun:1\nRUN apt update && apt install -y build-essential\n"
            "RUN bun install --frozen-lockfile --production\nCMD [\"bun\", \"run\", \"start\"]\n")
    assert len(sl402(text)) == 1
    assert sl402(text.replace("bun install --frozen-lockfile --production", "bun --version")) == []


def test_a_package_installed_twice_in_one_run_is_named_once():
    # Real-world (open-webui): `apt-get install gcc ... && apt-get install gcc python3-dev` in one RUN.
    found = sl402("FROM python:3.11-slim\nRUN apt-get install -y --no-install-recommends pandoc gcc "
                  "&& apt-get install -y --no-install-recommends gcc python3-dev && pip install x\n" + APP)
    assert [d.properties["packages"] for d in found] == [["gcc"], ["python3-dev"]]


@pytest.mark.parametrize("cmd", ['CMD "/bin/bash"', "CMD /bin/bash", "CMD bash -l", 'CMD ["/bin/bash"]'])
def test_shell_form_shell_command_is_the_same_as_the_exec_form(cmd):
    text = f"FROM ubuntu:22.04\nRUN apt-get install -y build-essential && make\n{cmd}\n"
    assert sl402(text) == []


@pytest.mark.parametrize("text", [
    # CI and development images without a command of their own
    "FROM ubuntu:22.04\nRUN apt-get install -y build-essential cmake git && git clone x && make -C x install\n",
    "FROM nvidia/cuda:11.2.2-cudnn8-devel-ubuntu20.04\nRUN apt-get install -y build-essential && make\n" + APP,
    "FROM debian:bookworm-slim\nRUN apt-get install -y gcc libc6-dev && ./rustup-init -y\n",
    # cross-compile image
    "FROM debian:bookworm\nRUN apt-get install -y gcc-aarch64-linux-gnu libc6-dev-arm64-cross make && make\n",
    # a keep-alive command: a container to exec into
    "FROM node:24-slim\nRUN apt-get install -y python3 make g++ && npm ci\nCMD [\"tail\", \"-f\", \"/dev/null\"]\n",
    'FROM python:3.12-slim\nRUN apt-get install -y gcc && pip install x\nCMD ["sleep", "infinity"]\n',
    # the command is a build tool, or a development script
    'FROM debian\nRUN apt-get install -y build-essential && make\nENTRYPOINT ["/sbin/tini", "--", "make"]\n',
    'FROM debian\nRUN apt-get install -y build-essential && make\nENTRYPOINT ["./entrypoint-dev.sh"]\n',
    # an interpreter prompt behind the docker-library entrypoint script
    'FROM debian\nRUN apt-get install -y build-essential && make\nENTRYPOINT ["docker-entrypoint.sh"]\nCMD ["python3"]\n',
])
def test_build_and_development_images_are_exempt(text):
    assert sl402(text) == []


def test_program_compiled_here_without_a_command_is_reported():
    text = "FROM debian:bookworm\nRUN apt-get install -y gcc libc6-dev && gcc -O2 -o /usr/local/bin/app app.c\n"
    assert len(sl402(text)) == 1


def test_service_base_without_a_command_runs_its_service():
    text = "FROM php:7.4-apache\nRUN apt-get update && apt-get install -yqq unzip libzip-dev && docker-php-ext-install zip\n"
    assert len(sl402(text)) == 1
    assert sl402(text.replace("php:7.4-apache", "php:7.4-cli")) == []  # php -a: an interactive prompt


@pytest.mark.parametrize("remove", ["apt-get remove -y build-essential", "apt-get purge -y build-essential gcc"])
def test_metapackage_removed_without_auto_remove_leaves_its_dependencies(remove):
    text = f"FROM debian:bookworm\nRUN apt-get install -y build-essential && make && {remove}\n" + APP
    found = sl402(text)
    assert len(found) == 1
    assert "leaves its dependencies" in found[0].message
    assert "build-essential" in found[0].properties["metapackagesRemovedAlone"]
    for fixed in (remove.replace("-y ", "-y --auto-remove "), remove + " && apt-get autoremove -y"):
        assert sl402(text.replace(remove, fixed)) == [], fixed


def test_packages_kept_outside_a_removed_build_group_are_kept_on_purpose():
    # mailcow netfilter: python-iptables loads libxtables.so from iptables-dev at run time; the build group is
    # removed in the same RUN, iptables-dev and musl-dev are installed outside it on purpose
    text = """
        FROM alpine:3.23
        RUN apk add --virtual .build-deps gcc python3-dev libffi-dev \\
         && apk add -U python3 iptables iptables-dev musl-dev py3-pip \\
         && pip3 install python-iptables \\
         && apk del .build-deps
        CMD ["/bin/sh", "-c", "/app/docker-entrypoint.sh"]
    """
    assert sl402(text) == []
    assert len(sl402(text.replace(" \\\n         && apk del .build-deps", ""))) == 2


def test_messages_are_short():
    text = ("FROM debian\nRUN apt-get install -y build-essential cmake libssl-dev libpq-dev libffi-dev zlib1g-dev "
            "libxml2-dev && make && apt-get remove -y build-essential\n" + APP)
    for finding in sl402(text):
        assert len(finding.message) <= 160, finding.message


def test_corpus_messages_are_one_short_line_with_advice():
    from tests.paths import corpus_files

    for path in corpus_files():
        for finding in sl402(path.read_text(errors="replace")):
            assert "\n" not in finding.message and len(finding.message) <= 160, finding.message
            assert finding.fix and finding.fix.description


def test_packages_outside_a_removed_group_in_another_run_are_kept_on_purpose():
    # masscan: libpcap-dev in its own RUN (masscan dlopens libpcap.so), the build group removed in the next
    text = """
        FROM alpine:latest
        RUN apk add --no-cache ca-certificates libpcap-dev
        RUN apk add --no-cache --virtual .build-deps build-base git \\
         && git clone https://github.com/robertdavidgraham/masscan.git /usr/src/masscan \\
         && make -C /usr/src/masscan install && apk del .build-deps
        ENTRYPOINT ["masscan"]
    """
    assert sl402(text) == []
    assert len(sl402(text.replace("&& apk del .build-deps", ""))) == 2


@pytest.mark.parametrize("packages", ["build-essential dkms", "build-essential linux-headers-amd64",
                                      "build-essential kmod libelf-dev libmnl-dev"])
def test_kernel_module_images_build_at_run_time(packages):
    # wireguard's install image compiles the module for the host kernel when it runs
    text = f"FROM debian:sid-slim\nRUN apt -y install {packages} git && make -C /src install\n" + APP
    assert sl402(text) == []


def test_interpreter_running_an_entrypoint_script_passes_the_command_through():
    # AWS training images: ENTRYPOINT ["bash", "-m", "start.sh"] + CMD ["/bin/bash"]: an interactive shell
    text = ('FROM amazonlinux:2023\nRUN dnf install -y gcc gcc-c++ make && pip install pandas\n'
            'ENTRYPOINT ["bash", "-m", "start_with_right_hostname.sh"]\nCMD ["/bin/bash"]\n')
    assert sl402(text) == []
    assert len(sl402(text.replace('CMD ["/bin/bash"]', 'CMD ["python", "serve.py"]'))) == 1


def test_alpine_linux_headers_are_not_a_kernel_module_build():
    # mailcow phpfpm: linux-headers for pecl builds; gmp-dev and libtool are left out of the `apk del` list
    text = ("FROM php:8.2-fpm-alpine\nRUN apk add --no-cache autoconf g++ make gmp-dev libtool linux-headers "
            "&& docker-php-ext-install gmp && apk del --purge autoconf g++ make linux-headers\n")
    found = sl402(text)
    assert len(found) == 1 and found[0].properties["packages"] == ["gmp-dev", "libtool"]


def test_package_lists_in_variables_stay_groups_and_names_are_expanded():
    # the php image keeps $PHPIZE_DEPS on purpose (docker-php-ext-install needs it): a named group, not expanded
    php = ('FROM debian:bookworm-slim\nENV PHPIZE_DEPS="autoconf dpkg-dev file g++ gcc libc-dev make pkg-config re2c"\n'
           "RUN apt-get install -y $PHPIZE_DEPS ca-certificates && ./configure && make install\n"
           'CMD ["php", "-a"]\nENTRYPOINT ["docker-php-entrypoint"]\n')
    assert sl402(php) == []
    named = ("FROM amazonlinux:2023\nARG PY=3.12\nRUN dnf install -y python${PY}-devel gcc && pip install x\n" + APP)
    assert sl402(named)[0].properties["packages"] == ["python3.12-devel", "gcc"]


@pytest.mark.parametrize("package", ["torch==2.3.0", "triton", "pycuda"])
def test_images_that_compile_kernels_at_run_time_keep_their_compiler(package):
    # kubernetes-engine-samples llm-finetuning-gemma: Triton builds its launcher with gcc and Python.h at run time
    text = (f"FROM nvidia/cuda:12.9.1-runtime-ubuntu22.04\nRUN apt-get install -y python3-dev gcc python3-pip\n"
            f"RUN pip3 install --no-cache-dir accelerate {package}\nCMD python3 /finetune.py\n")
    assert sl402(text) == []
    assert len(sl402(text.replace(package, "flask"))) == 1
    # only the compiler and the headers it needs are its: other build packages are still reported
    more = sl402(text.replace("python3-dev gcc", "python3-dev gcc cmake libsox-dev"))
    assert [d.properties["packages"] for d in more] == [["cmake", "libsox-dev"]]


# --- images whose purpose is the toolchain ----------------------------------------------------------------------

BUILD = "FROM debian:bookworm\nRUN apt-get update && apt-get install -y build-essential curl && make -C /src install\n"


@pytest.mark.parametrize("tail", [
    # a builder entrypoint: a program named for the build it runs, with or without a wrapper before it
    'ENTRYPOINT ["/usr/bin/build"]\n',
    'ENTRYPOINT ["./compile"]\n',
    'ENTRYPOINT ["/bin/scutil", "emu", "/bin/build"]\n',
    'ENTRYPOINT ["/usr/local/bin/builder.sh"]\n',
    # bundle install as the command (plugins are installed when the container starts)
    'CMD ["bundle", "install"]\n',
    'CMD bundle install --jobs 4\n',
    # an interactive environment to log into: an SSH server and a terminal multiplexer
    'RUN apt-get install -y --no-install-recommends openssh-server tmux vim\nCMD ["/start.sh"]\n',
    'RUN apt-get install -y openssh-server screen\nCMD ["/usr/sbin/sshd", "-D"]\n',
    # a browser-test image: a virtual display, and the command given when it runs
    'RUN apt-get install -y firefox-esr xvfb\nENTRYPOINT ["/entrypoint.sh"]\n',
    'RUN apt-get install -y chromium xvfb\n',
])
def test_images_whose_purpose_is_the_toolchain_are_exempt(tail):
    assert sl402(BUILD + tail) == []


@pytest.mark.parametrize("path", ["builders/linux.aarch64/Dockerfile", "builder/Dockerfile"])
def test_dockerfiles_in_a_builders_folder_are_build_environments(path):
    from dockerlint_slim.engine import Linter, LintOptions
    from dockerlint_slim.engine.registry import load_rules

    rules = load_rules(plugins=False)
    linter = Linter(rules, LintOptions(select=("SL402",)))
    assert linter.lint(BUILD + APP, path).diagnostics == []
    assert len(linter.lint(BUILD + APP, "app/Dockerfile").diagnostics) == 1


@pytest.mark.parametrize("tail", [
    # a server whose name only contains a build word, or whose argument is a path named build
    'CMD ["/usr/local/bin/app", "--assets", "/srv/build"]\n',
    'CMD ["node", "build/server.js"]\n',
    'CMD ["bundle", "exec", "puma"]\n',
    # an SSH server alone (a git server), a multiplexer alone
    'RUN apt-get install -y openssh-server\nCMD ["/usr/sbin/sshd", "-D"]\n',
    'RUN apt-get install -y tmux\n' + APP,
    # xvfb in an image with a command of its own (a rendering service)
    'RUN apt-get install -y xvfb\n' + APP,
    'RUN apt-get install -y xvfb\nENTRYPOINT ["/entrypoint.sh"]\nCMD ["app"]\n',
])
def test_program_images_near_those_signals_still_flagged(tail):
    assert len(sl402(BUILD + tail)) == 1
