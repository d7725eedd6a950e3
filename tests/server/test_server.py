"""`slimlint server` over its real stdio, driven by an LSP client (tests/server/lspclient.py): the session from
initialize to exit, diagnostics, code actions applied and linted again, hover, settings, build contexts and file
events, and the inputs that must not take it down."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("pygls")

from dockerlint_slim.engine.registry import load_rules  # noqa: E402
from dockerlint_slim.knowledge import official_tags  # noqa: E402
from tests.clirun import env, lint_json, slimlint, sparse, usage_error  # noqa: E402
from tests.paths import CORPUS  # noqa: E402
from tests.server.lspclient import EDITOR_CAPABILITIES, LspClient, apply_text_edits, edits_for  # noqa: E402

PIP = "FROM python:3.12-slim\nRUN pip install flask\nRUN echo done\n"
ARCHIVE = "FROM debian:12\nCOPY vendor.tar.gz /tmp/\nRUN tar -xzf /tmp/vendor.tar.gz -C /opt && rm /tmp/vendor.tar.gz\n"


@pytest.fixture
def start(tmp_path):
    """Start servers (killed at the end of the test if still running)."""
    clients: list[LspClient] = []

    def started(*args: str, root: Path = tmp_path, **initialize) -> LspClient:
        client = LspClient(*args, cwd=root)
        clients.append(client)
        client.initialize(root, **initialize)
        return client

    yield started
    for client in clients:
        client.kill()


def codes(diagnostics: list[dict]) -> list[str]:
    return sorted(d["code"] for d in diagnostics if d.get("code"))


def position(line: int, character: int) -> dict:
    return {"line": line, "character": character}


def code_actions(client: LspClient, uri: str, line: int, character: int, only: list[str] | None = None) -> list[dict]:
    context = {"diagnostics": []} | ({"only": only} if only else {})
    response = client.request("textDocument/codeAction", {
        "textDocument": {"uri": uri}, "range": {"start": position(line, character), "end": position(line, character)},
        "context": context})
    assert "result" in response, response
    return response["result"] or []


def hover(client: LspClient, uri: str, line: int, character: int) -> dict | None:
    response = client.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": position(line, character)})
    assert "result" in response, response
    return response["result"]


def test_a_session_from_initialize_to_exit(start, tmp_path):
    client = start()
    capabilities = client.server_capabilities
    assert capabilities["positionEncoding"] == "utf-16"
    assert capabilities["textDocumentSync"]["change"] == 2  # incremental
    assert capabilities["hoverProvider"] is True
    assert capabilities["codeActionProvider"] == {"codeActionKinds": ["quickfix", "source.fixAll.slimlint"],
                                                  "resolveProvider": True}
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(PIP)
    uri = client.open(dockerfile)
    diagnostics = client.diagnostics(uri, version=1)
    assert codes(diagnostics) == ["SL101", "SL205"]
    pip = next(d for d in diagnostics if d["code"] == "SL205")
    assert pip["range"] == {"start": position(1, 4), "end": position(1, 21)}  # `pip install flask`
    assert pip["severity"] == 2 and pip["source"] == "slimlint"
    assert pip["codeDescription"]["href"] == "https://slimlint.github.io/slimlint/rules/sl205-pip-cache/"
    scattered = next(d for d in diagnostics if d["code"] == "SL101")
    assert scattered["severity"] == 3 and scattered["range"]["start"] == position(1, 0)
    # An edit of the unsaved buffer (incremental): the diagnostics follow it, with its version.
    client.change(uri, 2, " --no-cache-dir", {"start": position(1, 15), "end": position(1, 15)})
    assert codes(client.diagnostics(uri, version=2)) == ["SL101"]
    assert client.shutdown_and_exit() == 0


def test_the_server_lints_as_the_command_line_does(start, tmp_path):
    """Same engine: the findings on a real Dockerfile, with its folder as build context, are the CLI's."""
    source = CORPUS / "docker-library+php" / "8.5" / "alpine3.23" / "cli" / "Dockerfile"
    shutil.copyfile(source, tmp_path / "Dockerfile")
    sparse(tmp_path / "vendor.tar.gz", 12 * 1024 * 1024)
    text = (tmp_path / "Dockerfile").read_text() + "COPY vendor.tar.gz /tmp/\nRUN tar -xzf /tmp/vendor.tar.gz && rm /tmp/vendor.tar.gz\n"
    (tmp_path / "Dockerfile").write_text(text)
    expected = lint_json("Dockerfile", "--context", ".", cwd=tmp_path)["files"][0]["findings"]
    assert any(f["rule_id"] == "SL301" for f in expected)  # a context rule is among them

    def keys(items):
        return sorted((d["code"], d["range"]["start"]["line"] + 1, d["range"]["start"]["character"] + 1,
                       d["range"]["end"]["line"] + 1, d["range"]["end"]["character"] + 1) for d in items)

    wanted = sorted((f["rule_id"], f["line"], f["column"], f["end_line"], f["end_column"]) for f in expected)
    client = start()
    uri = client.open(tmp_path / "Dockerfile")
    # The first publish comes before the context is scanned; then it is published again, complete.
    diagnostics = client.diagnostics(uri, predicate=lambda items: keys(items) == wanted)
    messages = {(d["code"], d["range"]["start"]["line"] + 1): d["message"] for d in diagnostics}
    for finding in expected:  # the message, and the measured bytes after it when it does not say them
        assert messages[finding["rule_id"], finding["line"]].startswith(finding["message"])
    assert client.shutdown_and_exit() == 0


