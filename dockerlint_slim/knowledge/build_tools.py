"""Build tools and what an image is for, read from the model: which commands compile, build or run a script, what a
build writes (the output to copy into a runtime stage), and what the image's default command says about its
purpose (a program, a build tool, a development environment).

The one home of this knowledge: the SL4xx rules and the static replay read it from here.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from dataclasses import dataclass

from dockerlint_slim.knowledge.base_images import development_base, parse_image, runs_service
from dockerlint_slim.model import Instruction, RunInstruction, Stage, WorkdirInstruction
from dockerlint_slim.shell.commands import rm_call

# ---------------------------------------------------------------------------------------------------------------
# Programs

SHELLS = frozenset({"sh", "bash", "dash", "ash", "zsh", "fish", "ksh", "mksh", "tcsh", "csh"})

# Interpreters: given a file operand they run it; alone they are an interactive prompt.
_INTERPRETER = re.compile(
    r"^(python|pypy|jython|ruby|jruby|perl|php|lua|luajit|node|nodejs|deno|bun|R|Rscript|julia|tclsh|guile|"
    r"racket|elixir|escript|groovy|raku|rakudo)(\d+(\.\d+)*)?$"
)
# Interactive prompts of toolchains (read-eval-print loops): the default command of SDK and language images.
REPLS = frozenset({"irb", "ipython", "ipython3", "ghci", "jshell", "iex", "erl", "swift", "scala", "clojure", "clj",
                   "lein", "sbcl", "ocaml", "utop", "csi", "gore", "evcxr", "ptpython", "bpython"})


def is_shell(name: str) -> bool:
    return posixpath.basename(name) in SHELLS


def is_interpreter(name: str) -> bool:
    """`python3`, `pypy3`, `node`, `ruby`, `perl5.38`, `bash` ...: a program that runs the script file it is given."""
    name = posixpath.basename(name)
    return name in SHELLS or bool(_INTERPRETER.match(name))


# C/C++ compilers and linkers: the programs a build toolchain (build-essential, build-base) provides.
C_COMPILERS = frozenset({"gcc", "g++", "cc", "c++", "clang", "clang++", "gfortran", "ld", "tcc", "icc"})
# Build systems that drive a compiler over the sources of the directory they run in.
BUILD_SYSTEMS = frozenset({"make", "gmake", "cmake", "ninja", "meson", "bazel", "bazelisk", "scons", "qmake",
                           "autoreconf", "autoconf", "automake", "configure", "autogen.sh", "bootstrap.sh"})
# Compilers of other languages, and bundlers, called directly.
LANGUAGE_COMPILERS = frozenset({"rustc", "javac", "kotlinc", "scalac", "ghc", "swiftc", "zig", "tsc", "webpack",
                                "esbuild", "rollup", "parcel", "nvcc"})
# Language build tools, and the subcommands with which they compile the project (`go build`, `mvn package`).
LANGUAGE_BUILDS: dict[str, frozenset[str]] = {
    "go": frozenset({"build", "install", "get"}),  # `go get` built and installed before Go 1.17
    "cargo": frozenset({"build", "install", "rustc"}),
    "dotnet": frozenset({"build", "publish"}),
    "swift": frozenset({"build"}),
    "stack": frozenset({"build", "install"}),
    "cabal": frozenset({"build", "v2-build", "install", "v2-install"}),
    "mvn": frozenset({"package", "install", "verify", "compile", "deploy"}),
    "mvnw": frozenset({"package", "install", "verify", "compile", "deploy"}),
    "gradle": frozenset({"build", "assemble", "bootJar", "jar", "installDist", "shadowJar", "distTar", "distZip"}),
    "gradlew": frozenset({"build", "assemble", "bootJar", "jar", "installDist", "shadowJar", "distTar", "distZip"}),
    "sbt": frozenset({"compile", "package", "assembly", "stage", "universal:packageBin"}),
    "lein": frozenset({"uberjar", "jar", "compile"}),
    "ant": frozenset(),  # any target
    "mix": frozenset({"compile", "release", "escript.build"}),
}
JAVA_BUILDERS = frozenset({"mvn", "mvnw", "gradle", "gradlew", "javac", "jar", "sbt", "lein", "ant", "jlink",
                           "kotlinc", "scalac"})
# Package installers that compile native extensions with the C toolchain when no binary package fits
# (`pip install` of an sdist, `gem install`, `npm install` through node-gyp, PHP/Perl extensions).
_PACKAGE_BUILD_SUBCOMMANDS: dict[str, frozenset[str]] = {
    "npm": frozenset({"install", "i", "ci", "rebuild"}),
    "yarn": frozenset({"install", "add"}),  # a bare `yarn` installs too
    "pnpm": frozenset({"install", "i", "add", "rebuild"}),
    "bun": frozenset({"install", "i", "add"}),
    "gem": frozenset({"install"}),
    "bundle": frozenset({"install"}),
    "go": frozenset({"build", "install", "get"}),
}
_NATIVE_EXTENSION_BUILDERS = frozenset({"cpanm", "cpan", "pecl", "docker-php-ext-install", "phpize", "node-gyp",
                                        "R", "Rscript", "luarocks", "opam"})
_PYTHON_INSTALLERS: dict[str, frozenset[str]] = {"poetry": frozenset({"install", "add"}),
                                                 "uv": frozenset({"sync", "pip", "add", "tool"}),
                                                 "pipenv": frozenset({"install", "sync"})}
_PIP = re.compile(r"^pip\d*(\.\d+)?$")
_PYTHON = re.compile(r"^python\d*(\.\d+)?$")

# Programs that build the sources of the directory they run in: a checkout or unpacked tree there is read by them.
SOURCE_BUILDERS = frozenset({"make", "cmake", "ninja", "meson", "go", "cargo", "pip", "pip3", "npm", "yarn", "mvn",
                             "gradle", "./configure", "configure", "python", "python3", "autoreconf", "./autogen.sh"})


# Packages of a build toolchain: compilers, build systems, and development headers (`-dev`, `-devel`), in the
# naming of apt, apk, yum/dnf and zypper.
TOOLCHAIN_PACKAGES = re.compile(
    r"^(build-essential|build-base|alpine-sdk|gcc(-c\+\+)?(-\d+(\.\d+)*)?|g\+\+(-\d+(\.\d+)*)?|c\+\+|"
    r"clang(-\d+(\.\d+)*)?|gfortran(-\d+)?|make|cmake|autoconf|automake|libtool|devel_basis|"
    r"@development-tools|@development|@?\"?development tools\"?|"
    r".+-dev|.+-devel)$",
    re.IGNORECASE,
)
# -dev packages that depend on a whole compiler toolchain (r-base-dev pulls build-essential and gfortran).
DEPENDS_ON_TOOLCHAIN = frozenset({"r-base-dev"})
# Packages of the CUDA compiler: an image that installs nvcc compiles kernels at run time with the C toolchain.
CUDA_COMPILER_PACKAGES = re.compile(r"^(cuda-nvcc|cuda-compiler|cuda-toolkit|nvidia-cuda-toolkit|cuda-minimal-build)"
                                    r"([-_].*)?$")
# Python packages that compile with the system C compiler when the program runs: PyTorch's Triton kernels (a C
# launcher built with gcc against Python.h), pycuda (nvcc). Given as pip requirements: `torch==2.3.0`.
JIT_COMPILING_PACKAGES = re.compile(r"^(torch|triton|pytorch-triton|pycuda)([=<>!~\[;].*)?$")
# What such a compiler needs: the C/C++ compiler, the C library's and Python's headers.
JIT_TOOLCHAIN_PACKAGES = re.compile(r"^(build-essential|build-base|gcc|g\+\+|gcc-c\+\+|clang|libc6?-dev|musl-dev|"
                                    r"python[\d.]*-dev(el)?)(-[\d.]+)?$")
# Debian/Ubuntu packages that are only dependencies on the real ones (`build-essential` -> gcc, g++, make,
# libc6-dev; `gcc` -> gcc-12): `apt-get remove` of one without `--auto-remove` (or a later `apt-get autoremove`)
# leaves everything it pulled in installed.
APT_METAPACKAGES = frozenset({"build-essential", "gcc", "g++", "cpp", "gfortran", "clang", "llvm", "python3-dev",
                              "python-dev", "python3-all-dev", "libpython3-dev", "r-base-dev", "default-jdk",
                              "default-jdk-headless", "default-libmysqlclient-dev", "crossbuild-essential-arm64",
                              "crossbuild-essential-armhf", "crossbuild-essential-amd64"})


def _words(argv: tuple[str, ...]) -> list[str]:
    return [a for a in argv[1:] if not a.startswith("-")]


def compiles(argv: tuple[str, ...]) -> bool:
    """The command compiles or bundles a program: a compiler, a build system, `go build`, `mvn package`,
    `cargo build`, `dotnet publish`, a front-end build script (`npm run build`), ..."""
    if not argv:
        return False
    name = posixpath.basename(argv[0])
    if name in C_COMPILERS or name in LANGUAGE_COMPILERS:
        return bool(_words(argv)) and not _only_asks_version(argv)  # `gcc main.c`, not `rustc --version`
    if name in BUILD_SYSTEMS:
        return not _only_asks_version(argv)
    if name in LANGUAGE_BUILDS:
        subcommands = LANGUAGE_BUILDS[name]
        return not subcommands or any(word in subcommands for word in _words(argv))
    return is_node_build(argv)


def _only_asks_version(argv: tuple[str, ...]) -> bool:
    return any(a in ("--version", "-v", "-V", "--help", "-h", "-dumpversion", "version") for a in argv[1:2])


def builds_native_code(argv: tuple[str, ...]) -> bool:
    """The command may run the C toolchain: it compiles, or installs packages that build native extensions
    (`pip install`, `gem install`, `npm install`, `docker-php-ext-install`, `cpanm`, ...)."""
    if not argv:
        return False
    name = posixpath.basename(argv[0])
    if name in C_COMPILERS or name in BUILD_SYSTEMS or name.endswith("configure") or name in LANGUAGE_COMPILERS:
        return not _only_asks_version(argv)
    if name in _PACKAGE_BUILD_SUBCOMMANDS:
        words = _words(argv)
        return (bool(words) and words[0] in _PACKAGE_BUILD_SUBCOMMANDS[name]) or (name == "yarn" and not words)
    if name in _NATIVE_EXTENSION_BUILDERS:
        return True
    if name in LANGUAGE_BUILDS:
        return compiles(argv)  # cgo, cargo build scripts, ...
    if name in _PYTHON_INSTALLERS:
        words = _words(argv)
        return bool(words) and words[0] in _PYTHON_INSTALLERS[name]
    if _PIP.match(name):
        return "install" in argv or "wheel" in argv
    if _PYTHON.match(name):
        return ("-m" in argv and "pip" in argv) or any(a.endswith("setup.py") for a in argv)
    return False


# ---------------------------------------------------------------------------------------------------------------
# Front-end builds

_NODE_BUILD_SCRIPTS = re.compile(r"^(build|compile|dist|bundle|prod|production)([:_-].*)?$")
_NODE_BUILD_TOOLS = frozenset({"tsc", "webpack", "vite", "rollup", "esbuild", "parcel", "ng", "next", "nuxt",
                               "gatsby", "react-scripts", "vue-cli-service", "nest"})


def node_build_step(stage: Stage):
    """The first command in the image's stages that builds front-end/TypeScript output, or None."""
    for each in reversed(list(stage.lineage())):
        for run in each.runs():
            for command in run.commands:
                if is_node_build(command.argv):
                    return command
    return None


