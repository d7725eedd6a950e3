"""`slimlint image IMAGE`: dive-style efficiency and waste of a saved image, CI gates, SL601 findings on the
Dockerfile lines that caused the waste, and `--recover-dockerfile`.

Exit codes: 0 all checks pass, 1 a check failed, 2 the image (or Dockerfile) cannot be read or bad usage.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from pathlib import Path
from typing import Any

import click

from dockerlint_slim.image import dive_ci
from dockerlint_slim.image.dive_ci import ci_from_environment
from dockerlint_slim.printable import use_color
from dockerlint_slim.image.errors import ImageError
from dockerlint_slim.image.sources import SOURCES
from dockerlint_slim.image.report import (
    DIVE,
    DIVE_RULE,
    EXACT,
    FROM_DOCKERFILE,
    FROM_HISTORY,
    FROM_OPTION,
    Gates,
    build_report,
    parse_size,
)

_OFF = ("off", "disabled", "none", "false", "")


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


def _gates(enabled: bool, config_path: str | None, exact_waste: bool, min_efficiency: str | None,
           max_wasted_bytes: str | None, max_user_wasted_ratio: str | None) -> Gates:
    """The checks: the options given; with dive's CI gate on, the .dive-ci rules and dive's defaults under them."""
    if not enabled:
        return Gates(_ratio("--min-efficiency", min_efficiency), _size("--max-wasted-bytes", max_wasted_bytes),
                     _ratio("--max-user-wasted-ratio", max_user_wasted_ratio))
    rules = dict(dive_ci.DEFAULTS)
    where = {name: "dive's default" for name in rules}
    path = config_path or dive_ci.DEFAULT_FILE
    if config_path is not None or os.path.isfile(path):
        try:
            found = dive_ci.read_rules(path)
        except ImageError as error:
            raise ImageUsageError(str(error)) from None
        rules.update(found)
        where.update({name: path for name in found})
    try:
        efficiency = (_ratio("--min-efficiency", min_efficiency) if min_efficiency is not None
                      else dive_ci.ratio("lowest-efficiency", rules["lowest-efficiency"], where["lowest-efficiency"]))
        wasted = (_size("--max-wasted-bytes", max_wasted_bytes) if max_wasted_bytes is not None
                  else dive_ci.size("highest-wasted-bytes", rules["highest-wasted-bytes"],
                                    where["highest-wasted-bytes"]))
        user = (_ratio("--max-user-wasted-ratio", max_user_wasted_ratio) if max_user_wasted_ratio is not None
                else dive_ci.ratio("highest-user-wasted-percent", rules["highest-user-wasted-percent"],
                                   where["highest-user-wasted-percent"]))
    except ImageError as error:
        raise ImageUsageError(str(error)) from None
    return Gates(efficiency, wasted, user, EXACT if exact_waste else DIVE)


def _same_file(first: str, second: str) -> bool:
    try:
        return os.path.samefile(first, second)
    except OSError:
        return False


def _first_line(text: str) -> str:
    """An error message as one line, whatever the input put in it (names from an image can hold newlines)."""
    from dockerlint_slim.image.text import escape

    return escape(text)


def _sl601_rule():
    from dockerlint_slim.engine.registry import rule_from_module

    return rule_from_module(importlib.import_module("dockerlint_slim.rules.sl601_image_layer_waste"), "builtin")


@click.command("image")
@click.argument("image", type=click.Path(exists=False, allow_dash=True))
@click.option("--source", type=click.Choice(SOURCES),
              help="Where the image is: a local engine (docker, podman: streamed from `image save`), a saved "
                   "archive (docker-archive, oci-archive), an OCI layout folder (oci) or a registry (no daemon). "
                   "Also as SOURCE://IMAGE. Default: a path if it exists, else the engines, else the registry.")
@click.option("--tag", help="The image to analyse when the archive holds several (e.g. app:1.2).")
@click.option("--platform", help="The platform to analyse in a multi-platform archive or registry index "
              "(e.g. linux/arm64; from a registry the default is this machine's).")
@click.option("--insecure", is_flag=True,
              help="Registry: allow plain HTTP and unverified TLS for any host (plain HTTP is always allowed "
                   "for localhost).")
@click.option("--dockerfile", "dockerfile_path", type=click.Path(dir_okay=False),
              help="The Dockerfile the image was built from: waste is reported on its lines (SL601).")
@click.option("--target", help="The stage the image was built from (`docker build --target`); default the last.")
@click.option("--format", "fmt", type=click.Choice(("text", "json", "sarif", "github", "gitlab")), default="text",
              show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write the report to this file.")
@click.option("--fail-level", type=click.Choice(("error", "warning", "info", "none")), default="info",
              show_default=True, help="Lowest severity of an SL601 finding that makes the exit code 1.")
@click.option("--min-efficiency", help="Fail when efficiency is below this ratio (0..1, or off).")
@click.option("--max-wasted-bytes", help="Fail when more bytes are wasted (20MB, 20MiB, bytes, or off).")
@click.option("--max-user-wasted-ratio", help="Fail when waste over the bytes added on top of the base image "
              "exceeds this ratio (0..1, or off).")
@click.option("--ci", "ci_gate", is_flag=True,
              help="dive's CI gate (also CI=true/1/yes): the rules of --ci-config, dive's defaults for the others "
                   "(min efficiency 0.9, max user wasted ratio 0.1), waste counted as dive counts it.")
@click.option("--ci-config", type=click.Path(dir_okay=False),
              help="dive's CI rules file (YAML, `rules:`; read when the gate is on; giving it turns the gate on) "
                   "[default: .dive-ci in the current folder, if any].")
@click.option("--exact-waste", is_flag=True,
              help="With the CI gate: count only the dead copies of a path as wasted, and user waste over the "
                   "layers above the base image, instead of dive's arithmetic (every copy of a path stored twice).")
@click.option("--base-layers", type=click.IntRange(min=0),
              help="How many layers belong to the base image (default: from --dockerfile, else 1 as dive).")
@click.option("--min-waste", default="1MiB", show_default=True,
              help="Smallest waste per Dockerfile line reported as an SL601 finding.")
@click.option("--max-inflate", default="64GiB", show_default=True,
              help="Refuse an image whose layers decompress to more than this (a decompression bomb), or off.")
@click.option("--top", type=click.IntRange(min=0), default=20, show_default=True,
              help="How many wasteful files to list (0: all).")
@click.option("--recover-dockerfile", is_flag=True,
              help="Print a Dockerfile reconstructed from the image history, with the files each COPY/ADD added.")
@click.option("--no-color", is_flag=True, help="No colours (also NO_COLOR=1).")
def image_command(image, source, tag, platform, insecure, dockerfile_path, target, fmt, output, fail_level,
                  min_efficiency, max_wasted_bytes, max_user_wasted_ratio, ci_gate, ci_config, exact_waste,
                  base_layers, min_waste, max_inflate, top, recover_dockerfile, no_color) -> None:
    """Measure the waste in an image: from podman or docker, a saved archive (`docker save`, OCI archive), an OCI
    folder or a registry; dive-compatible figures and CI gate."""
    gates = _gates(ci_gate or ci_config is not None or ci_from_environment(), ci_config, exact_waste,
                   min_efficiency, max_wasted_bytes, max_user_wasted_ratio)
    min_waste_bytes = _size("--min-waste", min_waste) or 0
    inflate_limit = _size("--max-inflate", max_inflate)
    dockerfile = _load_dockerfile(dockerfile_path, target) if dockerfile_path else None
    if output and dockerfile_path and _same_file(output, dockerfile_path):
        raise ImageUsageError(f"-o {output} names the Dockerfile: refusing to overwrite an input")

    from dockerlint_slim.image.analyze import analyze

    try:
        analysis = analyze(image, tag=tag, platform=platform, max_inflate=inflate_limit, source=source,
                           insecure=insecure)
    except ImageError as error:
        raise ImageUsageError(_first_line(str(error) if str(error).startswith(image) else f"{image}: {error}")) \
            from None

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
    _emit(_render(fmt, report, dockerfile, dockerfile_path, diagnostics, mapping, use_color(no_color, output)),
          output)
    sys.exit(0 if report.passed and not _failing(diagnostics, fail_level) else 1)


def _failing(diagnostics, fail_level: str) -> bool:
    """SL601 findings count toward --fail-level as any finding of `slimlint check` does."""
    if fail_level == "none":
        return False
    from dockerlint_slim.diagnostics import SEVERITY_RANK

    return any(SEVERITY_RANK[d.severity] <= SEVERITY_RANK[fail_level] for d in diagnostics)


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
    from dockerlint_slim.engine.pragmas import Match, Suppressions

    rule = _sl601_rule()
    suppressions = Suppressions(dockerfile, lambda word: Match(rule.id) if word.upper() == rule.id or word == rule.name
                                else None)
    return [d for d in diagnostics
            if not suppressions.suppresses(rule.id, d.span.line, d.span.end_line, d.properties)]


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
    if fmt == "github":
        out = render("github", [FileResult(path, diagnostics, None, lines)], [_sl601_rule()])
        for check in report.checks:
            if not check.passed:
                out += f"::error title=slimlint image {check.name}::{_check_text(check)}\n"
        return out
    if fmt == "gitlab":
        issues = json.loads(render("gitlab", [FileResult(path, diagnostics, None, lines)], [_sl601_rule()]))
        issues.extend(_gitlab_check(report, check, path) for check in report.checks if not check.passed)
        return json.dumps(issues, indent=2) + "\n"
    from dockerlint_slim.image.text import render_text

    out = render_text(report)
    if mapping is not None:
        out += (f"\nDockerfile {dockerfile_path}: {mapping.matched} of {len(mapping.instructions)} instruction(s) "
                f"matched to the image history\n")
        if mapping.matched == 0:
            out += "  (no match: is this the Dockerfile the image was built from? try --target)\n"
        out += render("text", [FileResult(dockerfile_path, diagnostics, None, lines)], [_sl601_rule()], color=color)
    return out


def _check_text(check) -> str:
    from dockerlint_slim.image.text import check_detail

    return f"{check.name} {check.status}: {check_detail(check)}"


def _gitlab_check(report, check, path: str) -> dict[str, Any]:
    """A failed check as a Code Quality issue (at the top of the Dockerfile, or of the image reference)."""
    import hashlib

    from dockerlint_slim.formatters.sarif import find_source_root, relative_uri

    located = relative_uri(path, find_source_root(Path.cwd())) or path
    fingerprint = hashlib.sha256(f"slimlint-image\0{check.name}\0{located}".encode("utf-8", "replace")).hexdigest()
    return {"type": "issue", "description": f"slimlint image: {_check_text(check)}",
            "check_name": f"image-{check.name}", "fingerprint": fingerprint[:32], "severity": "major",
            "location": {"path": located, "lines": {"begin": 1, "end": 1}}, "categories": ["Performance"]}


def _emit(text: str, output: str | None) -> None:
    # names read from an image may not be valid UTF-8 (kept as surrogate escapes): write them as escapes
    if output:
        try:
            with open(output, "w", encoding="utf-8", errors="backslashreplace") as handle:
                handle.write(text)
        except OSError as error:
            raise ImageUsageError(f"{output}: {error.strerror}") from None
    else:
        click.echo(text.encode("utf-8", "backslashreplace").decode("utf-8"), nl=False)
