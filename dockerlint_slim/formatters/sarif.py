"""SARIF 2.1.0 for GitHub code scanning, built with sarif-om.

Every rule that ran is described in tool.driver.rules (docs, help, helpUri, default level, tags); results carry
a repository-relative URI under `%SRCROOT%`, a region with columns, and partialFingerprints computed from the
content of the offending lines (not their numbers), so they survive lines inserted above.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from urllib.parse import quote

import attr
import sarif_om as om

from dockerlint_slim import DOCS_URL, __version__
from dockerlint_slim.printable import utf8_safe

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {"error": "error", "warning": "warning", "info": "note"}
FINGERPRINT_KEY = "slimlintFindingHash/v1"


def find_source_root(start: Path) -> Path:
    """The repository root (the nearest folder with .git), else `start`."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return start


def relative_uri(path: str, root: Path) -> str | None:
    """The path relative to the source root, or None when the file lies outside it."""
    if path == "-":
        return "stdin"
    try:
        return Path(path).resolve().relative_to(root).as_posix()
    except ValueError:
        return None


def artifact_location(path: str, root: Path) -> om.ArtifactLocation:
    relative = relative_uri(path, root)
    if relative is None:  # outside the repository: an absolute file URI, no base
        return om.ArtifactLocation(uri=Path(path).resolve().as_uri())
    # Percent-encoded from the name's bytes, so that a name that is not UTF-8 still makes a valid URI.
    return om.ArtifactLocation(uri=quote(os.fsencode(relative)), uri_base_id="%SRCROOT%")


def _property_bag(values: dict, tags: list[str] | None = None) -> om.PropertyBag:
    bag = om.PropertyBag(tags=tags)
    for key, value in values.items():
        setattr(bag, key, value)
    return bag


def rule_description(rule) -> str:
    """The first paragraph of the rule's "What it does" section, as one line."""
    paragraphs = [p.strip() for p in (rule.docs or "").split("\n\n") if p.strip()]
    if not paragraphs:
        return rule.summary
    first = paragraphs[0]
    if first.lower().startswith("what it does"):
        first = first.split("\n", 1)[1] if "\n" in first else (paragraphs[1] if len(paragraphs) > 1 else rule.summary)
    return " ".join(first.split())


def _descriptor(rule) -> om.ReportingDescriptor:
    from dockerlint_slim.formatters.rule_docs import docs_markdown

    docs = rule.docs or rule.summary
    # GitHub renders help.markdown on the alert page: the docstring's sections as headings, the examples as code.
    markdown = f"{rule.summary.rstrip('.')}.\n\n{docs_markdown(docs, level=3)}" if rule.docs else rule.summary
    return om.ReportingDescriptor(
        id=rule.id,
        name=rule.name,
        short_description=om.MultiformatMessageString(text=rule.summary),
        full_description=om.MultiformatMessageString(text=rule_description(rule)),
        help=om.MultiformatMessageString(text=docs, markdown=markdown),
        help_uri=rule.docs_url,
        default_configuration=om.ReportingConfiguration(level=_LEVEL[rule.severity]),
        properties=om.PropertyBag(tags=list(rule.tags) or ["bloat"]),
    )


def _fingerprint(diagnostic, lines: list[str], uri: str, seen: dict[str, int]) -> str:
    span = diagnostic.span
    snippet = "\n".join(line.strip() for line in lines[span.line - 1 : span.end_line])
    base = hashlib.sha256(f"{diagnostic.rule_id}\0{uri}\0{snippet}".encode("utf-8", "replace")).hexdigest()[:32]
    seen[base] = seen.get(base, 0) + 1
    return f"{base}:{seen[base]}"


def _fixes(fix, location: om.ArtifactLocation, root: Path) -> list[om.Fix] | None:
    """SARIF `fixes`: the fix's description with its text edits, one `artifactChanges` entry per file it changes
    (a second file such as `.dockerignore` too), and its applicability (`safe`/`unsafe`) in `properties`. SARIF
    requires at least one change per fix, so a fix that is advice only stays in the result's `properties.fix`."""
    if fix is None or not fix.edits:
        return None
    by_file: dict[str | None, list[om.Replacement]] = {}
    for edit in fix.edits:
        by_file.setdefault(edit.path, []).append(om.Replacement(
            deleted_region=om.Region(start_line=edit.span.line, start_column=edit.span.column,
                                     end_line=edit.span.end_line, end_column=edit.span.end_column),
            inserted_content=om.ArtifactContent(text=edit.replacement),
        ))
    changes = [om.ArtifactChange(artifact_location=location if path is None else artifact_location(path, root),
                                 replacements=replacements)
               for path, replacements in by_file.items()]
    return [om.Fix(description=om.Message(text=fix.description), artifact_changes=changes,
                   properties=_property_bag({"applicability": fix.applicability}))]