def is_node_build(argv: tuple[str, ...]) -> bool:
    if not argv:
        return False
    name = posixpath.basename(argv[0])
    args = _words(argv)
    if name in ("npm", "pnpm", "yarn", "bun") and args:
        script = args[1] if args[0] in ("run", "run-script") and len(args) > 1 else args[0]
        if name == "npm" and args[0] not in ("run", "run-script"):
            return False  # `npm build` is not a script runner
        return bool(_NODE_BUILD_SCRIPTS.match(script))
    if name in ("npx", "pnpx") and args:
        return posixpath.basename(args[0]) in _NODE_BUILD_TOOLS
    if name in _NODE_BUILD_TOOLS:
        return name in ("tsc", "webpack", "esbuild", "rollup", "parcel") or (args[:1] == ["build"])
    return False


# The JDK's diagnostic and packaging tools (a JRE has none of them): an image that runs one needs the JDK.
JDK_TOOLS = frozenset({"jcmd", "jstack", "jmap", "jhsdb", "jinfo", "jstat", "jps", "jshell", "jdeps", "jconsole",
                       "jfr", "javap"})


def compiles_java(stage: Stage) -> bool:
    """A command of the image's stages builds Java (so a JDK base is needed there, a JRE is not enough)."""
    return any(posixpath.basename(c.argv[0]) in JAVA_BUILDERS
               for each in stage.lineage() for run in each.runs() for c in run.commands if c.argv)


