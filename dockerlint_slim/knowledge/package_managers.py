"""What package managers' command lines mean, written once for the rules and the replay.

Per manager: the programs that run it, its options that take a value (so the value is never read as a package or a
subcommand), the subcommands that install, remove, refresh indexes or clean, where it keeps its caches and what
turns them off. `package_call(argv)` reads one command line (wrappers such as `sudo` already removed, see
`shell.argv.program_argv`) into a `PackageCall`:

    >>> call = package_call(("apt-get", "-o", "Acquire::Retries=3", "install", "-y", "curl=8.5.0-2"))
    >>> call.manager.name, call.action, call.packages
    ('apt', 'install', ('curl',))

With `lookup` (a variable's value when the command runs, None when unknown), words holding `$VARS` are expanded
the way BuildKit substitutes ARG/ENV values (`parser.words.expand`) and split into words as an unquoted shell
expansion is: `ARG APK_OPTS=--no-cache` + `apk add $APK_OPTS curl` reads as `apk add --no-cache curl`. A word
whose variables are not all known stays as written (`$BUILD_DEPS`): never guessed.
"""

from __future__ import annotations

import re
import weakref
from dataclasses import dataclass
from typing import Callable, Mapping

from dockerlint_slim.parser.words import expand
from dockerlint_slim.shell.argv import operands

# Actions: what a subcommand does.
INSTALL = "install"  # adds the named packages (and downloads them)
REMOVE = "remove"  # removes the named packages
AUTOREMOVE = "autoremove"  # removes packages nothing needs any more
UPDATE = "update"  # refreshes the repository indexes only
UPGRADE = "upgrade"  # upgrades what is installed (downloads packages)
CLEAN = "clean"  # empties (part of) the cache
BUILD = "build"  # compiles (Go, cargo): fills a build cache
DOWNLOAD = "download"  # fetches packages or sources without installing them
CONFIG = "config"  # reads or writes the tool's configuration
QUERY = "query"  # prints something (`pip cache dir`, `yarn cache dir`)


@dataclass(frozen=True)
class Manager:
    """One package manager: the programs that run it and how its command line reads."""

    name: str  # apt, apk, rpm, zypper, pip, uv, pipx, npm, yarn, pnpm, bun, go, gem, bundler, conda, composer, cargo, ...
    programs: frozenset[str]
    value_options: frozenset[str]  # global and subcommand options that take a value (`-o X`, `--virtual NAME`)
    commands: Mapping[tuple[str, ...], str]  # subcommand words -> action
    bare_action: str | None = None  # the action with no subcommand (`yarn` installs, `cpanm Module` installs)

    def __repr__(self) -> str:
        return f"Manager({self.name!r})"


def _commands(**groups: str) -> dict[tuple[str, ...], str]:
    """`_commands(install="install reinstall", clean="clean")` -> {("install",): "install", ...}; multi-word
    subcommands are written with `+` (`group+install`)."""
    table: dict[tuple[str, ...], str] = {}
    for action, words in groups.items():
        for word in words.split():
            table[tuple(word.split("+"))] = action
    return table


APT = Manager(
    "apt",
    frozenset({"apt-get", "apt", "aptitude"}),
    frozenset({"-o", "--option", "-c", "--config-file", "-t", "--target-release", "--default-release",
               "-a", "--host-architecture", "--target-architecture",
               # aptitude
               "-F", "--display-format", "-O", "--sort", "-w", "--width", "--log-file", "--log-level"}),
    _commands(
        install="install reinstall build-dep satisfy",
        remove="remove purge",
        autoremove="autoremove autopurge",
        update="update",
        upgrade="upgrade dist-upgrade full-upgrade safe-upgrade",
        clean="clean autoclean auto-clean dist-clean distclean",
        download="download source",
    ),
)

APK = Manager(
    "apk",
    frozenset({"apk"}),
    frozenset({"-X", "--repository", "-p", "--root", "--arch", "--cache-dir", "--keys-dir", "--repositories-file",
               "-t", "--virtual", "--wait", "--timeout", "--cache-max-age", "--progress-fd", "--cache-packages"}),
    _commands(
        install="add",
        remove="del",
        update="update",
        upgrade="upgrade fix",
        clean="cache+clean cache+purge cache+sync",
        download="fetch cache+download",
    ),
)

RPM = Manager(
    "rpm",
    frozenset({"yum", "dnf", "dnf5", "dnf-3", "microdnf", "tdnf"}),
    frozenset({"--setopt", "--enablerepo", "--disablerepo", "--repo", "--repoid", "--releasever", "-c", "--config",
               "--installroot", "-x", "--exclude", "-R", "--randomwait", "--repofrompath", "--forcearch",
               "-d", "--debuglevel", "-e", "--errorlevel", "--downloaddir", "--destdir", "--rpmverbosity",
               "--advisory", "--advisories", "--bz", "--cve", "--sec-severity", "--secseverity", "--comment",
               "--color", "--color-output", "--use-host-config"}),
    _commands(
        install="install groupinstall localinstall reinstall builddep group+install groups+install "
                "module+install in",
        remove="remove erase groupremove group+remove groups+remove rm",
        autoremove="autoremove",
        update="makecache check-update",
        upgrade="update upgrade distro-sync distrosync downgrade update-minimal upgrade-minimal group+update "
                "groupupdate",
        clean="clean",
        download="download",
    ),
)

ZYPPER = Manager(
    "zypper",
    frozenset({"zypper"}),
    frozenset({"-R", "--root", "-c", "--config", "-r", "--repo", "-p", "--plus-repo", "--from", "-t", "--type",
               "--plus-content", "-D", "--reposd-dir", "-C", "--cache-dir", "--raw-cache-dir", "--solv-cache-dir",
               "--pkg-cache-dir", "--releasever"}),
    _commands(
        install="install in source-install si",
        remove="remove rm",
        update="refresh ref",
        upgrade="update up dist-upgrade dup patch",
        clean="clean cc",
        download="download",
    ),
)

