"""The offline Debian package table and apt's replay on it (computed on the table the wheel ships).

Expected package lists below were observed on real builds FROM debian:bookworm (`apt-get install -s` and real
installs, see docs/data/debian-recommends-check.md), not derived from the code under test.
"""

import subprocess
import sys

import pytest

from dockerlint_slim.knowledge import debian_packages
from dockerlint_slim.knowledge.debian_packages import debian_suite, recommends_cost

# `dpkg-query -W` in a RUN on the debootstrap-made debian:bookworm image (Debian 12, minbase): 88 packages.
BOOKWORM_IMAGE_PACKAGES = set(
    """adduser apt base-files base-passwd bash bsdutils coreutils dash debconf debian-archive-keyring debianutils
    diffutils dpkg e2fsprogs findutils gcc-12-base gpgv grep gzip hostname init-system-helpers libacl1
    libapt-pkg6.0 libattr1 libaudit-common libaudit1 libblkid1 libbz2-1.0 libc-bin libc6 libcap-ng0 libcap2
    libcom-err2 libcrypt1 libdb5.3 libdebconfclient0 libext2fs2 libffi8 libgcc-s1 libgcrypt20 libgmp10
    libgnutls30 libgpg-error0 libhogweed6 libidn2-0 liblz4-1 liblzma5 libmd0 libmount1 libnettle8 libp11-kit0
    libpam-modules libpam-modules-bin libpam-runtime libpam0g libpcre2-8-0 libseccomp2 libselinux1
    libsemanage-common libsemanage2 libsepol2 libsmartcols1 libss2 libstdc++6 libsystemd0 libtasn1-6 libtinfo6
    libudev1 libunistring2 libuuid1 libxxhash0 libzstd1 login logsave mawk mount ncurses-base ncurses-bin passwd
    perl-base sed sysvinit-utils tar tzdata usr-is-merged util-linux util-linux-extra zlib1g""".split()
)
CURL_RECOMMENDED = {"ca-certificates", "openssl", "publicsuffix", "libsasl2-modules", "krb5-locales", "libldap-common"}


def bookworm():
    return debian_packages._table("bookworm")


def test_the_table_ships_three_suites_with_their_source():
    for suite in debian_packages.SUITES:
        source = debian_packages.source(suite)
        assert source["suite"] == suite
        assert source["origin"] == "Debian"
        assert len(source["release_sha256"]) == 64 and len(source["index_sha256"]) == 64
        assert source["index"] == "main/binary-amd64/Packages.xz"
        assert source["packages"] > 50_000
    assert debian_packages.source("buster") is None


def test_bookworm_base_is_the_real_debian_bookworm_image():
    table = bookworm()
    assert {table.name(i) for i in table.base} == BOOKWORM_IMAGE_PACKAGES


def test_curl_pulls_recommends_through_its_dependencies():
    table = bookworm()
    curl = table.requested_package("curl")
    assert table._record(curl)[2] == ()  # curl itself recommends nothing ...
    libcurl4 = table.requested_package("libcurl4")
    assert table._record(libcurl4)[2]  # ... its dependency libcurl4 does (ca-certificates)
    cost = recommends_cost("bookworm", ["curl"])
    assert set(cost.names) == CURL_RECOMMENDED
    assert cost.total_bytes == sum(p.installed_bytes for p in cost.packages)
    assert 2_000_000 < cost.total_bytes < 8_000_000
    assert [p.installed_bytes for p in cost.packages] == sorted((p.installed_bytes for p in cost.packages), reverse=True)
    assert cost.suite == "bookworm" and cost.requested == ("curl",)


def test_no_recommends_anywhere_costs_nothing():
    for packages in (["jq"], ["ca-certificates"], ["bash"]):  # bash: already in the image
        cost = recommends_cost("bookworm", packages)
        assert cost is not None and cost.packages == () and cost.total_bytes == 0


def test_unknown_or_unreadable_names_are_unknown():
    assert recommends_cost("bookworm", ["no-such-package-anywhere"]) is None
    assert recommends_cost("bookworm", ["curl", "no-such-package-anywhere"]) is None
    for word in ("$PACKAGES", "${PKG}", "lib*", "curl-", "Curl", ""):
        assert recommends_cost("bookworm", [word]) is None, word
    assert recommends_cost("bookworm", []) is None
    assert recommends_cost("buster", ["curl"]) is None
    assert recommends_cost("jammy", ["curl"]) is None


def test_version_release_and_architecture_suffixes_name_the_package():
    expected = recommends_cost("bookworm", ["curl"]).names
    for word in ("curl=7.88.1-10+deb12u12", "curl/bookworm", "curl:amd64"):
        assert recommends_cost("bookworm", [word]).names == expected


def test_virtual_names_apt_selects_a_single_provider_for_and_refuses_otherwise():
    # `apt-get install mail-transport-agent`: "virtual package provided by ... you should explicitly select one".
    assert recommends_cost("bookworm", ["mail-transport-agent"]) is None
    table = bookworm()
    single = next(
        name
        for index, providers in table._providers.items()
        if len(providers) == 1 and table._record(index) is None
        for name in [table.name(index)]
    )
    assert table.requested_package(single) == table._providers[table._id(single)][0]


