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
from dockerlint_slim.model import CopyInstruction, Dockerfile
from dockerlint_slim.replay.layer_model import LayerModel
from dockerlint_slim.replay.origins import Event, Origin, image_file_events
from dockerlint_slim.replay.report import file_report
from dockerlint_slim.replay.simulator import build_layer_model

# SL301 reports a whole copied item of at least this many bytes that a RUN consumes; SL102/SL103 leave those bytes
# to it (SL301's default `threshold`).
LARGE_COPY_BYTES = 10 * 1024 * 1024


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

    def confirmed(self, verbs: tuple[str, ...], skip_kinds: tuple[str, ...] = ()):
        """(event, origins) for the events with one of `verbs`, origins of `skip_kinds` left out and, with a build
        context, only the origins the layer model confirms; events left without origins are skipped."""
        for event in self.events:
            if event.verb not in verbs:
                continue
            origins = self.confirmed_origins(event, [o for o in event.origins if o.kind not in skip_kinds])
            if origins:
                yield event, origins

    def confirmed_origins(self, event: Event, origins: list[Origin]) -> list[Origin]:
        """With a build context, drop build-context COPY origins that the layer model shows did not bring the path
        (`COPY . /app` then `rm -rf /app/node_modules` when .dockerignore kept node_modules out)."""
        if self.context is None:
            return origins
        model = self.layers
        touched = {id(w.created_by) for w in model.events_for(event.run) if w.command is event.command}
        # SL301 reports a large copied item that a RUN consumes whole (extracts, installs, moves, deletes) at the
        # COPY; the same bytes are not reported twice.
        large = {(id(use.created_by), use.item_path) for use in model.consumptions
                 if use.command is event.command and use.whole_item and use.bytes is not None
                 and use.bytes >= LARGE_COPY_BYTES}
        kept = []
        for origin in origins:
            instruction = origin.instruction
            from_context = isinstance(instruction, CopyInstruction) and instruction.from_ is None \
                and origin.kind == "copy"
            if from_context and (id(instruction) not in touched or (id(instruction), origin.path) in large):
                continue
            kept.append(origin)
        return kept

    def bytes_of(self, event: Event, origins: list[Origin]) -> int | None:
        """Bytes the earlier layers keep for this command's paths, from the layer model when a build context is
        given; None without a context or when the model cannot size them."""
        if self.context is None:
            return None
        total = 0
        for waste in self.layers.events_for(event.run):
            if waste.command is not event.command or not waste.bytes:
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