PIP = Manager(
    "pip",
    frozenset({"pip"}),  # also pip3, pip3.12 and `python -m pip`: see `package_call`
    frozenset({"-r", "--requirement", "-c", "--constraint", "-e", "--editable", "-t", "--target", "-i",
               "--index-url", "--extra-index-url", "-f", "--find-links", "--cache-dir", "--root", "--prefix",
               "--src", "--platform", "--python-version", "--implementation", "--abi", "--trusted-host", "--log",
               "--proxy", "--retries", "--timeout", "--progress-bar", "--upgrade-strategy", "--only-binary",
               "--no-binary", "--config-settings", "-C", "--global-option", "--install-option", "--report",
               "--python", "-d", "--dest", "-w", "--wheel-dir", "--exists-action", "--cert", "--client-cert",
               "--build", "-b", "--log-file", "--download-cache", "--root-user-action", "--use-feature",
               "--use-deprecated", "--keyring-provider", "--group"}),
    _commands(
        install="install",
        remove="uninstall",
        download="download wheel",
        clean="cache+purge cache+remove",
        query="cache+dir cache+info cache+list",
        config="config",
    ),
)

UV = Manager(
    "uv",
    frozenset({"uv"}),
    frozenset({"-r", "--requirement", "-c", "--constraint", "--cache-dir", "-p", "--python", "--index-url", "-i",
               "--extra-index-url", "--index", "-f", "--find-links", "--target", "--prefix", "--extra", "--group",
               "--package", "--with", "--directory", "--project", "--config-file", "--index-strategy",
               "--keyring-provider", "--resolution", "--prerelease", "--link-mode", "--compile-bytecode-timeout",
               "--python-platform", "--python-version", "--no-binary-package", "--no-build-package",
               "--only-group", "--no-group", "--exclude-newer", "--color"}),
    _commands(
        install="pip+install pip+sync sync tool+install",
        remove="pip+uninstall",
        clean="cache+clean",
        query="cache+dir",
    ),
)

PIPX = Manager(
    "pipx",
    frozenset({"pipx"}),
    frozenset({"--python", "--pip-args", "--suffix", "--index-url", "-i", "--spec", "--preinstall"}),
    _commands(install="install inject upgrade", remove="uninstall"),
)

NPM = Manager(
    "npm",
    frozenset({"npm"}),
    frozenset({"--cache", "--prefix", "--registry", "--workspace", "-w", "--omit", "--include", "--userconfig",
               "--globalconfig", "--loglevel", "--tag", "--only", "--cache-min", "--fetch-retries", "--location",
               "--install-strategy", "--before", "--save-prefix"}),
    _commands(
        install="install i in ins inst insta instal isnt isnta isntal isntall add ci clean-install ic "
                "install-clean isntall-clean update up upgrade udpate install-ci-test cit clean-install-test sit "
                "install-test it",
        remove="uninstall unlink remove rm r un",
        clean="cache+clean cache+clear cache+rm",
        query="cache+ls cache+verify config+get+cache",
        config="config",
    ),
)

YARN = Manager(
    "yarn",
    frozenset({"yarn", "yarnpkg"}),
    frozenset({"--cache-folder", "--cwd", "--modules-folder", "--registry", "--network-timeout", "--mutex",
               "--global-folder", "--link-folder", "--prefix", "--network-concurrency", "--child-concurrency",
               "--use-yarnrc", "--preferred-cache-folder"}),
    _commands(
        install="install add global+add upgrade",
        remove="remove global+remove",
        clean="cache+clean",
        query="cache+dir cache+list",
        config="config",
    ),
    bare_action=INSTALL,  # a bare `yarn` installs the project's dependencies
)

PNPM = Manager(
    "pnpm",
    frozenset({"pnpm"}),
    frozenset({"-C", "--dir", "--filter", "-F", "--store-dir", "--registry", "--reporter", "--loglevel",
               "--network-concurrency", "--child-concurrency", "--virtual-store-dir", "--modules-dir"}),
    _commands(
        install="install i add fetch update up upgrade install-test it",
        remove="remove rm uninstall un",
        clean="store+prune",
        query="store+path",
        config="config",
    ),
)

BUN = Manager(
    "bun",
    frozenset({"bun"}),
    frozenset({"--cwd", "--cache-dir", "--registry", "--backend", "--filter", "-c", "--config"}),
    _commands(
        install="install i add a update",
        remove="remove rm",
        clean="pm+cache+rm",
        query="pm+cache",
    ),
)

GO = Manager(
    "go",
    frozenset({"go"}),
    frozenset({"-o", "-C", "-tags", "-ldflags", "-gcflags", "-mod", "-p", "-run", "-exec", "-modfile", "-overlay",
               "-pkgdir", "-toolexec", "-asmflags", "-buildmode", "-installsuffix", "-compiler", "-gccgoflags",
               "-bench", "-count", "-timeout", "-coverprofile", "-covermode", "-coverpkg", "-cpu", "-parallel",
               "-pgo", "-buildvcs"}),
    _commands(
        build="build install test run vet generate",
        download="mod+download get",
        clean="clean",
        config="env",
    ),
)

GEM = Manager(
    "gem",
    frozenset({"gem"}),
    frozenset({"-v", "--version", "-i", "--install-dir", "-n", "--bindir", "-s", "--source", "-P", "--trust-policy",
               "--platform", "-g", "--file", "--build-root", "--document"}),
    _commands(install="install i update", remove="uninstall", clean="cleanup"),
)

BUNDLER = Manager(
    "bundler",
    frozenset({"bundle", "bundler"}),
    frozenset({"--path", "--jobs", "-j", "--retry", "--without", "--with", "--gemfile", "--binstubs", "--shebang",
               "--standalone", "--trust-policy", "--target-rbconfig"}),
    _commands(install="install update", clean="clean"),
)

CONDA = Manager(
    "conda",
    frozenset({"conda", "mamba", "micromamba"}),
    frozenset({"-n", "--name", "-p", "--prefix", "-c", "--channel", "-f", "--file", "--repodata-fn",
               "--platform", "--subdir", "-r", "--root-prefix"}),
    _commands(
        install="install create update upgrade env+create env+update",
        remove="remove uninstall env+remove",
        clean="clean",
        config="config",
    ),
)