def test_packages_known_installed_do_not_count():
    cost = recommends_cost("bookworm", ["curl"], installed=["ca-certificates"])
    assert set(cost.names) == CURL_RECOMMENDED - {"ca-certificates", "openssl"}


def test_other_suites_have_their_own_answers():
    # trixie's libcurl4t64 pulls bash-completion through curl's recommends; bullseye's libkrb5 has no krb5-locales.
    assert "bash-completion" in recommends_cost("trixie", ["curl"]).names
    assert "krb5-locales" not in recommends_cost("bullseye", ["curl"]).names
    assert "ca-certificates" in recommends_cost("bullseye", ["curl"]).names


def test_providers_in_apts_order():
    # xvkbd recommends x-terminal-emulator (27 providers, all Priority optional): apt took zutty, the package its
    # cache created last; proofgeneral-doc -> info-browser -> tkinfo likewise (observed with apt-get -s).
    assert "zutty" in recommends_cost("bookworm", ["xvkbd"]).names
    assert "tkinfo" in recommends_cost("bookworm", ["proofgeneral-doc"]).names


def test_a_versioned_alternative_the_suite_cannot_satisfy_is_skipped():
    # python3-rospkg Depends: python3-distro | python3 (<< 3.8): bookworm's python3 is 3.11, so apt installs
    # python3-distro (and its lsb-release) even though python3 gets installed.
    table = bookworm()
    installed = table.install(table.base, [table.requested_package("python3-rospkg")], recommends=False)
    assert {"python3-distro", "lsb-release"} <= {table.name(i) for i in installed}


def test_a_later_conflicting_package_unmarks_an_earlier_recommended_one():
    # lava-dispatcher: busybox is recommended first, then busybox-static (which Conflicts with it) is needed; apt
    # keeps busybox-static only.
    names = set(recommends_cost("bookworm", ["lava-dispatcher"]).names)
    assert "busybox-static" in names and "busybox" not in names


def test_named_packages_are_worked_through_in_command_line_order():
    # Observed with apt-get -s on debian:bookworm: exim4-base (mailutils -> default-mta) Depends on
    # `cron | cron-daemon | anacron | systemd-sysv`; default-jdk's recommendations bring systemd-sysv, so when
    # default-jdk comes first the group is already satisfied and cron is not installed.
    first = set(recommends_cost("bookworm", ["mailutils", "default-jdk"]).names)
    second = set(recommends_cost("bookworm", ["default-jdk", "mailutils"]).names)
    assert "cron" in first and "cron" not in second


@pytest.mark.parametrize(
    "image, suite",
    [
        ("debian:bookworm", "bookworm"),
        ("debian:bookworm-slim", "bookworm"),
        ("debian:bookworm-20240110-slim", "bookworm"),
        ("debian:12", "bookworm"),
        ("debian:12-slim", "bookworm"),
        ("debian:12.5", "bookworm"),
        ("docker.io/library/debian:11-slim", "bullseye"),
        ("debian:13", "trixie"),
        ("debian:trixie@sha256:" + "0" * 64, "trixie"),
        ("python:3.12-slim-bookworm", "bookworm"),
        ("python:3.11-bullseye", "bullseye"),
        ("node:20-bookworm-slim", "bookworm"),
        ("buildpack-deps:bullseye", "bullseye"),
        ("buildpack-deps:bookworm-curl", "bookworm"),
        ("golang:1.22-bookworm", "bookworm"),
        ("ruby:3.3-slim-trixie", "trixie"),
        ("python:3.12", None),  # the suite behind an unsuffixed tag moves with each Debian release
        ("python:3.12-slim", None),
        ("python", None),
        ("debian", None),
        ("debian:latest", None),
        ("debian:stable-slim", None),
        ("debian:buster", None),  # no table
        ("debian:sid", None),
        ("debian:10", None),
        ("debian:12.5.1", None),
        ("ubuntu:22.04", None),
        ("ubuntu:jammy", None),
        ("alpine:3.20", None),
        ("python:3.12-alpine", None),
        ("node:20", None),
        ("debian:${DEBIAN_VERSION}", None),
        ("${BASE_IMAGE}", None),
        ("debian@sha256:" + "0" * 64, None),
        ("scratch", None),
        ("", None),
    ],
)
def test_debian_suite(image, suite):
    assert debian_suite(image) == suite


def test_importing_the_module_reads_nothing():
    code = (
        "import sys\n"
        "from dockerlint_slim.knowledge import debian_packages as m\n"
        "m.debian_suite('debian:12')\n"
        "assert m._load.cache_info().misses == 0, 'table read at import'\n"
        "assert 'lzma' not in sys.modules and 'json' not in sys.modules, 'decoders imported at import'\n"
        "assert m.recommends_cost('bookworm', ['curl']).names\n"
        "assert m._load.cache_info().misses == 1\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
