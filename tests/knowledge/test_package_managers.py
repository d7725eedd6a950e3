"""Package-manager command lines, read once for the rules and the replay (`knowledge.package_managers`)."""

from __future__ import annotations

import pytest

from dockerlint_slim.knowledge.package_managers import (
    APK_CACHE,
    APT_ARCHIVES,
    APT_LISTS,
    AUTOREMOVE,
    BUILD,
    CLEAN,
    DOWNLOAD,
    INSTALL,
    REMOVE,
    UPDATE,
    UPGRADE,
    apt_skips_recommends,
    clean_targets,
    cleans_all,
    expand_words,
    package_call,
    pip_cache_disabled,
)


@pytest.mark.parametrize(
    ("argv", "manager", "command", "action", "packages"),
    [
        # value options never read as the subcommand or a package
        ("apt-get -o Acquire::Retries=3 update", "apt", "update", UPDATE, ()),
        ("apt-get -o Dpkg::Options::=--force-confold purge -y gcc", "apt", "purge", REMOVE, ("gcc",)),
        ("apt-get install -y -t bookworm-backports curl=8.5.0-2 gcc:amd64 libfoo/bookworm-backports", "apt",
         "install", INSTALL, ("curl", "gcc", "libfoo")),
        ("apt-get install -y libcudnn8-dev=$CUDNN_VERSION-1 python${PY}-dev", "apt", "install", INSTALL,
         ("libcudnn8-dev", "python${PY}-dev")),
        ("apt autoremove -y", "apt", "autoremove", AUTOREMOVE, ()),
        ("aptitude update", "apt", "update", UPDATE, ()),
        ("aptitude install -y curl", "apt", "install", INSTALL, ("curl",)),
        ("apt-get dist-clean", "apt", "dist-clean", CLEAN, ()),
        ("apk --no-cache -X https://mirror/edge add --virtual .deps gcc musl-dev=1.2", "apk", "add", INSTALL,
         ("gcc", "musl-dev")),
        ("apk -t .deps add gcc", "apk", "add", INSTALL, ("gcc",)),
        ("apk del .deps", "apk", "del", REMOVE, (".deps",)),
        ("apk cache clean", "apk", "cache clean", CLEAN, ()),
        ("dnf --setopt=tsflags=nodocs -y install httpd", "rpm", "install", INSTALL, ("httpd",)),
        ("yum --enablerepo epel install -y jq", "rpm", "install", INSTALL, ("jq",)),
        (("dnf", "group", "install", "-y", "Development Tools"), "rpm", "group install", INSTALL,
         ("Development Tools",)),
        ("microdnf update", "rpm", "update", UPGRADE, ()),
        ("yum clean all", "rpm", "clean", CLEAN, ("all",)),
        ("zypper -n in -y curl", "zypper", "in", INSTALL, ("curl",)),
        ("zypper --non-interactive refresh", "zypper", "refresh", UPDATE, ()),
        ("pip3 install --no-cache-dir -r requirements.txt flask==3.0 uvicorn[standard]>=0.2", "pip", "install",
         INSTALL, ("flask", "uvicorn")),
        ("pip3.12 uninstall -y x", "pip", "uninstall", REMOVE, ("x",)),
        ("pip cache purge", "pip", "cache purge", CLEAN, ()),
        ("uv pip install --system x", "uv", "pip install", INSTALL, ("x",)),
        ("uv sync --frozen", "uv", "sync", INSTALL, ()),
        ("npm ci --omit dev", "npm", "ci", INSTALL, ()),
        ("npm install -g @scope/tool@1.2 lodash@4", "npm", "install", INSTALL, ("@scope/tool", "lodash")),
        ("npm cache clear --force", "npm", "cache clear", CLEAN, ()),
        ("yarn", "yarn", "", INSTALL, ()),
        ("yarn --frozen-lockfile", "yarn", "", INSTALL, ()),
        ("yarn global add pm2", "yarn", "global add", INSTALL, ("pm2",)),
        ("yarn --cwd app install", "yarn", "install", INSTALL, ()),
        ("pnpm --filter web install", "pnpm", "install", INSTALL, ()),
        ("pnpm store prune", "pnpm", "store prune", CLEAN, ()),
        ("go build -o /app ./cmd/app", "go", "build", BUILD, ()),
        ("go mod download", "go", "mod download", DOWNLOAD, ()),
        ("go clean -cache -modcache", "go", "clean", CLEAN, ()),
        ("gem install bundler -v 2.4", "gem", "install", INSTALL, ("bundler",)),
        ("bundle install --jobs 4", "bundler", "install", INSTALL, ()),
        ("conda env create -f env.yml", "conda", "env create", INSTALL, ()),
        ("composer global require laravel/installer", "composer", "global require", INSTALL,
         ("laravel/installer",)),
        ("cpanm -n Foo::Bar", "cpanm", "", INSTALL, ("Foo::Bar",)),
        ("cargo install ripgrep", "cargo", "install", BUILD, ("ripgrep",)),
    ],
)
def test_package_call_reads_the_command_line(argv, manager, command, action, packages):
    call = package_call(argv if isinstance(argv, tuple) else tuple(argv.split()))
    assert call is not None
    assert (call.name, call.subcommand, call.action, call.packages) == (manager, command, action, packages)


