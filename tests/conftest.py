import os
from pathlib import Path

import pytest

from tests.paths import corpus_files


@pytest.fixture
def corpus() -> list[Path]:
    """The vendored real-Dockerfile corpus (tests/corpus)."""
    return corpus_files()


# CI runs the property tests with a fixed seed so that a red build always means a change broke something;
# developers get fresh random examples on every run.
from hypothesis import settings  # noqa: E402

settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