def test_wasted_bytes_are_in_the_message_and_context_findings_follow_the_scan(start, tmp_path):
    sparse(tmp_path / "vendor.tar.gz", 12 * 1024 * 1024)
    (tmp_path / "Dockerfile").write_text(ARCHIVE)
    client = start()
    uri = client.open(tmp_path / "Dockerfile")
    first = client.diagnostics(uri, version=1)
    assert codes(first) == ["SL102"]  # before the scan: what the file alone shows
    complete = client.diagnostics(uri, version=1, predicate=lambda items: codes(items) == ["SL301"])
    assert "(12.0 MiB)" in complete[0]["message"]
    # The registration of file watching, then a file event: the size follows without reopening anything.
    registrations = [r for request in client.server_requests if request["method"] == "client/registerCapability"
                     for r in request["params"]["registrations"]]
    assert "workspace/didChangeWatchedFiles" in [r["method"] for r in registrations]
    sparse(tmp_path / "vendor.tar.gz", 30 * 1024 * 1024)
    client.notify("workspace/didChangeWatchedFiles", {"changes": [
        {"uri": (tmp_path / "vendor.tar.gz").as_uri(), "type": 2}]})
    updated = client.diagnostics(uri, predicate=lambda items: any("30.0 MiB" in d["message"] for d in items))
    assert codes(updated) == ["SL301"]
    # A new .dockerignore that drops the archive: the COPY source is gone from the context.
    (tmp_path / ".dockerignore").write_text("*.tar.gz\n")
    client.notify("workspace/didChangeWatchedFiles", {"changes": [
        {"uri": (tmp_path / ".dockerignore").as_uri(), "type": 1}]})
    client.diagnostics(uri, predicate=lambda items: "SL304" in codes(items))
    assert client.shutdown_and_exit() == 0


def test_changes_faster_than_lints_never_publish_an_older_text(start, tmp_path):
    client = start()
    uri = client.open(tmp_path / "Dockerfile", PIP)
    client.diagnostics(uri, version=1)
    mark = len(client.notifications)
    text = PIP
    for version in range(2, 42):  # typed at once: the lints fold them, and an outdated result is never shown
        text += f"RUN pip install package{version}\n"
        client.change(uri, version, text)
    final = client.diagnostics(uri, version=41, after=mark)
    assert sum(d["code"] == "SL205" for d in final) == 41
    published = [n["params"].get("version") for n in client.notifications[mark:]
                 if n["method"] == "textDocument/publishDiagnostics" and n["params"]["uri"] == uri]
    assert published == sorted(published) and published[-1] == 41
    client.drain(0.5)
    later = [n["params"].get("version") for n in client.notifications[mark:]
             if n["method"] == "textDocument/publishDiagnostics" and n["params"]["uri"] == uri]
    assert set(later[len(published):]) <= {41}
    assert client.shutdown_and_exit() == 0


