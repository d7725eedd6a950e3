"""Turn a history entry's `created_by` back into a Dockerfile instruction (keyword, arguments, build args).

Builders write it differently: BuildKit `RUN |1 V=2 /bin/sh -c make # buildkit`, `COPY . /app # buildkit`,
`EXPOSE map[80/tcp:{}]`, `CMD ["python" "app.py"]`; the classic builder `/bin/sh -c #(nop)  ENV A=b`,
`/bin/sh -c #(nop) COPY file:<hash> in /app `, and a plain `/bin/sh -c make` (or `|1 V=2 /bin/sh -c make`) for RUN.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

KEYWORDS = {
    "ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "HEALTHCHECK", "LABEL", "MAINTAINER", "ONBUILD",
    "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR",
}
_NOP = re.compile(r"^(?:/bin/sh|/bin/bash|sh)\s+-c\s+#\(nop\)\s*", re.DOTALL)
# `/bin/sh -c`, and a SHELL instruction's shell such as `/bin/bash -o pipefail -c`
_SHELL = re.compile(r"^(?:\S*/)?(?:sh|bash|ash|dash|zsh)\s(?:[^\n]*?\s)?-c\s+")
_BUILD_ARGS = re.compile(r"^\|(\d+)\s+")
_EXPOSE_MAP = re.compile(r"^map\[(.*)\]$", re.DOTALL)
_GO_LIST = re.compile(r'^\[(".*")\]$', re.DOTALL)


@dataclass(frozen=True)
class HistoryInstruction:
    keyword: str  # upper-case Dockerfile keyword, RUN for a plain shell command
    arguments: str  # what follows the keyword, as a Dockerfile would spell it
    build_args: tuple[tuple[str, str], ...] = ()
    raw: str = ""


def _build_args(text: str) -> tuple[tuple[tuple[str, str], ...], str]:
    """`|2 A=1 B=2 rest` -> ((A, 1), (B, 2)), rest."""
    match = _BUILD_ARGS.match(text)
    if not match:
        return (), text
    count = int(match.group(1))
    rest = text[match.end():]
    pairs = []
    for _ in range(count):
        word, _, rest = rest.partition(" ")
        name, _, value = word.partition("=")
        pairs.append((name, value))
        rest = rest.lstrip(" ")
    return tuple(pairs), rest


def _go_list(text: str) -> str:
    """BuildKit prints exec form as Go's %q list: `["a" "b"]` -> `["a", "b"]` (valid Dockerfile JSON)."""
    match = _GO_LIST.match(text)
    if not match:
        return text
    items = re.findall(r'"((?:[^"\\]|\\.)*)"', match.group(1))
    return "[" + ", ".join(f'"{item}"' for item in items) + "]"


def parse_created_by(created_by: str) -> HistoryInstruction:
    raw = created_by
    text = created_by.strip()
    if text.endswith("# buildkit"):
        text = text[: -len("# buildkit")].rstrip()
    nop = _NOP.match(text)
    if nop:
        text = text[nop.end():].strip()
        keyword, _, rest = text.partition(" ")
        if keyword.upper() in KEYWORDS:
            return _finish(keyword.upper(), rest.strip(), (), raw)
        return HistoryInstruction("", text, (), raw)
    keyword, _, rest = text.partition(" ")
    if keyword in KEYWORDS and keyword != "RUN":
        return _finish(keyword, rest.strip(), (), raw)
    explicit_run = keyword == "RUN"
    if explicit_run:
        text = rest.strip()
    build_args, text = _build_args(text)
    shell = _SHELL.match(text)
    if shell:
        text = text[shell.end():]
    elif not explicit_run and not build_args:
        return HistoryInstruction("", text, (), raw)  # not a Dockerfile builder's entry (bazel, apko, ...)
    return HistoryInstruction("RUN", _go_list(text.strip()), build_args, raw)


def _finish(keyword: str, rest: str, build_args: tuple, raw: str) -> HistoryInstruction:
    if keyword == "EXPOSE":
        match = _EXPOSE_MAP.match(rest)
        if match:
            rest = " ".join(port.split(":", 1)[0] for port in match.group(1).split())
    elif keyword in ("CMD", "ENTRYPOINT", "SHELL", "VOLUME"):
        rest = _go_list(rest)
    return HistoryInstruction(keyword, rest, build_args, raw)


def normalize_command(text: str) -> str:
    """Whitespace- and continuation-insensitive form of a command, to compare history with a Dockerfile."""
    text = re.sub(r"\\\n", " ", text)
    return " ".join(text.split())


def base_history_end(history, layers) -> int | None:
    """The history index of the base image's closing CMD/ENTRYPOINT when the history shows it, else None.

    An image ends with its default command: every official base's history closes with an empty-layer CMD or
    ENTRYPOINT (`CMD ["bash"]`, `CMD ["python3"]`, ...). When such an entry is followed by entries that add
    layers, those are an image built FROM it, and the last such entry ends the base. A Dockerfile that sets CMD
    between two RUNs would move the boundary up; --dockerfile or --base-layers then say better.
    """
    last_layer_entry = max((layer.history_index for layer in layers if layer.history_index is not None), default=None)
    if last_layer_entry is None:
        return None
    boundary = None
    for index, entry in enumerate(history):
        if index >= last_layer_entry:
            break
        if entry.empty_layer and parse_created_by(entry.created_by).keyword in ("CMD", "ENTRYPOINT"):
            boundary = index
    if boundary is None or not any(l.history_index is not None and l.history_index < boundary for l in layers):
        return None
    return boundary


def base_layers_from_history(history, layers) -> int | None:
    """How many layers belong to the base image when the history shows it (see base_history_end), else None."""
    boundary = base_history_end(history, layers)
    if boundary is None:
        return None
    return sum(1 for layer in layers if layer.history_index is not None and layer.history_index < boundary)
