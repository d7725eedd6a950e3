"""The root `Dockerfile` (slimlint's own image) passes slimlint with zero findings, build context included."""

from __future__ import annotations

import json

from tests.clirun import slimlint
from tests.paths import ROOT


def test_own_dockerfile_has_no_findings():
    done = slimlint("Dockerfile", "--context", ".", "--format", "json", "--fail-level", "info", cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    document = json.loads(done.stdout)
    assert document["findings"] == []
    assert [f["path"] for f in document["files"]] == ["Dockerfile"]


def test_own_dockerfile_is_multi_stage_slim_and_not_root():
    text = (ROOT / "Dockerfile").read_text()
    assert "ARG BASE=debian:bookworm-slim" in text
    assert text.count("\nFROM ") == 2 and "COPY --from=build" in text
    final = text.rsplit("\nFROM ", 1)[1]
    assert "\nUSER 65532:65532\n" in final
