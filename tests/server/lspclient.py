"""A small LSP client over the real stdio of a `slimlint server` subprocess: JSON-RPC with Content-Length framing,
written here so that tests can also send what no well-behaved client sends (broken frames, bad params).

The server's requests to the client are answered as an editor would: `client/registerCapability` with null,
`workspace/configuration` with `configuration` (the `slimlint` section), `workspace/applyEdit` as applied.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable

from tests.paths import ROOT

TIMEOUT = 30.0  # seconds for any single answer: a guard against hangs, not a speed limit (the machine may be busy)


def file_uri(path: Path | str) -> str:
    return Path(path).resolve().as_uri()


def server_environment(**overrides: str) -> dict[str, str]:
    environ = dict(os.environ)
    environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), environ.get("PYTHONPATH")) if p)
    environ.update(overrides)
    return environ


class LspClient:
    def __init__(self, *args: str, cwd: Path | None = None, environ: dict[str, str] | None = None) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "dockerlint_slim", "server", *args], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd, env=environ or server_environment())
        self.configuration: Any = None
        self.server_capabilities: dict = {}
        self.notifications: list[dict] = []
        self.server_requests: list[dict] = []
        self._incoming: queue.Queue = queue.Queue()
        self._responses: dict[Any, dict] = {}
        self._next_id = 0
        self._stderr: list[bytes] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._drain_stderr, daemon=True).start()

    # -- wire -----------------------------------------------------------------------------------------------------

    def _read(self) -> None:
        stream = self.process.stdout
        while True:
            length = None
            while True:
                line = stream.readline()
                if not line:
                    self._incoming.put(None)
                    return
                if line in (b"\r\n", b"\n"):
                    break
                name, _, value = line.decode("ascii").partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
            body = stream.read(length or 0)
            self._incoming.put(json.loads(body))

    def _drain_stderr(self) -> None:
        for line in self.process.stderr:
            with self._lock:
                self._stderr.append(line)

    @property
    def stderr(self) -> str:
        with self._lock:
            return b"".join(self._stderr).decode("utf-8", "replace")

    def send_raw(self, data: bytes) -> None:
        self.process.stdin.write(data)
        self.process.stdin.flush()

    def send(self, message: dict) -> None:
        body = json.dumps(message).encode("utf-8")
        self.send_raw(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    def notify(self, method: str, params: Any = None) -> None:
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def request_async(self, method: str, params: Any = None) -> int:
        self._next_id += 1
        self.send({"jsonrpc": "2.0", "id": self._next_id, "method": method, "params": params})
        return self._next_id

    def request(self, method: str, params: Any = None, timeout: float = TIMEOUT) -> dict:
        """The whole response (`result` or `error`)."""
        return self.response(self.request_async(method, params), timeout)

    def response(self, request_id: int, timeout: float = TIMEOUT) -> dict:
        self._pump_until(lambda: request_id in self._responses, timeout, f"the response to request {request_id}")
        return self._responses.pop(request_id)

    # -- dispatch -------------------------------------------------------------------------------------------------

    def _pump_until(self, done: Callable[[], bool], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while not done():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no {what} within {timeout} s; server stderr:\n{self.stderr}")
            try:
                message = self._incoming.get(timeout=remaining)
            except queue.Empty:
                continue
            if message is None:
                raise AssertionError(f"the server closed its output while waiting for {what}; stderr:\n{self.stderr}")
            self._dispatch(message)

    def _dispatch(self, message: dict) -> None:
        if "method" in message and "id" in message:
            self.server_requests.append(message)
            self.send({"jsonrpc": "2.0", "id": message["id"], "result": self._answer(message)})
        elif "method" in message:
            self.notifications.append(message)
        else:
            self._responses[message.get("id")] = message

    def _answer(self, message: dict) -> Any:
        method = message["method"]
        if method == "workspace/configuration":
            return [self.configuration for _ in message["params"]["items"]]
        if method == "workspace/applyEdit":
            return {"applied": True}
        return None

    def wait_for_notification(self, method: str, predicate: Callable[[dict], bool] = lambda params: True,
                              timeout: float = TIMEOUT, after: int = 0) -> dict:
        """The params of the first notification `method` (from index `after` on) that `predicate` accepts."""
        found: list[dict] = []

        def seen() -> bool:
            for message in self.notifications[after:]:
                if message["method"] == method and predicate(message.get("params")):
                    found.append(message["params"])
                    return True
            return False

        self._pump_until(seen, timeout, f"{method} notification")
        return found[0]

    def diagnostics(self, uri: str, version: int | None = None, after: int = 0,
                    predicate: Callable[[list], bool] = lambda items: True, timeout: float = TIMEOUT) -> list[dict]:
        """The diagnostics published for `uri` (at `version`, when given) that `predicate` accepts."""
        params = self.wait_for_notification(
            "textDocument/publishDiagnostics",
            lambda p: p["uri"] == uri and (version is None or p.get("version") == version)
            and predicate(p["diagnostics"]), timeout, after)
        return params["diagnostics"]

    def drain(self, seconds: float) -> None:
        """Read whatever the server sends for `seconds`."""
        deadline = time.monotonic() + seconds
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                message = self._incoming.get(timeout=remaining)
            except queue.Empty:
                return
            if message is None:
                return
            self._dispatch(message)

    # -- session --------------------------------------------------------------------------------------------------

    def initialize(self, root: Path | None = None, capabilities: dict | None = None,
                   initialization_options: Any = None) -> dict:
        response = self.request("initialize", {
            "processId": os.getpid(),
            "rootUri": file_uri(root) if root is not None else None,
            "workspaceFolders": [{"uri": file_uri(root), "name": root.name}] if root is not None else None,
            "capabilities": capabilities if capabilities is not None else EDITOR_CAPABILITIES,
            "initializationOptions": initialization_options,
        })
        assert "result" in response, response
        self.server_capabilities = response["result"]["capabilities"]
        self.notify("initialized", {})
        return response["result"]

    def open(self, path: Path, text: str | None = None, version: int = 1, language: str = "dockerfile") -> str:
        uri = file_uri(path)
        self.notify("textDocument/didOpen", {"textDocument": {
            "uri": uri, "languageId": language, "version": version,
            "text": text if text is not None else path.read_text(encoding="utf-8")}})
        return uri

    def change(self, uri: str, version: int, text: str, range_: dict | None = None) -> None:
        change = {"text": text} if range_ is None else {"range": range_, "text": text}
        self.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version},
                                               "contentChanges": [change]})

    def shutdown_and_exit(self, timeout: float = TIMEOUT) -> int:
        response = self.request("shutdown")
        assert response.get("result", "missing") is None, response
        self.notify("exit")
        return self.process.wait(timeout=timeout)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=TIMEOUT)


# What a full-featured editor announces (VS Code-like): versioned edits with file creation, code action resolve,
# dynamic file watching, pull configuration.
EDITOR_CAPABILITIES = {
    "general": {"positionEncodings": ["utf-16"]},
    "workspace": {
        "workspaceEdit": {"documentChanges": True, "resourceOperations": ["create", "rename", "delete"]},
        "didChangeWatchedFiles": {"dynamicRegistration": True},
        "didChangeConfiguration": {"dynamicRegistration": True},
        "configuration": True,
        "workspaceFolders": True,
    },
    "textDocument": {
        "synchronization": {"didSave": True, "dynamicRegistration": True},
        "publishDiagnostics": {"versionSupport": True, "codeDescriptionSupport": True, "dataSupport": True},
        "hover": {"contentFormat": ["markdown", "plaintext"]},
        "codeAction": {
            "codeActionLiteralSupport": {"codeActionKind": {"valueSet": ["quickfix", "source", "source.fixAll"]}},
            "isPreferredSupport": True,
            "dataSupport": True,
            "resolveSupport": {"properties": ["edit"]},
        },
    },
}


def apply_text_edits(text: str, edits: list[dict], encoding: str = "utf-16") -> str:
    """Apply LSP TextEdits to `text` as an editor does (positions in `encoding` code units, lines split at \\n, \\r\\n
    and \\r): the test's own reading of the protocol, independent of the server's."""
    import re

    starts = [0] + [m.end() for m in re.finditer(r"\r\n|\r|\n", text)]

    def offset(position: dict) -> int:
        line, character = position["line"], position["character"]
        if line >= len(starts):
            return len(text)
        start = starts[line]
        end = starts[line + 1] if line + 1 < len(starts) else len(text)
        content = text[start:end].rstrip("\r\n")
        count = 0
        for index, char in enumerate(content):
            if count >= character:
                return start + index
            count += len(char.encode("utf-16-le")) // 2 if encoding == "utf-16" else \
                len(char.encode("utf-8")) if encoding == "utf-8" else 1
        return start + len(content)

    spans = sorted(((offset(e["range"]["start"]), offset(e["range"]["end"]), e["newText"]) for e in edits),
                   reverse=True)
    for start, end, new in spans:
        text = text[:start] + new + text[end:]
    return text


def edits_for(edit: dict, uri: str) -> list[dict]:
    """The text edits a WorkspaceEdit makes to `uri` (`changes` or `documentChanges`)."""
    if edit.get("documentChanges") is not None:
        return [e for change in edit["documentChanges"] if change.get("textDocument", {}).get("uri") == uri
                for e in change["edits"]]
    return (edit.get("changes") or {}).get(uri, [])
