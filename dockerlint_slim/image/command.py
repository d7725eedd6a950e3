"""`slimlint image IMAGE`: dive-style efficiency and waste of a saved image, CI gates, SL601 findings on the
Dockerfile lines that caused the waste, and `--recover-dockerfile`.

Exit codes: 0 all checks pass, 1 a check failed, 2 the image (or Dockerfile) cannot be read or bad usage.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from typing import Any

import click

from dockerlint_slim.image.archive import ImageError
from dockerlint_slim.image.report import (
    DIVE_RULE,
    FROM_DOCKERFILE,
    FROM_HISTORY,
    FROM_OPTION,
    Gates,
    build_report,
    parse_size,
)

# dive's --ci defaults (lowestEfficiency 0.9, highestUserWastedPercent 0.1, highestWastedBytes disabled)
DIVE_CI_DEFAULTS = {"min_efficiency": "0.9", "max_wasted_bytes": "off", "max_user_wasted_ratio": "0.1"}
_OFF = ("off", "disabled", "none", "")


class ImageUsageError(click.ClickException):
    exit_code = 2


def _ratio(name: str, value: str | None) -> float | None:
    if value is None or value.strip().lower() in _OFF:
        return None
    try:
        ratio = float(value)
    except ValueError:
        raise ImageUsageError(f"{name} must be a ratio between 0 and 1 (or 'off'), not {value!r}") from None
    if not 0 <= ratio <= 1:
        raise ImageUsageError(f"{name} must be between 0 and 1 (or 'off'), not {value!r}")
    return ratio


def _size(name: str, value: str | None) -> int | None:
    if value is None or value.strip().lower() in _OFF:
        return None
    try:
        return parse_size(value)
    except ValueError as error:
        raise ImageUsageError(f"{name}: {error}") from None


def _sl601_rule():
    from dockerlint_slim.engine.registry import rule_from_module

    return rule_from_module(importlib.import_module("dockerlint_slim.rules.sl601_image_layer_waste"), "builtin")


def _use_color(no_color: bool) -> bool:
    if no_color or os.environ.get("NO_COLOR"):
        return False
    return bool(os.environ.get("FORCE_COLOR")) or sys.stdout.isatty()


@click.command("image")
@click.argument("image", type=click.Path(exists=False))
@click.option("--tag", help="The image to analyse when the archive holds several (e.g. app:1.2).")
@click.option("--platform", help="The platform to analyse in a multi-platform archive (e.g. linux/arm64).")
@click.option("--dockerfile", "dockerfile_path", type=click.Path(dir_okay=False),
              help="The Dockerfile the image was built from: waste is reported on its lines (SL601).")
@click.option("--target", help="The stage the image was built from (`docker build --target`); default the last.")
@click.option("--format", "fmt", type=click.Choice(("text", "json", "sarif")), default="text", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write the report to this file.")
@click.option("--min-efficiency", help="Fail when efficiency is below this ratio (0..1, or off).")
@click.option("--max-wasted-bytes", help="Fail when more bytes are wasted (20MB, 20MiB, bytes, or off).")
@click.option("--max-user-wasted-ratio", help="Fail when waste over the bytes added on top of the base image "
              "exceeds this ratio (0..1, or off).")
@click.option("--ci", "ci_defaults", is_flag=True,
              help="Apply dive's CI defaults to the checks not given: min efficiency 0.9, max user wasted ratio 0.1.")
@click.option("--base-layers", type=click.IntRange(min=0),
              help="How many layers belong to the base image (default: from --dockerfile, else 1 as dive).")
@click.option("--min-waste", default="1MiB", show_default=True,
              help="Smallest waste per Dockerfile line reported as an SL601 finding.")
@click.option("--top", type=click.IntRange(min=0), default=20, show_default=True,
              help="How many wasteful files to list (0: all).")
@click.option("--recover-dockerfile", is_flag=True,
              help="Print a Dockerfile reconstructed from the image history, with the files each COPY/ADD added.")
@click.option("--no-color", is_flag=True, help="No colours (also NO_COLOR=1).")
def image_command(image, tag, platform, dockerfile_path, target, fmt, output, min_efficiency, max_wasted_bytes,
                  max_user_wasted_ratio, ci_defaults, base_layers, min_waste, top, recover_dockerfile,
                  no_color) -> None:
    """Measure the waste in a saved image (`docker save`, OCI archive or OCI folder), dive-compatible."""
    if ci_defaults:
        min_efficiency = min_efficiency if min_efficiency is not None else DIVE_CI_DEFAULTS["min_efficiency"]
        max_user_wasted_ratio = (max_user_wasted_ratio if max_user_wasted_ratio is not None
                                 else DIVE_CI_DEFAULTS["max_user_wasted_ratio"])
    gates = Gates(_ratio("--min-efficiency", min_efficiency), _size("--max-wasted-bytes", max_wasted_bytes),
                  _ratio("--max-user-wasted-ratio", max_user_wasted_ratio))
    min_waste_bytes = _size("--min-waste", min_waste) or 0
    dockerfile = _load_dockerfile(dockerfile_path, target) if dockerfile_path else None

    from dockerlint_slim.image.analyze import analyze

    try:
        analysis = analyze(image, tag=tag, platform=platform)
    except ImageError as error:
        raise ImageUsageError(f"{image}: {error}") from None

    mapping = None
    base_source, base_count = DIVE_RULE, 1
    from dockerlint_slim.image.history import base_history_end, base_layers_from_history

    from_history = base_layers_from_history(analysis.image.history, analysis.image.layers)
    if from_history is not None:
        # dive takes every layer after the first as "user"; the base's closing CMD/ENTRYPOINT says better
        base_source, base_count = FROM_HISTORY, from_history
    if dockerfile is not None:
        from dockerlint_slim.image.dockerfile_map import align

        mapping = align(dockerfile, analysis.image)
        matched_base = mapping.base_layers(analysis.image)
        if matched_base is not None:
            base_source, base_count = FROM_DOCKERFILE, matched_base
    if base_layers is not None:
        base_source, base_count = FROM_OPTION, base_layers

    if recover_dockerfile:
        from dockerlint_slim.image.recover import recover_dockerfile as recover

        start = None
        if base_source == FROM_DOCKERFILE and mapping is not None:
            start = mapping.first_user_history
        elif base_source == FROM_HISTORY:
            start = base_history_end(analysis.image.history, analysis.image.layers) + 1  # right after the base's CMD
        elif base_source == FROM_OPTION and base_count < len(analysis.image.layers):
            start = analysis.image.layers[base_count].history_index
        _emit(recover(analysis, start), output)
        return

    layer_lines = mapping.layer_lines(analysis.image) if mapping else None
    report = build_report(analysis.image, analysis.result, base_count, base_source, top, gates, layer_lines)
    diagnostics = []
    if dockerfile is not None and mapping is not None:
        from dockerlint_slim.image.dockerfile_map import diagnostics as sl601

        diagnostics = _without_ignored(dockerfile, sl601(dockerfile_path, analysis.image, analysis.result, mapping,
                                                         report.base_layers, min_waste_bytes))
    _emit(_render(fmt, report, dockerfile, dockerfile_path, diagnostics, mapping, _use_color(no_color) and not output),
          output)
    sys.exit(0 if report.passed else 1)


def _load_dockerfile(path: str, target: str | None):
    from dockerlint_slim.parser import parse_dockerfile

    try:
        with open(path, "rb") as handle:
            source = handle.read()
    except OSError as error:
        raise ImageUsageError(f"{path}: {error.strerror}") from None
    dockerfile = parse_dockerfile(source, path, target=target)
    if dockerfile.target_stage() is None:
        raise ImageUsageError(f"{path}: no stage to match the image with"
                              + (f" (no stage named {target!r})" if target else " (no FROM)"))
    return dockerfile


def _without_ignored(dockerfile, diagnostics):
    """Honour `# slimlint ignore=SL601` pragmas as static lint does."""
    from dockerlint_slim.engine.pragmas import ignored_by_pragmas as _pragmas
    from dockerlint_slim.engine.pragmas import ignores_rule as _ignored

    rule = _sl601_rule()
    everywhere, by_line = _pragmas(dockerfile)
    if _ignored(rule, everywhere):
        return []
    return [d for d in diagnostics if not _ignored(rule, by_line.get(d.span.line, ()))]


def _render(fmt, report, dockerfile, dockerfile_path, diagnostics, mapping, color) -> str:
    from dockerlint_slim.engine import FileResult
    from dockerlint_slim.formatters import render

    figures = report.to_json()
    if mapping is not None:
        figures["dockerfile"] = {"path": dockerfile_path, "instructions": len(mapping.instructions),
                                 "matched": mapping.matched}
    path = dockerfile_path or report.source
    lines = dockerfile.lines if dockerfile is not None else []
    if fmt == "json":
        core = json.loads(render("json", [FileResult(path, diagnostics, None, lines)], [_sl601_rule()]))
        document: dict[str, Any] = {"version": core["version"], "tool": core["tool"], **figures,
                                    "findings": core["findings"]}
        return json.dumps(document, indent=2) + "\n"
    if fmt == "sarif":
        log = json.loads(render("sarif", [FileResult(path, diagnostics, figures, lines)], [_sl601_rule()]))
        # the image figures ride along in the run's property bag (SARIF §3.8), for dashboards that read them
        log["runs"][0].setdefault("properties", {})["slimlintImage"] = figures
        return json.dumps(log, indent=2) + "\n"
    from dockerlint_slim.image.text import render_text

    out = render_text(report)
    if mapping is not None:
        out += (f"\nDockerfile {dockerfile_path}: {mapping.matched} of {len(mapping.instructions)} instruction(s) "
                f"matched to the image history\n")
        if mapping.matched == 0:
            out += "  (no match: is this the Dockerfile the image was built from? try --target)\n"
        out += render("text", [FileResult(dockerfile_path, diagnostics, None, lines)], [_sl601_rule()], color=color)
    return out


def _emit(text: str, output: str | None) -> None:
    if output:
        try:
            with open(output, "w", encoding="utf-8") as handle:
                handle.write(text)
        except OSError as error:
            raise ImageUsageError(f"{output}: {error.strerror}") from None
    else:
        click.echo(text, nl=False)