def test_an_editor_without_file_events_gets_a_new_scan_on_save(start, tmp_path):
    sparse(tmp_path / "vendor.tar.gz", 12 * 1024 * 1024)
    (tmp_path / "Dockerfile").write_text(ARCHIVE)
    workspace = dict(EDITOR_CAPABILITIES["workspace"])
    del workspace["didChangeWatchedFiles"]
    client = start(capabilities=dict(EDITOR_CAPABILITIES, workspace=workspace))
    uri = client.open(tmp_path / "Dockerfile")
    client.diagnostics(uri, predicate=lambda items: any("12.0 MiB" in d["message"] for d in items))
    assert not [r for request in client.server_requests if request["method"] == "client/registerCapability"
                for r in request["params"]["registrations"] if r["method"] == "workspace/didChangeWatchedFiles"]
    sparse(tmp_path / "vendor.tar.gz", 25 * 1024 * 1024)
    client.notify("textDocument/didSave", {"textDocument": {"uri": uri}})
    client.diagnostics(uri, predicate=lambda items: any("25.0 MiB" in d["message"] for d in items))
    assert client.shutdown_and_exit() == 0


def test_a_buffer_never_saved_is_linted_too(start):
    client = start()
    uri = "untitled:Untitled-1"
    client.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "dockerfile", "version": 1,
                                                            "text": PIP}})
    assert codes(client.diagnostics(uri, version=1)) == ["SL101", "SL205"]
    fix = next(a for a in code_actions(client, uri, 1, 8) if a["title"].startswith("SL205"))
    assert apply_text_edits(PIP, edits_for(fix["edit"], uri)) == PIP.replace("install", "install --no-cache-dir")
    assert client.shutdown_and_exit() == 0


def test_a_quick_fix_applied_makes_its_finding_go(start, tmp_path):
    client = start()
    (tmp_path / "Dockerfile").write_text(PIP)
    uri = client.open(tmp_path / "Dockerfile")
    client.diagnostics(uri, version=1)
    actions = code_actions(client, uri, 1, 8)
    titles = [a["title"] for a in actions]
    assert titles == ["SL101: Join them into one RUN with &&", "SL205: Add `--no-cache-dir`",
                      "Ignore SL101 for this instruction", "Ignore SL205 for this instruction",
                      "Ignore SL101 in this file", "Ignore SL205 in this file",
                      "slimlint: Fix all auto-fixable problems"]
    fix = actions[1]
    assert fix["kind"] == "quickfix" and fix["isPreferred"] is True
    assert [d["code"] for d in fix["diagnostics"]] == ["SL205"]
    fixed = apply_text_edits(PIP, edits_for(fix["edit"], uri))
    assert fixed == PIP.replace("pip install", "pip install --no-cache-dir")
    client.change(uri, 2, fixed)
    assert codes(client.diagnostics(uri, version=2)) == ["SL101"]
    # The pragma actions, applied: the finding goes, for the instruction or the whole file.
    version = 2
    for title in ("Ignore SL101 for this instruction", "Ignore SL101 in this file"):
        version += 1
        client.change(uri, version, PIP)
        client.diagnostics(uri, version=version)
        action = next(a for a in code_actions(client, uri, 1, 8) if a["title"] == title)
        version += 1
        client.change(uri, version, apply_text_edits(PIP, edits_for(action["edit"], uri)))
        assert codes(client.diagnostics(uri, version=version)) == ["SL205"], title
    assert client.shutdown_and_exit() == 0


