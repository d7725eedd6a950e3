"""What it does
Flags package tools of other ecosystems that leave caches or documentation in a layer of the image, when the
same `RUN` does not clean up after them and no cache/tmpfs mount keeps the cache out of the layer:

- `gem install` generates ri/rdoc documentation. Accepted: `--no-document` / `-N` (or `--no-rdoc`/`--no-ri`),
  a gemrc with `--no-document` written earlier, the official `ruby` images and images built from them
  (`mcr.microsoft.com/devcontainers/ruby`, `discourse/ruby`): their gemrc already says it.
- `bundle install` keeps every downloaded `.gem` in `<bundle path>/cache`. Accepted: `rm -rf` of that cache
  (`/usr/local/bundle/cache`, `"$BUNDLE_PATH"/ruby/*/cache`, `~/.bundle`) or `find <path> -name cache ... -exec rm
  -rf {} +` afterwards.
- `conda`/`mamba`/`micromamba` `install`/`create`/`update`/`env create` keep tarballs and extracted packages in
  `<root prefix>/pkgs`. Accepted: `conda clean -afy` (`-a`/`--all`, or `-tp...`), `rm -rf /opt/conda/pkgs` or of the
  root prefix (`/opt/conda/bin/mamba ... && rm -rf /opt/conda`) afterwards; `--download-only` fills the cache on
  purpose and is not reported.
- `composer install`/`update`/`require`/`create-project` keep downloaded archives in the composer cache.
  Accepted: `--no-cache`, `COMPOSER_CACHE_DIR=/dev/null`, `composer clear-cache` or removing the cache afterwards.
- `go build`/`install`/`test` fill the build cache (`~/.cache/go-build`, Go >= 1.10); `go mod download`, `go
  install pkg@version` and `go get` in module mode fill the module cache (`$GOPATH/pkg/mod`, Go >= 1.11). Accepted:
  `go clean -cache` / `-modcache`, `rm -rf` of the cache directories (`GOCACHE`, `GOMODCACHE`, `GOPATH`, also as
  `"$GOPATH"`) afterwards. `FROM golang` (and images built from it) sets `GOPATH=/go`. The Go version comes from
  the `golang:<version>` tag, a downloaded `go1.N.linux-*.tar.gz`, or the release's `golang-go` package (Debian
  8-10, Ubuntu 14.04-18.04): before 1.10 nothing is reported for builds, before 1.11 nothing for downloads.
  Dockerfiles written for GOPATH mode (`go get <import path>` with no go.mod) are not reported unless the tag pins a
  Go from 1.10 to 1.17: with the Go of their time there may be no cache, with Go >= 1.18 `go get` outside a module
  fails and the image cannot be built.
- `cargo build`/`install`/`fetch` keep the crate registry index and sources in `$CARGO_HOME/registry`
  (`/usr/local/cargo` in the official rust images and images built from them). Accepted: `rm -rf` of
  `$CARGO_HOME/registry` (or `~/.cargo/registry`) afterwards.
- `cpanm` keeps the unpacked source, build tree and log of every module in `~/.cpanm` (`$PERL_CPANM_HOME`);
  `cpm install` keeps its own in `~/.perl-cpm`. Accepted: `rm -rf ~/.cpanm` (`~/.perl-cpm`) afterwards.

A cleanup script of the project after the command (`clean-layer.sh`) is trusted, and a `RUN` that sets a cache's
place itself (`export GOCACHE="$PWD/.gocache"`) is not guessed. Only stages that reach the image are checked;
build stages whose output is copied out with `COPY --from` are not.

Why is this bad?
The caches hold a second copy of everything the tool downloaded (and for Go, every compiled package) that the
running program never reads.

Sizes
Go's build cache is quoted as an estimate: 72.1 MiB for a net/http program built with Go 1.23 (Go >= 1.20 compiles
the standard library into the cache; 113.3 MiB for a small service using gorilla/mux, logrus, cobra and the
Prometheus client). Measured by `benchmarks/cache_sizes/` (podman, 2026-11-30), kept in `knowledge/cache_sizes.py`.
With Go 1.10-1.19, whose standard library comes precompiled, the cache holds the program's own packages and what
the image makes it recompile: the same program left 1.5 MiB in one image and 486.6 KiB in another (the real-build
benchmark, `benchmarks/realbuild/`), so the size is unknown. The other caches could not be measured here
(RubyGems, conda, Packagist, crates.io and CPAN are not reachable): their size is unknown.

Example
```dockerfile
FROM continuumio/miniconda3
RUN conda install -y numpy pandas
```

Use instead
```dockerfile
FROM continuumio/miniconda3
RUN conda install -y numpy pandas && conda clean -afy
```

or build in one stage and copy only the result into a small final image.

Fix
`--fix` adds `--no-document` to `gem install`; ends the `RUN` with `conda clean -afy` (as the install ran it:
`mamba`, `/opt/conda/bin/conda`), `rm -rf ~/.cpanm`, `rm -rf $CARGO_HOME/registry` (as root), `go clean -cache
-modcache` (only with a known Go version: older ones have no such caches) and, in the official ruby images with no
bundle path of their own, `rm -rf /usr/local/bundle/cache`. The go and cargo cleanups are unsafe when a later
`RUN` runs go or cargo again: it then downloads or rebuilds what this `RUN` cached. No fix for composer (its
`--no-cache` needs Composer 2) or when the tool is named through a variable.

Known limits
- The Go version of an image whose tag does not say it (`golang:latest`, `golang:${GO}` without a default, a Go
  built from source) is taken to be a current one.
- `bundle install` with a configured path (`bundle config set path vendor/bundle`) keeps its cache there: the
  message names the official images' `/usr/local/bundle/cache`.
- The size of caches other than Go's build cache is not quoted.
"""

