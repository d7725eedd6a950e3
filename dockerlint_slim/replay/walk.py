"""The instructions of the image in build order, with the ENV/ARG values a RUN sees."""

from __future__ import annotations

from dockerlint_slim.model import (
    ArgInstruction,
    Dockerfile,
    EnvInstruction,
    Instruction,
    OnbuildInstruction,
    RunInstruction,
)


class BuildVars:
    """ENV/ARG values while walking the image's instructions in build order, as BuildKit reads them in a RUN:
    an ENV wins over an ARG of the same name, a later ARG default replaces an earlier one, an ARG without a
    default (and anything never set) is unknown (None)."""

    def __init__(self) -> None:
        self.env: dict[str, str] = {}
        self.args: dict[str, str] = {}

    def apply(self, instruction: Instruction) -> None:
        if isinstance(instruction, EnvInstruction):
            self.env.update((k, v) for k, v in instruction.pairs if v is not None)
        elif isinstance(instruction, ArgInstruction):
            self.args.update((k, v) for k, v in instruction.pairs if v is not None)

    def get(self, name: str) -> str | None:
        return self.env[name] if name in self.env else self.args.get(name)


def image_instructions(dockerfile: Dockerfile, onbuild_runs: bool = False):
    """(stage, instruction) of the stages whose layers reach the image, base first, FROM lines left out; with
    `onbuild_runs`, the target's `ONBUILD RUN` triggers come last (they run in every image built FROM it)."""
    stages = dockerfile.image_stages()
    for stage in stages:
        for instruction in stage.instructions[1:]:
            yield stage, instruction
    if onbuild_runs and stages:
        target = stages[-1]
        for instruction in target.instructions:
            if isinstance(instruction, OnbuildInstruction) and isinstance(instruction.trigger, RunInstruction):
                yield target, instruction.trigger
