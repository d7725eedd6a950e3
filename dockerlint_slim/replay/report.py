"""The end-of-file report: the layer model's figures (stored and wasted bytes, efficiency, top wasted paths, what
cannot be known before the build) and what the build-context scan warned about, in one dict for the text, JSON and
SARIF formatters (sizes in bytes). The keys are documented in docs/context.md ("The build report"); the engine
completes the waste with the findings' estimates (`engine.totals`)."""

from __future__ import annotations

from dockerlint_slim.context.scan import BuildContext
from dockerlint_slim.model import Dockerfile
from dockerlint_slim.replay.layer_model import MEANINGFUL_KNOWN_BYTES, LayerModel


def layer_report(model: LayerModel, limit: int = 5) -> dict:
    """The layer model's figures: stored and wasted bytes, dive's wasted figure, efficiency, top wasted paths, and
    the parts of the image whose bytes cannot be known before the build."""
    # The image's efficiency only when every layer of the Dockerfile is sized: over the known part alone (a tar
    # copied then extracted by a RUN whose output is unknown reads as 0 %) it was 40-90 points off on real builds.
    known_efficiency = model.efficiency
    efficiency = known_efficiency if not model.unknown_layers else None
    known_waste = model.wasted_bytes
    unknown = model.unknown_waste()
    return {
        "context_bytes": model.context_bytes if model.has_context else None,
        "image_bytes": model.stored_bytes,
        "layers": len(model.layers),
        "unknown_layers": len(model.unknown_layers),
        "unknown_layer_lines": sorted(i.span.line for i in model.unknown_layers),
        "wasted_bytes": known_waste,  # known + estimated; the engine adds the findings' estimates
        "known_wasted_bytes": known_waste,
        "estimated_wasted_bytes": 0,
        "unknown_wasted_parts": len(unknown),
        "unknown_wasted": [{"path": e.path, "line": e.instruction.span.line, "created_line": e.created_by.span.line}
                           for e in unknown[: limit * 2]],
        "dive_wasted_bytes": model.dive_wasted_bytes,
        "efficiency": round(efficiency, 4) if efficiency is not None else None,
        "known_bytes_efficiency": round(known_efficiency, 4) if known_efficiency is not None else None,
        "efficiency_min_known_bytes": MEANINGFUL_KNOWN_BYTES,
        "top_wasted": [
            {
                "path": e.path,
                "wasted_bytes": e.bytes,
                "action": e.action,
                "line": e.instruction.span.line,
                "created_line": e.created_by.span.line,
                "source": e.source,
            }
            for e in model.top_wasted(limit)
        ],
    }


def file_report(model: LayerModel, context: BuildContext, limit: int = 5) -> dict:
    """The report the engine attaches to a file linted with a build context: the layer figures plus the context's
    file count and scan warnings."""
    report = layer_report(model, limit)
    report["context_files"] = context.file_count()
    report["context_warnings"] = list(context.warnings)
    if context.warning_count > len(context.warnings):
        report["context_warnings"].append(f"... and {context.warning_count - len(context.warnings)} more")
    return report


def context_report(dockerfile: Dockerfile, context: BuildContext | None, limit: int = 5) -> dict | None:
    """The report for a Dockerfile and its build context (None without one)."""
    if context is None:
        return None
    from dockerlint_slim.replay.simulator import build_layer_model

    return file_report(build_layer_model(dockerfile, context), context, limit)