from __future__ import annotations

from dataclasses import dataclass

from dockerlint_slim.diagnostics import SAFE, UNSAFE, Finding, Fix
from dockerlint_slim.fixes.edits import append_command, insert_flag, privilege_prefix, program_word
from dockerlint_slim.knowledge.package_managers import (
    BUILD,
    BUNDLER,
    CARGO,
    CLEAN,
    CONDA,
    COMPOSER,
    CPANM,
    CPM,
    DOWNLOAD,
    GEM,
    GEM_NO_DOCUMENT_IMAGES,
    GO,
    GO_BUILD_CACHE,
    GO_BUILD_CACHE_SINCE,
    GO_MODULE_CACHE_SINCE,
    GO_GET_NEEDS_A_MODULE_SINCE,
    GO_MODULES_BY_DEFAULT_SINCE,
    GO_STD_IN_BUILD_CACHE_SINCE,
    INSTALL,
    expand_words,
    go_version_installed,
    go_version_of_image,
    is_cleanup_script,
    official_image,
    run_assigns,
    package_call,
    variables_at,
)
from dockerlint_slim.knowledge.cache_sizes import GO_BUILD_CACHE_HTTP, Measured
from dockerlint_slim.model.queries import (
    command_position,
    image_runs,
    image_stages,
    last_command_where,
    later_run_where,
    mount_covers_path,
    user_before,
    var_before,
)
from dockerlint_slim.shell.argv import program_argv, unwrap_argv
from dockerlint_slim.shell.commands import removed_paths, removes_variable_path
from dockerlint_slim.shell.paths import normalize_path, path_pattern_covers

ID = "SL207"
NAME = "other-package-caches"
SEVERITY = "warning"
SUMMARY = "gem/bundler/conda/composer/go/cargo/cpanm leave caches or docs in the layer"
TAGS = ("cache",)
FIX = "sometimes"


@dataclass(frozen=True)
class Leftover:
    """What one command leaves behind and how to avoid it."""

    tool: str
    what: str  # the cache, with its place
    fix: str
    size: Measured | None = None  # a measured example of its size; None: unknown
    path: str | None = None  # where the (first) cache is, when the command says it (the finding's `path`)
    # What --fix does, when it can: a flag after the subcommand, or a command appended to the RUN ("{program}"
    # stands for the tool's program as the command wrote it).
    flag: str | None = None
    append: str | None = None
    applicability: str = SAFE


class _After:
    """Questions about the commands of the RUN that follow one command, each answered from a per-RUN memo
    (`model.queries.last_command_where`): linear in the RUN however many installs it holds."""

    def __init__(self, stage, run, command) -> None:
        self.stage, self.run = stage, run
        self.position = command_position(run, command)

    def any(self, key, predicate) -> bool:
        """A later command of the RUN satisfies `predicate` (`key` names it and what it depends on)."""
        return last_command_where(self.run, key, predicate) > self.position

    def removes(self, key, test) -> bool:
        """A later command deletes a path (variables read with their values) for which `test(path)` holds."""
        return self.any(("removes", key), lambda c: any(test(p) for p in _removed_paths(c, self.stage, self.run)))


