"""`slimlint server`: the language server, on pygls over stdio.

Threads: the event loop reads and answers messages and never lints; lints, fixes and hover run one at a time on the
lint thread (`Workspace` lives there); build contexts are scanned on a thread of their own. A change to a document
starts a lint after `DEBOUNCE_SECONDS` (changes arriving meanwhile, or while a lint runs, are folded into the next
one), and its diagnostics are published only if the document did not change since.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lsprotocol import types as lsp
from pygls.exceptions import FeatureRequestError, JsonRpcException
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol, lsp_method
from pygls.uris import to_fs_path

from dockerlint_slim import __version__
from dockerlint_slim.diagnostics import Diagnostic, SAFE
from dockerlint_slim.engine.fixer import FixOutcome
from dockerlint_slim.engine.registry import described
from dockerlint_slim.server import actions, hover
from dockerlint_slim.server.document import UTF16, Document
from dockerlint_slim.server.worker import Worker
from dockerlint_slim.server.workspace import LintOutcome, Problem, Settings, SettingsError, Workspace

logger = logging.getLogger("slimlint.server")

# Long enough to fold the changes an editor sends together (a paste, a multi-cursor edit, a formatter), short
# enough that diagnostics follow typing: change-to-diagnostics stays under 50 ms for a 200-line Dockerfile.
DEBOUNCE_SECONDS = 0.005
# After files change on disk: wait for the rest of a burst (a checkout, a build) before linting again.
FILES_CHANGED_DEBOUNCE_SECONDS = 0.2
# A client that never answers a request of the server (configuration, registration) must not stall it.
CLIENT_REQUEST_TIMEOUT_SECONDS = 5.0

_SEVERITIES = {"error": lsp.DiagnosticSeverity.Error, "warning": lsp.DiagnosticSeverity.Warning,
               "info": lsp.DiagnosticSeverity.Information}
_WATCHED = "**/*"  # any file: configs, ignore files, and what build contexts hold


@dataclass
class _Open:
    """An open document and what the server knows about it."""

    document: Document
    path: str | None  # on disk; None for a buffer never saved
    generation: int = 0  # bumped on every change (versions are the client's and may repeat)
    outcome: LintOutcome | None = None
    outcome_generation: int = -1
    timer: asyncio.TimerHandle | None = None
    running: bool = False
    again: bool = False
    closed: bool = False
    waiters: list[asyncio.Future] = field(default_factory=list)


class _Answered:
    """A request that could not be read was answered with an error already."""


_ANSWERED = _Answered()


class SlimlintProtocol(LanguageServerProtocol):
    """pygls' protocol, with the server keeping its own documents (`Document`: LSP line breaks and position
    encodings exactly as the protocol defines them), and an error response to a request it cannot read."""

    @lsp_method(lsp.TEXT_DOCUMENT_DID_OPEN)
    def lsp_text_document__did_open(self, params):
        if (handler := self.fm.features.get(lsp.TEXT_DOCUMENT_DID_OPEN)) is not None:
            yield handler, (params,), None

    @lsp_method(lsp.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params):
        if (handler := self.fm.features.get(lsp.TEXT_DOCUMENT_DID_CHANGE)) is not None:
            yield handler, (params,), None

    @lsp_method(lsp.TEXT_DOCUMENT_DID_CLOSE)
    def lsp_text_document__did_close(self, params):
        if (handler := self.fm.features.get(lsp.TEXT_DOCUMENT_DID_CLOSE)) is not None:
            yield handler, (params,), None

    def structure_message(self, data):
        try:
            return super().structure_message(data)
        except JsonRpcException as exc:
            # pygls drops a request whose params do not fit its method; the client would wait for ever.
            if isinstance(data, dict) and "id" in data and "method" in data:
                self._send_response(data["id"], error=exc.to_response_error())
                return _ANSWERED
            raise

    def handle_message(self, message):
        if message is _ANSWERED:
            return
        if not hasattr(message, "jsonrpc"):  # valid JSON that is no JSON-RPC message
            logger.warning("ignored a message that is not JSON-RPC: %.200r", message)
            return
        super().handle_message(message)


class SlimlintServer(LanguageServer):
    def __init__(self, rules_dirs: tuple[Path, ...] = ()) -> None:
        super().__init__("slimlint", __version__, text_document_sync_kind=lsp.TextDocumentSyncKind.Incremental,
                         protocol_cls=SlimlintProtocol)
        self.workspace_state = Workspace(rules_dirs, on_context_ready=self._context_ready_from_thread)
        self.lint_worker = Worker("slimlint-lint")
        self.open: dict[str, _Open] = {}
        self.initialization_options: Any = None
        self.editor = actions.EditorCapabilities()
        self.watching = False
        self.resolves_edits = False
        self.encoding = UTF16
        self.loop: asyncio.AbstractEventLoop | None = None
        self._logged: set[str] = set()
        self._reporting = False
        self._register()

    # -- plumbing -------------------------------------------------------------------------------------------------

    def _register(self) -> None:
        def feature(name: str, options: Any = None):
            def register(method):
                # pygls marks the handler it registers, which a bound method cannot carry: a plain function.
                if asyncio.iscoroutinefunction(method):
                    async def handler(params):
                        return await method(params)
                else:
                    def handler(params):
                        return method(params)
                self.feature(name, options)(handler)
            return register

        feature(lsp.INITIALIZE)(self.initialize)
        feature(lsp.INITIALIZED)(self.initialized)
        feature(lsp.SHUTDOWN)(self.on_shutdown)
        feature(lsp.TEXT_DOCUMENT_DID_OPEN)(self.did_open)
        feature(lsp.TEXT_DOCUMENT_DID_CHANGE)(self.did_change)
        feature(lsp.TEXT_DOCUMENT_DID_SAVE)(self.did_save)
        feature(lsp.TEXT_DOCUMENT_DID_CLOSE)(self.did_close)
        feature(lsp.WORKSPACE_DID_CHANGE_CONFIGURATION)(self.did_change_configuration)
        feature(lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES)(self.did_change_watched_files)
        feature(lsp.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)(self.did_change_workspace_folders)
        feature(lsp.TEXT_DOCUMENT_HOVER)(self.hover)
        feature(lsp.TEXT_DOCUMENT_CODE_ACTION, lsp.CodeActionOptions(
            code_action_kinds=[lsp.CodeActionKind.QuickFix, actions.FIX_ALL_KIND], resolve_provider=True,
        ))(self.code_action)
        feature(lsp.CODE_ACTION_RESOLVE)(self.resolve_code_action)

    def shutdown(self) -> None:
        """pygls waits here for its stdin reader, which an editor that keeps stdin open after `exit` never ends."""
        if self._stop_event is not None:
            self._stop_event.set()
        if self._thread_pool is not None:
            self._thread_pool.shutdown(wait=False, cancel_futures=True)
        self.lint_worker.stop()
        self.workspace_state.scans.stop()

    def report_server_error(self, error: Exception, source) -> None:
        """Into the editor's log, never a pop-up: a client that sends a bad message is no news for the user. (A
        failed request is answered with its error already.)"""
        logger.error("%s", error)
        if source is FeatureRequestError or self._reporting:
            return
        self._reporting = True  # writing the log message may fail the same way (the connection is gone)
        try:
            self.window_log_message(lsp.LogMessageParams(type=lsp.MessageType.Error, message=f"slimlint: {error}"))
        except Exception:
            pass
        finally:
            self._reporting = False

    def log(self, message: str, kind: lsp.MessageType = lsp.MessageType.Info) -> None:
        self.window_log_message(lsp.LogMessageParams(type=kind, message=f"slimlint: {message}"))

    def on_lint_thread(self, function, *args) -> asyncio.Future:
        return asyncio.wrap_future(self.lint_worker.submit(function, *args), loop=self.loop)

    # -- lifecycle ----------------------------------------------------------------------------------------------

    def initialize(self, params: lsp.InitializeParams) -> None:
        self.loop = asyncio.get_running_loop()
        encoding = self.workspace.position_encoding
        self.encoding = getattr(encoding, "value", encoding) or UTF16
        capabilities = params.capabilities
        self.editor = actions.EditorCapabilities.of(capabilities)
        resolve = capabilities.text_document.code_action.resolve_support \
            if capabilities.text_document and capabilities.text_document.code_action else None
        self.resolves_edits = resolve is not None and "edit" in (resolve.properties or ())
        roots = [folder.uri for folder in params.workspace_folders or ()] or \
            ([params.root_uri] if params.root_uri else [])
        self.workspace_state.roots = [Path(p) for p in map(_path_of, roots) if p]
        self.initialization_options = params.initialization_options
        self._apply_settings(params.initialization_options)

    async def initialized(self, params: lsp.InitializedParams) -> None:
        capabilities = self.client_capabilities.workspace
        registrations = []
        watched = capabilities.did_change_watched_files if capabilities else None
        if watched is not None and watched.dynamic_registration:
            self.watching = True
            registrations.append(lsp.Registration(
                id=str(uuid.uuid4()), method=lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                register_options=lsp.DidChangeWatchedFilesRegistrationOptions(
                    watchers=[lsp.FileSystemWatcher(glob_pattern=_WATCHED)])))
        configuration = capabilities.did_change_configuration if capabilities else None
        if configuration is not None and configuration.dynamic_registration:
            registrations.append(lsp.Registration(id=str(uuid.uuid4()),
                                                  method=lsp.WORKSPACE_DID_CHANGE_CONFIGURATION))
        if registrations:
            self.client_register_capability(lsp.RegistrationParams(registrations=registrations))
        if capabilities is not None and capabilities.configuration:
            await self._pull_settings()

    def on_shutdown(self, params) -> None:
        for state in self.open.values():
            if state.timer is not None:
                state.timer.cancel()

    # -- settings -------------------------------------------------------------------------------------------------

    def _apply_settings(self, *sources: Any) -> bool:
        try:
            settings = Settings.parse(*sources)
        except SettingsError as exc:
            message = f"settings ignored: {exc}"
            logger.warning(message)
            self.window_show_message(lsp.ShowMessageParams(type=lsp.MessageType.Warning, message=f"slimlint: {message}"))
            return False
        self.lint_worker.submit(self.workspace_state.configure, settings)
        return True

    async def _pull_settings(self) -> None:
        try:
            answer = await asyncio.wait_for(self.workspace_configuration_async(lsp.ConfigurationParams(
                items=[lsp.ConfigurationItem(section="slimlint")])), CLIENT_REQUEST_TIMEOUT_SECONDS)
        except Exception as exc:
            logger.warning("workspace/configuration failed: %s", exc)
            return
        pulled = answer[0] if answer else None
        if isinstance(pulled, dict) and pulled:
            if self._apply_settings(self.initialization_options, pulled):
                self._relint_all(0)

    async def did_change_configuration(self, params: lsp.DidChangeConfigurationParams) -> None:
        settings = params.settings
        ours = isinstance(settings, dict) and (isinstance(settings.get("slimlint"), dict)
                                               or any(key in settings for key in Settings.KEYS))
        if ours:
            if self._apply_settings(self.initialization_options, settings):
                self._relint_all(0)
        elif self.client_capabilities.workspace and self.client_capabilities.workspace.configuration:
            await self._pull_settings()

    # -- documents ----------------------------------------------------------------------------------------------

    def did_open(self, params: lsp.DidOpenTextDocumentParams) -> None:
        item = params.text_document
        state = _Open(Document(item.uri, item.text, item.version, self.encoding), _path_of(item.uri))
        old = self.open.get(item.uri)
        if old is not None:
            self._close(old)
        self.open[item.uri] = state
        if not self.watching:
            self.lint_worker.submit(self.workspace_state.forget_configs)  # a config may have been added meanwhile
        self._schedule(state, 0)

    def did_change(self, params: lsp.DidChangeTextDocumentParams) -> None:
        state = self.open.get(params.text_document.uri)
        if state is None:
            logger.warning("change to a document that is not open: %s", params.text_document.uri)
            return
        document = state.document
        for change in params.content_changes:
            range_ = getattr(change, "range", None)
            if range_ is None:
                document.apply_change(change.text)
            else:
                document.apply_change(change.text, ((range_.start.line, range_.start.character),
                                                    (range_.end.line, range_.end.character)))
        document.version = params.text_document.version
        state.generation += 1
        self._schedule(state, DEBOUNCE_SECONDS)

    def did_save(self, params: lsp.DidSaveTextDocumentParams) -> None:
        if self.watching:
            return
        # No file events from this editor: what changed on disk is unknown; read configs and contexts again.
        self.lint_worker.submit(self.workspace_state.forget_configs)
        self.lint_worker.submit(self.workspace_state.scans.rescan_all)
        self._relint_all(FILES_CHANGED_DEBOUNCE_SECONDS)

    def did_close(self, params: lsp.DidCloseTextDocumentParams) -> None:
        state = self.open.pop(params.text_document.uri, None)
        if state is None:
            return
        self._close(state)
        self.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=state.document.uri, diagnostics=[]))
        keys = [s.outcome.context_key for s in self.open.values() if s.outcome is not None]
        self.lint_worker.submit(self.workspace_state.scans.keep_only, keys)

    def _close(self, state: _Open) -> None:
        state.closed = True
        if state.timer is not None:
            state.timer.cancel()
        for waiter in state.waiters:
            if not waiter.done():
                waiter.cancel()

    def did_change_workspace_folders(self, params: lsp.DidChangeWorkspaceFoldersParams) -> None:
        roots = {str(p) for p in self.workspace_state.roots}
        roots -= {_path_of(f.uri) for f in params.event.removed}
        roots |= {p for p in (_path_of(f.uri) for f in params.event.added) if p}
        self.workspace_state.roots = [Path(p) for p in sorted(roots)]

    def did_change_watched_files(self, params: lsp.DidChangeWatchedFilesParams) -> None:
        changes = [(path, int(event.type)) for event in params.changes if (path := _path_of(event.uri))]
        if not changes:
            return
        self.lint_worker.submit(self.workspace_state.files_changed, changes)
        self._relint_all(FILES_CHANGED_DEBOUNCE_SECONDS)

    def _context_ready_from_thread(self, key: tuple) -> None:
        loop = self.loop
        if loop is None or loop.is_closed():
            return
        try:
            loop.call_soon_threadsafe(self._context_ready, key)
        except RuntimeError:  # the loop closed meanwhile (exit)
            pass

    def _context_ready(self, key: tuple) -> None:
        for state in self.open.values():
            if state.running:
                state.again = True  # the lint under way may have started before the scan was done
            elif state.outcome is not None and state.outcome.context_key == key:
                self._schedule(state, 0)

    # -- linting ------------------------------------------------------------------------------------------------

    def _relint_all(self, delay: float) -> None:
        for state in self.open.values():
            self._schedule(state, delay)

    def _schedule(self, state: _Open, delay: float) -> None:
        if state.timer is not None:
            state.timer.cancel()
        state.timer = asyncio.get_running_loop().call_later(delay, self._start_lint, state)

    def _start_lint(self, state: _Open) -> None:
        state.timer = None
        if state.closed:
            return
        if state.running:
            state.again = True
            return
        state.running = True
        text, generation = state.document.text, state.generation
        future = self.on_lint_thread(self.workspace_state.lint, state.path, text)
        future.add_done_callback(lambda done: self._lint_done(state, generation, done))

    def _lint_done(self, state: _Open, generation: int, future: asyncio.Future) -> None:
        state.running = False
        if state.closed or future.cancelled():
            return
        try:
            outcome = future.result()
        except Exception as exc:  # a bug of slimlint's own: said on the file, the server goes on
            logger.exception("lint failed")
            outcome = LintOutcome(state.document.text, [], [Problem(
                f"slimlint failed on this file: {described(exc)[:300]}; this is a bug in slimlint, please report it")])
        for notice in outcome.notices:
            if notice not in self._logged:
                self._logged.add(notice)
                self.log(notice, lsp.MessageType.Warning)
        if generation == state.generation:
            state.outcome, state.outcome_generation = outcome, generation
            self._publish(state)
            for waiter in state.waiters:
                if not waiter.done():
                    waiter.set_result(outcome)
            state.waiters.clear()
        if outcome.context_pending and self.workspace_state.scans.ready(outcome.context_key):
            state.again = True  # the scan finished while this lint ran without it
        if state.again or (generation != state.generation and state.timer is None):
            state.again = False
            self._start_lint(state)

    def _publish(self, state: _Open) -> None:
        document = state.document
        shown = [item for _, item in lsp_diagnostics(document, state.outcome)]
        self.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(
            uri=document.uri, diagnostics=shown, version=document.version))

    async def _current(self, state: _Open) -> LintOutcome | None:
        """The outcome for the document as it is now (waiting for the lint under way or starting one); None when
        the document changed or closed meanwhile."""
        if state.outcome is not None and state.outcome_generation == state.generation:
            return state.outcome
        waiter = asyncio.get_running_loop().create_future()
        state.waiters.append(waiter)
        if not state.running:
            self._schedule(state, 0)
        try:
            return await waiter
        except asyncio.CancelledError:
            return None

    # -- hover and code actions ---------------------------------------------------------------------------------

    async def hover(self, params: lsp.HoverParams) -> lsp.Hover | None:
        state = self.open.get(params.text_document.uri)
        if state is None:
            return None
        outcome = await self._current(state)
        if outcome is None:
            return None
        snapshot = _snapshot(state.document)
        position = (params.position.line, params.position.character)
        found = await self.on_lint_thread(hover_at, snapshot, state.path, outcome, position)
        if found is None:
            return None
        markdown, (start, end) = found
        return lsp.Hover(contents=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value=markdown),
                         range=lsp.Range(lsp.Position(*start), lsp.Position(*end)))

    async def code_action(self, params: lsp.CodeActionParams) -> list[lsp.CodeAction] | None:
        state = self.open.get(params.text_document.uri)
        if state is None:
            return None
        outcome = await self._current(state)
        if outcome is None:
            return None
        generation = state.generation
        only = tuple(params.context.only or ())
        snapshot = _snapshot(state.document)
        others = {uri: _snapshot(s.document) for uri, s in self.open.items() if s is not state}
        request = _ActionRequest(snapshot, state.path, outcome, (params.range.start.line, params.range.start.character),
                                 (params.range.end.line, params.range.end.character), only, others, self.editor,
                                 self.resolves_edits)
        found = await self.on_lint_thread(code_actions, self.workspace_state, request)
        return found if generation == state.generation else None

    async def resolve_code_action(self, action: lsp.CodeAction) -> lsp.CodeAction:
        data = action.data if isinstance(action.data, dict) else {}
        state = self.open.get(data.get("uri"))
        if state is None or action.kind != actions.FIX_ALL_KIND:
            return action
        snapshot = _snapshot(state.document)
        others = {uri: _snapshot(s.document) for uri, s in self.open.items() if s is not state}
        action.edit = await self.on_lint_thread(fix_all, self.workspace_state, snapshot, state.path, others,
                                                self.editor)
        return action


# -- what runs on the lint thread -------------------------------------------------------------------------------


def _snapshot(document: Document) -> Document:
    return Document(document.uri, document.text, document.version, document.encoding)


def _path_of(uri: str) -> str | None:
    if not uri.startswith("file:"):
        return None
    try:
        path = to_fs_path(uri)
    except Exception:
        return None
    return os.path.normpath(path) if path else None


def lsp_diagnostics(document: Document, outcome: LintOutcome) -> list[tuple[Diagnostic | None, lsp.Diagnostic]]:
    """The editor's diagnostics of a lint outcome (positions in `document`, which must hold the linted text):
    the findings, then the problems of the file on its first line."""
    shown: list[tuple[Diagnostic | None, lsp.Diagnostic]] = []
    for diagnostic in outcome.diagnostics:
        start, end = document.span_range(diagnostic.span)
        rule = outcome.rules.get(diagnostic.rule_id)
        url = hover.rule_docs_url(rule) if rule is not None else None
        fix = diagnostic.fix.applicability if diagnostic.fix is not None and diagnostic.fix.edits else None
        shown.append((diagnostic, lsp.Diagnostic(
            range=lsp.Range(lsp.Position(*start), lsp.Position(*end)),
            severity=_SEVERITIES.get(diagnostic.severity, lsp.DiagnosticSeverity.Information),
            code=diagnostic.rule_id,
            code_description=lsp.CodeDescription(href=url) if url else None,
            source="slimlint",
            message=diagnostic.message + diagnostic.cost_suffix,
            data={"fix": fix} if fix else None,  # "safe" or "unsafe": a quick fix is offered
        )))
    first_line = lsp.Range(lsp.Position(0, 0), lsp.Position(0, document.position_at(
        len(document.line_text(0)))[1] if document.line_count else 0))
    for problem in outcome.problems:
        shown.append((None, lsp.Diagnostic(
            range=first_line, severity=_SEVERITIES.get(problem.severity, lsp.DiagnosticSeverity.Error),
            code=problem.rule_id, source="slimlint", message=problem.message)))
    return shown


def hover_at(document: Document, path: str | None, outcome: LintOutcome, position: tuple[int, int]
             ) -> tuple[str, tuple[tuple[int, int], tuple[int, int]]] | None:
    from dockerlint_slim.parser import parse_dockerfile

    offset = document.offset_at(position)
    parts: list[str] = []
    ranges: list[tuple[int, int]] = []
    dockerfile = parse_dockerfile(document.text, path or "Dockerfile")
    # The position as slimlint counts: lines split at \n (as BuildKit splits them), columns after a BOM.
    line_start = document.text.rfind("\n", 0, offset) + 1
    line = document.text.count("\n", 0, offset) + 1
    column = offset - line_start + 1 - (1 if line == 1 and document.text.startswith("\ufeff") else 0)
    image = hover.from_image_at(dockerfile, line, column)
    if image is not None:
        instruction, span = image
        parts.append(hover.image_markdown(dockerfile, instruction))
        ranges.append(document.span_offsets(span))
    flagged = []
    for diagnostic in outcome.diagnostics:
        start, end = document.span_offsets(diagnostic.span)
        if start <= offset <= end:
            flagged.append((end - start, start, end, diagnostic))
    for _, start, end, diagnostic in sorted(flagged, key=lambda item: item[:3]):  # the narrowest range first
        parts.append(hover.rule_markdown(outcome.rules.get(diagnostic.rule_id), diagnostic))
        ranges.append((start, end))
    if not parts:
        return None
    start, end = ranges[0]
    return "\n\n---\n\n".join(parts), (document.position_at(start), document.position_at(end))


@dataclass
class _ActionRequest:
    document: Document
    path: str | None
    outcome: LintOutcome
    start: tuple[int, int]
    end: tuple[int, int]
    only: tuple[str, ...]
    others: dict[str, Document]
    editor: actions.EditorCapabilities
    resolves_edits: bool


def _wanted(kind: str, only: tuple[str, ...]) -> bool:
    return not only or any(kind == prefix or kind.startswith(prefix + ".") for prefix in only)


def code_actions(workspace: Workspace, request: _ActionRequest) -> list[lsp.CodeAction]:
    from dockerlint_slim.parser import parse_dockerfile

    document, outcome = request.document, request.outcome
    first, last = document.offset_at(request.start), document.offset_at(request.end)
    found: list[lsp.CodeAction] = []
    if _wanted(lsp.CodeActionKind.QuickFix, request.only):
        here = [(d, shown) for d, shown in lsp_diagnostics(document, outcome)
                if d is not None and _overlaps(document.span_offsets(d.span), (first, last))]
        fixes, ignores, file_ignores = [], [], []
        seen_rules: dict[str, list[lsp.Diagnostic]] = {}
        dockerfile = parse_dockerfile(document.text, request.path or "Dockerfile") if here else None
        for diagnostic, shown in here:
            action = actions.quick_fix(document, diagnostic, shown, request.others, request.path, request.editor)
            if action is not None:
                fixes.append((diagnostic.fix.applicability != SAFE, action))
            pragma = actions.ignore_instruction(document, dockerfile, diagnostic, shown, request.editor)
            if pragma is not None and all(a.title != pragma.title or a.edit != pragma.edit for a in ignores):
                ignores.append(pragma)
            seen_rules.setdefault(diagnostic.rule_id, []).append(shown)
        for rule_id, shown in seen_rules.items():
            file_ignores.append(actions.ignore_file(document, dockerfile, rule_id, shown, request.editor))
        found += [action for _, action in sorted(fixes, key=lambda item: item[0])]  # safe fixes first
        found += ignores + file_ignores
    policy = workspace.setup(Path(request.path).parent if request.path else None).policy
    if _wanted(actions.FIX_ALL_KIND, request.only) and policy is not None and any(
            policy.applies(d) for d in outcome.diagnostics):
        explicit = any(kind.startswith("source") for kind in request.only)
        action = lsp.CodeAction(title="slimlint: Fix all auto-fixable problems", kind=actions.FIX_ALL_KIND,
                                data={"uri": document.uri})
        if request.resolves_edits and not explicit:
            found.append(action)  # the edit is made when the editor resolves it (running every fix takes a while)
        else:
            action.edit = fix_all(workspace, document, request.path, request.others, request.editor)
            if action.edit is not None:
                found.append(action)
    return found


def _overlaps(span: tuple[int, int], selection: tuple[int, int]) -> bool:
    return span[0] <= selection[1] and selection[0] <= span[1]


def fix_all(workspace: Workspace, document: Document, path: str | None, others: dict[str, Document],
            editor: actions.EditorCapabilities) -> lsp.WorkspaceEdit | None:
    outcome = workspace.fix_all(path, document.text, _reader(others))
    if not isinstance(outcome, FixOutcome) or outcome.error is not None:
        if isinstance(outcome, FixOutcome):
            logger.warning("fix-all: %s", outcome.error)
        return None
    return actions.fix_all_edit(document, outcome.text, outcome.others, others, path, editor)


def _reader(others: dict[str, Document]):
    """Reads the files other than the Dockerfile a fix edits: from their open buffers, else from disk."""
    from dockerlint_slim.engine.fixer import _read_other
    from pygls.uris import from_fs_path

    def read(path: str) -> str | None:
        document = others.get(from_fs_path(path) or "")
        return document.text if document is not None else _read_other(path)

    return read


# -- running ------------------------------------------------------------------------------------------------------


def run(rules_dirs: tuple[Path, ...] = ()) -> int:
    """Serve on stdin/stdout until the editor says `exit` or closes the pipe; the exit code the protocol asks for
    (0 after `shutdown`, else 1)."""
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING,
                        format="slimlint server: %(levelname)s: %(message)s")
    if sys.stdin.isatty():
        print("slimlint server: speaking the Language Server Protocol on stdin/stdout (an editor starts it; see "
              "the Editors page of the docs)", file=sys.stderr)
    # The protocol owns stdout: anything else printed there (a rule plugin's print(), a C library) goes to stderr.
    sys.stdout.flush()
    protocol_out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    server = SlimlintServer(tuple(rules_dirs))
    server.start_io(sys.stdin.buffer, protocol_out)
    return 0 if server.protocol._shutdown else 1