COMPOSER = Manager(
    "composer",
    frozenset({"composer", "composer.phar"}),
    frozenset({"-d", "--working-dir", "--repository", "--repository-url", "--stability", "-s"}),
    _commands(
        install="install i update u upgrade require r create-project global+install global+update "
                "global+require global+r",
        remove="remove rm global+remove",
        clean="clear-cache clearcache cc",
    ),
)

CARGO = Manager(
    "cargo",
    frozenset({"cargo"}),
    frozenset({"--target", "-p", "--package", "--root", "--features", "-F", "-j", "--jobs", "--manifest-path",
               "--target-dir", "--profile", "--bin", "--example", "--version", "--git", "--branch", "--tag",
               "--rev", "--path", "--index", "--registry", "--config", "-Z", "--color"}),
    _commands(build="build b install fetch", clean="clean"),
)

CPANM = Manager(
    "cpanm",
    frozenset({"cpanm"}),
    frozenset({"-l", "--local-lib", "-L", "--local-lib-contained", "--mirror", "--from", "-M", "--configure-timeout",
               "--build-timeout", "--test-timeout", "--with-feature", "--without-feature", "--cpanfile"}),
    {},
    bare_action=INSTALL,  # `cpanm Module::Name` installs
)

CPM = Manager(
    "cpm",
    frozenset({"cpm"}),
    frozenset({"-L", "--local-lib-contained", "--home", "-r", "--resolver", "--mirror", "-w", "--workers",
               "--cpanfile", "--feature", "--with", "--without"}),
    _commands(install="install"),
)

MANAGERS: tuple[Manager, ...] = (APT, APK, RPM, ZYPPER, PIP, UV, PIPX, NPM, YARN, PNPM, BUN, GO, GEM, BUNDLER, CONDA,
                                 COMPOSER, CARGO, CPANM, CPM)
_BY_PROGRAM = {program: manager for manager in MANAGERS for program in manager.programs}
# OS package managers: their operands are system package names.
SYSTEM_MANAGERS = frozenset({"apt", "apk", "rpm", "zypper"})

_PIP_PROGRAM = re.compile(r"^pip(\d+(\.\d+)?)?$")
_PYTHON_PROGRAM = re.compile(r"^python(\d+(\.\d+)?)?$")
_VERSIONED = re.compile(r"^(gem|bundle|bundler)\d+(\.\d+)*$")  # gem2.7 on some distros
_MAX_COMMAND_WORDS = max(len(words) for m in MANAGERS for words in m.commands)


@dataclass(frozen=True)
class PackageCall:
    """One package-manager command line, read."""

    manager: Manager
    program: str  # as run, for messages: `apt-get`, `pip3`, `python3 -m pip`
    argv: tuple[str, ...]  # from the manager's program on (`pip install x` for `python -m pip install x`)
    command: tuple[str, ...]  # the subcommand words as written: ("install",), ("group", "install"), () for `yarn`
    action: str | None  # INSTALL, REMOVE, ... (None for a subcommand not listed)
    operands: tuple[str, ...]  # the non-option words after the subcommand

    @property
    def name(self) -> str:
        """The manager's name (`apt` for apt-get, apt and aptitude)."""
        return self.manager.name

    @property
    def subcommand(self) -> str:
        """The subcommand as written (`install`, `in`, `group install`), empty for a bare `yarn`."""
        return " ".join(self.command)

    def has_flag(self, *names: str) -> bool:
        """One of the options `names` is given (`--no-cache`, `--no-cache=...`, a short `-y` alone)."""
        for arg in self.argv[1:]:
            if arg == "--":
                break
            for name in names:
                if arg == name or (name.startswith("--") and arg.startswith(name + "=")):
                    return True
        return False

    def has_short_flag(self, letter: str) -> bool:
        """A short flag given alone or in a cluster (`-s`, `-qs`), never a value option's attached value."""
        for arg in self.argv[1:]:
            if arg == "--":
                break
            if arg.startswith("-") and not arg.startswith("--") and len(arg) > 1:
                head = "-" + arg[1]
                if head in self.manager.value_options and arg[1] != letter:
                    continue  # `-oAPT::...=s`: a value, not flags
                if letter in arg[1:] and all(c.isalpha() for c in arg[1:]):
                    return True
        return False

    def option(self, *names: str) -> str | None:
        """The value of the last of `names` given (`--virtual .deps`, `--virtual=.deps`, `-t.deps`)."""
        found = None
        args = self.argv[1:]
        for index, arg in enumerate(args):
            if arg == "--":
                break
            for name in names:
                if arg == name and index + 1 < len(args):
                    found = args[index + 1]
                elif name.startswith("--") and arg.startswith(name + "="):
                    found = arg.split("=", 1)[1]
                elif len(name) == 2 and not name.startswith("--") and arg.startswith(name) and len(arg) > 2:
                    found = arg[2:]
        return found

    def options(self, *names: str) -> list[str]:
        """Every value given to one of `names` (`-o A=1 -o B=2`)."""
        found = []
        args = self.argv[1:]
        for index, arg in enumerate(args):
            for name in names:
                if arg == name and index + 1 < len(args):
                    found.append(args[index + 1])
                elif name.startswith("--") and arg.startswith(name + "="):
                    found.append(arg.split("=", 1)[1])
                elif len(name) == 2 and arg.startswith(name) and len(arg) > 2:
                    found.append(arg[2:])
        return found

    @property
    def variables(self) -> tuple[str, ...]:
        """Operands that are unexpanded variables (`$buildDeps`, `${PACKAGES}`)."""
        return tuple(w for w in self.operands if w.startswith("$"))

    @property
    def packages(self) -> tuple[str, ...]:
        """The package names among the operands, versions and release/architecture qualifiers removed
        (`curl=8.5.0-2`, `gcc:amd64`, `foo/bookworm-backports`, `numpy==1.26`, `lodash@4`); local files,
        URLs and unexpanded variables are not package names."""
        names = []
        for word in self.operands:
            name = package_name(self.manager, word)
            if name:
                names.append(name)
        return tuple(names)

    @property
    def files(self) -> tuple[str, ...]:
        """Operands that name local package files or directories (`./app.deb`, `/tmp/x.rpm`, `dist/*.whl`)."""
        return tuple(w for w in self.operands if _is_local_file(self.manager, w))

    @property
    def simulated(self) -> bool:
        """The command only prints what it would do (`apt-get install -s`, `--dry-run`)."""
        if self.manager is APT:
            return self.has_flag(*_APT_SIMULATE) or self.has_short_flag("s")
        return self.has_flag(*_DRY_RUN.get(self.manager.name, ()))

    @property
    def auto_remove(self) -> bool:
        """A removal that also removes the dependencies nothing else needs any more."""
        if self.action == AUTOREMOVE:
            return True
        if self.action != REMOVE:
            return False
        if self.argv[0] == "aptitude":
            return True  # aptitude removes unused packages by default (Aptitude::Delete-Unused)
        if self.manager is APT:
            return self.has_flag("--auto-remove", "--autoremove") or any(
                _apt_option_is(o, "apt::get::autoremove", _TRUE) for o in self.options("-o", "--option"))
        if self.manager is APK:
            return True  # apk del always removes dependencies nothing else needs
        if self.manager is RPM:
            return self.argv[0] in ("dnf", "dnf5", "dnf-3", "microdnf")  # dnf's clean_requirements_on_remove
        if self.manager is ZYPPER:
            return self.has_flag("--clean-deps", "-u")
        return False


