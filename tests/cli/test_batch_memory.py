"""A run over many files keeps what the report needs, not the files: text, concise and github reports are written
as each file is linted, and other formats keep each file's findings with only the lines they quote."""

from __future__ import annotations

import gc
import os
import weakref

import pytest

from dockerlint_slim.engine.linter import Linter, QuotedLines
from dockerlint_slim.engine.runner import CheckRequest, run_check
from tests.clirun import slimlint
from tests.paths import corpus_files

FILES = [str(p) for p in corpus_files()[:12]]


def _lint_spy(monkeypatch, capsys=None):
    """Record, at each file linted, which earlier results are still alive and how much was written by then."""
    alive_at_each_lint: list[int] = []
    written: list[int] = []
    made: list[weakref.ref] = []
    real_lint = Linter.lint

    def lint(self, source, path):
        gc.collect()
        alive_at_each_lint.append(sum(1 for ref in made if ref() is not None))
        if capsys is not None:
            written.append(len(capsys.readouterr().out))
        result = real_lint(self, source, path)
        made.append(weakref.ref(result))
        return result

    monkeypatch.setattr(Linter, "lint", lint)
    return alive_at_each_lint, written


@pytest.mark.parametrize("fmt", ["text", "concise", "github"])
def test_streamed_formats_keep_no_file_and_write_as_they_go(monkeypatch, capsys, fmt):
    alive, written = _lint_spy(monkeypatch, capsys)
    assert run_check(CheckRequest(paths=tuple(FILES), fmt=fmt)) in (0, 1)
    assert len(alive) == len(FILES)
    assert max(alive) <= 1  # the file just reported at most (the loop's variable), never the files before it
    assert sum(1 for size in written if size) >= len(FILES) // 2  # findings printed while the run goes on


def test_a_document_format_keeps_every_file(monkeypatch):
    # The spy sees kept results: JSON is one document, so its results stay to the end.
    alive, _ = _lint_spy(monkeypatch)
    assert run_check(CheckRequest(paths=tuple(FILES), fmt="json", output=os.devnull)) in (0, 1)
    assert alive[-1] == len(FILES) - 1


@pytest.mark.parametrize("fmt", ["text", "concise", "github"])
def test_a_streamed_report_is_the_report_written_at_the_end(tmp_path, fmt):
    # With --report the main report is rendered at the end, from every result: the same text.
    args = [*FILES[:3], str(tmp_path / "missing" / "Dockerfile"), *FILES[3:], "--format", fmt]
    streamed = slimlint(*args, cwd=tmp_path)
    at_the_end = slimlint(*args, "--report", f"json={tmp_path / 'report.json'}", cwd=tmp_path)
    assert streamed.returncode == at_the_end.returncode == 2  # the missing file
    assert streamed.stdout == at_the_end.stdout and streamed.stdout.count("\n") > len(FILES)
    assert streamed.stderr == at_the_end.stderr


def test_a_streamed_report_to_a_file(tmp_path):
    streamed = slimlint(*FILES, "-o", str(tmp_path / "report.txt"), cwd=tmp_path)
    at_the_end = slimlint(*FILES, "--report", f"json={tmp_path / 'report.json'}", cwd=tmp_path)
    assert streamed.stdout == "" and (tmp_path / "report.txt").read_text() == at_the_end.stdout


def test_quoted_lines_read_like_the_lines_they_keep():
    from dockerlint_slim.diagnostics import Span

    lines = [f"line {n}" for n in range(1, 11)]
    quoted = QuotedLines(lines, [Span(2, 1, 3, 5), Span(7, 1, 7, 2)])
    assert len(quoted) == 10
    assert quoted[1] == "line 2" and quoted[2] == "line 3" and quoted[6] == "line 7" and quoted[-4] == "line 7"
    assert quoted[0] == "" and quoted[4] == ""  # not quoted by any finding
    assert quoted[1:3] == ["line 2", "line 3"] and quoted[6:20] == ["line 7", "", "", ""]
    with pytest.raises(IndexError):
        quoted[10]
