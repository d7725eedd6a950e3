"""What it does
With `--context`, checks every COPY/ADD source that comes from the build context, in the stages the build
actually runs (the target, the stages it is built FROM, and the stages it copies or mounts from). A source that
does not exist in the context, or that `.dockerignore` excludes, is an error. Wildcards that match nothing are not
reported (BuildKit allows an empty wildcard), and nor are `--from` sources, heredocs, URLs and git sources.

A missing source that a `.gitignore` of the context leaves untracked (a binary, generated files) is most likely
made by a build script before `docker build`: it is reported as information only ("not in the context
(git-ignored: probably generated before the build)"), not as a failing build.

Why is this bad?
The build fails: `failed to compute cache key: "/config/app.yml": not found`. When the file exists but
`.dockerignore` excludes it, BuildKit never sends it (its own check for this is CopyIgnoredFile), which is a
confusing way to fail late in a CI pipeline.

Example
```dockerfile
# .dockerignore contains: dist
FROM nginx:alpine
COPY dist/ /usr/share/nginx/html/
COPY conf/nginx.conf /etc/nginx/   # conf/ has no nginx.conf
```

Use instead
```dockerfile
# .dockerignore: remove `dist`, or re-include it with `!dist`
FROM nginx:alpine
COPY dist/ /usr/share/nginx/html/
COPY conf/default.conf /etc/nginx/conf.d/
```

hadolint equivalent: none (hadolint does not read the build context).
"""

from __future__ import annotations

import posixpath

from dockerlint_slim.context.resolve import CONTEXT, resolve_copy
from dockerlint_slim.diagnostics import Finding, Fix, clip
from dockerlint_slim.model import CopyInstruction
from dockerlint_slim.model.queries import needed_stages

ID = "SL304"
NAME = "copy-source-missing"
SEVERITY = "error"
SUMMARY = "A COPY/ADD source is not in the build context or is excluded by .dockerignore: the build fails"
NEEDS = frozenset({"context"})
TAGS = ("context", "correctness")


def check(target):
    context = target.context
    if context is None:
        return
    for stage in needed_stages(target.dockerfile):
        for instruction in stage.instructions:
            if not isinstance(instruction, CopyInstruction) or instruction.from_:
                continue
            resolution = resolve_copy(instruction, context)
            raw = _raw_sources(instruction)
            for index, source in enumerate(resolution.sources):
                if source.origin != CONTEXT or source.wildcard or source.unreadable:
                    continue
                if raw is None or "$" in raw[index]:
                    continue  # depends on a build argument that `--build-arg` may change
                if source.ignored_by is not None:
                    yield _ignored(instruction, source.text, source.path, source.ignored_by, context)
                elif source.missing:
                    yield _missing(instruction, source.text, source.path, context)


def _raw_sources(instruction: CopyInstruction) -> list[str] | None:
    """The sources as written, before variable substitution (None when they cannot be paired up)."""
    raw = list(instruction.args[:-1])
    if len(raw) != len(instruction.sources):
        return None
    return raw


def _ignored(instruction: CopyInstruction, text: str, path: str, hidden_by: str, context) -> Finding:
    pattern = context.ignore.explain(hidden_by) or context.ignore.explain(path)
    ignore_file = posixpath.basename(context.dockerignore_path or ".dockerignore")
    rule = f'line {pattern.line}: "{pattern.text}"' if pattern is not None and pattern.line else "a pattern"
    what = "exists but" if hidden_by == path else f'is inside "{hidden_by}/", which'
    message = f'{instruction.keyword} source "{clip(text, 50)}" {what} {ignore_file} excludes ({rule}): the build fails'
    return Finding(
        instruction.span,
        message,
        fix=Fix(f'Remove that pattern, or add "!{path}" after it in {ignore_file} (BuildKit never sends an '
                "excluded file: CopyIgnoredFile), or stop copying it"),
        properties={"source": text, "context_path": path, "excluded_by": pattern.text if pattern else None},
    )


def _missing(instruction: CopyInstruction, text: str, path: str, context) -> Finding:
    if context.git_ignored(path):
        # Untracked by git: a build script or CI step usually makes it before `docker build` (a binary, generated
        # files). Its absence from the folder given is no sign that the real build fails.
        message = (f'{instruction.keyword} source "{clip(text, 50)}" is not in the context (git-ignored: probably '
                   "generated before the build)")
        return Finding(
            instruction.span,
            message,
            fix=Fix("Make it before linting (run the step that generates it), or check that the build script does"),
            properties={"source": text, "context_path": path, "git_ignored": True},
            severity="info",
        )
    hint = _nearby(context, path)
    message = f'{instruction.keyword} source "{clip(text, 50)}" is not in the build context: the build fails ("not found")'
    return Finding(
        instruction.span,
        message,
        fix=Fix(f"Fix the path{hint}, or pass the right folder as the build context (now {context.root})"),
        properties={"source": text, "context_path": path},
    )


def _nearby(context, path: str) -> str:
    """A same-named file elsewhere in the folder, to suggest (`conf/app.yml` when `config/app.yml` is missing)."""
    folder, _, name = path.rpartition("/")
    parent = folder
    while parent and context.get(parent) is None:
        parent = parent.rpartition("/")[0]
    candidates = [c for c in context.children(parent) if c.lower() == name.lower()]
    if candidates:
        found = f"{parent}/{candidates[0]}" if parent else candidates[0]
        return f' (did you mean "{found}"?)'
    return ""