_APT_SIMULATE = ("--simulate", "--just-print", "--dry-run", "--recon", "--no-act")
_DRY_RUN = {
    "apk": ("-s", "--simulate"),
    "rpm": ("--assumeno",),
    "zypper": ("-D", "--dry-run"),
    "pip": ("--dry-run",),
    "npm": ("--dry-run",),
    "pnpm": ("--dry-run",),
    "bun": ("--dry-run",),
    "conda": ("-d", "--dry-run"),
    "composer": ("--dry-run",),
}
_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off"})


def _apt_option_is(option: str, key: str, values: frozenset[str]) -> bool:
    name, _, value = option.partition("=")
    return name.strip().lower() == key and value.strip().strip("\"';").lower() in values


_PACKAGE_SUFFIXES = (".deb", ".rpm", ".apk", ".whl", ".tar.gz", ".tgz", ".zip", ".gem", ".tar.bz2", ".egg")


def _is_local_file(manager: Manager, word: str) -> bool:
    if "://" in word or word.startswith("$"):
        return False
    if word.startswith(("/", "./", "../", "~")) or word in (".", ".."):
        return True
    if manager.name in ("npm", "yarn", "pnpm", "bun"):
        return word.startswith("file:") or word.lower().endswith((".tgz", ".tar.gz"))
    if word.lower().endswith(_PACKAGE_SUFFIXES):
        return True
    # `apt-get install foo/bookworm-backports` names a release; `pip install dist/app` a directory.
    return "/" in word and manager.name in ("pip", "uv", "pipx")


def package_name(manager: Manager, word: str) -> str | None:
    """The package a word names (`curl=8.5.0-2` -> `curl`, `gcc=$GCC_VERSION` -> `gcc`), None for files, URLs,
    variables and globs."""
    if not word or word.startswith("$") or "`" in word or "$(" in word or "://" in word or _is_local_file(manager, word):
        return None  # `python${PY}-dev` is kept: a name with an unknown part is still a name
    if manager.name in ("npm", "yarn", "pnpm", "bun"):
        scoped = word.startswith("@")
        base = word[1:] if scoped else word
        base = base.split("@", 1)[0]
        return ("@" + base) if scoped else base or None
    if manager.name in ("pip", "uv", "pipx"):
        name = re.split(r"[\[=<>!~;@ ]", word, maxsplit=1)[0]
        return name or None
    if manager.name == "apt":
        word = word.split("/", 1)[0]  # `foo/bookworm-backports`: the release to take it from
        name = re.split(r"[=:]", word, maxsplit=1)[0]
    elif manager.name == "apk":
        name = re.split(r"[=<>~@]", word, maxsplit=1)[0]
    elif manager.name in ("rpm", "zypper"):
        if word.startswith("@"):
            return word  # a group: `@development-tools`
        name = re.split(r"[=<>]", word, maxsplit=1)[0]
    elif manager.name in ("cpanm", "cpm"):
        name = re.split(r"[~@]", word, maxsplit=1)[0]  # `Foo::Bar@1.2`, `Foo::Bar~">= 1.2"`
    else:
        name = re.split(r"[=:<>~@]", word, maxsplit=1)[0]
    if not name or any(c in name for c in "*?[") or name.startswith("-"):
        return None
    return name


def manager_named(program: str) -> Manager | None:
    """The manager a program name runs (`apt-get` -> APT, `pip3.12` -> PIP), None for any other program."""
    if _PIP_PROGRAM.match(program):
        return PIP
    if _VERSIONED.match(program):
        program = re.sub(r"[\d.]+$", "", program)
    return _BY_PROGRAM.get(program)


Lookup = Callable[[str], "str | None"]


class _Known(Mapping):
    """The mapping `parser.words.expand` reads, remembering whether a variable it asked for is unknown."""

    def __init__(self, lookup: Lookup) -> None:
        self.lookup = lookup
        self.unknown = False

    def get(self, name, default=None):
        value = self.lookup(name)
        if value is None:
            self.unknown = True
        return value

    def __getitem__(self, name):
        value = self.get(name)
        if value is None:
            raise KeyError(name)
        return value

    def __iter__(self):
        return iter(())

    def __len__(self) -> int:
        return 0


_UNEXPANDABLE = re.compile(r"\$\(|`|['\"\\]")


def expand_words(argv: tuple[str, ...], lookup: Lookup) -> tuple[str, ...]:
    """`argv` with `$VAR`/`${VAR:-x}` words substituted as BuildKit substitutes ARG/ENV values and split at blanks
    (an unquoted expansion); a word with an unknown variable or a command substitution is kept as written."""
    if not any("$" in word for word in argv):
        return argv
    out: list[str] = []
    for word in argv:
        if "$" not in word or _UNEXPANDABLE.search(word):
            out.append(word)
            continue
        known = _Known(lookup)
        value = expand(word, known)
        if known.unknown:
            out.append(word)
        else:
            out.extend(value.split())
    return tuple(out)