def _removed_paths(command, stage, run) -> list[str]:
    """Paths the command deletes, `$GOPATH/pkg/mod` read with the variables' values."""
    found = []
    lookup = None
    for pattern in removed_paths(command):
        if "$" in pattern:
            lookup = lookup or variables_at(stage, run, command)
            expanded = expand_words((pattern,), lookup)
            pattern = expanded[0] if len(expanded) == 1 else pattern
        found.append(normalize_path(pattern))
    return found


def _mount_mentions(run, *needles: str) -> bool:
    return any(
        m.type in ("cache", "tmpfs") and m.target and any(n in m.target for n in needles) for m in run.mounts
    )


def _official(stage, name: str) -> bool:
    return _image_named(stage, (name,))


def _image_named(stage, names) -> bool:
    """The stage's base image is one of the official images `names`, or built from one."""
    return official_image(stage.base_image) in names


def _find_deletes_named(command, *names: str) -> bool:
    """`find /app/vendor/bundle -name cache -type d -exec rm -rf {} +` (or `-delete`): every `cache` below goes."""
    argv = program_argv(command)
    if argv[:1] != ("find",) or not ("-delete" in argv or ("-exec" in argv and "rm" in argv)):
        return False
    return any(a in ("-name", "-iname") and argv[i + 2 : i + 3] in [(n,) for n in names]
               for i, a in enumerate(argv[1:]))


def _bundle_cache(path: str) -> bool:
    low = path.lower()
    return ("cache" in low and any(k in low for k in ("bundle", "gem", "ruby"))) or low.rstrip("/").endswith("/.bundle")


# --- gem --------------------------------------------------------------------------------------------------------

GEM_NO_DOCS = ("--no-document", "-N", "--no-doc", "--no-rdoc", "--no-ri")


def _writes_gemrc_no_docs(command) -> bool:
    """`echo 'gem: --no-document' > ~/.gemrc` (or /etc/gemrc): later `gem install`s generate no docs."""
    text = " ".join(command.argv)
    return ("gem:" in text or "install:" in text) and ("--no-document" in text or "--no-rdoc" in text)


def _gem(stage, run, command, call, after, state) -> Leftover | None:
    if call.manager is not GEM or call.command not in (("install",), ("i",)):
        return None
    if call.has_flag(*GEM_NO_DOCS) or _image_named(stage, GEM_NO_DOCUMENT_IMAGES) or state.gemrc_no_docs:
        return None
    return Leftover("gem install", "generated ri/rdoc documentation",
                    "add `--no-document` (or write `gem: --no-document` to /etc/gemrc)", flag="--no-document")


# --- bundler ----------------------------------------------------------------------------------------------------


def _bundle(stage, run, command, call, after, state) -> Leftover | None:
    if call.manager is not BUNDLER or call.command != ("install",):
        return None
    if after.any("find -name cache", lambda c: _find_deletes_named(c, "cache")):
        return None
    if _mount_mentions(run, "bundle", "gem") or after.removes("bundle cache", _bundle_cache):
        return None
    # The fix only where the cache is known to be /usr/local/bundle/cache: the official image's GEM_HOME, and no
    # bundle path of its own (`--path`, `--deployment`, BUNDLE_PATH, `bundle config`).
    own_path = any(var_before(stage, run, name) not in (None, "/usr/local/bundle") for name in ("BUNDLE_PATH", "GEM_HOME"))
    known = (_official(stage, "ruby") and not own_path and var_before(stage, run, "BUNDLE_DEPLOYMENT") is None
             and not call.has_flag("--path", "--deployment", "--standalone") and not state.bundle_configured)
    return Leftover("bundle install", "a copy of every downloaded .gem in the bundle's cache directory "
                    "(/usr/local/bundle/cache in the official ruby images)",
                    "end this RUN with `&& rm -rf /usr/local/bundle/cache` (or `\"$BUNDLE_PATH\"/ruby/*/cache`)",
                    append="rm -rf /usr/local/bundle/cache" if known else None)


# --- conda ------------------------------------------------------------------------------------------------------

def _conda_clean(call) -> bool:
    if call is None or call.manager is not CONDA or call.action != CLEAN:
        return False
    argv = call.argv
    short = "".join(a[1:] for a in argv if a.startswith("-") and not a.startswith("--"))
    return "--all" in argv or "a" in short or ("t" in short and "p" in short) or (
        "--tarballs" in argv and "--packages" in argv
    )