def uses_jdk_tools(stage: Stage) -> bool:
    """The image runs a JDK tool that a JRE lacks (`jcmd`, `jstack`, `jshell` in a RUN, its command or its
    HEALTHCHECK): the JDK is needed at run time."""
    if any(posixpath.basename(c.argv[0]) in JDK_TOOLS
           for each in stage.lineage() for run in each.runs() for c in run.commands if c.argv):
        return True
    for each in stage.lineage():
        for instruction in each.instructions:
            if instruction.keyword in ("CMD", "ENTRYPOINT", "HEALTHCHECK"):
                words = re.split(r"[\s\"',;&|()]+", instruction.arguments)
                if any(posixpath.basename(w) in JDK_TOOLS for w in words):
                    return True
    return False


def compiles_program(stage: Stage) -> bool:
    """The image's own stages compile a program with a language build (`go build`, `cargo build`, `mvn package`,
    `dotnet publish`, `javac`, ...) or name a build output. `make`, `./configure` and package installs do not count:
    toolchain images run them to install software into the toolchain itself."""
    for each in stage.lineage():
        for run in each.runs():
            for command in run.commands:
                argv = command.argv
                if not argv:
                    continue
                name = posixpath.basename(argv[0])
                if name == "go":
                    if _words(argv)[:1] == ["build"] and "-o" in argv:
                        return True  # `go build ./...` or a library's `go build` only checks that it compiles
                    continue
                if (name in ("javac", "rustc", "ghc", "swiftc", "kotlinc", "scalac") and compiles(argv)) or (
                        name in LANGUAGE_BUILDS and LANGUAGE_BUILDS[name]
                        and any(w in LANGUAGE_BUILDS[name] - {"get", "install"} for w in _words(argv))):
                    return True
    return bool(build_artifacts(stage))


# ---------------------------------------------------------------------------------------------------------------
# What a build writes


def run_workdirs(stage: Stage):
    """(instruction, WORKDIR in effect) for every instruction of the stage's lineage, oldest stage first."""
    for each in reversed(list(stage.lineage())):
        workdir = "/"
        if each.parent is not None:
            workdir = each.parent.workdir
        for instruction in each.instructions:
            if isinstance(instruction, WorkdirInstruction):
                workdir = instruction.path or workdir
            yield instruction, workdir


def command_dirs(run: RunInstruction, workdir: str):
    """(command, directory it runs in or None when unknown) for the commands of a RUN, following `cd`."""
    cwd: str | None = workdir
    for command in run.commands:
        yield command, cwd
        if command.argv[:1] == ("cd",):
            target = command.argv[1] if len(command.argv) > 1 else None
            if target is None or target == "-" or "$" in target or "`" in target:
                cwd = None
            elif target.startswith("/"):
                cwd = posixpath.normpath(target)
            elif cwd is not None:
                cwd = posixpath.normpath(posixpath.join(cwd, target))


def build_artifacts(stage: Stage, own: bool = False) -> list[str]:
    """Paths a build of the stage (and the stages it is built FROM, unless `own`) writes, when its commands name
    them (`go build -o /out/app`, `mvn package` -> `<dir>/target/*.jar`): the files to copy into a runtime stage.
    Never a file that was only copied in."""
    found: list[str] = []
    for instruction, workdir in run_workdirs(stage):
        if own and instruction.stage_index != stage.index:
            continue
        if not isinstance(instruction, RunInstruction):
            continue
        for command, cwd in command_dirs(instruction, workdir):
            artifact = _artifact_of(command.argv, cwd)
            if artifact:
                found.append(artifact)
    return list(dict.fromkeys(found))


_OUTPUT_FLAG_PROGRAMS = frozenset({"go", "gcc", "g++", "cc", "c++", "clang", "clang++", "dotnet", "rustc", "ghc",
                                   "swiftc", "zig", "nvcc"})


