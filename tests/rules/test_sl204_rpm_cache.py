"""SL204 rpm-cache (yum, dnf, microdnf, tdnf, zypper)."""

import pytest
from conftest import run_lint


def sl204(text, **kw):
    return run_lint(text, select=("SL204",), **kw)


@pytest.mark.parametrize(
    "install",
    ["yum install -y httpd", "dnf install -y httpd", "microdnf install httpd", "tdnf install -y httpd",
     "zypper -n in httpd", "zypper install -y httpd", "yum groupinstall -y 'Development Tools'",
     "dnf group install -y 'Development Tools'", "yum -y update", "dnf --setopt=tsflags=nodocs install -y x"],
)
def test_install_without_clean(install):
    found = sl204(f"FROM rockylinux:9\nRUN {install}\n")
    assert len(found) == 1
    assert "clean" in found[0].fix.description and "/var/cache/" in found[0].message
    assert "size unknown" in found[0].message and found[0].wasted_bytes is None and len(found[0].message) <= 160


@pytest.mark.parametrize(
    "run",
    [
        "yum install -y httpd && yum clean all",
        "dnf install -y httpd && dnf clean all && rm -rf /var/cache/dnf",
        "microdnf install httpd && microdnf clean all",
        "tdnf install -y httpd && tdnf clean all",
        "zypper -n in httpd && zypper clean -a",
        "zypper -n in httpd && zypper cc --all",
        "dnf install -y httpd && rm -rf /var/cache/dnf",
        "dnf5 install -y httpd && rm -rf /var/cache/libdnf5",
        "yum install -y httpd && rm -rf /var/cache/yum/*",
        "yum install -y a && rm -rf /var/cache/{yum,dnf}",
        "yum install -y httpd && rm -rf /var/cache/*",
        "yum install -y a && dnf clean all",
        "yum clean all",
        "yum remove -y httpd",
    ],
)
def test_accepted(run):
    assert sl204(f"FROM rockylinux:9\nRUN {run}\n") == []


def test_clean_before_the_install_does_not_count():
    found = sl204("FROM rockylinux:9\nRUN yum clean all && yum install -y httpd\n")
    assert len(found) == 1 and "the clean earlier in this RUN runs before it" in found[0].message


def test_clean_must_follow_the_last_install():
    assert len(sl204("FROM fedora\nRUN dnf install -y a && dnf clean all && dnf install -y b\n")) == 1


@pytest.mark.parametrize("cleanup", ["rm -rf /tmp/*", "yum clean packages", "zypper clean", "rm -rf /var/cache/apt"])
def test_partial_or_unrelated_cleanups_do_not_count(cleanup):
    assert len(sl204(f"FROM rockylinux:9\nRUN yum install -y httpd && {cleanup}\n")) == 1


@pytest.mark.parametrize("target", ["/var/cache/dnf", "/var/cache/yum", "/var/cache"])
def test_cache_mount(target):
    assert sl204(f"FROM fedora\nRUN --mount=type=cache,target={target} dnf install -y httpd\n") == []


def test_one_finding_per_run_at_the_last_install():
    found = sl204("FROM fedora\nRUN dnf install -y a && \\\n    dnf install -y b\n")
    assert len(found) == 1 and found[0].span.line == 3


def test_build_only_stage_not_flagged():
    assert sl204("""
        FROM fedora AS build
        RUN dnf install -y gcc
        FROM scratch
        COPY --from=build /out /out
    """) == []


def test_relative_removal_after_cd_counts():
    # Real-world CentOS image: `cd /var/cache && /bin/rm -rf dnf yum` removes the yum cache.
    assert sl204("FROM centos:7\nRUN yum -y update && cd /var/cache && /bin/rm -rf dnf yum\n") == []
    # ... but a relative rm in an unknown or other directory does not.
    assert len(sl204("FROM centos:7\nRUN yum -y update && cd $DIR && rm -rf yum\n")) == 1
    assert len(sl204("FROM centos:7\nRUN yum -y update && cd /tmp && rm -rf yum\n")) == 1
    assert len(sl204("FROM centos:7\nRUN yum -y update && rm -rf yum\n")) == 1


# --- fix -----------------------------------------------------------------------------------------------------------

def test_fix_appends_the_managers_clean(fix):
    assert fix("FROM rockylinux:9\nRUN dnf install -y httpd\n", select="SL204") == \
        "FROM rockylinux:9\nRUN dnf install -y httpd && dnf clean all\n"
    assert fix("FROM centos:7\nRUN yum -y install epel-release \\\n && yum -y install nginx\n", select="SL204") == \
        "FROM centos:7\nRUN yum -y install epel-release \\\n && yum -y install nginx \\\n && yum clean all\n"
    assert fix("FROM opensuse/leap\nRUN zypper -n in curl\n", select="SL204") == \
        "FROM opensuse/leap\nRUN zypper -n in curl && zypper clean -a\n"
    assert fix("FROM fedora\nUSER app\nRUN sudo -E dnf install -y git\n", select="SL204") == \
        "FROM fedora\nUSER app\nRUN sudo -E dnf install -y git && sudo -E dnf clean all\n"


def test_no_fix_for_another_root(lint):
    (finding,) = [d for d in lint("FROM fedora\nRUN dnf --installroot=/sysroot install -y bash\n")
                  if d.rule_id == "SL204"]
    assert finding.fix.edits == ()