def build_log(results, rules, *, root: Path | None = None, category: str | None = None, errors=()) -> om.SarifLog:
    root = root or find_source_root(Path.cwd())
    descriptors = sorted({rule.id: rule for rule in rules}.values(), key=lambda r: r.id)
    described = {rule.id for rule in descriptors}
    index = {rule.id: position for position, rule in enumerate(descriptors)}
    sarif_results = []
    for result in results:
        location = artifact_location(result.path, root)
        uri = location.uri
        seen: dict[str, int] = {}
        for d in result.diagnostics:
            span = d.span
            properties = dict(d.properties)
            if d.wasted_bytes is not None:
                properties["wastedBytes"] = d.wasted_bytes
            if d.fix is not None and d.fix.description:
                # The advice, for every fix: SARIF's `fixes` must carry file changes, which only some fixes have.
                properties["fix"] = d.fix.description
            sarif_results.append(
                om.Result(
                    rule_id=d.rule_id,
                    rule_index=index.get(d.rule_id, -1) if d.rule_id in described else None,
                    level=_LEVEL[d.severity],
                    message=om.Message(text=d.message),
                    locations=[
                        om.Location(
                            physical_location=om.PhysicalLocation(
                                artifact_location=location,
                                region=om.Region(
                                    start_line=span.line,
                                    start_column=span.column,
                                    end_line=span.end_line,
                                    end_column=max(span.end_column, span.column + 1) if span.end_line == span.line else span.end_column,
                                ),
                            )
                        )
                    ],
                    partial_fingerprints={FINGERPRINT_KEY: _fingerprint(d, result.source_lines, uri, seen)},
                    fixes=_fixes(d.fix, location, root),
                    properties=_property_bag(properties) if properties else None,
                )
            )
    # The build report of each file (predicted waste, efficiency, top wasted paths; JSON's files[].report), once per
    # run: copying it into every result would repeat it once per finding.
    reports = [{"path": artifact_location(r.path, root).uri, **r.report} for r in results if r.report]
    run = om.Run(
        tool=om.Tool(
            driver=om.ToolComponent(
                name="slimlint",
                version=__version__,
                semantic_version=__version__,
                information_uri=DOCS_URL,
                rules=[_descriptor(rule) for rule in descriptors],
            )
        ),
        results=sarif_results,
        original_uri_base_ids={"%SRCROOT%": om.ArtifactLocation(uri=root.as_uri() + "/")},
        column_kind="unicodeCodePoints",
        properties=_property_bag({"reports": reports}) if reports else None,
    )
    if errors:
        # Files that could not be checked: code scanning shows these tool notifications beside the results.
        run.invocations = [om.Invocation(
            execution_successful=False,
            tool_execution_notifications=[_notification(error, root, index) for error in errors],
        )]
    if category:
        run.automation_details = om.RunAutomationDetails(id=category.rstrip("/") + "/")
    return om.SarifLog(version="2.1.0", schema_uri=SCHEMA_URI, runs=[run])


def _notification(error, root: Path, index: dict[str, int]) -> om.Notification:
    notification = om.Notification(
        level="error",
        message=om.Message(text=utf8_safe(error.message)),
        locations=[om.Location(physical_location=om.PhysicalLocation(artifact_location=artifact_location(error.path, root)))],
    )
    if error.rule_id is not None:
        notification.associated_rule = om.ReportingDescriptorReference(id=error.rule_id, index=index.get(error.rule_id))
    return notification


def to_plain(value):
    """sarif-om's attrs objects → JSON-ready data with SARIF property names; None values are left out."""
    if attr.has(type(value)):
        out = {}
        for field in attr.fields(type(value)):
            item = getattr(value, field.name)
            if item is None or (field.name != "level" and field.default is not attr.NOTHING and item == field.default):
                continue  # sarif-om's defaults (rank -1, enabled true, ...) are SARIF's; levels stay explicit
            if isinstance(value, om.PropertyBag) and field.name == "tags" and not item:
                continue
            out[field.metadata.get("schema_property_name", field.name)] = to_plain(item)
        if isinstance(value, om.PropertyBag):
            out.update({k: to_plain(v) for k, v in vars(value).items() if k not in out and k != "tags" and v is not None})
        return out
    if isinstance(value, dict):
        return {key: to_plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_plain(item) for item in value]
    return value


def render(results, rules, *, root: Path | None = None, category: str | None = None, errors=(), **_options) -> str:
    return json.dumps(to_plain(build_log(results, rules, root=root, category=category, errors=errors)), indent=2) + "\n"