def package_call(argv: tuple[str, ...], lookup: Lookup | None = None) -> PackageCall | None:
    """The package-manager command `argv` runs (wrappers already removed, argv[0] a base name), or None when it
    runs no known package manager. `lookup` gives the value of a variable (None: unknown) to read flags and
    packages held in ARG/ENV."""
    if not argv:
        return None
    if lookup is not None:
        argv = expand_words(argv, lookup)
        if not argv:
            return None
    program = argv[0].rsplit("/", 1)[-1]
    manager = manager_named(program)
    own = argv
    if manager is None and _PYTHON_PROGRAM.match(program):
        own = _python_m_pip(argv)
        if own is None:
            return None
        manager = PIP
        program = f"{program} -m pip"
    if manager is None:
        return None
    words = tuple(operands(own[1:], manager.value_options))
    for length in range(min(_MAX_COMMAND_WORDS, len(words)), 0, -1):
        action = manager.commands.get(words[:length])
        if action is not None:
            return PackageCall(manager, program, own, words[:length], action, words[length:])
    if manager.bare_action is not None and (not words or manager is CPANM):
        if any(a in _NOT_INSTALLING.get(manager.name, ()) for a in own[1:]):
            return PackageCall(manager, program, own, (), None, words)  # `yarn --version`, `cpanm --info X`
        return PackageCall(manager, program, own, (), manager.bare_action, words)
    return PackageCall(manager, program, own, words[:1], None, words[1:])


# Options that make a bare `yarn` / `cpanm` print something instead of installing.
_NOT_INSTALLING = {
    "yarn": frozenset({"-v", "--version", "-h", "--help"}),
    "cpanm": frozenset({"-V", "--version", "-h", "--help", "--info", "--look", "-U", "--uninstall", "--self-upgrade",
                        "--showdeps", "--scandeps"}),
}


def _python_m_pip(argv: tuple[str, ...]) -> tuple[str, ...] | None:
    """`python3 -m pip install x` -> ("pip", "install", "x"); None when the interpreter runs something else."""
    for index, arg in enumerate(argv[1:], start=1):
        if arg == "-m" and index + 1 < len(argv):
            return ("pip", *argv[index + 2 :]) if argv[index + 1] == "pip" else None
        if arg == "-mpip":
            return ("pip", *argv[index + 1 :])
        if not arg.startswith("-"):
            return None
    return None


# --- caches -------------------------------------------------------------------------------------------------------

APT_LISTS = "/var/lib/apt/lists"  # the indexes `apt-get update` downloads
APT_ARCHIVES = "/var/cache/apt"  # downloaded .deb files and apt's binary caches (pkgcache.bin)
APK_CACHE = "/var/cache/apk"  # the APKINDEX files without --no-cache
APK_CACHE_LINK = "/etc/apk/cache"  # when present, apk keeps its indexes and packages there
RPM_CACHE_DIRS = {
    "yum": "/var/cache/yum",
    "dnf": "/var/cache/dnf",
    "dnf-3": "/var/cache/dnf",
    "dnf5": "/var/cache/libdnf5",
    "microdnf": "/var/cache/yum",
    "tdnf": "/var/cache/tdnf",
}
ALL_RPM_CACHE_DIRS = ("/var/cache/yum", "/var/cache/dnf", "/var/cache/libdnf5", "/var/cache/tdnf")
ZYPPER_CACHE = "/var/cache/zypp"
PIP_CACHE = "/root/.cache/pip"  # root's; `~/.cache/pip` for another user, `$XDG_CACHE_HOME/pip`
UV_CACHE = "/root/.cache/uv"
NPM_CACHE = "/root/.npm/_cacache"  # an rm of ~/.npm or of ~/.npm/_cacache removes it
# yarn v1 run by root on Linux keeps its cache under /usr/local/share whatever $HOME is (its user-home-dir.js);
# other users use ~/.cache/yarn; yarn 2+ with a global cache ~/.yarn/berry/cache.
YARN_ROOT_CACHE = "/usr/local/share/.cache/yarn"
YARN_USER_CACHES = ("/root/.cache/yarn", "/root/.yarn/berry/cache")
PNPM_STORES = ("/root/.local/share/pnpm/store", "/root/.pnpm-store")
GO_BUILD_CACHE = "/root/.cache/go-build"
@dataclass(frozen=True)
class PackageCache:
    """A cache a package manager keeps in the image, as measured images (`slimlint image`) name it: a package manager
    rewriting its own cache (apt's lists and pkgcache.bin rewritten by the next `apt-get install`) needs the cache
    cleaned or mounted in the RUN that fills it, not the chmod/chown advice."""

    directory: str  # absolute, with a trailing slash
    what: str  # for messages
    clean: str  # the command that removes it at the end of the RUN that fills it


CACHES = (
    PackageCache(APT_LISTS + "/", "apt's package lists", f"rm -rf {APT_LISTS}/*"),
    PackageCache(APT_ARCHIVES + "/", "apt's package cache (pkgcache.bin, downloaded .deb files)", "apt-get clean"),
    PackageCache(RPM_CACHE_DIRS["dnf"] + "/", "dnf's metadata and package cache", "dnf clean all"),
    PackageCache(RPM_CACHE_DIRS["yum"] + "/", "yum's metadata and package cache", "yum clean all"),
    PackageCache(ZYPPER_CACHE + "/", "zypper's cache", "zypper clean --all"),
    PackageCache(APK_CACHE + "/", "apk's index cache", f"rm -rf {APK_CACHE}/*"),
    PackageCache(PIP_CACHE + "/", "pip's download cache", "pip install --no-cache-dir"),
    PackageCache(NPM_CACHE.rsplit("/", 1)[0] + "/", "npm's cache", "npm cache clean --force"),
    PackageCache(YARN_ROOT_CACHE + "/", "yarn's cache", "yarn cache clean"),
)


def cache_of(path: str) -> PackageCache | None:
    """The package cache `path` (a file or a cache's own folder) belongs to, None for any other path."""
    for cache in CACHES:
        if path.startswith(cache.directory) or path + "/" == cache.directory:
            return cache
    return None