def _artifact_of(argv: tuple[str, ...], cwd: str | None) -> str | None:
    if not argv:
        return None
    name = posixpath.basename(argv[0])
    output = None
    if name in _OUTPUT_FLAG_PROGRAMS and (name != "go" or _words(argv)[:1] == ["build"]):
        for index, arg in enumerate(argv[:-1]):
            if arg in ("-o", "--output"):
                output = argv[index + 1]
    if output:
        if "$" in output or (cwd is None and not output.startswith("/")):
            return None
        return posixpath.normpath(posixpath.join(cwd or "/", output))
    if cwd is None:
        return None
    words = _words(argv)
    if name in ("mvn", "mvnw") and any(a in ("package", "install", "verify") for a in words):
        return posixpath.join(cwd, "target/*.jar")
    if name in ("gradle", "gradlew") and any(a in ("build", "bootJar", "jar", "assemble") for a in words):
        return posixpath.join(cwd, "build/libs/*.jar")
    if name in ("gradle", "gradlew") and "installDist" in words:
        return posixpath.join(cwd, "build/install")
    if name == "cargo" and "build" in words and "--release" in argv:
        return posixpath.join(cwd, "target/release/<binary>")
    return None


# Commands that drop development dependencies from a built tree: after them it holds what runs, not what built.
_PRUNE_SUBCOMMANDS = {"npm": frozenset({"prune"}), "pnpm": frozenset({"prune"}), "yarn": frozenset({"autoclean"}),
                      "make": frozenset({"clean", "distclean", "mostlyclean"}), "cargo": frozenset({"clean"}),
                      "mvn": frozenset({"clean"}), "mvnw": frozenset({"clean"}), "go": frozenset({"clean"})}
_PRODUCTION_ONLY = frozenset({"--production", "--prod", "--omit=dev", "--only=production", "--only=prod"})


def prunes(argv: tuple[str, ...], cwd: str | None, folder: str) -> bool:
    """The command, run in `cwd`, prunes the tree under `folder`: removes part of it (`rm -rf src`), drops the
    development dependencies (`npm prune --omit=dev`, `yarn workspaces focus --production`, `npm ci --omit=dev`)
    or cleans the build (`make clean`)."""
    if not argv:
        return False
    name = posixpath.basename(argv[0])
    inside = cwd is not None and (cwd == folder or cwd.startswith(folder.rstrip("/") + "/"))
    if name == "rm":
        paths, _recursive = rm_call(argv)
        for path in paths:
            if "$" in path or (not path.startswith("/") and cwd is None):
                continue
            resolved = posixpath.normpath(posixpath.join(cwd or "/", path))
            if resolved != folder and resolved.startswith(folder.rstrip("/") + "/"):
                return True
        return False
    if not inside:
        return False
    words = _words(argv)
    if any(word in _PRUNE_SUBCOMMANDS.get(name, ()) for word in words[:1]):
        return True
    return installs_production_only(argv)  # `npm ci --omit=dev`, `yarn workspaces focus --production`


def installs_production_only(argv: tuple[str, ...]) -> bool:
    """`npm ci --omit=dev`, `yarn install --production`, `pnpm install --prod`: only run-time dependencies."""
    name = posixpath.basename(argv[0]) if argv else ""
    return name in ("npm", "pnpm", "yarn", "bun") and any(a in _PRODUCTION_ONLY for a in argv[1:])


# ---------------------------------------------------------------------------------------------------------------
# What the image is for: its default command


@dataclass(frozen=True)
class Purpose:
    """What the image's default command says it is for.

    kind: "program" (it runs a program of its own), "toolchain" (its command is a build tool: `gradle`, `mvn`,
    `go run`, `dotnet watch`, `make`), "development" (an interactive shell or interpreter prompt, a keep-alive
    command such as `sleep infinity`, or an entrypoint script made for development or CI), or "none" (the file
    declares no CMD/ENTRYPOINT: the base image's command is inherited).
    """

    kind: str
    command: tuple[str, ...] = ()  # the words of the program that runs, wrappers removed
    reason: str = ""


def default_command(stage: Stage) -> tuple[str, ...] | None:
    """The words Docker runs for the stage (ENTRYPOINT followed by CMD, as the builder combines them), shell forms
    as `/bin/sh -c <text>`; None when the file declares neither."""
    entry_stage = cmd_stage = None
    entry = cmd = None
    for depth, each in enumerate(stage.lineage()):
        for instruction in reversed(each.instructions):
            if entry is None and instruction.keyword == "ENTRYPOINT":
                entry, entry_stage = instruction, depth
            if cmd is None and instruction.keyword == "CMD":
                cmd, cmd_stage = instruction, depth
    if entry is None and cmd is None:
        return None
    if entry is not None and cmd is not None and cmd_stage > entry_stage:
        cmd = None  # an ENTRYPOINT resets the CMD inherited from the image it is built on
    words: list[str] = []
    if entry is not None:
        words += _instruction_words(entry)
        if not entry.json_form:
            return tuple(words)  # a shell-form ENTRYPOINT ignores CMD
    if cmd is not None:
        words += _instruction_words(cmd)
    return tuple(words)


def _instruction_words(instruction: Instruction) -> list[str]:
    if instruction.json_form:
        return list(instruction.args)
    text = instruction.arguments.strip()
    return ["/bin/sh", "-c", text] if text else []


# Init processes and wrappers that run the rest of the command: `tini --`, `gosu user`, `su-exec user`, ...
_INIT_WRAPPERS = frozenset({"tini", "tini-static", "dumb-init", "catatonit", "my_init", "init", "exec", "env",
                            "nice", "nohup", "setsid", "chpst", "s6-setuidgid", "runuser", "setpriv", "sudo",
                            "gosu", "su-exec", "doas", "xvfb-run", "fixuid", "time", "stdbuf", "ionice"})