def test_a_fix_that_edits_the_dockerignore_creates_it(start, tmp_path):
    sparse(tmp_path / ".git" / "objects" / "pack", 6 * 1024 * 1024)
    text = 'FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nCMD ["python", "app.py"]\n'
    (tmp_path / "Dockerfile").write_text(text)
    client = start()
    uri = client.open(tmp_path / "Dockerfile")
    junk = client.diagnostics(uri, predicate=lambda items: "SL302" in codes(items))
    assert next(d for d in junk if d["code"] == "SL302")["message"].startswith("COPY brings 6.0 MiB")
    fix = next(a for a in code_actions(client, uri, 2, 2) if a["title"].startswith("SL302"))
    ignore = tmp_path / ".dockerignore"
    create, change = fix["edit"]["documentChanges"]
    assert create == {"kind": "create", "uri": ignore.as_uri(), "options": {"ignoreIfExists": True}}
    assert change["textDocument"] == {"uri": ignore.as_uri(), "version": None}
    ignore.write_text(apply_text_edits("", change["edits"]))  # what the editor does with the edit
    assert ignore.read_text() == ".git\n"
    client.notify("workspace/didChangeWatchedFiles", {"changes": [{"uri": ignore.as_uri(), "type": 1}]})
    client.diagnostics(uri, predicate=lambda items: "SL302" not in codes(items))
    assert client.shutdown_and_exit() == 0


def test_fix_all_is_what_the_command_line_fixes(start, tmp_path):
    text = "FROM debian:12\nRUN apt-get update\nRUN apt-get install -y curl\nRUN pip install flask\n"
    (tmp_path / "Dockerfile").write_text(text)
    fixed_by_cli = tmp_path / "cli"
    fixed_by_cli.mkdir()
    (fixed_by_cli / "Dockerfile").write_text(text)
    slimlint("--fix", "Dockerfile", cwd=fixed_by_cli)
    client = start()
    uri = client.open(tmp_path / "Dockerfile")
    client.diagnostics(uri, version=1)
    action = next(a for a in code_actions(client, uri, 0, 0) if a["kind"] == "source.fixAll.slimlint")
    assert "edit" not in action  # made when resolved: running every fix takes a while
    resolved = client.request("codeAction/resolve", action)["result"]
    fixed = apply_text_edits(text, edits_for(resolved["edit"], uri))
    assert fixed == (fixed_by_cli / "Dockerfile").read_text() != text
    # Asked for explicitly (on save: `source.fixAll`), it comes with its edit.
    explicit = code_actions(client, uri, 0, 0, only=["source.fixAll"])
    assert [a["kind"] for a in explicit] == ["source.fixAll.slimlint"]
    assert apply_text_edits(text, edits_for(explicit[0]["edit"], uri)) == fixed
    client.change(uri, 2, fixed)
    remaining = client.diagnostics(uri, version=2)
    assert [d["code"] for d in remaining if d.get("data")] == ["SL202"]  # only an unsafe fix is left
    assert remaining[[d["code"] for d in remaining].index("SL202")]["data"] == {"fix": "unsafe"}
    assert code_actions(client, uri, 0, 0, only=["source.fixAll"]) == []  # nothing left to fix
    assert client.shutdown_and_exit() == 0


def test_positions_count_utf16_units_on_lines_with_emoji(start, tmp_path):
    text = 'FROM python:3.12-slim\nRUN echo "🐳 ünïcode" && pip install flask\n'
    client = start()
    uri = client.open(tmp_path / "Dockerfile", text)
    pip = next(d for d in client.diagnostics(uri, version=1) if d["code"] == "SL205")
    before = 'RUN echo "🐳 ünïcode" && '
    start_units = len(before.encode("utf-16-le")) // 2
    assert pip["range"] == {"start": position(1, start_units), "end": position(1, start_units + 17)}
    fix = next(a for a in code_actions(client, uri, 1, start_units + 2) if a["title"].startswith("SL205"))
    fixed = apply_text_edits(text, edits_for(fix["edit"], uri))
    assert fixed == text.replace("pip install", "pip install --no-cache-dir")
    assert client.shutdown_and_exit() == 0


def test_utf8_positions_when_the_client_asks_for_them(start, tmp_path):
    text = 'FROM python:3.12-slim\nRUN echo "🐳" && pip install flask\n'
    capabilities = dict(EDITOR_CAPABILITIES, general={"positionEncodings": ["utf-8", "utf-16"]})
    client = start(capabilities=capabilities)
    uri = client.open(tmp_path / "Dockerfile", text)
    pip = next(d for d in client.diagnostics(uri, version=1) if d["code"] == "SL205")
    start_bytes = len('RUN echo "🐳" && '.encode("utf-8"))
    assert pip["range"]["start"] == position(1, start_bytes)
    assert client.shutdown_and_exit() == 0


