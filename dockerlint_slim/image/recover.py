"""`--recover-dockerfile`: a Dockerfile rebuilt from the image history, with the files each COPY/ADD layer added
(which `docker history` cannot show)."""

from __future__ import annotations

import posixpath

from dockerlint_slim.diagnostics import format_bytes
from dockerlint_slim.image.analyze import AddedFiles, Analysis
from dockerlint_slim.image.history import parse_created_by


def _common_dir(paths: list[str]) -> str:
    if not paths:
        return "/"
    common = posixpath.commonpath(paths)
    return common if common not in paths else posixpath.dirname(common)


def _added_comment(added: AddedFiles) -> list[str]:
    if not added.count:
        return ["#   adds no files"]
    base = _common_dir([path for path, _ in added.files])
    lines = [f"#   adds {added.count} file(s), {format_bytes(added.bytes)}, under {base}:"]
    for path, size in added.files:
        lines.append(f"#     {posixpath.relpath(path, base)} ({format_bytes(size)})")
    if added.count > len(added.files):
        lines.append(f"#     ... and {added.count - len(added.files)} more")
    return lines


def recover_dockerfile(analysis: Analysis, user_history_start: int | None = None) -> str:
    """`user_history_start`: the history index where the image's own instructions begin, when known."""
    image = analysis.image
    layer_of_history = {layer.history_index: layer for layer in image.layers if layer.history_index is not None}
    title = ", ".join(image.names) or image.source
    out = [
        f"# Recovered by slimlint from the history of {title} ({image.platform or 'unknown platform'}).",
        "# The base image's name is not recorded in an image: its instructions come first, after FROM scratch.",
        "FROM scratch",
    ]
    declared_args: dict[str, str] = {}
    if not image.history:
        out.append("# the image config has no history: only the layers are known")
        for layer in image.layers:
            out.append(f"# layer {layer.index}: {layer.diff_id}")
            if layer.index in analysis.added:
                out.extend(_added_comment(analysis.added[layer.index]))
        return "\n".join(out) + "\n"
    for number, entry in enumerate(image.history):
        layer = layer_of_history.get(number)
        if number == user_history_start and number > 0:
            out.append("")
            out.append("# ---- the image's own instructions start here ----")
        instruction = parse_created_by(entry.created_by)
        if layer is not None:
            figures = analysis.result.layers[layer.index]
            out.append(f"# layer {layer.index}: {format_bytes(figures.bytes)}"
                       + (f", of which {format_bytes(figures.wasted_bytes)} wasted" if figures.wasted_bytes else ""))
        if not instruction.keyword:
            out.append(f"# (not a Dockerfile instruction) {entry.created_by.strip()}" if entry.created_by.strip()
                       else "# (empty history entry)")
            continue
        for name, value in instruction.build_args:
            if declared_args.get(name) != value:
                out.append(f"ARG {name}={value}")
                declared_args[name] = value
        arguments = instruction.arguments
        if instruction.keyword in ("COPY", "ADD") and " in " in arguments and ":" in arguments.split(" in ", 1)[0]:
            # classic builder: `file:<sha256> in /dest`, the source name is lost
            source, destination = arguments.split(" in ", 1)
            out.append(f"# source recorded only as {source.strip()}")
            arguments = f"<context> {destination.strip()}"
        out.append(f"{instruction.keyword} {arguments}".rstrip())
        if layer is not None and layer.index in analysis.added:
            out.extend(_added_comment(analysis.added[layer.index]))
    return "\n".join(out) + "\n"