_RUN_AS_USER = frozenset({"gosu", "su-exec", "s6-setuidgid"})  # their first operand is the user
_WRAPPER_VALUE_OPTIONS = {"runuser": frozenset({"-u", "-g", "-G", "--user", "--group"}),
                          "sudo": frozenset({"-u", "-g", "-C", "-h", "-p", "-U", "-r", "-t"}),
                          "chpst": frozenset({"-u", "-U", "-e", "-n", "-l", "-L"}),
                          "setpriv": frozenset({"--reuid", "--regid", "--groups"}),
                          "env": frozenset({"-u", "-C", "-S"}), "nice": frozenset({"-n"}),
                          "tini": frozenset({"-p", "-e"}), "ionice": frozenset({"-c", "-n"})}
# Shell commands that set up the environment before the program of a `sh -c` script.
_SETUP_COMMANDS = frozenset({"cd", "export", "set", "umask", "ulimit", "source", ".", "true", ":", "echo", "printf",
                             "mkdir", "chown", "chmod", "test", "["})
_SHELL_OPERATORS = frozenset({";", "&&", "||", "|", "&", ";;"})
# Words of an entrypoint script's name that say it is made for development or CI.
_DEV_WORDS = frozenset({"dev", "develop", "development", "devel", "devcontainer", "ci", "test", "tests", "debug"})
# Development servers and watchers: the command of an image made to develop in.
_DEV_SERVERS = frozenset({"nodemon", "webpack-dev-server", "air", "reflex", "watchexec", "ts-node-dev",
                          "browser-sync", "live-server", "jupyter", "jupyter-lab", "jupyter-notebook", "code-server",
                          "start-notebook.sh", "start-notebook.py", "start-singleuser.sh", "rstudio-server"})
_DEV_SCRIPTS = re.compile(r"^(dev|develop|watch|serve|start[:_-]dev|dev[:_-].*)$")
# Build tools that are the image's command: the image runs a build when it starts (a builder or CI image).
_TOOL_COMMANDS = frozenset({"mvn", "mvnw", "gradle", "gradlew", "sbt", "ant", "lein", "make", "gmake", "cmake",
                            "ninja", "meson", "bazel", "bazelisk", "goreleaser", "javac", "rustc", "cargo", "stack",
                            "cabal", "go", "tsc", "webpack"}) | C_COMPILERS
# `dotnet <sub>` / `swift <sub>` that need the SDK (not `dotnet app.dll`).
_SDK_SUBCOMMANDS = {"dotnet": frozenset({"run", "watch", "build", "test", "publish", "restore", "ef", "new", "tool",
                                         "msbuild", "pack"}),
                    "swift": frozenset({"run", "build", "test", "package"}),
                    "mix": frozenset({"run", "test", "phx.server", "compile"}),
                    "bundle": frozenset({"install"})}
_KEEP_ALIVE_SLEEP = 3600  # seconds; `sleep 3600` or longer as the command keeps a container up to exec into


def image_purpose(stage: Stage, path: str | None = None) -> Purpose:
    """What the image built from `stage` is for: its default command, what the file installs (a notebook or IDE
    server), and where the Dockerfile lives (`ci/`, `tests/`, `.devcontainer/`, `Dockerfile.dev`)."""
    where = development_path(path)
    if where is not None:
        return Purpose("development", reason=f"its file is in `{where}`, a place for development or CI images")
    ide = _development_server_installed(stage)
    if ide is not None:
        return Purpose("development", reason=f"it installs `{ide}`, a development environment")
    environment = _interactive_environment(stage)
    if environment is not None:
        return Purpose("development", reason=environment)
    label = _development_label(stage)
    if label is not None:
        return Purpose("development", reason=f"its label `{label}` marks a development container")
    if stage.name and any(word in _DEVELOPMENT_PATH_WORDS for word in re.split(r"[-_.]", stage.name)):
        return Purpose("development", reason=f"its stage `{stage.name}` is a development or test target")
    words = default_command(stage)
    if words is None:
        root = parse_image(list(stage.lineage())[-1].base_image or "")
        if root is not None and runs_service(root):
            return Purpose("program", reason=f"runs the service of its base image `{root}`")
        if root is not None and development_base(root):
            return Purpose("development", reason=f"is built on the development image `{root}`")
        cross = _cross_compiler(stage)
        if cross is not None:
            return Purpose("development", reason=f"it installs the cross-compiler `{cross}` and runs nothing")
        return Purpose("none", reason="declares no CMD or ENTRYPOINT")
    return _classify(list(words), depth=0)


# Words of a Dockerfile's folder or file name that say it builds a development, test or CI image.
_DEVELOPMENT_PATH_WORDS = frozenset({"dev", "develop", "development", "devel", "devcontainer", "devcontainers",
                                     "ci", "test", "tests", "testing", "e2e", "debug", "toolbox", "tilt"})
# Folders that hold build-environment images (`builders/linux.aarch64/Dockerfile`): the image compiles when it runs.
_BUILDER_FOLDERS = frozenset({"builder", "builders"})


def development_path(path: str | None) -> str | None:
    """The part of a Dockerfile's path that marks a development, test, CI or build-environment image
    (`.devcontainer/Dockerfile`, `ci/Dockerfile`, `docker/ubuntu-ci/Dockerfile`, `Dockerfile.dev`, `dev.Dockerfile`,
    `builders/linux/Dockerfile`), else None. The words of
    every folder of a relative path count (it is inside the project). Of an absolute path, the folders above the
    project (`~/dev/project`) say nothing about it: only the file name's words and a parent folder named exactly
    so (`/src/app/ci/Dockerfile`) count."""
    if not path or path in ("-", "<stdin>"):
        return None
    parts = [p for p in path.replace("\\", "/").split("/") if p and p not in (".", "..")]
    if not parts:
        return None
    absolute = path.startswith(("/", "\\")) or bool(re.match(r"^[A-Za-z]:", path))
    if absolute:
        if len(parts) > 1 and parts[-2].lstrip(".").lower() in _DEVELOPMENT_PATH_WORDS | _BUILDER_FOLDERS:
            return parts[-2]
        parts = parts[-1:]
    for index, part in enumerate(parts):
        if any(word.lower() in _DEVELOPMENT_PATH_WORDS for word in re.split(r"[-_.]", part)):
            return part
        if index < len(parts) - 1 and part.lower() in _BUILDER_FOLDERS:
            return part
    return None