# Environment variables that move a cache, per manager (the first one set wins).
CACHE_ENV = {
    "pip": ("PIP_CACHE_DIR",),
    "uv": ("UV_CACHE_DIR",),
    "npm": ("npm_config_cache", "NPM_CONFIG_CACHE"),
    "yarn": ("YARN_CACHE_FOLDER",),
    "pnpm": (),  # the store: `--store-dir`, `pnpm config set store-dir`, `$PNPM_HOME/store`
    "go": ("GOCACHE", "GOMODCACHE", "GOPATH"),
    "composer": ("COMPOSER_CACHE_DIR",),
    "cpanm": ("PERL_CPANM_HOME",),
    "cpm": ("PERL_CPM_HOME",),
    "cargo": ("CARGO_HOME",),
    "conda": ("CONDA_PKGS_DIRS",),
}
# The commands that print where a tool keeps its cache (`rm -rf $(yarn cache dir)` is a cleanup).
CACHE_QUERIES = {
    "pip": ("pip cache dir", "pip3 cache dir", "python -m pip cache dir", "python3 -m pip cache dir"),
    "uv": ("uv cache dir",),
    "npm": ("npm config get cache",),
    "yarn": ("yarn cache dir", "yarn cache dir --silent"),
    "pnpm": ("pnpm store path",),
}
# Environment that official images set for their package managers (FROM golang: GOPATH=/go).
IMAGE_ENV = {
    "golang": {"GOPATH": "/go"},
    "rust": {"CARGO_HOME": "/usr/local/cargo", "RUSTUP_HOME": "/usr/local/rustup"},
    "ruby": {"GEM_HOME": "/usr/local/bundle", "BUNDLE_APP_CONFIG": "/usr/local/bundle"},
    "composer": {"COMPOSER_HOME": "/tmp"},
}
# Images built FROM an official image (their Dockerfiles say so), which keep its environment and configuration:
# devcontainers' language images (`FROM golang:${VARIANT}`, `FROM rust:1-${VARIANT}`, ...), discourse/ruby (the
# ruby image's Dockerfile with jemalloc).
_BUILT_FROM_OFFICIAL = {
    f"mcr.microsoft.com/{prefix}/{name}": official
    for prefix in ("devcontainers", "vscode/devcontainers")
    for name, official in (("go", "golang"), ("rust", "rust"), ("ruby", "ruby"), ("python", "python"),
                           ("javascript-node", "node"), ("typescript-node", "node"), ("php", "php"))
} | {"discourse/ruby": "ruby"}


def official_image(base_image: str) -> str | None:
    """The official image `base_image` is or is built from (`golang:1.22` -> golang,
    `mcr.microsoft.com/devcontainers/rust:1` -> rust), None when not known."""
    from dockerlint_slim.knowledge.base_images import parse_image

    ref = parse_image(base_image or "")
    if ref is None:
        return None
    return _BUILT_FROM_OFFICIAL.get(ref.name, ref.name if "/" not in ref.name else None)

_PIP_BOOLEANS = _TRUE | _FALSE | frozenset({"y", "t", "n", "f"})


def pip_cache_disabled(call: PackageCall, env: Lookup) -> bool:
    """pip or uv will not write its cache: `--no-cache-dir` (pip's option parser takes any unambiguous
    abbreviation: `--no-cache`, `--no-cach`), uv's `--no-cache`/`-n`, `PIP_NO_CACHE_DIR` set to ANY valid boolean
    (pip reads even `off`/`0` as "no cache", a documented compatibility quirk) or `UV_NO_CACHE` truthy."""
    if call.manager is PIP:
        if any(arg.startswith("--no-cach") and "--no-cache-dir".startswith(arg.split("=", 1)[0])
               for arg in call.argv[1:]):
            return True
        value = env("PIP_NO_CACHE_DIR")
        return value is not None and value.strip().lower() in _PIP_BOOLEANS
    if call.manager is UV:
        if call.has_flag("--no-cache", "-n", "--no-cache-dir"):
            return True
        value = env("UV_NO_CACHE")
        return value is not None and value.strip().lower() in _TRUE
    return False


def apt_skips_recommends(call: PackageCall) -> bool:
    """`--no-install-recommends`, `-o APT::Install-Recommends=false`, aptitude's `-R`/`--without-recommends`."""
    if call.has_flag("--no-install-recommends", "--without-recommends"):
        return True
    if call.argv[0] == "aptitude" and call.has_short_flag("R"):
        return True
    return any(_apt_option_is(o, "apt::install-recommends", _FALSE) for o in call.options("-o", "--option"))


def clean_targets(call: PackageCall, home: str | None = "/root") -> list[str]:
    """The cache directories a clean command empties (`apt-get clean` -> /var/cache/apt). `home` is $HOME (None
    when unknown: the per-user caches are then not named)."""
    if call.action != CLEAN:
        return []
    if call.manager is APT:
        if call.command in (("distclean",), ("dist-clean",)):  # apt >= 2.7.8; `dist-clean` is its alias
            return [APT_ARCHIVES, APT_LISTS]
        return [APT_ARCHIVES]
    if call.manager is RPM:
        return list(ALL_RPM_CACHE_DIRS)
    if call.manager is ZYPPER:
        return [ZYPPER_CACHE]
    if call.manager is APK and call.command in (("cache", "clean"), ("cache", "purge")):
        return [APK_CACHE]
    if call.manager is PIP and home:
        return [home.rstrip("/") + "/.cache/pip"]
    if call.manager is NPM and home:
        return [home.rstrip("/") + "/.npm"]
    return []


def cleans_all(call: PackageCall) -> bool:
    """A clean that drops the whole cache, metadata included (not `yum clean packages`, `zypper clean` without
    `-a`, `uv cache prune`, `apt-get autoclean`)."""
    if call.action != CLEAN:
        return False
    if call.manager is RPM:
        return "all" in call.operands
    if call.manager is ZYPPER:
        return call.has_flag("-a", "--all") or call.has_short_flag("a")
    if call.manager is APT:
        return call.command in (("clean",), ("distclean",), ("dist-clean",))
    return True


def image_env(base_image: str) -> dict[str, str]:
    """The package-manager variables the stage's official base image sets (`golang` -> GOPATH=/go)."""
    return IMAGE_ENV.get(official_image(base_image) or "", {})


