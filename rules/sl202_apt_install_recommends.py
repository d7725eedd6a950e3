r"""What it does
Flags `apt-get install` / `apt install` in a layer of the image without `--no-install-recommends` (or
`-o APT::Install-Recommends=false`). An earlier `RUN` of the stage (or a stage it is built `FROM`) that writes
`APT::Install-Recommends "false";` into apt's configuration also counts. Only stages that reach the image are
checked.

Why is this bad?
By default apt also installs every package that the requested ones merely *recommend*: documentation,
optional helpers, whole desktop libraries. They are rarely needed in a container and often add tens of MB
(sometimes hundreds) to the layer.

Example
```dockerfile
RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*
```

Use instead
```dockerfile
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl \
 && rm -rf /var/lib/apt/lists/*
```

hadolint equivalent: DL3015.
"""

from __future__ import annotations

import re

from dockerlint_slim.diagnostics import Finding, Fix
from dockerlint_slim.knowledge.package_managers import APT, apt_skips_recommends, package_call, variables_at
from dockerlint_slim.model.queries import image_stages
from dockerlint_slim.shell.argv import program_argv

ID = "SL202"
NAME = "apt-install-recommends"
SEVERITY = "warning"
SUMMARY = "apt install without --no-install-recommends pulls in recommended packages"
TAGS = ("packages", "apt")

_FALSE = ("false", "0", "no", "off")


def apt_install(stage, run, command):
    """The `apt-get install` call of `command` (flags held in ARG/ENV read as BuildKit substitutes them), None
    for any other command and for a simulation (`apt-get install -s`)."""
    from dockerlint_slim.shell.argv import program_argv

    argv = program_argv(command)
    if not argv or argv[0] not in APT.programs:
        return None
    call = package_call(argv, variables_at(stage, run, command))
    if call is None or call.manager is not APT or call.command != ("install",) or call.simulated:
        return None
    return call


def _configures_no_recommends(run) -> bool:
    """`echo 'APT::Install-Recommends "false";' > /etc/apt/apt.conf.d/...` (any command that writes the setting),
    or a heredoc body (`cat > /etc/apt/apt.conf.d/x <<EOF`) that holds it."""
    for command in run.commands:
        text = " ".join(command.argv).lower()
        if "apt::install-recommends" in text and any(f'"{v}"' in text or f" {v};" in text for v in _FALSE):
            return True
    return _heredoc_sets_no_recommends(run)


_NO_RECOMMENDS_LINE = re.compile(r'apt::install-recommends\s+"?(false|0|no|off)"?', re.IGNORECASE)


def _heredoc_sets_no_recommends(instruction) -> bool:
    return any(_NO_RECOMMENDS_LINE.search(h.content) for h in getattr(instruction, "heredocs", ()))


def _copy_configured_from(stage) -> float:
    """The line from which a `COPY <<EOF /etc/apt/apt.conf.d/...` with the setting is in effect in `stage`
    (-inf when a stage it is built FROM has one, +inf when none does). Computed once per stage: linear."""
    for ancestor in list(stage.lineage())[1:]:
        if any(i.keyword in ("COPY", "ADD") and _heredoc_sets_no_recommends(i) for i in ancestor.instructions):
            return float("-inf")
    lines = [i.span.line for i in stage.instructions if i.keyword in ("COPY", "ADD") and _heredoc_sets_no_recommends(i)]
    return min(lines, default=float("inf"))


def check(target):
    for stage in image_stages(target.dockerfile):
        configured = any(_configures_no_recommends(r) for s in list(stage.lineage())[1:] for r in s.runs())
        copy_configured_from = _copy_configured_from(stage)
        for run in stage.runs():
            configured = configured or _configures_no_recommends(run) or copy_configured_from < run.span.line
            if not run.shell_analysed or configured:
                continue
            for command in run.commands:
                call = apt_install(stage, run, command)
                if call is None or apt_skips_recommends(call):
                    continue
                packages = list(call.operands)
                shown = " ".join(packages[:4]) + (" ..." if len(packages) > 4 else "")
                # `apt-get -f install` (after `dpkg -i x.deb`) names no package but still pulls in recommends.
                # (`xargs -a list.txt apt-get install -y` names none either: quote the command as it is.)
                label = f"{call.program} install {shown}" if shown else " ".join(call.argv[:5])
                flag = "--without-recommends" if call.argv[0] == "aptitude" else "--no-install-recommends"
                yield Finding(
                    command.span,
                    f"`{label}` also installs every recommended package (often tens of MB of "
                    f"optional tools and docs); add `{flag}` and list what you really need",
                    fix=Fix(f"Add `{flag}` after `install`"),
                )
