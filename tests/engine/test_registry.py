"""Rules as plugins: built-ins ship with every install, entry points and --rules-dir load, bad rules fail cleanly."""

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from dockerlint_slim.engine.registry import RuleLoadError, builtin_rules, directory_rules, load_rules
from tests.paths import ROOT

PLUGIN = '''
"""What it does
Flags MAINTAINER.

Why is this bad?
Deprecated.
"""
from dockerlint_slim.diagnostics import Finding

ID = "XY900"
NAME = "no-maintainer"
SEVERITY = "warning"
SUMMARY = "MAINTAINER is deprecated"


def check(target):
    for instruction in target.dockerfile.instructions:
        if instruction.keyword == "MAINTAINER":
            yield Finding(instruction.span, "use LABEL org.opencontainers.image.authors instead")
'''


def test_every_rule_module_in_the_source_tree_is_installed_and_loaded():
    """Holds for `pip install .` as well as `pip install -e .` (CI tests the non-editable install)."""
    source_ids = {path.name[:5].upper() for path in (ROOT / "rules").glob("sl[0-9][0-9][0-9]_*.py")}
    loaded = {rule.id for rule in builtin_rules()}
    assert source_ids and source_ids == loaded


def test_builtin_rules_declare_what_the_docs_need():
    rules = builtin_rules()
    assert len({r.id for r in rules}) == len(rules)
    assert len({r.name for r in rules}) == len(rules)
    for rule in rules:
        assert re.match(r"^SL\d{3}$", rule.id)
        assert re.match(r"^[a-z0-9]+(-[a-z0-9]+)*$", rule.name)
        assert rule.summary and not rule.summary.endswith(".")
        assert "Why is this bad?" in rule.docs, rule.id
        assert "```dockerfile" in rule.docs, rule.id


def test_rules_dir_loads_local_rules(tmp_path):
    rules_dir = tmp_path / "myrules"
    rules_dir.mkdir()
    (rules_dir / "no_maintainer.py").write_text(PLUGIN)
    (tmp_path / "Dockerfile").write_text("FROM alpine\nMAINTAINER me\n")
    proc = subprocess.run(
        [sys.executable, "-m", "dockerlint_slim", "Dockerfile", "--rules-dir", str(rules_dir), "--format", "json"],
        capture_output=True, text=True, cwd=tmp_path, timeout=60,
    )
    assert proc.returncode == 1
    assert [f["rule_id"] for f in json.loads(proc.stdout)["findings"]] == ["XY900"]
    listing = subprocess.run([sys.executable, "-m", "dockerlint_slim", "rules", "--rules-dir", str(rules_dir)],
                             capture_output=True, text=True, timeout=60).stdout
    assert "XY900  no-maintainer" in listing


def test_entry_point_plugins_load(tmp_path):
    site = tmp_path / "site"
    (site / "slimlint_plugin_demo").mkdir(parents=True)
    (site / "slimlint_plugin_demo" / "__init__.py").write_text(PLUGIN)
    info = site / "slimlint_plugin_demo-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: slimlint-plugin-demo\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[slimlint.rules]\ndemo = slimlint_plugin_demo\n")
    (tmp_path / "Dockerfile").write_text("FROM alpine\nMAINTAINER me\n")
    proc = subprocess.run(
        [sys.executable, "-m", "dockerlint_slim", "Dockerfile", "--format", "json"],
        capture_output=True, text=True, cwd=tmp_path, timeout=60,
        env={**__import__("os").environ, "PYTHONPATH": str(site)},
    )
    assert "XY900" in [f["rule_id"] for f in json.loads(proc.stdout)["findings"]]


@pytest.mark.parametrize(
    "source,error",
    [
        ("ID = 'bad'\nNAME = 'x'\nSEVERITY = 'info'\nSUMMARY = 's'\ndef check(t): return ()\n", "must look like SL123"),
        ("ID = 'XY901'\nNAME = 'Not Kebab'\nSEVERITY = 'info'\nSUMMARY = 's'\ndef check(t): return ()\n", "kebab-case"),
        ("ID = 'XY901'\nNAME = 'x'\nSEVERITY = 'fatal'\nSUMMARY = 's'\ndef check(t): return ()\n", "SEVERITY"),
        ("ID = 'XY901'\nNAME = 'x'\nSEVERITY = 'info'\nSUMMARY = 's'\n", "no check"),
        ("raise RuntimeError('boom')\n", "boom"),
        ("ID = 'SL101'\nNAME = 'x'\nSEVERITY = 'info'\nSUMMARY = 's'\ndef check(t): return ()\n", "two rules use the id SL101"),
    ],
)
def test_bad_rule_modules_are_clear_errors(tmp_path, source, error):
    (tmp_path / "rule.py").write_text(textwrap.dedent(source))
    with pytest.raises(RuleLoadError, match=error):
        load_rules([tmp_path], plugins=False)


def test_bad_rules_dir_exits_2_with_one_line(tmp_path):
    (tmp_path / "rule.py").write_text("raise RuntimeError('boom')\n")
    (tmp_path / "Dockerfile").write_text("FROM alpine\n")
    proc = subprocess.run([sys.executable, "-m", "dockerlint_slim", "Dockerfile", "--rules-dir", str(tmp_path)],
                          capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1 and "boom" in proc.stderr


def test_directory_rules_missing_folder(tmp_path):
    with pytest.raises(RuleLoadError, match="not found"):
        directory_rules(tmp_path / "nope")


def test_installed_console_script_loads_every_rule(tmp_path):
    """The `slimlint` script runs the installed package (CI installs it non-editable), not the source folder."""
    import shutil

    script = shutil.which("slimlint", path=str(Path(sys.executable).parent)) or shutil.which("slimlint")
    if script is None:
        pytest.skip("the slimlint console script is not installed")
    listing = subprocess.run([script, "rules"], capture_output=True, text=True, cwd=tmp_path, timeout=60).stdout
    source_ids = {path.name[:5].upper() for path in (ROOT / "rules").glob("sl[0-9][0-9][0-9]_*.py")}
    assert {line.split()[0] for line in listing.splitlines() if line.strip()} == source_ids


def test_a_docs_section_is_read_up_to_the_next_title_and_never_inside_code():
    from dockerlint_slim.engine.registry import doc_section

    docs = ("What it does\nFlags X.\n\nWhy is this bad?\nIt costs bytes.\n```dockerfile\nExample\n```\nStill why.\n\n"
            "Example\n```dockerfile\nRUN x\n```\n")
    assert doc_section(docs, "Why is this bad?") == "It costs bytes.\n```dockerfile\nExample\n```\nStill why."
    assert doc_section(docs, "why is this bad") == doc_section(docs, "Why is this bad?")
    assert doc_section(docs, "Known limits") == ""
    for rule in load_rules(plugins=False):
        assert rule.doc_section("Why is this bad?"), f"{rule.id} has no 'Why is this bad?' section"