# Interactive development servers an image installs for its users: notebooks and editors in the browser.
_DEVELOPMENT_SERVERS_INSTALLED = ("jupyter", "jupyterlab", "notebook", "code-server", "rstudio-server",
                                  "jupyterhub")


# Labels of development containers: toolbox (`toolbox enter`), dev containers (their metadata label).
_DEVELOPMENT_LABELS = ("com.github.containers.toolbox", "devcontainer.metadata")


# PHP's debugger and coverage driver: made for development images, never enabled in production ones.
_PHP_DEBUGGERS = re.compile(r"^(php[\d.]*-)?(xdebug|pcov)(-[\d.]+)?$")


# Cross toolchains: `gcc-aarch64-linux-gnu`, `crossbuild-essential-arm64`, `libc6-dev-armhf-cross`, mingw.
_CROSS_PACKAGES = re.compile(r"^((gcc|g\+\+|binutils)(-\d+)?-[a-z0-9_]+-linux-gnu[a-z]*|crossbuild-essential-.+|"
                             r".+-cross|(gcc-)?mingw-w64.*|musl-cross.*)$")


def _cross_compiler(stage: Stage) -> str | None:
    for each in stage.lineage():
        for run in each.runs():
            for command in run.commands:
                name = posixpath.basename(command.argv[0]) if command.argv else ""
                if name in ("apt-get", "apt", "apk", "dnf", "yum", "microdnf", "zypper"):
                    for word in command.argv[1:]:
                        if _CROSS_PACKAGES.match(word):
                            return word
    return None


# Packages an image installs to be logged into and worked in (a remote development environment): an SSH server
# together with a terminal multiplexer.
_SSH_SERVERS = frozenset({"openssh-server", "dropbear"})
_MULTIPLEXERS = frozenset({"tmux", "screen", "byobu"})
# A virtual display for browser tests (Selenium, Capybara, Cypress).
_TEST_DISPLAYS = frozenset({"xvfb", "xorg-x11-server-xvfb", "xvfb-run"})


def _apt_like_installed(stage: Stage) -> set[str]:
    """Every word an apt/apk/dnf/yum/zypper command of the stage's lineage names (package names, lower case)."""
    named: set[str] = set()
    for each in stage.lineage():
        for run in each.runs():
            for command in run.commands:
                name = posixpath.basename(command.argv[0]) if command.argv else ""
                if name in ("apt-get", "apt", "apk", "dnf", "yum", "microdnf", "zypper"):
                    named.update(w.split("=", 1)[0].lower() for w in command.argv[1:])
    return named


def _interactive_environment(stage: Stage) -> str | None:
    """A reason when the packages say the image is an environment to work in: an SSH server with tmux/screen (a
    remote development template), or a virtual display for browser tests in an image with no CMD of its own (the
    test command is given when it runs)."""
    named = _apt_like_installed(stage)
    ssh = sorted(named & _SSH_SERVERS)
    multiplexer = sorted(named & _MULTIPLEXERS)
    if ssh and multiplexer:
        return f"it installs `{ssh[0]}` and `{multiplexer[0]}`, an environment to log into and work in"
    display = sorted(named & _TEST_DISPLAYS)
    if display and not _declares_cmd(stage):
        return f"it installs `{display[0]}` for browser tests and declares no CMD"
    return None


def _declares_cmd(stage: Stage) -> bool:
    """A CMD of the Dockerfile's own stages, not reset by a later ENTRYPOINT (which drops the inherited CMD)."""
    for each in stage.lineage():
        for instruction in reversed(each.instructions):
            if instruction.keyword == "CMD":
                return True
            if instruction.keyword == "ENTRYPOINT":
                return False
    return False


def _development_label(stage: Stage) -> str | None:
    for each in stage.lineage():
        for instruction in each.instructions:
            if instruction.keyword == "LABEL":
                for label in _DEVELOPMENT_LABELS:
                    if label in instruction.arguments:
                        return label
    return None


def _development_server_installed(stage: Stage) -> str | None:
    for each in stage.lineage():
        for run in each.runs():
            for command in run.commands:
                argv = command.argv
                if not argv:
                    continue
                name = posixpath.basename(argv[0])
                installs = ((_PIP.match(name) or name in ("conda", "mamba", "micromamba", "pipx", "uv"))
                            and "install" in argv) or (_PYTHON.match(name) and "pip" in argv and "install" in argv)
                if installs or name in ("apt-get", "apt", "yum", "dnf", "apk", "pecl", "docker-php-ext-enable"):
                    for word in argv[1:]:
                        package = re.split(r"[=<>~\[]", word, maxsplit=1)[0].lower()
                        if package in _DEVELOPMENT_SERVERS_INSTALLED and (installs or package == "rstudio-server"):
                            return package
                        if _PHP_DEBUGGERS.match(package):
                            return package
                if name == "curl" and any("code-server.dev/install.sh" in w for w in argv):
                    return "code-server"
    return None


