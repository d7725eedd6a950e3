"""Image figures (dive-compatible), per-layer and per-file tables, and the CI checks, as plain data."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dockerlint_slim.image.archive import ImageRef
from dockerlint_slim.image.stack import StackResult

DIVE_RULE, FROM_DOCKERFILE, FROM_OPTION, FROM_HISTORY = "dive-rule", "dockerfile", "option", "history"
# How the checks count waste: EXACT, only the dead copies (and user waste over the layers above the base image);
# DIVE, as dive's CI gate: every copy of a path stored in more than one layer, over every layer after the first.
EXACT, DIVE = "exact", "dive"


@dataclass
class LayerRow:
    index: int
    digest: str
    created_by: str
    history_index: int | None
    bytes: int
    entries: int
    wasted_bytes: int  # stored here, deleted or overwritten later
    removed_bytes: int  # stored earlier, deleted or overwritten here
    base: bool
    dockerfile_line: int | None = None
    blob_bytes: int = 0


@dataclass
class FileRow:
    path: str
    count: int
    wasted_bytes: int
    stored_bytes: int


@dataclass
class Check:
    name: str
    limit: float
    value: float | None  # None: not computable (user wasted ratio with no user bytes but some user waste)
    passed: bool
    arithmetic: str = EXACT

    @property
    def status(self) -> str:
        return "PASS" if self.passed else "FAIL"


@dataclass
class Gates:
    """CI thresholds; None disables a check."""

    min_efficiency: float | None = None
    max_wasted_bytes: int | None = None
    max_user_wasted_ratio: float | None = None
    arithmetic: str = EXACT


@dataclass
class ImageReport:
    source: str
    layout: str
    names: list[str]
    platform: str
    image_bytes: int
    final_bytes: int
    efficiency: float
    wasted_bytes: int
    base_layers: int
    base_layers_source: str
    user_bytes: int
    user_wasted_bytes: int
    user_wasted_ratio: float | None
    layers: list[LayerRow]
    files: list[FileRow]  # the most wasteful paths, most wasted first
    inefficient_paths: int  # how many paths waste bytes (files may be cut to --top)
    checks: list[Check] = field(default_factory=list)
    dive_wasted_bytes: int = 0  # dive's figure: every copy of every path stored in more than one layer
    dive_user_wasted_ratio: float | None = 0.0  # dive's: that over the bytes of every layer after the first

    @property
    def passed(self) -> bool:
        return all(check.passed for check in self.checks)

    def to_json(self) -> dict[str, Any]:
        return {
            "image": {"source": self.source, "layout": self.layout, "names": self.names, "platform": self.platform},
            "image_bytes": self.image_bytes,
            "final_bytes": self.final_bytes,
            "efficiency": self.efficiency,
            "wasted_bytes": self.wasted_bytes,
            "user_bytes": self.user_bytes,
            "user_wasted_bytes": self.user_wasted_bytes,
            "user_wasted_ratio": self.user_wasted_ratio,
            "base_layers": self.base_layers,
            "base_layers_source": self.base_layers_source,
            "layers": [
                {"index": row.index, "digest": row.digest, "created_by": row.created_by,
                 "history_index": row.history_index, "bytes": row.bytes, "entries": row.entries,
                 "wasted_bytes": row.wasted_bytes, "removed_bytes": row.removed_bytes, "base": row.base,
                 "dockerfile_line": row.dockerfile_line, "blob_bytes": row.blob_bytes}
                for row in self.layers
            ],
            "files": [{"path": row.path, "count": row.count, "wasted_bytes": row.wasted_bytes,
                       "stored_bytes": row.stored_bytes} for row in self.files],
            "inefficient_paths": self.inefficient_paths,
            "checks": [{"name": check.name, "limit": check.limit, "value": check.value, "status": check.status,
                        "arithmetic": check.arithmetic} for check in self.checks],
            "passed": self.passed,
        }


def build_report(image: ImageRef, result: StackResult, base_layers: int, base_source: str, top: int,
                 gates: Gates, dockerfile_lines: dict[int, int] | None = None) -> ImageReport:
    base_layers = max(0, min(base_layers, len(result.layers)))
    user_bytes = sum(layer.bytes for layer in result.layers[base_layers:])
    user_wasted = result.wasted_between(base_layers)
    if user_bytes:
        ratio: float | None = user_wasted / user_bytes
    else:
        ratio = 0.0 if user_wasted == 0 else None  # waste with no user bytes: an infinite ratio
    rows = [
        LayerRow(index=layer.index, digest=ref.diff_id, created_by=ref.created_by, history_index=ref.history_index,
                 bytes=layer.bytes, entries=layer.entries, wasted_bytes=layer.wasted_bytes,
                 removed_bytes=layer.removed_bytes, base=layer.index < base_layers,
                 dockerfile_line=(dockerfile_lines or {}).get(layer.index), blob_bytes=ref.blob_bytes)
        for layer, ref in zip(result.layers, image.layers)
    ]
    wasteful = sorted(((path, stat) for path, stat in result.paths.items() if stat.wasted > 0),
                      key=lambda item: (-item[1].wasted, item[0]))
    files = [FileRow(path, stat.count, stat.wasted, stat.total) for path, stat in wasteful[: top or None]]
    report = ImageReport(
        source=image.source, layout=image.layout, names=image.names, platform=image.platform,
        image_bytes=result.image_bytes, final_bytes=result.final_bytes, efficiency=result.efficiency,
        wasted_bytes=result.wasted_bytes, base_layers=base_layers, base_layers_source=base_source,
        user_bytes=user_bytes, user_wasted_bytes=user_wasted, user_wasted_ratio=ratio, layers=rows, files=files,
        inefficient_paths=len(wasteful),
    )
    report.dive_wasted_bytes = sum(stat.total for stat in result.paths.values() if stat.count > 1)
    dive_user_bytes = sum(layer.bytes for layer in result.layers[1:])
    if dive_user_bytes:
        report.dive_user_wasted_ratio = report.dive_wasted_bytes / dive_user_bytes
    else:
        report.dive_user_wasted_ratio = 0.0 if report.dive_wasted_bytes == 0 else None  # NaN passes, +Inf fails
    report.checks = run_checks(report, gates)
    return report


def run_checks(report: ImageReport, gates: Gates) -> list[Check]:
    """dive's comparisons: efficiency fails below the limit, waste fails above it (equal passes)."""
    dive = gates.arithmetic == DIVE
    wasted = report.dive_wasted_bytes if dive else report.wasted_bytes
    ratio = report.dive_user_wasted_ratio if dive else report.user_wasted_ratio
    checks = []
    if gates.min_efficiency is not None:
        checks.append(Check("min-efficiency", gates.min_efficiency, report.efficiency,
                            report.efficiency >= gates.min_efficiency, gates.arithmetic))
    if gates.max_wasted_bytes is not None:
        checks.append(Check("max-wasted-bytes", gates.max_wasted_bytes, wasted, wasted <= gates.max_wasted_bytes,
                            gates.arithmetic))
    if gates.max_user_wasted_ratio is not None:
        checks.append(Check("max-user-wasted-ratio", gates.max_user_wasted_ratio, ratio,
                            ratio is not None and ratio <= gates.max_user_wasted_ratio, gates.arithmetic))
    return checks


def parse_size(text: str) -> int:
    """`20MB` (decimal, as dive's go-humanize parser) or `20MiB` (binary) or plain bytes."""
    from dockerlint_slim.image.dive_ci import parse_bytes

    return parse_bytes(text)
