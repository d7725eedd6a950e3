"""docs/editors.md: its snippets parse, start the server the way the command line accepts, and the settings table is
the server's."""

from __future__ import annotations

import json
import re
import sys

import pytest

from dockerlint_slim.server.workspace import Settings
from tests.paths import ROOT

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

PAGE = (ROOT / "docs" / "editors.md").read_text(encoding="utf-8")


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", PAGE, re.S)


def test_json_snippets_parse_and_start_slimlint_server():
    snippets = [json.loads(block) for block in blocks("json")]
    assert len(snippets) == 2
    vscode, sublime = snippets
    assert (vscode["glspc.server.command"], vscode["glspc.server.commandArguments"]) == ("slimlint", ["server"])
    assert vscode["glspc.server.languageId"] == ["dockerfile"]
    Settings.parse(vscode["glspc.server.initializationOptions"])
    client = sublime["clients"]["slimlint"]
    assert client["command"] == ["slimlint", "server"] and client["selector"] == "source.dockerfile"
    Settings.parse(client["initializationOptions"])


def test_toml_snippets_parse():
    helix, zed_manifest, zed_cargo = (tomllib.loads(block) for block in blocks("toml"))
    server = helix["language-server"]["slimlint"]
    assert (server["command"], server["args"]) == ("slimlint", ["server"])
    Settings.parse(server["config"])
    assert "slimlint" in helix["language"][0]["language-servers"]
    assert zed_manifest["language_servers"]["slimlint"]["languages"] == ["Dockerfile"]
    assert zed_cargo["lib"]["crate-type"] == ["cdylib"]


def test_lua_snippet_starts_slimlint_server():
    neovim = blocks("lua")[0]
    assert "cmd = { 'slimlint', 'server' }" in neovim and "vim.lsp.enable('slimlint')" in neovim
    assert "filetypes = { 'dockerfile' }" in neovim


def test_the_settings_table_is_the_servers():
    table = re.search(r"\| Setting \| Value \| Like \|\n\|[-|]+\|\n(.*?)\n\n", PAGE, re.S).group(1)
    documented = [re.match(r"\| `(\w+)` \|", row).group(1) for row in table.splitlines()]
    assert documented == list(Settings.KEYS)


@pytest.mark.parametrize("options", [["--stdio"], ["--rules-dir", "rules"]])
def test_the_options_the_page_names_exist(options):
    from dockerlint_slim.cli import server_command

    names = {opt for param in server_command.params for opt in param.opts}
    assert options[0] in names
