"""The model rules read: a Dockerfile's instructions with typed fields and exact spans, its stages, and the shell
commands of its RUNs (`dockerfile`), plus the queries rules share over it (`queries`)."""

from dockerlint_slim.model.dockerfile import (
    ArgInstruction,
    CopyInstruction,
    Dockerfile,
    EnvInstruction,
    Flag,
    FromInstruction,
    Heredoc,
    InheritedEnv,
    Instruction,
    Mount,
    OnbuildInstruction,
    ParseError,
    RunInstruction,
    ShellCommand,
    ShellInstruction,
    Stage,
    WorkdirInstruction,
)

__all__ = [
    "ArgInstruction",
    "CopyInstruction",
    "Dockerfile",
    "EnvInstruction",
    "Flag",
    "FromInstruction",
    "Heredoc",
    "InheritedEnv",
    "Instruction",
    "Mount",
    "OnbuildInstruction",
    "ParseError",
    "RunInstruction",
    "ShellCommand",
    "ShellInstruction",
    "Stage",
    "WorkdirInstruction",
]
