"""The build report's waste, completed with what the findings know: the layer model knows the bytes later layers
delete or rewrite, sized from the build context; `known_wasted_bytes` adds the measured bytes findings claim
outside those (SL302's junk, which the image keeps readable); findings add typical sizes
(`estimated_wasted_bytes`, from warning and error findings whose bytes are `properties.estimate`; info-level hints
are left out) and the places whose waste has no figure (`unknown_wasted`: findings that locate bytes they cannot
size, and warnings that name the `path` of a cache whose size is unknown). `wasted_bytes` is known + estimated."""

from __future__ import annotations

from dockerlint_slim.diagnostics import AGGREGATE, ESTIMATE, OVERLAP, ByteTotals, Diagnostic


def complete_report(report: dict, diagnostics: list[Diagnostic], dead_lines=frozenset(), limit: int = 10) -> dict:
    """`dead_lines`: the lines of the instructions whose bytes the layer model counts as wasted and of those that
    waste them (a finding there may claim the same bytes: it adds nothing, the model's figure stands)."""
    totals = ByteTotals()
    totals.add(diagnostics)
    report["known_wasted_bytes"] += _unlocated_known(diagnostics, dead_lines)
    report["estimated_wasted_bytes"] = totals.estimated
    report["wasted_bytes"] = report["known_wasted_bytes"] + totals.estimated
    unknown = report["unknown_wasted"]
    seen = {(part["created_line"], part["path"]) for part in unknown}
    count = report["unknown_wasted_parts"]
    for d in diagnostics:
        if d.severity == "info" or d.wasted_bytes:
            continue
        keys = d.properties.get(OVERLAP) or ()
        if not keys and isinstance(d.properties.get("path"), str):
            keys = ({"origin_line": d.span.line, "path": d.properties["path"], "bytes": None},)
        for key in keys:
            where = (key.get("origin_line"), key.get("path"))
            if key.get("bytes") is None and where not in seen:
                seen.add(where)
                count += 1
                if len(unknown) < limit:
                    unknown.append({"path": where[1], "line": d.span.line, "created_line": where[0]})
    report["unknown_wasted_parts"] = count
    return report


def _unlocated_known(diagnostics: list[Diagnostic], dead_lines) -> int:
    """Measured bytes that warnings and errors claim without locating them in a layer (no OVERLAP key: SL302's junk,
    which the image keeps readable), on instructions the layer model has no waste from or by. A finding with
    OVERLAP keys is about the layer model's own events (a later deletion or rewrite): counted there."""
    return sum(d.wasted_bytes for d in diagnostics
               if d.wasted_bytes and d.severity != "info" and not d.properties.get(ESTIMATE)
               and not d.properties.get(AGGREGATE) and not d.properties.get(OVERLAP) and d.span.line not in dead_lines)