def _conda(stage, run, command, call, after, state) -> Leftover | None:
    if call.manager is not CONDA or call.action != INSTALL or call.has_flag("--download-only"):
        return None  # `--download-only` fills the package cache on purpose
    if _mount_mentions(run, "pkgs", "conda", "mamba"):
        return None
    if after.any("conda clean", lambda c: _conda_clean(package_call(program_argv(c)))):
        return None
    # The package cache is <root prefix>/pkgs: `/opt/conda/bin/mamba` runs from the root prefix /opt/conda.
    written = unwrap_argv(command.argv)[:1] or ("",)
    root = written[0].rsplit("/bin/", 1)[0] if "/bin/" in written[0] else None
    if after.removes(("conda pkgs", root), lambda p: p.rstrip("/").endswith("/pkgs") or p.endswith("/pkgs/*") or (
            root is not None and path_pattern_covers(p, root + "/pkgs"))):
        return None
    return Leftover(f"{call.program} {call.subcommand}", "every downloaded tarball and extracted package in "
                    "<prefix>/pkgs", f"end this RUN with `&& {call.program} clean -afy`", append="{program} clean -afy")


# --- composer ---------------------------------------------------------------------------------------------------

def _composer(stage, run, command, call, after, state) -> Leftover | None:
    if call.manager is not COMPOSER or call.action != INSTALL or call.has_flag("--no-cache"):
        return None
    cache_dir = dict(command.env).get("COMPOSER_CACHE_DIR") or var_before(stage, run, "COMPOSER_CACHE_DIR")
    if cache_dir == "/dev/null" or _mount_mentions(run, "composer"):
        return None
    if cache_dir and mount_covers_path(run, cache_dir):
        return None
    if after.any("composer clear-cache", lambda c: (lambda later: later is not None and later.manager is COMPOSER
                                                      and later.action == CLEAN)(package_call(program_argv(c)))):
        return None
    if after.removes(("composer cache", cache_dir), lambda p: "composer" in p.lower() or bool(
            cache_dir and path_pattern_covers(p, cache_dir))):
        return None
    return Leftover(f"composer {call.command[-1]}", "downloaded package archives in the composer cache "
                    "(~/.cache/composer or $COMPOSER_HOME/cache)", "add `--no-cache` (Composer 2)")


# --- go ---------------------------------------------------------------------------------------------------------

def _go_dirs(stage, run, command) -> tuple[str, str]:
    var = variables_at(stage, run, command)  # FROM golang sets GOPATH=/go
    gopath = (var("GOPATH") or "/root/go").split(":")[0]
    return var("GOCACHE") or GO_BUILD_CACHE, var("GOMODCACHE") or gopath.rstrip("/") + "/pkg/mod"


def _go(stage, run, command, call, after, state) -> Leftover | None:
    if call.manager is not GO:
        return None
    version = state.go_version
    # Go < 1.10 has no build cache; Go < 1.11 no module cache (`go get` fills the GOPATH workspace instead).
    builds = call.command in (("build",), ("install",), ("test",)) and not (version and version < GO_BUILD_CACHE_SINCE)
    downloads = call.action == DOWNLOAD or (call.command == ("install",) and any("@" in w for w in call.operands))
    if call.command == ("get",) and not state.go_get_fills_module_cache():
        downloads = False  # GOPATH mode: the sources go to $GOPATH/src, the workspace
    downloads = downloads and not (version and version < GO_MODULE_CACHE_SINCE)
    if not builds and not downloads:
        return None
    # A RUN that sets the caches' places itself (`export GOCACHE="$PWD/.gocache"`) puts them where its script
    # decides: not guessed.
    builds = builds and not run_assigns(run, ("GOCACHE", "HOME", "XDG_CACHE_HOME"))
    downloads = downloads and not run_assigns(run, ("GOPATH", "GOMODCACHE", "HOME"))
    gocache, modcache = _go_dirs(stage, run, command)
    left, paths = [], []
    if builds and gocache != "off" and not mount_covers_path(run, gocache):
        cleaned = after.any("go clean -cache", lambda c: _go_clean(c, "-cache")) or after.removes(
            ("gocache", gocache), lambda p: path_pattern_covers(p, gocache)) or after.any(
            "rm $GOCACHE", lambda c: removes_variable_path(c, "GOCACHE"))
        if not cleaned:
            left.append(f"the build cache ({gocache})")
            paths.append(gocache)
    if downloads and not mount_covers_path(run, modcache):
        gopath_src = modcache.rsplit("/pkg/mod", 1)[0] + "/src"  # where GOPATH-mode `go get` puts sources
        cleaned = after.any("go clean -modcache", lambda c: _go_clean(c, "-modcache")) or after.removes(
            ("gomodcache", modcache), lambda p: path_pattern_covers(p, modcache) or path_pattern_covers(
                p, gopath_src)) or after.any("rm $GOPATH", lambda c: removes_variable_path(c, "GOPATH", "GOMODCACHE"))
        if not cleaned:
            left.append(f"the module cache ({modcache})")
            paths.append(modcache)
    if not left:
        return None
    flags = " ".join(f for f, on in (("-cache", "build cache" in " ".join(left)),
                                       ("-modcache", "module cache" in " ".join(left))) if on)
    size = None
    if "build cache" in left[0] and not (version is not None and version < GO_STD_IN_BUILD_CACHE_SINCE):
        # Go >= 1.20 compiles the standard library into the cache; with older Go (standard library precompiled) the
        # cache is the program's own packages: its size varies by image, unknown
        size = GO_BUILD_CACHE_HTTP
    # `go clean -cache` fails on a Go without a build cache: only with a known version. Unsafe when a later RUN runs
    # go again: it rebuilds or downloads again what this RUN cached (slower, and it needs the network).
    later_go = later_run_where(state.dockerfile, stage, run, ("runs", "go"), lambda _stage, later: any(
        program_argv(c)[:1] == ("go",) for c in later.commands))
    return Leftover(f"go {call.subcommand}", " and ".join(left),
                    f"end this RUN with `&& go clean {flags}`, use cache mounts, or build in a separate stage "
                    "and copy only the binary", size,
                    path=paths[0] if paths[0].startswith("/") and "$" not in paths[0] else None,
                    append=f"{{program}} clean {flags}" if version is not None else None,
                    applicability=UNSAFE if later_go else SAFE)


