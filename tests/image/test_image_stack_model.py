"""The streaming stacker against a brute-force overlay model, on random layers (hypothesis).

The model materialises the whole file system after each layer, applying the OCI rules in their simplest form
(whiteouts and opaque markers of a layer first, on the lower content; then the layer's entries in order), and
counts waste as the sizes of stored copies that no final path reads. The stacker must agree on every figure,
whatever the order of entries inside a layer.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dockerlint_slim.image.stack import Stacker
from dockerlint_slim.image.tar_stream import (
    DIR,
    FILE,
    HARDLINK,
    OPAQUE,
    SYMLINK,
    WHITEOUT,
    Entry,
)

PATHS = ["/" + "/".join(parts) for depth in (1, 2, 3) for parts in
         __import__("itertools").product("ab", repeat=depth)]
SIZES = [0, 1, 7, 100, 1000]


def ancestors(path):
    parts = path.strip("/").split("/")
    return ["/" + "/".join(parts[:i]) for i in range(1, len(parts))]


def drop(fs, path, include_self):
    for other in list(fs):
        if other.startswith(path + "/") or (include_self and other == path):
            del fs[other]


def model(layers):
    fs = {}  # path -> ("dir", None) | ("file", copy id)
    sizes = {}
    stats = {}  # path -> [count, total, minimum]
    layer_bytes = []

    def seen(path, size):
        stat = stats.setdefault(path, [0, 0, None])
        stat[0] += 1
        stat[1] += size
        stat[2] = size if stat[2] is None else min(stat[2], size)

    for entries in layers:
        before = dict(fs)
        for entry in entries:
            if entry.kind == WHITEOUT:
                drop(fs, entry.path, include_self=True)
            elif entry.kind == OPAQUE:
                drop(fs, entry.path, include_self=False)
        written = {}
        for entry in entries:
            if entry.kind in (WHITEOUT, OPAQUE):
                continue
            for parent in ancestors(entry.path):
                if parent in fs and fs[parent][0] != "dir":
                    del fs[parent]
                fs.setdefault(parent, ("dir", None))
            if entry.kind == DIR:
                if entry.path in fs and fs[entry.path][0] != "dir":
                    del fs[entry.path]
                fs.setdefault(entry.path, ("dir", None))
                continue
            target = fs.get(entry.link) if entry.kind == HARDLINK else None
            drop(fs, entry.path, include_self=True)
            if target is not None and target[0] == "file":
                copy = target[1]
            else:
                copy = len(sizes)
                sizes[copy] = entry.size
            fs[entry.path] = ("file", copy)
            written[entry.path] = written.get(entry.path, 0) + entry.size
        for path, size in written.items():
            seen(path, size)
        for path, node in before.items():
            if node[0] == "file" and path not in written and fs.get(path, ("gone",))[0] != "file":
                seen(path, 0)
        layer_bytes.append(sum(e.size for e in entries if e.kind not in (DIR, WHITEOUT, OPAQUE)))
    live = {node[1] for node in fs.values() if node[0] == "file"}
    wasted = sum(size for copy, size in sizes.items() if copy not in live)
    final = sum(sizes[copy] for copy in live)
    return wasted, final, layer_bytes, {p: tuple(s) for p, s in stats.items()}


@st.composite
def layer(draw):
    entries = []
    for _ in range(draw(st.integers(0, 8))):
        kind = draw(st.sampled_from([FILE, FILE, DIR, WHITEOUT, OPAQUE, SYMLINK, HARDLINK]))
        path = draw(st.sampled_from(PATHS))
        if kind == HARDLINK:
            # docker layers only link to files written earlier in the same layer
            targets = [e.path for e in entries if e.kind == FILE and e.path != path]
            if not targets:
                continue
            entries.append(Entry(path, HARDLINK, 0, draw(st.sampled_from(targets))))
        elif kind == FILE:
            entries.append(Entry(path, FILE, draw(st.sampled_from(SIZES))))
        elif kind == SYMLINK:
            entries.append(Entry(path, SYMLINK, 0, "x"))
        else:
            entries.append(Entry(path, kind))
    # one entry per path and layer, as in a layer tar; links must still follow their target
    unique = {}
    for entry in entries:
        unique.setdefault(entry.path, entry)
    # a tar does not hold a file and entries below it: such a layer contradicts itself
    non_dirs = {e.path for e in unique.values() if e.kind not in (DIR, WHITEOUT, OPAQUE)}
    kept = [e for e in unique.values()
            if e.kind in (WHITEOUT, OPAQUE) or not any(e.path.startswith(p + "/") for p in non_dirs)]
    files = {e.path for e in kept if e.kind == FILE}
    return [e for e in kept if e.kind != HARDLINK or (e.link in files and
                                                      kept.index(unique[e.link]) < kept.index(e))]


@settings(max_examples=400, deadline=None)
@given(st.lists(layer(), min_size=1, max_size=5), st.randoms(use_true_random=False))
def test_stacker_agrees_with_the_model(layers, rng):
    wasted, final, layer_bytes, stats = model(layers)
    for shuffled in (False, True):
        order = []
        for entries in layers:
            entries = list(entries)
            if shuffled:
                # any order inside a layer, except that a hard link follows its target
                links = [e for e in entries if e.kind == HARDLINK]
                rest = [e for e in entries if e.kind != HARDLINK]
                rng.shuffle(rest)
                entries = rest + links
            order.append(entries)
        stacker = Stacker()
        for entries in order:
            stacker.add_layer(entries)
        result = stacker.result()
        assert result.wasted_bytes == wasted
        assert result.final_bytes == final
        assert [layer.bytes for layer in result.layers] == layer_bytes
        assert {p: (s.count, s.total, s.minimum) for p, s in result.paths.items()} == stats
        assert sum(s.wasted for s in result.paths.values()) == wasted


def test_model_self_check():
    # the model itself, on the case the docs describe: a directory deleted with everything in it
    wasted, final, _, stats = model([[Entry("/a/b", FILE, 100)], [Entry("/a", WHITEOUT)]])
    assert (wasted, final) == (100, 0)
    assert stats["/a/b"] == (2, 100, 0)
    assert model([[Entry("/a", FILE, 1)], [Entry("/a", FILE, 2)]])[:2] == (1, 2)  # the old copy is the waste
