"""What it does
A CI gate on the static layer model, like `CI=true dive` but before the build. With `--context` and a budget
(`--max-wasted-bytes 20MB`, `--min-efficiency 0.95`, or `max-wasted-bytes` / `min-efficiency` in the config), it
reports when the predicted waste of the image exceeds the budget or the predicted efficiency falls below it. The
finding points at the instruction that wastes the most bytes and names its biggest paths.

Waste is what the known layers store but the final file system does not hold: files deleted, moved,
overwritten or re-stored (chmod/chown/touch/sed -i) by a later instruction, sized from the build context (the
report's `known_wasted_bytes`; typical cache sizes are estimates and never fail the gate). Efficiency is
needed / stored over the bytes slimlint can size (dive's score, restricted to what is known before the build),
and only when at least 1 MB is known: an image whose known bytes are an entrypoint script and a few config files
has no meaningful efficiency, and `--min-efficiency` does not judge it. Without a budget the rule is silent.

Why is this bad?
Wasted bytes are pulled and stored on every machine that runs the image, and never used. A budget keeps a
Dockerfile from slowly regrowing the waste it was cleaned of.

Example
```dockerfile
FROM debian:bookworm-slim
COPY build/ /opt/app/              # 180 MiB
RUN chown -R app:app /opt/app      # stores all 180 MiB again
```

Use instead
```dockerfile
FROM debian:bookworm-slim
COPY --chown=app:app build/ /opt/app/
```

hadolint equivalent: none (dive's CI mode measures this after the build).
"""

from __future__ import annotations

from dockerlint_slim.diagnostics import Finding, Fix, clip, format_bytes
from dockerlint_slim.options import Budget, Ratio
from dockerlint_slim.replay import layer_model_for

ID = "SL501"
NAME = "waste-budget"
SEVERITY = "error"
SUMMARY = "Predicted image waste exceeds --max-wasted-bytes, or efficiency is below --min-efficiency"
NEEDS = frozenset({"context"})
OPTIONS = {
    "max_wasted_bytes": Budget(None, "largest predicted waste that passes (also --max-wasted-bytes)"),
    "min_efficiency": Ratio(None, "lowest predicted efficiency that passes (also --min-efficiency)"),
}
TAGS = ("layers", "size", "budget")


def check(target):
    max_wasted = target.options["max_wasted_bytes"]
    min_efficiency = target.options["min_efficiency"]
    if max_wasted is None and min_efficiency is None:
        return
    model = layer_model_for(target)
    wasted = model.wasted_bytes
    efficiency = model.efficiency
    problems = []
    if max_wasted is not None and wasted > max_wasted:
        problems.append(f"known waste {format_bytes(wasted)} exceeds the budget of {_budget_text(max_wasted)}")
    if min_efficiency is not None and efficiency is not None and efficiency < min_efficiency:
        problems.append(f"efficiency {efficiency * 100:.1f}% is below {min_efficiency * 100:.1f}%")
    if not problems:
        return
    by_instruction = model.wasted_by_instruction()
    worst_id = max(by_instruction, key=lambda key: by_instruction[key]) if by_instruction else None
    worst = next((i for i in model.layers if id(i) == worst_id), None)
    if worst is None:
        return  # a budget can only be broken by known waste, which always has an instruction
    events = sorted((e for e in model.events if e.instruction is worst and e.bytes), key=lambda e: -(e.bytes or 0))
    message = (f"{' and '.join(problems)}; line {worst.span.line} wastes the most "
               f"({format_bytes(by_instruction[worst_id])}: {clip(events[0].path, 28)} {events[0].action})")
    paths = "; ".join(f"{e.path} {format_bytes(e.bytes)} {e.action} (stored by line {e.created_by.span.line})"
                      for e in events[:3])
    yield Finding(
        worst.span,
        message,
        wasted_bytes=wasted,
        fix=Fix(f"Remove the waste where it is created ({paths}): delete, move or re-permission files in the "
                "instruction that creates them, or use COPY --chown/--chmod, --exclude or bind mounts"),
        properties={
            "aggregate": True,  # the image's total: summaries must not add it to the other findings' bytes
            "wasted_bytes": wasted,
            "efficiency": round(efficiency, 4) if efficiency is not None else None,
            "max_wasted_bytes": max_wasted,
            "min_efficiency": min_efficiency,
            "stored_bytes": model.stored_bytes,
        },
    )


def _budget_text(size: int) -> str:
    """The budget in the unit the user most likely wrote: `20MB` reads "20 MB" (not "19.1 MiB"), `20MiB` "20.0 MiB",
    plain bytes as bytes, so the message can be matched against the configuration."""
    for power, unit in ((4, "TB"), (3, "GB"), (2, "MB"), (1, "kB")):
        if size and size % 1024**power == 0:
            return format_bytes(size)
        if size and size % 1000**power == 0:
            return f"{size // 1000**power} {unit}"
    return f"{size:,} bytes" if size >= 1024 else format_bytes(size)
