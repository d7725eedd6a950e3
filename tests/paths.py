"""Where the test data lives: everything a test reads is inside the repository, so a fresh clone runs every test."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"
# Real Dockerfiles from public repositories, copied unchanged with their licences (see corpus/SOURCES.md).
CORPUS = TESTS / "corpus"
SARIF_SCHEMA = TESTS / "fixtures" / "sarif-schema-2.1.0.json"


def corpus_files() -> list[Path]:
    """Every Dockerfile of the vendored corpus, in a stable order."""
    return sorted(p for p in CORPUS.rglob("*") if p.is_file() and "dockerfile" in p.name.lower())