def _go_clean(command, flag: str) -> bool:
    argv = program_argv(command)
    return argv[:2] == ("go", "clean") and flag in argv


# --- cargo ------------------------------------------------------------------------------------------------------


def _cargo(stage, run, command, call, after, state) -> Leftover | None:
    if call.manager is not CARGO or call.action != BUILD:
        return None
    env = dict(command.env)
    cargo_home = env.get("CARGO_HOME") or var_before(stage, run, "CARGO_HOME") or (
        "/usr/local/cargo" if _official(stage, "rust") else "/root/.cargo")
    registry = cargo_home.rstrip("/") + "/registry"
    if mount_covers_path(run, registry) or _mount_mentions(run, "registry"):
        return None
    if after.removes(("cargo registry", registry), lambda p: path_pattern_covers(p, registry) or p.rstrip(
            "/*").endswith("/registry")):
        return None
    later_cargo = later_run_where(state.dockerfile, stage, run, ("runs", "cargo"), lambda _stage, later: any(
        program_argv(c)[:1] == ("cargo",) for c in later.commands))
    return Leftover(f"cargo {call.command[0]}", f"the crate registry index and sources in {registry}",
                    f"end this RUN with `&& rm -rf {registry}` or use a cache mount on it",
                    # root's home, or a CARGO_HOME the Dockerfile or the official image sets: the path is known
                    append=f"rm -rf {registry}" if user_before(stage, run) == "root" and "$" not in registry else None,
                    applicability=UNSAFE if later_cargo else SAFE)


# --- cpanm / cpm ------------------------------------------------------------------------------------------------


def _cpan(stage, run, command, call, after, state) -> Leftover | None:
    """cpanm leaves ~/.cpanm/work/<time>/ (every unpacked tarball, its build tree and build.log) behind; the
    official perl image removes it with `rm -fr ~/.cpanm` in the same RUN."""
    if call.manager is CPANM:
        if call.action != INSTALL:
            return None
        env_name, default, tool = "PERL_CPANM_HOME", "/root/.cpanm", "cpanm"
    elif call.manager is CPM and call.action == INSTALL:
        env_name, default, tool = "PERL_CPM_HOME", "/root/.perl-cpm", "cpm install"
    else:
        return None
    home = dict(command.env).get(env_name) or var_before(stage, run, env_name) or default
    if mount_covers_path(run, home):
        return None
    name = default.rsplit("/", 1)[-1]
    if after.removes(("cpan home", home, default), lambda p: path_pattern_covers(p, home) or (
            home == default and name in p)):
        return None
    shown = "~/" + name if home == default else home
    return Leftover(tool, f"the unpacked sources, build trees and logs of every module in {shown}",
                    f"end this RUN with `&& rm -rf {shown}`", append=f"rm -rf {shown}" if "$" not in shown else None)


