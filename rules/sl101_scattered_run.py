r"""What it does
Flags two or more consecutive `RUN` instructions in a stage whose layers reach the image (the target and the
stages it is built `FROM`). Comments and blank lines between them do not break the chain; any other instruction
does. One finding per chain, at its first `RUN`, spanning the chain. Build stages whose output is only copied
with `COPY --from` are not checked: their layers never reach the image, so merging them saves nothing.

Why is this bad?
Every `RUN` adds a layer. Files that one `RUN` creates and a later one deletes stay in the image, and each
layer adds metadata and pull overhead. Chaining the commands with `&&` (or one heredoc) makes one layer,
so cleanup in the same instruction really frees the bytes.

Example
```dockerfile
RUN apt-get update
RUN apt-get install -y --no-install-recommends curl
RUN rm -rf /var/lib/apt/lists/*
```

Use instead
```dockerfile
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl \
 && rm -rf /var/lib/apt/lists/*
```

RUNs with different `--mount`, `--network` or `--security` flags are not chained: they cannot simply be merged.

hadolint equivalent: DL3059 (which also reports chains in build-only stages).
"""

from dockerlint_slim.diagnostics import Finding, Fix, Span
from dockerlint_slim.fixes.edits import join_groups, join_runs
from dockerlint_slim.model import RunInstruction
from dockerlint_slim.model.queries import image_stages
from dockerlint_slim.options import Integer

ID = "SL101"
NAME = "scattered-run"
SEVERITY = "info"
SUMMARY = "Consecutive RUN instructions create one layer each; chain them into one RUN"
TAGS = ("layers",)
OPTIONS = {"min_chain": Integer(2, "RUNs in a row before they are reported", minimum=2)}
FIX = "sometimes"


def check(target):
    min_chain = target.options["min_chain"]
    for stage in image_stages(target.dockerfile):
        chain: list[RunInstruction] = []
        for instruction in stage.instructions[1:] + [None]:
            if isinstance(instruction, RunInstruction) and _chainable(instruction, chain):
                chain.append(instruction)
                continue
            if len(chain) >= min_chain:
                yield _finding(target.dockerfile, chain)
            chain = [instruction] if isinstance(instruction, RunInstruction) else []


def _chainable(run: RunInstruction, chain: list[RunInstruction]) -> bool:
    if not chain:
        return True
    first = chain[0]
    return (run.mounts, run.network, run.security) == (first.mounts, first.network, first.security)


def _finding(dockerfile, chain: list[RunInstruction]) -> Finding:
    first, last = chain[0], chain[-1]
    span = Span(first.span.line, first.span.column, last.span.end_line, last.span.end_column)
    numbers = [run.span.line for run in chain]
    lines = ", ".join(map(str, numbers)) if len(numbers) <= 6 else f"{numbers[0]}, {numbers[1]}, ..., {numbers[-1]}"
    message = f"{len(chain)} consecutive RUN instructions (lines {lines}) create {len(chain)} layers"
    return Finding(span, message, fix=Fix(
        "Join them into one RUN with && (or a heredoc), so that files removed later in the chain are never stored",
        *_join(dockerfile, chain)))


def _join(dockerfile, chain: list[RunInstruction]) -> tuple[tuple, str, int]:
    """The edits that join what can be joined exactly (a heredoc or a shell comment splits the chain)."""
    edits, removed = [], 0
    for group in join_groups(dockerfile, chain):
        joined = join_runs(dockerfile, group)
        if joined:
            edits += joined
            removed += len(group) - 1
    return tuple(edits), "safe", removed