def test_python_m_pip_and_versioned_programs():
    call = package_call(("python3", "-m", "pip", "install", "-U", "pip"))
    assert (call.name, call.program, call.argv[:2], call.packages) == ("pip", "python3 -m pip", ("pip", "install"),
                                                                      ("pip",))
    assert package_call(("python3.11", "-mpip", "install", "x")).action == INSTALL
    assert package_call(("python3", "-c", "import pip")) is None
    assert package_call(("python3", "setup.py", "install")) is None
    assert package_call(("gem2.7", "install", "x")).name == "gem"


@pytest.mark.parametrize("argv", ["curl -o x", "ls -la", "make install", "dpkg -i x.deb", ""])
def test_other_programs_are_not_package_managers(argv):
    assert package_call(tuple(argv.split())) is None


def test_local_files_and_urls_are_not_package_names():
    call = package_call(("apt-get", "install", "-y", "./app.deb", "/tmp/x.deb", "curl"))
    assert call.packages == ("curl",) and call.files == ("./app.deb", "/tmp/x.deb")
    assert package_call(("pip", "install", "dist/app-1.0.whl", "https://x/y.tar.gz")).packages == ()
    assert package_call(("apk", "add", "$BUILD_DEPS")).variables == ("$BUILD_DEPS",)


def test_simulations():
    for argv in ("apt-get install -s x", "apt-get -qs install x", "apt-get install --dry-run x",
                 "apt-get --simulate install x"):
        assert package_call(tuple(argv.split())).simulated, argv
    for argv in ("apt-get install -y x", "apt-get -o APT::Get::Show-Versions=s install x",
                 "apt-get -t stable install x"):
        assert not package_call(tuple(argv.split())).simulated, argv


def test_auto_remove():
    assert package_call(("apt-get", "purge", "-y", "--auto-remove", "gcc")).auto_remove
    assert package_call(("apt-get", "-o", "APT::Get::AutoRemove=true", "remove", "gcc")).auto_remove
    assert not package_call(("apt-get", "remove", "-y", "gcc")).auto_remove
    assert package_call(("aptitude", "remove", "-y", "gcc")).auto_remove  # Aptitude::Delete-Unused
    assert package_call(("apt-get", "autoremove")).auto_remove


def test_apt_recommends():
    assert apt_skips_recommends(package_call(("apt-get", "install", "--no-install-recommends", "x")))
    assert apt_skips_recommends(package_call(("apt-get", "-o", "APT::Install-Recommends=false", "install", "x")))
    assert apt_skips_recommends(package_call(("apt-get", "-oAPT::Install-Recommends=0", "install", "x")))
    assert apt_skips_recommends(package_call(("aptitude", "install", "-R", "x")))
    assert apt_skips_recommends(package_call(("aptitude", "install", "--without-recommends", "x")))
    assert not apt_skips_recommends(package_call(("apt-get", "install", "-y", "x")))
    assert not apt_skips_recommends(package_call(("aptitude", "install", "-y", "x")))


@pytest.mark.parametrize(
    ("argv", "disabled"),
    [
        ("pip install --no-cache-dir x", True),
        ("pip install --no-cache x", True),  # optparse takes any unambiguous abbreviation
        ("pip install --no-cach x", True),
        ("pip install --no-cache-dirx x", False),
        ("pip install x", False),
        ("uv pip install --no-cache x", True),
        ("uv pip install -n x", True),
        ("uv pip install x", False),
    ],
)
def test_pip_cache_flags(argv, disabled):
    assert pip_cache_disabled(package_call(tuple(argv.split())), {}.get) is disabled


@pytest.mark.parametrize(("value", "disabled"), [("1", True), ("off", True), ("false", True), ("maybe", False)])
def test_pip_no_cache_dir_any_boolean(value, disabled):
    assert pip_cache_disabled(package_call(("pip", "install", "x")), {"PIP_NO_CACHE_DIR": value}.get) is disabled


def test_clean_targets():
    assert clean_targets(package_call(("apt-get", "clean"))) == [APT_ARCHIVES]
    assert clean_targets(package_call(("apt-get", "dist-clean"))) == [APT_ARCHIVES, APT_LISTS]
    assert clean_targets(package_call(("apk", "cache", "clean"))) == [APK_CACHE]
    assert clean_targets(package_call(("pip", "cache", "purge")), "/home/app") == ["/home/app/.cache/pip"]
    assert clean_targets(package_call(("pip", "cache", "purge")), None) == []
    assert clean_targets(package_call(("apt-get", "install", "x"))) == []
    assert cleans_all(package_call(("yum", "clean", "all")))
    assert not cleans_all(package_call(("yum", "clean", "packages")))
    assert cleans_all(package_call(("zypper", "clean", "-a"))) and not cleans_all(package_call(("zypper", "cc")))


def test_variables_are_expanded_as_buildkit_substitutes_them():
    env = {"APK_OPTS": "--no-cache --quiet", "EMPTY": "", "V": "1.2"}.get
    call = package_call(("apk", "add", "$APK_OPTS", "curl"), env)
    assert call.has_flag("--no-cache") and call.packages == ("curl",)
    assert package_call(("apk", "add", "${APK_OPTS}", "x"), env).has_flag("--quiet")
    assert package_call(("apk", "add", "${UNSET:-}", "x"), env).operands == ("${UNSET:-}", "x")  # never guessed
    assert package_call(("apk", "add", "$EMPTY", "x"), env).operands == ("x",)
    assert package_call(("apk", "add", "x=${V}"), env).operands == ("x=1.2",)
    assert expand_words(("a", "$(cmd)", "`cmd`"), env) == ("a", "$(cmd)", "`cmd`")
    assert expand_words(("${EMPTY:-d}",), env) == ("d",)
