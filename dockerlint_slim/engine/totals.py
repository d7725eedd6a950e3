"""The build report's waste, completed with what the findings know: the layer model knows the bytes the build
context sizes (`known_wasted_bytes`); findings add typical sizes (`estimated_wasted_bytes`, from warning and error
findings whose bytes are `properties.estimate`; info-level hints are left out) and the places whose waste has no
figure (`unknown_wasted`, from findings that locate bytes they cannot size). `wasted_bytes` is known + estimated."""

from __future__ import annotations

from dockerlint_slim.diagnostics import OVERLAP, ByteTotals, Diagnostic


def complete_report(report: dict, diagnostics: list[Diagnostic], limit: int = 10) -> dict:
    totals = ByteTotals()
    totals.add(diagnostics)
    report["estimated_wasted_bytes"] = totals.estimated
    report["wasted_bytes"] = report["known_wasted_bytes"] + totals.estimated
    unknown = report["unknown_wasted"]
    seen = {(part["created_line"], part["path"]) for part in unknown}
    count = report["unknown_wasted_parts"]
    for d in diagnostics:
        if d.severity == "info" or d.wasted_bytes:
            continue
        for key in d.properties.get(OVERLAP) or ():
            where = (key.get("origin_line"), key.get("path"))
            if key.get("bytes") is None and where not in seen:
                seen.add(where)
                count += 1
                if len(unknown) < limit:
                    unknown.append({"path": where[1], "line": d.span.line, "created_line": where[0]})
    report["unknown_wasted_parts"] = count
    return report
