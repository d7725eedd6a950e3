"""Real podman builds of the ground-truth cases (benchmarks/realbuild/cases), shared by every test of a session.

Each case is built at most once per session, and not at all when the build cache already has it (keyed by the
case's content hash and the base image id; `$SLIMLINT_REALBUILD_CACHE`, default `~/.cache/slimlint/realbuild`),
so a rerun only re-measures. Without podman or the `debian:bookworm` base image every test here skips with one
reason. These tests build the cases marked `ci = true` and their fixed twins; `benchmarks/realbuild/run.py`
builds all of them.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from realbuild import cases as cases_mod  # noqa: E402
from realbuild import measure, podman, truth  # noqa: E402

ALL = {case.name: case for case in cases_mod.load_cases()}


class Session:
    """Builds and measurements, made on first use and kept for the session."""

    def __init__(self) -> None:
        self._bases: dict[str, podman.BaseImage] = {}
        self._builds: dict[str, podman.Build] = {}
        self._records: dict[str, dict] = {}
        self._images: dict[str, truth.Image] = {}

    def base(self, name: str) -> podman.BaseImage:
        kind = ALL[name].base
        if kind not in self._bases:
            self._bases[kind] = podman.ensure_base(kind)
        return self._bases[kind]

    def build(self, name: str) -> podman.Build:
        if name not in self._builds:
            base = self.base(name)
            self._builds[name] = podman.ensure_built(
                ALL[name], base, lambda archive, build: measure.measure_archive(archive, base), log=lambda text: None)
        return self._builds[name]

    def image(self, name: str) -> truth.Image:
        if name not in self._images:
            build = self.build(name)
            if not build.ok:
                pytest.fail(f"{name} did not build: {build.error}")
            self._images[name] = truth.read_image(build.image)
        return self._images[name]

    def record(self, name: str) -> dict:
        """measure.evaluate for the case (its twin built too, for SL202's measurement)."""
        if name not in self._records:
            case = ALL[name]
            build = self.build(name)
            if not build.ok:
                pytest.fail(f"{name} did not build: {build.error}")
            twin = self.image(case.twin) if case.twin else None
            self._records[name] = measure.evaluate(case, build, self.base(name), twin)
        return self._records[name]


@pytest.fixture(scope="session")
def realbuild() -> Session:
    reason = podman.unavailable_reason()
    if reason:
        pytest.skip(f"real builds need podman and debian:bookworm: {reason}")
    return Session()