def _classify(words: list[str], depth: int) -> Purpose:
    words = _unwrap(words)
    if not words or depth > 4:
        return Purpose("program", tuple(words))
    program = posixpath.basename(words[0])
    shown = " ".join(words[:4])
    script = _shell_script(words)
    if script is not None:
        if not script.strip():
            return Purpose("development", tuple(words), f"its command `{shown}` is an interactive shell")
        return _classify_script(script, depth)
    operands = [w for w in words[1:] if not w.startswith("-")]
    if (is_interpreter(program) or program in REPLS) and not operands:
        return Purpose("development", tuple(words), f"its command `{shown}` is an interactive prompt")
    if _keeps_alive(words):
        return Purpose("development", tuple(words), f"its command `{shown}` only keeps the container running")
    if program in _DEV_SERVERS or _runs_dev_script(words):
        return Purpose("development", tuple(words), f"its command `{shown}` is a development server")
    if program in _TOOL_COMMANDS or (program in _SDK_SUBCOMMANDS and (
            not operands or operands[0] in _SDK_SUBCOMMANDS[program])):  # `dotnet` alone: the SDK's own CLI
        return Purpose("toolchain", tuple(words), f"its command `{shown}` is a build tool")
    if any(_is_installed_build_script(w) for w in operands):
        return Purpose("toolchain", tuple(words), f"its command runs a build script (`{shown}`)")
    script_file = words[0] if (_is_script_name(words[0]) or _is_build_script(words[0])) else (
        operands[0] if is_interpreter(program) and operands and _is_script_name(operands[0]) else None)
    if script_file is not None and _names_development(script_file):
        return Purpose("development", tuple(words), f"its command runs `{script_file}`, a development script")
    if script_file is not None and _names_build_tool(script_file):
        return Purpose("toolchain", tuple(words), f"its command runs `{script_file}`, a wrapper of a build tool")
    if script_file is not None:
        rest = words[words.index(script_file) + 1 :]  # `bash -m start.sh /bin/bash`: the script runs the rest
        if rest and not rest[0].startswith("-"):
            # An entrypoint script runs the command it is given (`exec "$@"`): that command says what the image is.
            inner = _classify(rest, depth + 1)
            if inner.kind != "program":
                return inner
    return Purpose("program", tuple(words))


def _unwrap(words: list[str]) -> list[str]:
    while words:
        name = posixpath.basename(words[0])
        if name not in _INIT_WRAPPERS:
            break
        takes_value = _WRAPPER_VALUE_OPTIONS.get(name, frozenset())
        index = 1
        while index < len(words):
            word = words[index]
            if word == "--":
                index += 1
                break
            if word in takes_value:
                index += 2
            elif word.startswith("-") or (name == "env" and "=" in word):
                index += 1
            else:
                break
        if name in _RUN_AS_USER:
            index += 1
        if name == "my_init" and "--" not in words:
            return []  # phusion's my_init alone runs its services: no program named here
        words = words[index:]
    while words and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", words[0]):
        words = words[1:]  # `VAR=value program`
    return words


def _shell_script(words: list[str]) -> str | None:
    """The script of `sh -c SCRIPT`, "" for a bare interactive shell (`bash`, `bash -l`), None otherwise."""
    if not is_shell(words[0]):
        return None
    args = words[1:]
    for index, arg in enumerate(args):
        if arg.startswith("-") and not arg.startswith("--") and "c" in arg[1:]:
            rest = [a for a in args[index + 1 :] if not a.startswith("-")]
            return rest[0] if rest else ""
        if not arg.startswith("-") and not arg.startswith("+"):
            return None  # `bash script.sh`: runs a script file
    return ""


def _classify_script(script: str, depth: int) -> Purpose:
    """The purpose of the first command of a `sh -c` script that is not environment setup."""
    try:
        lexer = shlex.shlex(script, posix=True, punctuation_chars=";&|")
        lexer.whitespace_split = True
        tokens = list(lexer)
    except ValueError:
        tokens = script.split()
    command: list[str] = []
    commands: list[list[str]] = []
    for token in tokens:
        if token in _SHELL_OPERATORS:
            if command:
                commands.append(command)
            command = []
        else:
            command.append(token)
    if command:
        commands.append(command)
    if any(c[:1] in (["while"], ["until"]) for c in commands) and any(
            c[:1] == ["sleep"] or c[1:2] == ["sleep"] for c in commands):
        return Purpose("development", (), f"its command `{script[:40]}` only keeps the container running")
    # A script that runs a build tool or a development server anywhere (`cp -a /src /w && make docs`) is a build
    # or development image; otherwise its first real command says what the image runs.
    first: Purpose | None = None
    for words in commands:
        unwrapped = _unwrap(words)
        if unwrapped and unwrapped[0] in ("do", "then", "else", "exec"):
            unwrapped = _unwrap(unwrapped[1:])
        if not unwrapped or (posixpath.basename(unwrapped[0]) in _SETUP_COMMANDS and not _keeps_alive(unwrapped)):
            continue
        purpose = _classify(unwrapped, depth + 1)
        if purpose.kind != "program" and not (first is not None and _keeps_alive(unwrapped)):
            return purpose  # (`daemon && sleep infinity` runs the daemon: a program)
        first = first or purpose
    return first or Purpose("program", ())


