"""The static file-system replay ("dive before the build"): what each instruction of the image does to the file
system, computed once per linted file and shared by the rules through `replay_for(target)`.

Data flows through the package in one direction:

- `walk`: the instructions of the stages whose layers reach the image, in build order, with ENV/ARG values;
- `origins`: which instruction created each path that a later RUN deletes, cleans, rewrites or consumes, with the
  kind of origin and typical sizes (read by the rules on later-layer cleanups and rewrites);
- `simulator` builds the `layer_model`: what each layer stores, with byte figures from the build context, and the
  waste events of later layers (unknown stays unknown, never zero);
- `report`: the end-of-file figures (stored and wasted bytes, efficiency, top wasted paths).

Only paths an instruction of the Dockerfile put there are tracked; files of the base image are not known.
"""

from __future__ import annotations

from functools import cached_property

from dockerlint_slim.context.scan import BuildContext
from dockerlint_slim.diagnostics import overlap_key
from dockerlint_slim.model import CopyInstruction, Dockerfile, Instruction
from dockerlint_slim.replay.layer_model import LayerModel
from dockerlint_slim.replay.origins import Event, Origin, image_file_events, is_glob
from dockerlint_slim.replay.report import file_report
from dockerlint_slim.replay.simulator import build_layer_model

class Replay:
    """The static file-system replay of one linted file, shared by every rule that reads it.

    - `events`: which instruction created each path a later RUN deletes, cleans, rewrites or consumes, with the
      kind of origin (copy, run, cache, add-url, add-git, package) and typical sizes (`origins`);
    - `layers`: the layer model with byte figures from the build context (unknown stays unknown).
    Both are computed on first use, at most once per file (the engine's `Session.replay` holds the Replay).
    """

    def __init__(self, dockerfile: Dockerfile, context: BuildContext | None) -> None:
        self.dockerfile = dockerfile
        self.context = context

    @cached_property
    def events(self) -> list[Event]:
        return image_file_events(self.dockerfile)

    @cached_property
    def layers(self) -> LayerModel:
        return build_layer_model(self.dockerfile, self.context)

    def report(self, limit: int = 5) -> dict | None:
        """The end-of-file report the engine attaches when a build context was given (None without one)."""
        if self.context is None:
            return None
        return file_report(self.layers, self.context, limit)

    def confirmed(self, verbs: tuple[str, ...]):
        """(event, origins) for the events with one of `verbs` and, with a build context, only the origins the layer
        model confirms; events left without origins are skipped."""
        for event in self.events:
            if event.verb not in verbs:
                continue
            origins = self.confirmed_origins(event, event.origins)
            if origins:
                yield event, origins

    def confirmed_origins(self, event: Event, origins: list[Origin]) -> list[Origin]:
        """With a build context, drop build-context COPY origins that the layer model shows did not bring the path
        (`COPY . /app` then `rm -rf /app/node_modules` when .dockerignore kept node_modules out)."""
        if self.context is None:
            return origins
        touched = {id(w.created_by) for w in self.layers.events_of_command(event.command)}
        return [o for o in origins if not (isinstance(o.instruction, CopyInstruction) and o.instruction.from_ is None
                                           and o.kind == "copy" and id(o.instruction) not in touched)]

    def overlap_keys(self, event: Event, origins: list[Origin]) -> list[dict]:
        """Where the bytes an event deletes or rewrites are: one key per origin instruction and path (the paths the
        command names inside what the origin created, else the origin's path), with the bytes the layer model
        knows for it (None without a context). Package origins have no path and no key."""
        keys: list[tuple[Instruction, dict]] = []
        for origin in origins:
            if origin.kind == "package":
                continue
            inner = sorted({p for p in event.paths if p.startswith(origin.path.rstrip("/") + "/") and not is_glob(p)})
            keys += [(origin.instruction, overlap_key(origin.instruction.span.line, path)) for path in inner or [origin.path]]
        if self.context is not None:
            for waste in self.layers.events_of_command(event.command):
                if not waste.bytes:
                    continue
                for instruction, key in keys:
                    path = key["path"]
                    if waste.created_by is instruction and (waste.path == path or waste.path.startswith(path.rstrip("/") + "/")
                                                            or path == "/"):
                        key["bytes"] = (key["bytes"] or 0) + waste.bytes
                        break
        return [key for _, key in keys]

    def bytes_of(self, event: Event, origins: list[Origin]) -> int | None:
        """Bytes the earlier layers keep for this command's paths, from the layer model when a build context is
        given; None without a context or when the model cannot size them."""
        if self.context is None:
            return None
        total = 0
        for waste in self.layers.events_of_command(event.command):
            if not waste.bytes:
                continue
            if any(waste.created_by is o.instruction and (waste.path == o.path or waste.path.startswith(o.path + "/")
                                                          or o.path == "/") for o in origins):
                total += waste.bytes
        return total or None


def replay_for(target) -> Replay:
    """The replay of a rule target's file: the engine session's (`target.session.replay`), built once per file."""
    return target.session.replay


def layer_model_for(target) -> LayerModel:
    """The layer model of a rule target's Dockerfile, built once per file (and per context) and shared by rules."""
    return replay_for(target).layers
