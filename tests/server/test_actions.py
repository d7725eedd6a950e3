"""Code actions as edits: the ignore pragmas (placement, indentation, extending a pragma already there, parser
directives, BOM, CRLF), the quick-fix titles, and fix-all's minimal edit. Each edit is applied the way an editor
applies it (tests/server/lspclient.apply_text_edits) and the result linted again."""

from __future__ import annotations

import pytest

pytest.importorskip("lsprotocol")

from lsprotocol import types as lsp  # noqa: E402

from dockerlint_slim.diagnostics import UNSAFE, Diagnostic, Fix, Span, TextEdit  # noqa: E402
from dockerlint_slim.engine import Linter, LintOptions  # noqa: E402
from dockerlint_slim.engine.registry import load_rules  # noqa: E402
from dockerlint_slim.parser import parse_dockerfile  # noqa: E402
from dockerlint_slim.server import actions  # noqa: E402
from dockerlint_slim.server.document import Document  # noqa: E402
from tests.server.lspclient import apply_text_edits  # noqa: E402

RULES = load_rules(plugins=False)
EDITOR = actions.EditorCapabilities(document_changes=True, create_files=True)


def lint(text: str) -> list[Diagnostic]:
    return Linter(RULES, LintOptions()).lint(text, "Dockerfile").diagnostics


def finding(text: str, rule_id: str) -> Diagnostic:
    return next(d for d in lint(text) if d.rule_id == rule_id)


def shown(diagnostic: Diagnostic) -> lsp.Diagnostic:
    return lsp.Diagnostic(range=lsp.Range(lsp.Position(0, 0), lsp.Position(0, 0)), message=diagnostic.message)


def applied(text: str, action: lsp.CodeAction) -> str:
    edit = action.edit
    assert edit.document_changes is not None and len(edit.document_changes) == 1
    change = edit.document_changes[0]
    return apply_text_edits(text, [{"range": {"start": {"line": e.range.start.line, "character": e.range.start.character},
                                              "end": {"line": e.range.end.line, "character": e.range.end.character}},
                                    "newText": e.new_text} for e in change.edits])


def ignore_here(text: str, rule_id: str) -> str:
    document = Document("file:///w/Dockerfile", text, 3)
    diagnostic = finding(text, rule_id)
    action = actions.ignore_instruction(document, parse_dockerfile(text, "Dockerfile"), diagnostic, shown(diagnostic),
                                        EDITOR)
    assert action.title == f"Ignore {rule_id} for this instruction"
    assert action.edit.document_changes[0].text_document.version == 3  # refused by the editor if the text moved on
    return applied(text, action)


def ignore_everywhere(text: str, rule_id: str) -> str:
    document = Document("file:///w/Dockerfile", text, 3)
    diagnostic = finding(text, rule_id)
    action = actions.ignore_file(document, parse_dockerfile(text, "Dockerfile"), rule_id, [shown(diagnostic)], EDITOR)
    assert action.title == f"Ignore {rule_id} in this file"
    return applied(text, action)


PIP = "FROM python:3.12-slim\nRUN pip install flask\nRUN pip install django\n"


def test_ignore_for_this_instruction_inserts_the_pragma_above_it():
    fixed = ignore_here(PIP, "SL205")
    assert fixed == "FROM python:3.12-slim\n# slimlint ignore=SL205\nRUN pip install flask\nRUN pip install django\n"
    remaining = [d for d in lint(fixed) if d.rule_id == "SL205"]
    assert [d.span.line for d in remaining] == [4]  # only that instruction: the other one is still reported


def test_the_pragma_takes_the_indentation_of_the_instruction():
    text = "FROM python:3.12-slim\n\t  RUN pip install flask\n"
    assert ignore_here(text, "SL205") == "FROM python:3.12-slim\n\t  # slimlint ignore=SL205\n\t  RUN pip install flask\n"
    assert not [d for d in lint(ignore_here(text, "SL205")) if d.rule_id == "SL205"]


def test_a_finding_inside_a_multi_line_instruction_gets_the_pragma_above_the_instruction():
    text = "FROM python:3.12-slim\nRUN set -eux; \\\n    apt-get update; \\\n    pip install flask\n"
    fixed = ignore_here(text, "SL205")
    assert fixed.splitlines()[1] == "# slimlint ignore=SL205"
    assert not [d for d in lint(fixed) if d.rule_id == "SL205"]


def test_an_ignore_pragma_already_above_the_instruction_is_extended():
    text = "FROM python:3.12-slim\n# slimlint ignore=SL101\n# installs the app\nRUN pip install flask\n"
    fixed = ignore_here(text, "SL205")
    assert fixed == "FROM python:3.12-slim\n# slimlint ignore=SL101,SL205\n# installs the app\nRUN pip install flask\n"
    assert not [d for d in lint(fixed) if d.rule_id == "SL205"]


def test_a_pragma_of_the_previous_instruction_is_not_extended():
    text = "FROM python:3.12-slim\n# slimlint ignore=SL101\nRUN pip install flask\nRUN pip install django\n"
    fixed = ignore_here(text.replace("RUN pip install flask", "RUN echo hi"), "SL205")
    assert "# slimlint ignore=SL101\nRUN echo hi\n# slimlint ignore=SL205\nRUN pip install django\n" in fixed


