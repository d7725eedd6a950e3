"""Code actions: each finding's fix as a quick fix, the two ignore pragmas, and fix-all.

The edits come from the findings themselves (`Fix.edits`, made by the rules' edit builders) and are turned into
editor edits by `fixes.apply.edit_ranges`, the same function `--fix` applies them with; fix-all is `--fix` itself
(`engine.fixer.fix_source`) on the editor's text.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from lsprotocol import types as lsp

from dockerlint_slim.diagnostics import SAFE, Diagnostic, Span, TextEdit
from dockerlint_slim.engine.pragmas import slimlint_pragma_scope
from dockerlint_slim.fixes.apply import EditError, edit_ranges
from dockerlint_slim.model import Dockerfile, Instruction
from dockerlint_slim.parser.lexer import directive_line_count
from dockerlint_slim.server.document import Document

FIX_ALL_KIND = "source.fixAll.slimlint"
_TITLE_WIDTH = 90


@dataclass
class EditTarget:
    """Where the edits of a workspace edit go: a document (open or on disk) with its text, or a new file."""

    uri: str
    document: Document
    version: int | None = None  # the open document's version (edits are refused by the editor if it moved on)
    create: bool = False  # the file does not exist yet
    edits: list[lsp.TextEdit] = field(default_factory=list)


@dataclass
class EditorCapabilities:
    document_changes: bool = False  # versioned TextDocumentEdits
    create_files: bool = False  # CreateFile operations in documentChanges

    @classmethod
    def of(cls, capabilities: lsp.ClientCapabilities | None) -> EditorCapabilities:
        edit = capabilities.workspace.workspace_edit if capabilities and capabilities.workspace else None
        if edit is None:
            return cls()
        operations = edit.resource_operations or ()
        return cls(bool(edit.document_changes), bool(edit.document_changes) and lsp.ResourceOperationKind.Create in operations)


def fix_title(diagnostic: Diagnostic) -> str:
    """The quick fix's title: the first step of the finding's advice (`Add --no-cache-dir`), the rule id first and
    `(unsafe)` last when it changes what the image contains or how it builds."""
    advice = diagnostic.fix.description if diagnostic.fix is not None else ""
    # The advice names the mechanical change first, then alternatives (", or mount a cache ...") and reasons.
    first = re.split(r",\s+or\s+|;\s+|\s+\(|\.\s", advice.strip(), maxsplit=1)[0].rstrip(".,; ")
    first = first or "Apply the fix"
    if len(first) > _TITLE_WIDTH:
        first = first[: _TITLE_WIDTH - 3].rstrip() + "..."
    unsafe = diagnostic.fix is not None and diagnostic.fix.applicability != SAFE
    return f"{diagnostic.rule_id}: {first}" + (" (unsafe)" if unsafe else "")


def edit_targets(document: Document, edits: tuple[TextEdit, ...], open_documents: dict[str, Document],
                 dockerfile_path: str | None) -> list[EditTarget] | None:
    """The editor edits of a fix's text edits, per file; None when they do not fit the text (a fix made for another
    version of it) or name a file that cannot be edited."""
    by_path: dict[str | None, list[TextEdit]] = {}
    for edit in edits:
        by_path.setdefault(edit.path, []).append(edit)
    targets = []
    for path, file_edits in by_path.items():
        if path is None:
            target = EditTarget(document.uri, document, document.version)
        else:
            target = _other_file(path, dockerfile_path, open_documents, document.encoding)
            if target is None:
                return None
        try:
            ranges = edit_ranges(target.document.text, file_edits)
        except EditError:
            return None
        target.edits = [lsp.TextEdit(range=_range(target.document, start, end), new_text=replacement)
                        for start, end, replacement in ranges]
        targets.append(target)
    return targets


def _other_file(path: str, dockerfile_path: str | None, open_documents: dict[str, Document],
                encoding: str) -> EditTarget | None:
    """A file other than the Dockerfile that a fix edits (a `.dockerignore`): its open buffer, else its text on disk,
    else a file to create."""
    from pygls.uris import from_fs_path

    if not os.path.isabs(path):
        if dockerfile_path is None:
            return None
        path = os.path.join(os.path.dirname(dockerfile_path), path)
    uri = from_fs_path(path)
    if uri is None:
        return None
    for open_uri, document in open_documents.items():
        if open_uri == uri:
            return EditTarget(uri, document, document.version)
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        return EditTarget(uri, Document(uri, "", None, encoding), create=True)
    except OSError:
        return None
    return EditTarget(uri, Document(uri, data.decode("utf-8", "surrogateescape"), None, encoding))


def _range(document: Document, start: int, end: int) -> lsp.Range:
    (start_line, start_char), (end_line, end_char) = document.position_at(start), document.position_at(end)
    return lsp.Range(lsp.Position(start_line, start_char), lsp.Position(end_line, end_char))


def workspace_edit(targets: list[EditTarget], editor: EditorCapabilities) -> lsp.WorkspaceEdit | None:
    """The workspace edit of these targets, as the editor can take it; None when it cannot (a file to create, and
    an editor that cannot create files)."""
    if any(target.create for target in targets) and not editor.create_files:
        return None
    if not editor.document_changes:
        return lsp.WorkspaceEdit(changes={target.uri: target.edits for target in targets})
    changes: list = []
    for target in targets:
        if target.create:
            changes.append(lsp.CreateFile(uri=target.uri, options=lsp.CreateFileOptions(ignore_if_exists=True)))
        identifier = lsp.OptionalVersionedTextDocumentIdentifier(uri=target.uri, version=target.version)
        changes.append(lsp.TextDocumentEdit(text_document=identifier, edits=target.edits))
    return lsp.WorkspaceEdit(document_changes=changes)


def quick_fix(document: Document, diagnostic: Diagnostic, shown: lsp.Diagnostic, open_documents: dict[str, Document],
              dockerfile_path: str | None, editor: EditorCapabilities) -> lsp.CodeAction | None:
    """The finding's fix as a quick fix (preferred when safe), or None when it has no edits (advice only) or they
    cannot be made here."""
    if diagnostic.fix is None or not diagnostic.fix.edits:
        return None
    targets = edit_targets(document, diagnostic.fix.edits, open_documents, dockerfile_path)
    edit = workspace_edit(targets, editor) if targets is not None else None
    if edit is None:
        return None
    safe = diagnostic.fix.applicability == SAFE
    return lsp.CodeAction(title=fix_title(diagnostic), kind=lsp.CodeActionKind.QuickFix, diagnostics=[shown],
                          edit=edit, is_preferred=True if safe else None)


def _instruction_at(dockerfile: Dockerfile, line: int) -> tuple[Instruction, Instruction | None] | None:
    """The instruction that holds source line `line`, and the one before it."""
    previous = None
    for instruction in dockerfile.instructions:
        if instruction.span.line <= line <= instruction.span.end_line:
            return instruction, previous
        if instruction.span.line > line:
            return None
        previous = instruction
    return None


def _newline(document: Document) -> str:
    crlf = document.text.count("\r\n")
    return "\r\n" if crlf and crlf * 2 >= document.text.count("\n") else "\n"


def _insert_at_line(document: Document, line: int, text: str) -> tuple[int, int, str]:
    offset = document.span_offsets(Span(line, 1, line, 1))[0]
    return offset, offset, text


def _extend_pragma(document: Document, line: int, rule_id: str) -> tuple[int, int, str]:
    """`# slimlint ignore=SL201` on `line` becomes `# slimlint ignore=SL201,SL205`."""
    start, end = document.span_offsets(Span(line, 1, line + 1, 1))
    content = document.text[start:end].rstrip("\r\n")
    at = start + len(content.rstrip())
    return at, at, f",{rule_id}"


def ignore_instruction(document: Document, dockerfile: Dockerfile, diagnostic: Diagnostic, shown: lsp.Diagnostic,
                       editor: EditorCapabilities) -> lsp.CodeAction | None:
    """`# slimlint ignore=SLxxx` above the finding's instruction, indented as the instruction is (or the id added
    to the ignore pragma already above it)."""
    found = _instruction_at(dockerfile, diagnostic.span.line)
    if found is None:
        return None
    instruction, previous = found
    start = instruction.span.line
    first_comment_line = previous.span.end_line + 1 if previous is not None else 1
    change = None
    for line, text in dockerfile.comments:
        if first_comment_line <= line < start:
            if slimlint_pragma_scope(text) == "line":
                change = _extend_pragma(document, line, diagnostic.rule_id)
    if change is None:
        line_text = dockerfile.lines[start - 1] if start - 1 < len(dockerfile.lines) else ""
        indent = line_text[: len(line_text) - len(line_text.lstrip(" \t"))]
        change = _insert_at_line(document, start, f"{indent}# slimlint ignore={diagnostic.rule_id}{_newline(document)}")
    return _pragma_action(document, f"Ignore {diagnostic.rule_id} for this instruction", change, editor, [shown])


def ignore_file(document: Document, dockerfile: Dockerfile, rule_id: str, shown: list[lsp.Diagnostic],
                editor: EditorCapabilities) -> lsp.CodeAction:
    """`# slimlint global ignore=SLxxx` below the parser directives (or the id added to a global pragma)."""
    change = None
    for line, text in dockerfile.comments:
        if slimlint_pragma_scope(text) == "global":
            change = _extend_pragma(document, line, rule_id)
            break
    if change is None:
        line = directive_line_count(document.text) + 1
        if line > len(dockerfile.lines):  # only directives (or nothing): after them, on a line of its own
            end = len(document.text)
            lead = "" if not document.text or document.text.endswith(("\n", "\r")) else _newline(document)
            change = (end, end, f"{lead}# slimlint global ignore={rule_id}{_newline(document)}")
        else:
            change = _insert_at_line(document, line, f"# slimlint global ignore={rule_id}{_newline(document)}")
    return _pragma_action(document, f"Ignore {rule_id} in this file", change, editor, shown)


def _pragma_action(document: Document, title: str, change: tuple[int, int, str], editor: EditorCapabilities,
                   shown: list[lsp.Diagnostic]) -> lsp.CodeAction:
    start, end, text = change
    target = EditTarget(document.uri, document, document.version,
                        edits=[lsp.TextEdit(range=_range(document, start, end), new_text=text)])
    return lsp.CodeAction(title=title, kind=lsp.CodeActionKind.QuickFix, diagnostics=shown,
                          edit=workspace_edit([target], editor))


def text_change(document: Document, fixed: str) -> lsp.TextEdit | None:
    """One edit that turns the document's text into `fixed`: the span between their common prefix and suffix
    (so the editor keeps the cursor, folds and marks outside it)."""
    before = document.text
    if fixed == before:
        return None
    start = 0
    limit = min(len(before), len(fixed))
    while start < limit and before[start] == fixed[start]:
        start += 1
    end_before, end_fixed = len(before), len(fixed)
    while end_before > start and end_fixed > start and before[end_before - 1] == fixed[end_fixed - 1]:
        end_before -= 1
        end_fixed -= 1
    return lsp.TextEdit(range=_range(document, start, end_before), new_text=fixed[start:end_fixed])


def fix_all_edit(document: Document, fixed: str, others: dict[str, tuple[str | None, str]],
                 open_documents: dict[str, Document], dockerfile_path: str | None, editor: EditorCapabilities
                 ) -> lsp.WorkspaceEdit | None:
    """The workspace edit of `--fix` on the document: its new text, and the other files the fixes changed."""
    targets = []
    change = text_change(document, fixed)
    if change is not None:
        targets.append(EditTarget(document.uri, document, document.version, edits=[change]))
    for path, (_, after) in sorted(others.items()):
        target = _other_file(path, dockerfile_path, open_documents, document.encoding)
        if target is None:
            return None
        change = text_change(target.document, after)
        if change is not None:
            target.edits = [change]
            targets.append(target)
    if not targets:
        return None
    return workspace_edit(targets, editor)