def variables_at(stage, run, command) -> Lookup:
    """A variable's value when `command` (of `run`, in `stage`) runs: its `VAR=value` prefix, else ENV/ARG above
    the RUN (`model.queries.var_before`), else what the official base image sets; None when unknown."""
    from dockerlint_slim.model.queries import var_before

    prefixes = dict(command.env)
    defaults = image_env(stage.base_image)

    def lookup(name: str) -> str | None:
        if name in prefixes:
            return prefixes[name]
        value = var_before(stage, run, name)
        return value if value is not None else defaults.get(name)

    return lookup


# pip 6.0 (December 2014) added the cache and --no-cache-dir/--cache-dir. Releases whose python-pip/python3-pip
# package is older: Debian 7 wheezy (1.1) and 8 jessie (1.5.6), Ubuntu 12.04 precise (1.0) and 14.04 trusty (1.5.4).
_PRE_CACHE_PIP_TAG = re.compile(r"(?:^|[-_.])(wheezy|jessie|precise|trusty|ubuntu1[24]\.04)(?:$|[-_.])")
_PRE_CACHE_PIP_RELEASE = {"debian": re.compile(r"^(7|8)(\.|-|$)"), "ubuntu": re.compile(r"^1[24]\.04(\.|-|$)")}
# Images that install a current pip of their own whatever the release they are built on.
_OWN_PIP_IMAGES = frozenset({"python", "pypy"})


def distro_pip_predates_cache(base_image: str) -> bool:
    """The base image's release packages a pip older than 6 (no cache, no `--no-cache-dir`): `ubuntu:14.04`,
    `debian:jessie`, `nvidia/cuda:8.0-devel-ubuntu14.04`, `buildpack-deps:trusty`."""
    from dockerlint_slim.knowledge.base_images import parse_image

    ref = parse_image(base_image or "")
    if ref is None or ref.tag is None or ref.name in _OWN_PIP_IMAGES:
        return False
    tag = ref.tag.lower()
    release = _PRE_CACHE_PIP_RELEASE.get(ref.name)
    return bool(release is not None and release.match(tag)) or bool(_PRE_CACHE_PIP_TAG.search(tag))


_DISTRO_PIP_PACKAGES = frozenset({"python-pip", "python3-pip", "python2-pip", "python-pip-whl"})


def installs_distro_pip(call: PackageCall | None) -> bool:
    """`apt-get install python-pip` / `python3-pip`: pip from the distribution's archive."""
    return call is not None and call.manager is APT and call.action == INSTALL and any(
        p in _DISTRO_PIP_PACKAGES for p in call.packages)


def installs_own_pip(call: PackageCall | None, argv: tuple[str, ...]) -> bool:
    """A pip from PyPI replaces the distribution's: `pip install -U pip`, `easy_install pip`, `python get-pip.py`."""
    if call is not None:
        return call.manager is PIP and call.action == INSTALL and "pip" in call.packages
    if not argv:
        return False
    name = argv[0].rsplit("/", 1)[-1]
    if name.startswith("easy_install"):
        return "pip" in argv[1:]
    # `python get-pip.py`, `curl -sSL https://bootstrap.pypa.io/get-pip.py | python`
    return any(a.split("?", 1)[0].endswith("get-pip.py") for a in argv[1:])


# Go 1.10 (February 2018) added the build cache (GOCACHE, `go clean -cache`); Go 1.11 (August 2018) modules and the
# module cache ($GOPATH/pkg/mod, `go clean -modcache`). Before, `go get` put sources in $GOPATH/src: the workspace.
GO_BUILD_CACHE_SINCE = (1, 10)
GO_MODULE_CACHE_SINCE = (1, 11)
GO_MODULES_BY_DEFAULT_SINCE = (1, 16)  # GO111MODULE=on by default: `go get` fills the module cache
GO_GET_NEEDS_A_MODULE_SINCE = (1, 18)  # `go get` outside a module is an error ("no longer supported outside a module")
GO_STD_IN_BUILD_CACHE_SINCE = (1, 20)  # the standard library is no longer shipped precompiled: it lands in the cache
_GO_TAG = re.compile(r"^(\d+)\.(\d+)(?:\.|-|$)")
_GO_ARCHIVE = re.compile(r"(?:^|/)go(\d+)\.(\d+)(?:\.\d+)?(?:(?:rc|beta)\d+)?\.(?:linux|src|freebsd|darwin)")
# The golang-go package of a release (Debian 8-10, Ubuntu 14.04-18.04); newer releases package a Go with both caches.
_RELEASE_GO = {
    "debian": {"jessie": (1, 3), "8": (1, 3), "stretch": (1, 7), "9": (1, 7), "buster": (1, 11), "10": (1, 11)},
    "ubuntu": {"trusty": (1, 2), "14.04": (1, 2), "xenial": (1, 6), "16.04": (1, 6), "bionic": (1, 10),
               "18.04": (1, 10)},
}
_RELEASE_TAG = re.compile(r"^(\d+\.\d+|\d+|[a-z]+)")
_GOLANG_RELEASE_PACKAGE = re.compile(r"^golang-(\d+)\.(\d+)-go$")


def go_version_of_image(base_image: str) -> tuple[int, int] | None:
    """The Go version a `golang:<tag>` base image ships (`golang:1.9-alpine` -> (1, 9)); None when not known."""
    from dockerlint_slim.knowledge.base_images import parse_image

    ref = parse_image(base_image or "")
    if ref is None or official_image(base_image) != "golang" or ref.tag is None:
        return None
    match = _GO_TAG.match(ref.tag)
    return (int(match.group(1)), int(match.group(2))) if match else None


