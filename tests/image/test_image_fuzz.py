"""Bad input never crashes: corrupted archives and ill-typed JSON give ImageError (exit 2), nothing else."""

from __future__ import annotations

import io
import json
import tarfile
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from image_synth import (
    ImageSpec,
    Step,
    build_docker_archive,
    build_oci_archive,
    directory,
    file,
    opaque,
    whiteout,
)

from dockerlint_slim.image.analyze import analyze
from dockerlint_slim.image.archive import ImageError

SPEC = ImageSpec([
    Step("ADD a / # buildkit", [directory("d"), file("d/x", 700), file("y", 30)]),
    Step("ENV A=1", None),
    Step("RUN b # buildkit", [whiteout("y"), directory("d"), opaque("d"), file("d/z", 5)]),
])


_ARCHIVES: dict[str, bytes] = {}


def archive_bytes(layout: str) -> bytes:
    """Built once per session; kept out of hypothesis' arguments so failure reports stay readable."""
    if not _ARCHIVES:
        with tempfile.TemporaryDirectory() as folder:
            _ARCHIVES["docker"] = build_docker_archive(SPEC, Path(folder) / "d.tar").read_bytes()
            _ARCHIVES["oci-gzip"] = build_oci_archive(SPEC, Path(folder) / "o.tar", compression="gzip").read_bytes()
    return _ARCHIVES[layout]


def analyze_bytes(data: bytes, folder: Path) -> None:
    path = folder / "fuzzed.tar"
    path.write_bytes(data)
    try:
        analyze(str(path))
    except ImageError:
        pass


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(layout=st.sampled_from(["docker", "oci-gzip"]), data=st.data())
def test_corrupted_bytes(tmp_path, layout, data):
    original = bytearray(archive_bytes(layout))
    for _ in range(data.draw(st.integers(1, 8))):
        position = data.draw(st.integers(0, len(original) - 1))
        original[position] = data.draw(st.integers(0, 255))
    if data.draw(st.booleans()):
        original = original[: data.draw(st.integers(0, len(original)))]
    analyze_bytes(bytes(original), tmp_path)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 3) | st.text(max_size=5),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=6,
)


def _replace_member(archive: bytes, name_test, change) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=io.BytesIO(archive)) as src, tarfile.open(fileobj=out, mode="w") as dst:
        for info in src:
            payload = src.extractfile(info).read() if info.isfile() else None
            if payload is not None and name_test(info.name, payload):
                payload = change(payload)
                info.size = len(payload)
            dst.addfile(info, io.BytesIO(payload) if payload is not None else None)
    return out.getvalue()


def _is_json(name: str, payload: bytes) -> bool:
    return payload[:1] in (b"{", b"[") and len(payload) < 100_000


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(layout=st.sampled_from(["docker", "oci-gzip"]), data=st.data())
def test_ill_typed_json(tmp_path, layout, data):
    """Replace one value somewhere in the manifests/config with a value of any JSON type."""

    def mutate(payload: bytes) -> bytes:
        document = json.loads(payload)
        node = document
        for _ in range(data.draw(st.integers(0, 3))):
            if isinstance(node, dict) and node:
                key = data.draw(st.sampled_from(sorted(node)))
                if not isinstance(node[key], (dict, list)) or not node[key]:
                    break
                node = node[key]
            elif isinstance(node, list) and node:
                index = data.draw(st.integers(0, len(node) - 1))
                if not isinstance(node[index], (dict, list)) or not node[index]:
                    break
                node = node[index]
        if isinstance(node, dict) and node:
            node[data.draw(st.sampled_from(sorted(node)))] = data.draw(JSON_VALUES)
        elif isinstance(node, list) and node:
            node[data.draw(st.integers(0, len(node) - 1))] = data.draw(JSON_VALUES)
        return json.dumps(document).encode()

    target = data.draw(st.integers(0, 3))
    seen = {"count": 0}

    def pick(name: str, payload: bytes) -> bool:
        if not _is_json(name, payload):
            return False
        seen["count"] += 1
        return seen["count"] - 1 == target

    analyze_bytes(_replace_member(archive_bytes(layout), pick, mutate), tmp_path)