def test_crlf_files_get_crlf_pragmas():
    text = PIP.replace("\n", "\r\n")
    fixed = ignore_here(text, "SL205")
    assert fixed.startswith("FROM python:3.12-slim\r\n# slimlint ignore=SL205\r\nRUN pip install flask\r\n")


def test_ignore_in_this_file_goes_below_the_parser_directives():
    text = "# syntax=docker/dockerfile:1\n# escape=\\\n" + PIP
    fixed = ignore_everywhere(text, "SL205")
    assert fixed == "# syntax=docker/dockerfile:1\n# escape=\\\n# slimlint global ignore=SL205\n" + PIP
    assert parse_dockerfile(fixed, "Dockerfile").directives == {"syntax": "docker/dockerfile:1", "escape": "\\"}
    assert not [d for d in lint(fixed) if d.rule_id == "SL205"]


def test_ignore_in_this_file_extends_a_global_pragma():
    text = "FROM python:3.12-slim\nRUN pip install flask\n# slimlint global ignore=SL101\n"
    fixed = ignore_everywhere(text, "SL205")
    assert fixed.endswith("# slimlint global ignore=SL101,SL205\n")
    assert not [d for d in lint(fixed) if d.rule_id == "SL205"]


def test_ignore_in_this_file_after_a_bom():
    text = "\ufeff" + PIP
    fixed = ignore_everywhere(text, "SL205")
    assert fixed == "\ufeff# slimlint global ignore=SL205\n" + PIP
    assert not [d for d in lint(fixed) if d.rule_id == "SL205"]


@pytest.mark.parametrize("description, title", [
    ("Add `--no-cache-dir` (or set `ENV PIP_NO_CACHE_DIR=1`), or mount a cache on /root/.cache/pip",
     "SL205: Add `--no-cache-dir`"),
    ("End this RUN with `&& rm -rf /var/lib/apt/lists/*` after the last install, or mount a cache on /var/lib/apt/lists",
     "SL205: End this RUN with `&& rm -rf /var/lib/apt/lists/*` after the last install"),
    ("Join them into one RUN with && (or a heredoc), so that files removed later in the chain are never stored",
     "SL205: Join them into one RUN with &&"),
    ("", "SL205: Apply the fix"),
])
def test_a_quick_fix_is_titled_by_the_first_step_of_its_advice(description, title):
    diagnostic = Diagnostic("SL205", "warning", "m", "Dockerfile", Span(1, 1, 1, 2), fix=Fix(description))
    assert actions.fix_title(diagnostic) == title


def test_an_unsafe_fix_says_so_and_is_not_preferred():
    text = "FROM debian:12\nRUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\n"
    diagnostic = finding(text, "SL202")
    assert diagnostic.fix.applicability == UNSAFE
    action = actions.quick_fix(Document("file:///w/Dockerfile", text, 1), diagnostic, shown(diagnostic), {}, None,
                               EDITOR)
    assert action.title.endswith(" (unsafe)") and not action.is_preferred
    assert "--no-install-recommends" in applied(text, action)


def test_fix_all_is_one_edit_around_what_changed():
    document = Document("file:///w/Dockerfile", "FROM a\nRUN pip install x\nCMD y\n", 1)
    edit = actions.text_change(document, "FROM a\nRUN pip install --no-cache-dir x\nCMD y\n")
    assert (edit.range.start.line, edit.range.start.character, edit.range.end.line, edit.range.end.character) == \
        (1, 16, 1, 16)
    assert edit.new_text == "--no-cache-dir "
    assert actions.text_change(document, document.text) is None


def test_without_document_changes_the_edit_is_a_plain_change_map():
    text = PIP
    diagnostic = finding(text, "SL205")
    action = actions.quick_fix(Document("file:///w/Dockerfile", text, 1), diagnostic, shown(diagnostic), {}, None,
                               actions.EditorCapabilities())
    assert action.edit.document_changes is None and list(action.edit.changes) == ["file:///w/Dockerfile"]


def test_a_fix_that_creates_a_file_needs_an_editor_that_can_create_files(tmp_path):
    document = Document((tmp_path / "Dockerfile").as_uri(), "FROM a\n", 1)
    ignore = tmp_path / ".dockerignore"
    edits = (TextEdit(Span(1, 1, 1, 1), ".git\n", path=str(ignore)),)
    targets = actions.edit_targets(document, edits, {}, str(tmp_path / "Dockerfile"))
    assert [t.create for t in targets] == [True]
    assert actions.workspace_edit(targets, actions.EditorCapabilities(document_changes=True)) is None
    edit = actions.workspace_edit(targets, EDITOR)
    assert isinstance(edit.document_changes[0], lsp.CreateFile)
    assert edit.document_changes[0].uri == ignore.as_uri()
    ignore.write_text("node_modules\n")
    targets = actions.edit_targets(document, edits, {}, str(tmp_path / "Dockerfile"))
    assert [t.create for t in targets] == [False]