def go_version_installed(call: PackageCall | None, argv: tuple[str, ...], base_image: str) -> tuple[int, int] | None:
    """The Go version a command installs: a release archive it downloads (`go1.9.2.linux-amd64.tar.gz`) or the
    release's golang-go package on Debian 8-13 / Ubuntu 14.04-18.04; None for any other command."""
    if call is None:
        for word in argv[1:]:
            match = _GO_ARCHIVE.search(word)
            if match and "://" in word:
                return int(match.group(1)), int(match.group(2))
        return None
    if call.manager is not APT or call.action != INSTALL or not {"golang", "golang-go"} & set(call.packages):
        return None
    from dockerlint_slim.knowledge.base_images import parse_image

    ref = parse_image(base_image or "")
    if ref is None or ref.tag is None:
        return None
    if ref.name in _RELEASE_GO:
        match = _RELEASE_TAG.match(ref.tag.lower())
        version = _RELEASE_GO[ref.name].get(match.group(1)) if match else None
        if version is not None:
            return version
    # Debian 11-13: golang-go depends on the release's golang-1.N-go (Debian's package table says which)
    from dockerlint_slim.knowledge.debian_packages import debian_suite, installs

    suite = debian_suite(base_image)
    added = installs(suite, [name for name in call.packages if name in ("golang", "golang-go")]) if suite else None
    versions = {(int(m.group(1)), int(m.group(2))) for m in map(_GOLANG_RELEASE_PACKAGE.match, added or ()) if m}
    return versions.pop() if len(versions) == 1 else None


# A script of the project whose name says it cleans (`clean-layer.sh`, `/usr/local/bin/cleanup`): the linter cannot
# read it, so a cache it may remove is not reported (precision first).
_CLEANUP_SCRIPT = re.compile(r"(?:^|[-_.])(?:clean(?:up|_up|-up)?|clear)(?:[-_.]|$)", re.IGNORECASE)
_SHELLS = frozenset({"sh", "bash", "dash", "ash", "zsh", "source", "."})


def is_cleanup_script(argv: tuple[str, ...]) -> bool:
    """`clean-layer.sh`, `/tmp/cleanup.sh`, `bash ./scripts/clean.sh`, `apt-install-and-clear`: a project script
    named for cleaning (not a package manager's own clean command, which is read as such)."""
    if not argv or manager_named(argv[0].rsplit("/", 1)[-1]) is not None:
        return False
    name = argv[0].rsplit("/", 1)[-1]
    if name in _SHELLS:
        script = next((a for a in argv[1:] if not a.startswith("-")), None)
        if script is None:
            return False
        name = script.rsplit("/", 1)[-1]
    elif name in ("make", "git", "go", "cargo", "mvn", "gradle", "docker", "rm", "find"):
        return False
    return bool(_CLEANUP_SCRIPT.search(name))


# Install helpers that by convention update, install and then delete apt's lists and archives in one call: bitnami's
# minideb `install_packages`, gitpod's `install-packages`.
_APT_CLEANING_INSTALLERS = frozenset({"install_packages", "install-packages"})


def is_apt_cleaning_installer(argv: tuple[str, ...]) -> bool:
    """`install-packages curl` / `install_packages curl`: the helper removes /var/lib/apt/lists when it is done."""
    return bool(argv) and argv[0].rsplit("/", 1)[-1] in _APT_CLEANING_INSTALLERS


# The official ruby image's gemrc says `install: --no-document` (so do the images built from it).
GEM_NO_DOCUMENT_IMAGES = frozenset({"ruby"})


_STATEMENT_END = re.compile(r"&&|\|\||[;&|\n()`{}]")
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")


_ASSIGNS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def run_assigns(run, names: tuple[str, ...]) -> bool:
    """The RUN's script sets one of the variables `names` for the rest of the script (`export GOCACHE="$PWD/.gc"`,
    `GOPATH=$(mktemp -d); ...`), not only for one command (`HOME=/home/app git config ...`): the cache it names lives
    where the script decided, which cannot be known. Read once per RUN and `names`."""
    if not names:
        return False
    memo = _ASSIGNS.setdefault(run, {})
    if names not in memo:
        memo[names] = _assigns(run, names)
    return memo[names]


def _assigns(run, names: tuple[str, ...]) -> bool:
    wanted = tuple(f"{name}=" for name in names)
    for text in (run.script, *(h.content for h in getattr(run, "heredocs", ()))):
        if not text or not any(w in text for w in wanted):
            continue
        for statement in _STATEMENT_END.split(text):
            words = statement.replace("\\\n", " ").split()
            if not words:
                continue
            if words[0] in ("export", "declare", "local", "readonly", "typeset"):
                assignments = words[1:]
            elif all(_ASSIGNMENT.match(w) for w in words):
                assignments = words  # `GOPATH=/tmp/gp` alone: set for the rest of the script
            else:
                continue  # `HOME=/home/app git config ...`: for that command only
            if any(w.startswith(wanted) for w in assignments):
                return True
    return False


# Images that run as a user of their own (`USER jovyan` in Jupyter's docker-stacks, `USER ray` in Ray's): a RUN of a
# Dockerfile built FROM them that sets no USER runs as that user, and the caches land in that home.
_IMAGE_HOMES = {"jupyter/": "/home/jovyan", "quay.io/jupyter/": "/home/jovyan", "rayproject/ray": "/home/ray"}


def image_home(base_image: str) -> str | None:
    """$HOME of the user the base image runs as, when known and not root (`jupyter/scipy-notebook` -> /home/jovyan)."""
    from dockerlint_slim.knowledge.base_images import parse_image

    ref = parse_image(base_image or "")
    if ref is None:
        return None
    return next((home for prefix, home in _IMAGE_HOMES.items() if ref.name.startswith(prefix)), None)


def cache_home(stage, instruction) -> str | None:
    """$HOME when `instruction` runs (`model.queries.user_home`), or the base image's own user's home when the
    Dockerfile sets neither USER nor HOME before it, or the HOME the base image sets in its environment (UBI's
    language images: /opt/app-root/src, whatever the user) when the Dockerfile sets no HOME."""
    from dockerlint_slim.knowledge.base_images import home_env, parse_image
    from dockerlint_slim.model.queries import user_home, var_before

    ref = parse_image(stage.base_image or "")
    environment_home = home_env(ref) if ref is not None else None
    if environment_home is not None and var_before(stage, instruction, "HOME") is None:
        return environment_home
    home = image_home(stage.base_image)
    if home is not None:
        for ancestor in reversed(list(stage.lineage())):
            for current in ancestor.instructions:
                if current is instruction or getattr(current, "trigger", None) is instruction:
                    break
                if current.keyword == "USER" or (current.keyword == "ENV" and any(
                        k == "HOME" for k, _ in getattr(current, "pairs", ()))):
                    return user_home(stage, instruction)
        return home
    return user_home(stage, instruction)