def _keeps_alive(words: list[str]) -> bool:
    program = posixpath.basename(words[0])
    if program == "sleep" and len(words) > 1:
        value = words[1]
        if value in ("infinity", "inf"):
            return True
        match = re.fullmatch(r"(\d+)([smhd]?)", value)
        if match:
            seconds = int(match.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[match.group(2)]
            return seconds >= _KEEP_ALIVE_SLEEP
    if program == "tail" and "/dev/null" in words and any(w in ("-f", "-F", "--follow") for w in words):
        return True
    return program == "cat" and len(words) == 1


def _runs_dev_script(words: list[str]) -> bool:
    program = posixpath.basename(words[0])
    args = [w for w in words[1:] if not w.startswith("-")]
    if program in ("npm", "pnpm", "yarn", "bun") and args:
        script = args[1] if args[0] in ("run", "run-script") and len(args) > 1 else args[0]
        return bool(_DEV_SCRIPTS.match(script))
    if program in ("npx", "pnpx") and args:
        return _runs_dev_script(args) or posixpath.basename(args[0]) in _DEV_SERVERS
    if program == "ng" and args[:1] == ["serve"]:
        return True
    if program == "vite" and args[:1] in ([], ["dev"], ["serve"]):
        return True
    if program == "webpack" and args[:1] == ["serve"]:
        return True
    if program in ("cargo", "dotnet") and args[:1] == ["watch"]:
        return True
    return program == "flask" and args[:1] == ["run"] and "--debug" in words


def _names_development(path: str) -> bool:
    name = posixpath.basename(path)
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return any(part.lower() in _DEV_WORDS for part in re.split(r"[-_.]", stem))


# Words of a script name that say the script builds: `build.sh` as the entrypoint makes a builder image.
_BUILD_SCRIPT_WORDS = frozenset({"build", "builder", "compile"})


def _names_build_tool(path: str) -> bool:
    """`go.bash`, `mvn-entrypoint.sh`, `build.sh`: a script named after the build tool it runs or the build."""
    name = posixpath.basename(path)
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return any(part in _TOOL_COMMANDS or part.lower() in _BUILD_SCRIPT_WORDS for part in re.split(r"[-_.]", stem))


def _is_build_script(word: str) -> bool:
    """`/usr/bin/build`, `./compile`: a program named after the build it runs (a path, not a bare word)."""
    return "/" in word and posixpath.basename(word).lower() in _BUILD_SCRIPT_WORDS


def _is_installed_build_script(word: str) -> bool:
    """`/bin/build`, `/usr/local/bin/compile` given to a wrapper (`scutil emu /bin/build`): a build script installed
    as a program; not a data path named build (`/srv/build`)."""
    folder, name = posixpath.split(word)
    return posixpath.basename(folder) in ("bin", "sbin") and name.lower() in _BUILD_SCRIPT_WORDS


def _is_script_name(word: str) -> bool:
    name = posixpath.basename(word)
    return (name.endswith((".sh", ".bash", ".ash", ".py", ".rb", ".pl")) or "entrypoint" in name
            or name.startswith("start"))


# ---------------------------------------------------------------------------------------------------------------
# Commands that may read the repository's version-control folder (`.git`) without running `git` themselves: a
# project's own build or install (setuptools-scm, versioneer, pbr, dunamai, hatch-vcs and Makefiles take the version
# from the repository; pygit2/GitPython scripts open it), and scripts run from the copied tree.

_VCS_READING_TOOLS = frozenset({"make", "gmake", "setuptools-scm", "versioneer", "dunamai", "pbr"})
_PROJECT_BUILDS = {"poetry": frozenset({"build", "install"}), "hatch": frozenset({"build", "version"}),
                   "pdm": frozenset({"build", "install", "sync"}), "flit": frozenset({"build", "install"}),
                   "uv": frozenset({"build", "sync", "pip"}), "npm": frozenset({"run", "run-script"}),
                   "yarn": frozenset({"run", "build"}), "pnpm": frozenset({"run", "build"})}
_SCRIPT_SUFFIXES = (".py", ".sh", ".bash", ".js", ".mjs", ".cjs", ".ts", ".rb", ".pl", ".php")


def may_read_vcs(argv: tuple[str, ...]) -> str | None:
    """Why a RUN command may read the `.git` of the sources it runs in (a short phrase), or None: `python setup.py`,
    `pip install .` (a local project: its build backend may take the version from git), `python -m build`,
    `make`, a versioning tool, `poetry build`, `npm run <script>`, `./script` or `python tool.py` (a script of the
    copied tree: it may open the repository), `python -c` code that names git. `git` itself is not asked about."""
    if not argv:
        return None
    name = posixpath.basename(argv[0])
    args = list(argv[1:])
    if name in _VCS_READING_TOOLS or argv[0] in ("./configure", "./autogen.sh"):
        return f"`{name}` may take the version from the repository"
    pip = args if _PIP.match(name) else args[2:] if _PYTHON.match(name) and args[:2] == ["-m", "pip"] else None
    if pip is not None:
        local, skip = False, False
        for word in pip[1:] if pip[:1] in (["install"], ["wheel"]) else []:
            if skip:
                skip = False
            elif word in ("-r", "--requirement", "-c", "--constraint"):
                skip = True
            elif word == "." or word.startswith(("./", "../")):
                local = True
        return "installing the local project may take its version from git (setuptools-scm)" if local else None
    if _PYTHON.match(name) and args[:2] == ["-m", "build"]:
        return "building the local project may take its version from git"
    words = _words(argv)
    subcommands = _PROJECT_BUILDS.get(name)
    if subcommands is not None:
        if words and words[0] in subcommands:
            return f"`{name} {words[0]}` runs the project's own build, which may read git"
        return None
    if "/" in argv[0] and not argv[0].startswith(("/usr/", "/bin/", "/sbin/", "/lib", "$")):
        return f"`{argv[0]}` is a script of the copied tree and may read git"
    if is_interpreter(name) and args:
        if args[0] == "-c" or (args[0].startswith("-") and not args[0].startswith("--") and args[0].endswith("c")):
            code = args[1] if len(args) > 1 else ""
            return f"`{name} -c` code names git" if "git" in code.lower() else None
        script = next((w for w in args if not w.startswith("-")), None)
        if script is not None and not script.startswith(("/usr/", "/bin/", "$")) and script.endswith(_SCRIPT_SUFFIXES):
            return f"`{name} {script}` runs a script of the copied tree, which may read git"
    return None