def test_hover_on_a_finding_and_on_a_from_image(start, tmp_path):
    text = "FROM python:3.12\nRUN pip install flask\nCMD [\"python\", \"-m\", \"flask\", \"run\"]\n"
    client = start()
    uri = client.open(tmp_path / "Dockerfile", text)
    client.diagnostics(uri, version=1)
    found = hover(client, uri, 1, 6)
    markdown = found["contents"]["value"]
    assert found["contents"]["kind"] == "markdown"
    assert markdown.startswith("**SL205 pip-cache** (warning): ")
    why = next(r for r in load_rules(plugins=False) if r.id == "SL205").doc_section("Why is this bad?")
    assert why and why in markdown  # from the rule's docs
    assert "[SL205 documentation](https://slimlint.github.io/slimlint/rules/sl205-pip-cache/)" in markdown
    assert found["range"] == {"start": position(1, 4), "end": position(1, 21)}
    image = hover(client, uri, 0, 8)
    markdown = image["contents"]["value"]
    assert image["range"] == {"start": position(0, 5), "end": position(0, 16)}
    assert markdown.startswith("**`python:3.12`**: official image")
    assert "About 1020 MB on disk" in markdown and "estimate" in markdown
    tags = [line.split("`")[1] for line in markdown.splitlines() if line.startswith("- `")]
    assert tags == ["python:3.12-slim", "python:3.12-alpine"]
    assert all(official_tags.tag_exists("python", tag.split(":")[1]) for tag in tags)  # real tags only
    assert "SL403 heavy-base-image" in markdown  # the finding on the FROM line too
    assert hover(client, uri, 2, 1) is None  # nothing there
    assert client.shutdown_and_exit() == 0


def test_settings_from_initialization_options_then_configuration_changes(start, tmp_path):
    client = start(initialization_options={"failLevel": "warning"})
    uri = client.open(tmp_path / "Dockerfile", PIP)
    assert codes(client.diagnostics(uri, version=1)) == ["SL205"]  # SL101 is info: below the fail level
    mark = len(client.notifications)
    client.notify("workspace/didChangeConfiguration", {"settings": {"slimlint": {"failLevel": "info",
                                                                                  "ignore": ["SL205"]}}})
    client.diagnostics(uri, after=mark, predicate=lambda items: codes(items) == ["SL101"])
    # The pull model: an empty notification, the settings answered to workspace/configuration.
    client.configuration = {"select": ["SL205"]}
    mark = len(client.notifications)
    client.notify("workspace/didChangeConfiguration", {"settings": None})
    client.diagnostics(uri, after=mark, predicate=lambda items: codes(items) == ["SL205"])
    # Unusable settings are reported and ignored.
    mark = len(client.notifications)
    client.notify("workspace/didChangeConfiguration", {"settings": {"slimlint": {"failLevel": "loud"}}})
    message = client.wait_for_notification("window/showMessage", after=mark)
    assert "failLevel must be one of" in message["message"]
    assert client.shutdown_and_exit() == 0


def test_config_found_from_the_files_folder(start, tmp_path):
    (tmp_path / ".git").mkdir()
    service = tmp_path / "services" / "api"
    service.mkdir(parents=True)
    (service / ".slimlint.toml").write_text('ignore = ["SL205"]\n')
    client = start()
    uri = client.open(service / "Dockerfile", PIP)
    assert codes(client.diagnostics(uri, version=1)) == ["SL101"]
    other = client.open(tmp_path / "Dockerfile", PIP)
    assert codes(client.diagnostics(other, version=1)) == ["SL101", "SL205"]
    # The config edited on disk: the file event makes the server read it again.
    (service / ".slimlint.toml").write_text('ignore = ["SL101"]\n')
    mark = len(client.notifications)
    client.notify("workspace/didChangeWatchedFiles", {"changes": [
        {"uri": (service / ".slimlint.toml").as_uri(), "type": 2}]})
    assert codes(client.diagnostics(uri, after=mark)) == ["SL205"]
    assert client.shutdown_and_exit() == 0


