"""What the build commands of a stage produce, read from the model: front-end build steps and the files a build
writes (the output to copy into a runtime stage). Shared by SL401, SL403 and SL404."""

from __future__ import annotations

import posixpath
import re

from dockerlint_slim.model import Instruction, RunInstruction, Stage

# Default commands of toolchain/development images: an interpreter prompt or a shell.
INTERACTIVE = frozenset({"bash", "sh", "zsh", "python", "python3", "ipython", "node", "irb", "ghci", "jshell",
                         "iex", "erl", "swift", "php", "perl", "lua", "R", "julia", "scala", "clojure", "lein"})
_NODE_BUILD_SCRIPTS = re.compile(r"^(build|compile|dist|bundle|prod|production)([:_-].*)?$")
_NODE_BUILD_TOOLS = frozenset({"tsc", "webpack", "vite", "rollup", "esbuild", "parcel", "ng", "next", "nuxt",
                               "gatsby", "react-scripts", "vue-cli-service", "nest"})


JAVA_BUILDERS = frozenset({"mvn", "mvnw", "gradle", "gradlew", "javac", "jar", "sbt", "lein", "ant", "jlink"})


def compiles_java(stage: Stage) -> bool:
    """A command of the image's stages builds Java (so a JDK base is needed there, a JRE is not enough)."""
    return any(posixpath.basename(c.argv[0]) in JAVA_BUILDERS
               for each in stage.lineage() for run in each.runs() for c in run.commands if c.argv)


def last_instruction(stage: Stage, keyword: str) -> Instruction | None:
    """The instruction that is in effect for `stage` (CMD, ENTRYPOINT...), inherited through FROM <stage>."""
    for each in stage.lineage():  # nearest stage first; within a stage the last one wins
        found = [i for i in each.instructions if i.keyword == keyword]
        if found:
            return found[-1]
    return None


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
    args = [a for a in argv[1:] if not a.startswith("-")]
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


# What a build writes, when the commands say so: the file to copy into the runtime stage.
def build_artifacts(stage: Stage) -> list[str]:
    found: list[str] = []
    for each in reversed(list(stage.lineage())):
        workdir = "/"
        for instruction in each.instructions:
            if instruction.keyword == "WORKDIR":
                workdir = getattr(instruction, "path", workdir) or workdir
            if isinstance(instruction, RunInstruction):
                cwd = workdir
                for command in instruction.commands:
                    if command.name == "cd" and len(command.argv) > 1 and "$" not in command.argv[1]:
                        cwd = posixpath.normpath(posixpath.join(cwd, command.argv[1]))
                    artifact = _artifact_of(command.argv, cwd)
                    if artifact:
                        found.append(artifact)
    for keyword in ("ENTRYPOINT", "CMD"):
        instruction = last_instruction(stage, keyword)
        if instruction is not None and instruction.json_form and instruction.args:
            program = instruction.args[0]
            if program.startswith("/") and posixpath.basename(program) not in INTERACTIVE and "$" not in program:
                found.append(program)
    return list(dict.fromkeys(found))


def _artifact_of(argv: tuple[str, ...], cwd: str) -> str | None:
    if not argv:
        return None
    name = posixpath.basename(argv[0])
    output = None
    for index, arg in enumerate(argv[:-1]):
        if arg in ("-o", "--output") and name in ("go", "gcc", "g++", "cc", "clang", "dotnet", "rustc", "ghc"):
            output = argv[index + 1]
    if output and "$" not in output:
        return posixpath.normpath(posixpath.join(cwd, output))
    if name in ("mvn", "mvnw") and any(a in ("package", "install", "verify") for a in argv):
        return posixpath.join(cwd, "target/*.jar")
    if name in ("gradle", "gradlew") and any(a in ("build", "bootJar", "jar", "assemble") for a in argv):
        return posixpath.join(cwd, "build/libs/*.jar")
    if name == "cargo" and "build" in argv and "--release" in argv:
        return posixpath.join(cwd, "target/release/<binary>")
    return None
