import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(os.environ.get("SLIMLINT_CORPUS", ROOT.parent / "shared" / "corpus"))


def corpus_files() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted(p for p in CORPUS.rglob("*") if p.is_file() and "dockerfile" in p.name.lower())


@pytest.fixture
def corpus() -> list[Path]:
    files = corpus_files()
    if not files:
        pytest.skip(f"real-Dockerfile corpus not found at {CORPUS}")
    return files