CHECKS = (_gem, _bundle, _conda, _composer, _go, _cargo, _cpan)


class _State:
    """What earlier commands of the image installed, read once in build order (linear in the file)."""

    def __init__(self, base_image: str, gopath_mode: bool, dockerfile=None) -> None:
        self.base_image = base_image
        self.go_version = go_version_of_image(base_image)
        self.gopath_mode = gopath_mode
        self.bundle_configured = False  # `bundle config ...` ran: the bundle path may be elsewhere
        self.dockerfile = dockerfile
        self.gemrc_no_docs = False  # a gemrc saying `--no-document` was written by an earlier command

    def after(self, call, argv, command) -> None:
        self.gemrc_no_docs = self.gemrc_no_docs or _writes_gemrc_no_docs(command)
        installed = go_version_installed(call, argv, self.base_image)
        if installed is not None:
            self.go_version = installed
        if call is not None and call.manager is BUNDLER and call.command[:1] == ("config",):
            self.bundle_configured = True

    def skip(self, call) -> bool:
        """Go commands of a Dockerfile written for GOPATH mode with a Go version that cannot be known: with the Go
        of its time there may be no cache at all, with today's Go the build fails (`go get` outside a module)."""
        if call.manager is not GO or not self.gopath_mode:
            return False
        # Go >= 1.18 stops at `go get` outside a module: the image cannot be built as written.
        return self.go_version is None or self.go_version >= GO_GET_NEEDS_A_MODULE_SINCE

    def go_get_fills_module_cache(self) -> bool:
        return not self.gopath_mode or bool(self.go_version and self.go_version >= GO_MODULES_BY_DEFAULT_SINCE)


def _gopath_mode(dockerfile) -> bool:
    """The image runs `go get <import path>` (no @version) and nothing says it is a module (`go mod ...`, a COPY
    of go.mod)."""
    gets = modules = False
    for stage in image_stages(dockerfile):
        for instruction in stage.instructions:
            if instruction.keyword in ("COPY", "ADD") and any(
                    s.rsplit("/", 1)[-1] in ("go.mod", "go.sum") for s in getattr(instruction, "sources", ())):
                modules = True
        for run in stage.runs():
            for command in run.commands:
                call = package_call(program_argv(command))
                if call is None or call.manager is not GO:
                    continue
                if call.command[:1] == ("mod",):
                    modules = True
                elif call.command == ("get",) and call.operands and not any("@" in w for w in call.operands):
                    gets = True
    return gets and not modules


def _edits(dockerfile, run, command, call, leftover: Leftover) -> tuple:
    if leftover.flag:
        return tuple(insert_flag(dockerfile, command, call, leftover.flag) or ())
    if leftover.append:
        prefix, program = privilege_prefix(command), program_word(command, call)
        if prefix is None or ("{program}" in leftover.append and program is None):
            return ()
        return tuple(append_command(dockerfile, run, prefix + leftover.append.replace("{program}", program or "")) or ())
    return ()


def check(target):
    stages = image_stages(target.dockerfile)
    state = _State(stages[-1].base_image if stages else "", _gopath_mode(target.dockerfile), target.dockerfile)
    for stage, run in image_runs(target.dockerfile):
        reported: set[str] = set()
        for command in run.commands:
            argv = program_argv(command)
            call = package_call(argv)
            if call is not None and not state.skip(call):
                after = _After(stage, run, command)
                if after.any("cleanup script", lambda c: is_cleanup_script(program_argv(c))):
                    state.after(call, argv, command)
                    continue
                for probe in CHECKS:
                    leftover = probe(stage, run, command, call, after, state)
                    if leftover is None or leftover.tool in reported:
                        continue
                    reported.add(leftover.tool)
                    size = f"~{leftover.size.label}" if leftover.size else "size unknown"
                    properties = {"tool": leftover.tool.split()[0]}
                    if leftover.path:
                        properties["path"] = leftover.path
                    if leftover.size:
                        properties["estimate"] = leftover.size.label
                    yield Finding(
                        command.span,
                        f"`{leftover.tool}` leaves {leftover.what} in this layer ({size})",
                        wasted_bytes=leftover.size.bytes if leftover.size else None,
                        fix=Fix(leftover.fix[0].upper() + leftover.fix[1:],
                                _edits(target.dockerfile, run, command, call, leftover), leftover.applicability),
                        properties=properties,
                    )
            state.after(call, argv, command)
