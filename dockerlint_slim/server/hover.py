"""Hover text (Markdown): a finding's rule (summary, why it matters, the advice, its docs page) and a `FROM` image
(its approximate size and the smaller variants the official image really published)."""

from __future__ import annotations

from dockerlint_slim import DOCS_URL
from dockerlint_slim.diagnostics import Diagnostic, Span
from dockerlint_slim.engine.registry import Rule
from dockerlint_slim.knowledge import official_tags
from dockerlint_slim.knowledge.base_images import image_size, parse_image, slimmer_variants
from dockerlint_slim.model import Dockerfile, FromInstruction


def rule_docs_url(rule: Rule) -> str | None:
    """The rule's page on the docs site (built-in rules only: a plugin's rules have none there)."""
    return f"{DOCS_URL}rules/{rule.doc_slug}/" if rule.origin == "builtin" else None


def rule_markdown(rule: Rule | None, diagnostic: Diagnostic) -> str:
    lines = []
    if rule is None:
        lines.append(f"**{diagnostic.rule_id}** ({diagnostic.severity})")
    else:
        lines.append(f"**{rule.id} {rule.name}** ({diagnostic.severity}): {rule.summary}")
        why = rule.doc_section("Why is this bad?")
        if why:
            lines += ["", why]
    if diagnostic.fix is not None and diagnostic.fix.description:
        lines += ["", f"**Fix:** {diagnostic.fix.description}"]
    url = rule_docs_url(rule) if rule is not None else None
    if url:
        lines += ["", f"[{rule.id} documentation]({url})"]
    return "\n".join(lines)


def from_image_at(dockerfile: Dockerfile, line: int, column: int) -> tuple[FromInstruction, Span] | None:
    """The FROM instruction whose image word holds the 1-based source position, and that word's span."""
    for instruction in dockerfile.instructions:
        if not isinstance(instruction, FromInstruction) or not instruction.image:
            continue
        if not instruction.span.line <= line <= instruction.span.end_line:
            continue
        text = instruction.arguments
        start = len(text) - len(text.lstrip())
        if text[start:start + len(instruction.image)] != instruction.image:
            return None
        first = instruction.position(start)
        last = instruction.position(start + len(instruction.image) - 1)
        if first is None or last is None:
            return None
        span = Span(first[0], first[1], last[0], last[1] + 1)
        if (span.line, span.column) <= (line, column) <= (span.end_line, span.end_column):
            return instruction, span
        return None
    return None


def image_markdown(dockerfile: Dockerfile, instruction: FromInstruction) -> str:
    written, resolved = instruction.image, instruction.resolved_image
    stage = dockerfile.stage_named(resolved) if resolved and "/" not in resolved and ":" not in resolved else None
    if stage is not None and stage.from_instruction is not instruction and \
            stage.from_instruction.span.line < instruction.span.line:
        return (f"**Stage `{stage.name or stage.index}`** (line {stage.from_instruction.span.line}), built from "
                f"`{stage.base_image or 'scratch'}`")
    title = f"**`{resolved}`**" + (f" (from `{written}`)" if written != resolved else "")
    ref = parse_image(resolved)
    if ref is None:
        if resolved.strip().lower() == "scratch":
            return f"{title}: the empty image, no files at all"
        return f"{title}: a build argument without a default; the image is not known here"
    if ref.unresolved:
        return f"{title}: it names a build argument without a default; the image is not known here"
    if ref.digest and not ref.tag:
        return f"{title}: pinned by digest; slimlint does not know which tag it is"
    known = official_tags.tag_exists(ref.name, ref.tag_or_latest)
    if known is None:
        return f"{title}: not a Docker official image slimlint knows; no size or variants"
    date = official_tags.source().get("official_images", {}).get("date", "")
    if known is False:
        return (f"{title}: `{ref.tag_or_latest}` is not a tag of the official `{ref.name}` image (as of its tag "
                f"lists{', ' + date[:10] if date else ''})")
    current = official_tags.tag_is_current(ref.name, ref.tag_or_latest)
    lines = [f"{title}: official image, {'still updated' if current else 'no longer updated (an old tag)'}"]
    size = image_size(ref)
    if size is not None:
        lines += ["", f"About {size.uncompressed_mb} MB on disk ({size.compressed_mb} MB to pull), linux/amd64: an "
                      "estimate from slimlint's table of recent tags, not a measurement of this one."]
    slimmer = slimmer_variants(ref)
    if slimmer:
        lines += ["", "Smaller variants of the same version:"]
        for image, variant_size in slimmer:
            about = f": about {variant_size.uncompressed_mb} MB" if variant_size is not None else ""
            note = " (musl libc, no apt)" if "alpine" in image.rsplit(":", 1)[-1] else ""
            lines.append(f"- `{image}`{about}{note}")
    return "\n".join(lines)