def test_what_must_not_take_the_server_down(start, tmp_path):
    client = start()
    uri = client.open(tmp_path / "Dockerfile", PIP)
    client.diagnostics(uri, version=1)
    # A body that is not JSON, JSON that is not JSON-RPC, a header without a body length.
    client.send_raw(b"Content-Length: 9\r\n\r\n{not json")
    client.send_raw(b'Content-Length: 7\r\n\r\n[1,2,3]')
    client.send_raw(b"X-Nonsense: yes\r\n\r\n")
    # A request whose params do not fit its method: an error answer, not silence.
    bad = client.request("textDocument/hover", {"textDocument": 42})
    assert bad["error"]["code"] == -32602
    assert client.request("slimlint/noSuchMethod", {})["error"]["code"] == -32601
    # Requests and notifications about a document that was never opened.
    never = (tmp_path / "never" / "Dockerfile").as_uri()
    assert hover(client, never, 0, 0) is None
    assert code_actions(client, never, 0, 0) == []
    client.change(never, 5, "FROM alpine\n")
    client.notify("textDocument/didClose", {"textDocument": {"uri": never}})
    # Text that is not a Dockerfile at all, a position far past the end.
    client.change(uri, 2, "\x00\x01 garbage \\\n\tRUN <<EOF\n" * 50)
    client.diagnostics(uri, version=2)
    assert hover(client, uri, 10_000, 10_000) is None
    # Still serving.
    client.change(uri, 3, PIP)
    assert codes(client.diagnostics(uri, version=3)) == ["SL101", "SL205"]
    assert hover(client, uri, 1, 6)["contents"]["value"].startswith("**SL205")
    assert client.shutdown_and_exit() == 0


def test_a_crashing_rule_costs_only_itself(start, tmp_path):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "sl900_boom.py").write_text(
        '"""What it does\nCrashes.\n"""\nID = "SL900"\nNAME = "boom"\nSEVERITY = "error"\nSUMMARY = "crashes"\n\n'
        "def check(target):\n    print('a rule printing on stdout must not corrupt the protocol')\n"
        "    raise RuntimeError('boom')\n")
    client = start("--rules-dir", str(rules))
    uri = client.open(tmp_path / "Dockerfile", PIP)
    diagnostics = client.diagnostics(uri, version=1)
    crash = [d for d in diagnostics if d.get("code") == "SL900"]
    assert len(crash) == 1 and "rule SL900" in crash[0]["message"] and "RuntimeError: boom" in crash[0]["message"]
    assert crash[0]["severity"] == 2 and crash[0]["range"]["start"] == position(0, 0)
    assert "SL205" in codes(diagnostics)  # every other rule's findings stay
    client.change(uri, 2, PIP + "RUN echo more\n")
    assert "SL205" in codes(client.diagnostics(uri, version=2))  # stdout stayed JSON-RPC: the print went to stderr
    assert client.shutdown_and_exit() == 0
    assert "a rule printing on stdout must not corrupt the protocol" in client.stderr


def test_exit_without_shutdown_is_exit_code_1_and_a_closed_pipe_ends_the_server(tmp_path):
    client = LspClient(cwd=tmp_path)
    try:
        client.initialize(tmp_path)
        client.notify("exit")
        assert client.process.wait(timeout=30) == 1
    finally:
        client.kill()
    client = LspClient(cwd=tmp_path)
    try:
        client.initialize(tmp_path)
        client.process.stdin.close()
        assert client.process.wait(timeout=30) == 1
    finally:
        client.kill()


def test_without_pygls_the_command_says_how_to_install_it(tmp_path):
    code = ("import sys; sys.modules['pygls'] = None\n"
            "from dockerlint_slim.cli import main\nmain(['server'])\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, env=env(),
                          timeout=60)
    line = usage_error(proc)
    assert line == ("slimlint: error: `slimlint server` needs pygls, which is not installed: "
                    "pip install 'slimlint[server]'")


def test_the_command_line_does_not_import_pygls(tmp_path):
    code = ("import json, sys\nfrom dockerlint_slim.cli import main\n"
            "try:\n    main(['rules'])\nexcept SystemExit:\n    pass\n"
            "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in ('pygls', 'lsprotocol', 'cattrs'))))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=tmp_path, env=env(), timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.splitlines()[-1]) == []
