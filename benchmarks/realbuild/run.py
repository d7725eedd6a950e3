"""Build every real-build case with podman, measure the images, compare with slimlint's predictions.

    python benchmarks/realbuild/run.py                  # all cases -> results.json, docs/accuracy.md, README headline
    python benchmarks/realbuild/run.py --case apt-lists-kept --case apt-lists-removed   # a subset (JSON only)
    python benchmarks/realbuild/run.py --ci-only        # the cases tests/realbuild builds
    python benchmarks/realbuild/run.py --rebuild        # ignore cached builds
    python benchmarks/realbuild/run.py --render         # docs/accuracy.md and README from results.json again
    python benchmarks/realbuild/run.py --archive oci-archive   # `slimlint image` on an oci-archive instead

Needs podman and the `debian:bookworm` base image (`../shared/tools/realbuild-setup.sh`). Each case is built once
per content hash and base image and cached (see podman.py; `$SLIMLINT_REALBUILD_CACHE`, default
`~/.cache/slimlint/realbuild`): a rerun only re-measures (seconds per case), a cold run of all cases takes about
half an hour on 2 cores. What is measured and how findings are matched with the image's bytes: see measure.py.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE.parent))

from realbuild import measure, podman, truth  # noqa: E402
from realbuild.cases import load_cases  # noqa: E402

RESULTS = HERE / "results.json"
ACCURACY = ROOT / "docs" / "accuracy.md"
README = ROOT / "README.md"
COMMAND = "python benchmarks/realbuild/run.py"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", action="append", help="only this case (repeatable)")
    parser.add_argument("--ci-only", action="store_true", help="only the cases tests/realbuild builds")
    parser.add_argument("--rebuild", action="store_true", help="build again even when cached")
    parser.add_argument("--archive", choices=("oci-dir", "docker-archive", "oci-archive"), default="oci-dir",
                        help="what `slimlint image` reads (default: the cached OCI layout folder)")
    parser.add_argument("--keep-archives", type=Path, help="also keep each fresh build's docker-archive here")
    parser.add_argument("--json", type=Path, help=f"results file (default {RESULTS.relative_to(ROOT)} for a full run)")
    parser.add_argument("--markdown", type=Path,
                        help=f"accuracy table (default {ACCURACY.relative_to(ROOT)} for a full run)")
    parser.add_argument("--render", action="store_true",
                        help="only write docs/accuracy.md and README's headline again from results.json")
    parser.add_argument("--prune", action="store_true", help="delete cached builds of cases that no longer exist")
    args = parser.parse_args(argv)

    if args.render:
        results = json.loads(RESULTS.read_text())
        results["headline"] = headline(results["cases"])
        ACCURACY.write_text(render_markdown(results))
        update_readme(README, results)
        return 0
    podman.stop_cleanly_on_signals()
    reason = podman.unavailable_reason()
    if reason:
        print(f"run.py: {reason}", file=sys.stderr)
        return 2
    cases = load_cases(args.case)
    if args.ci_only:
        cases = [c for c in cases if c.ci]
    full = args.case is None and not args.ci_only
    by_name = {c.name: c for c in load_cases()}
    # a twin is needed to measure SL202 and the twin differences: build it along
    wanted = {c.name for c in cases} | {c.twin for c in cases if c.twin}
    bases = {kind: podman.ensure_base(kind) for kind in sorted({by_name[name].base for name in wanted})}

    started = time.monotonic()
    builds = {}
    for name in sorted(wanted):
        base = bases[by_name[name].base]
        builds[name] = podman.ensure_built(by_name[name], base,
                                           lambda archive, build, base=base: measure.measure_archive(archive, base),
                                           rebuild=args.rebuild, keep_archive=args.keep_archives,
                                           log=lambda text: print(text, file=sys.stderr, flush=True))
    built_seconds = time.monotonic() - started

    records = []
    for case in cases:
        build = builds[case.name]
        twin_build = builds.get(case.twin) if case.twin else None
        twin_image = truth.read_image(twin_build.image) if twin_build is not None and twin_build.ok else None
        record = measure.evaluate(case, build, bases[case.base], twin_image,
                                  with_image_cli=args.archive == "oci-dir")
        if args.archive != "oci-dir" and build.ok:
            record["slimlint_image"] = _image_cli_on_archive(build, args.archive)
        records.append(record)
        print(f"measured {case.name}", file=sys.stderr, flush=True)
    results = {
        "generated_by": COMMAND,
        "date": time.strftime("%Y-%m-%d", time.gmtime()),
        "podman": podman.podman_version(),
        "base_images": {kind: {"ref": base.ref, "id": base.id, "layers": len(base.diff_ids)}
                        for kind, base in bases.items()},
        "seconds": {"build": round(built_seconds, 1), "total": round(time.monotonic() - started, 1)},
        "cases": records,
        "twins": twin_rows(records, builds),
        "rules": rule_rows(records),
        "headline": headline(records),
    }
    json_path = args.json or (RESULTS if full else None)
    if json_path:
        json_path.write_text(json.dumps(results, indent=1, sort_keys=False) + "\n")
        print(f"wrote {json_path}", file=sys.stderr)
    else:
        json.dump(results, sys.stdout, indent=1)
        print()
    markdown_path = args.markdown or (ACCURACY if full else None)
    if markdown_path:
        markdown_path.write_text(render_markdown(results))
        print(f"wrote {markdown_path}", file=sys.stderr)
    if full and args.markdown is None and update_readme(README, results):
        print(f"updated the accuracy headline in {README}", file=sys.stderr)
    if args.prune:
        _prune({c.name for c in load_cases()})
    return 0


def _image_cli_on_archive(build, fmt: str) -> dict:
    with tempfile.TemporaryDirectory(dir=podman.cache_root()) as scratch:
        archive = Path(scratch) / f"image.{fmt}.tar"
        subprocess.run(["skopeo", "copy", "--quiet", f"oci:{build.image}", f"{fmt}:{archive}"], check=True,
                       capture_output=True, timeout=600)
        return measure.slimlint_image(archive, build.context / "Dockerfile")


def _prune(names: set[str]) -> None:
    import shutil

    root = podman.cache_root() / "cases"
    if root.is_dir():
        for entry in root.iterdir():
            if entry.name not in names:
                shutil.rmtree(entry, ignore_errors=True)
    print(f"pruned; {podman.prune_blobs() / 1e6:.0f} MB of blobs freed", file=sys.stderr)


# --- summaries -------------------------------------------------------------------------------------------------

def twin_rows(records: list[dict], builds: dict) -> list[dict]:
    by_name = {r["case"]: r for r in records}
    rows = []
    for record in records:
        if record["role"] != "bad" or not record.get("twin"):
            continue
        bad_build, fixed_build = builds.get(record["case"]), builds.get(record["twin"])
        if bad_build is None or fixed_build is None or not bad_build.ok or not fixed_build.ok:
            continue
        bad_bytes = bad_build.truth()["image_bytes"]
        fixed_bytes = fixed_build.truth()["image_bytes"]
        predicted = record.get("predicted") or {}
        claimed = predicted.get("total", 0)
        rows.append({
            "bad": record["case"], "fixed": record["twin"],
            "bad_bytes": bad_bytes, "fixed_bytes": fixed_bytes, "difference": bad_bytes - fixed_bytes,
            "claimed": claimed, "unknown_findings": predicted.get("unknown_findings", []),
            "fixed_measured": by_name.get(record["twin"]) is not None,
            "meets_claim": bad_bytes - fixed_bytes >= (1 - measure.TOLERANCE) * claimed,
        })
    return rows


def rule_rows(records: list[dict]) -> list[dict]:
    """Per rule: its findings' claims against the bytes measured on their paths."""
    rows: dict[str, dict] = {}
    for record in records:
        for finding in record.get("findings", []):
            if finding["rule"] in ("SL101", "SL403") or finding["measured_bytes"] is None:
                continue
            row = rows.setdefault(finding["rule"], {"rule": finding["rule"], "findings": 0, "claims": set(),
                                                    "measured": [], "off": []})
            row["findings"] += 1
            claim = finding["claimed_bytes"]
            row["claims"].add(f"{claim / 1e6:.1f} MB" if claim is not None else (finding["claim_words"] or "none"))
            row["measured"].append(finding["measured_bytes"])
            if claim is not None:
                off = not measure.within(claim, finding["measured_bytes"], floor=0)
            else:
                off = finding.get("in_words_range") is False
            if off:
                row["off"].append(f"{record['case']}@{finding['line']}")
    out = []
    for rule in sorted(rows):
        row = rows[rule]
        out.append({**row, "claims": sorted(row["claims"]), "measured_min": min(row["measured"]),
                    "measured_max": max(row["measured"])})
    return out


def headline(records: list[dict]) -> dict:
    errors = []
    for record in records:
        if record.get("predicted") is None or record["waste_kind"] not in ("known", "estimated"):
            continue
        error = record.get("waste_error")
        if error is not None:
            errors.append((abs(error), error, record["case"]))
    within = [r for r in records if r.get("predicted") and r["waste_kind"] in ("known", "estimated")
              and measure.within(r["predicted"]["total"], r["measured"]["waste"]["total"])]
    visible = [r for r in records if r.get("predicted") and r["waste_kind"] in ("known", "estimated")]
    unknown_cases = [r for r in records if r.get("predicted") and r["waste_kind"] == "unknown"]
    said_unknown = [r for r in unknown_cases if r["predicted"]["report_says_unknown"]]
    off_findings = []
    for record in records:
        for finding in record.get("findings", []):
            claimed, measured_bytes = finding["claimed_bytes"], finding["measured_bytes"]
            if claimed is not None and measured_bytes is not None and finding["rule"] not in measure.NOT_WASTE_OF_THIS_IMAGE:
                if not measure.within(claimed, measured_bytes, floor=0):
                    off_findings.append(f"{record['case']}:{finding['rule']}@{finding['line']}")
            elif finding.get("in_words_range") is False:
                off_findings.append(f"{record['case']}:{finding['rule']}@{finding['line']} (words)")
    ordered = sorted(errors)
    # predicted efficiency vs measured, in points, where the build report shows one
    points = sorted((abs(r["predicted"]["efficiency"] - r["measured"]["layers_efficiency"]) * 100, r["case"])
                    for r in records if r.get("predicted") and r["predicted"].get("efficiency") is not None
                    and r["measured"].get("layers_efficiency") is not None)
    return {
        "cases": len(records),
        "built": sum(1 for r in records if r["build"]["ok"]),
        "cases_with_visible_waste": len(visible),
        "within_tolerance": len(within),
        "median_abs_error": statistics.median(e[0] for e in ordered) if ordered else None,
        "worst": {"case": ordered[-1][2], "error": ordered[-1][1]} if ordered else None,
        "unknown_cases": len(unknown_cases),
        "unknown_cases_reported_unknown": len(said_unknown),
        "findings_off_by_more_than_tolerance": off_findings,
        "efficiency_shown": len(points),
        "efficiency_within_tolerance": sum(1 for p, _ in points if p <= measure.EFFICIENCY_TOLERANCE * 100),
        "efficiency_median_points": statistics.median(p for p, _ in points) if points else None,
        "efficiency_worst": {"case": points[-1][1], "points": points[-1][0]} if points else None,
    }


# --- markdown ----------------------------------------------------------------------------------------------------

def _mb(value) -> str:
    if value is None:
        return "–"
    return f"{value / 1e6:.1f} MB"


def _pct(value) -> str:
    if value is None:
        return "–"
    if value in (float("inf"), float("-inf")):
        return "∞"
    return f"{value * 100:+.0f} %"


def _unknown(predicted: dict) -> str:
    parts = predicted.get("unknown_parts") or []
    findings = [f for f in predicted.get("unknown_findings", []) if f.split("@")[0] != "SL102" or not parts]
    text = ", ".join(parts + findings)
    return text or "–"


def _eff(value) -> str:
    return "–" if value is None else f"{value * 100:.1f} %"


def headline_lines(results: dict) -> list[str]:
    """The headline, for docs/accuracy.md and README."""
    h = results["headline"]
    worst_eff = h.get("efficiency_worst")
    return [
        f"{h['cases']} cases, {h['built']} built.",
        f"Cases whose waste comes from files the model can see or estimate: {h['cases_with_visible_waste']}; "
        f"predicted waste within ±{measure.TOLERANCE:.0%} of measured: {h['within_tolerance']}. Median absolute "
        f"prediction error on those: {_pct(h['median_abs_error']).lstrip('+')}; worst: "
        + (f"`{h['worst']['case']}` {_pct(h['worst']['error'])}." if h["worst"] else "–."),
        f"Cases whose waste cannot be known before the build: {h['unknown_cases']}; reported as unknown by the "
        f"build report: {h['unknown_cases_reported_unknown']}.",
        f"Predicted efficiency (of the Dockerfile's layers; shown only when all of them can be sized) shown on "
        f"{h.get('efficiency_shown', 0)} cases, within {measure.EFFICIENCY_TOLERANCE * 100:.0f} points of measured "
        f"on {h.get('efficiency_within_tolerance', 0)}; "
        + (f"median error {h['efficiency_median_points']:.1f} points, worst `{worst_eff['case']}` "
           f"{worst_eff['points']:.1f} points." if worst_eff else "–."),
        f"Findings whose claimed bytes are off by more than {measure.TOLERANCE:.0%} (or whose stated range misses "
        f"the measurement): {len(h['findings_off_by_more_than_tolerance'])}.",
    ]


README_START = "<!-- accuracy headline: generated by benchmarks/realbuild/run.py -->"
README_END = "<!-- end of accuracy headline -->"


def update_readme(readme: Path, results: dict) -> bool:
    """Replace the block between README_START and README_END with the headline; False when README has none."""
    text = readme.read_text()
    start, end = text.find(README_START), text.find(README_END)
    if start < 0 or end < start:
        return False
    block = "\n".join([README_START, *(f"- {line}" for line in headline_lines(results)), ""])
    readme.write_text(text[:start] + block + text[end:])
    return True


def render_markdown(results: dict) -> str:
    h = results["headline"]
    records = results["cases"]
    out = [
        "# Accuracy: predicted bytes vs images built here",
        "",
        f"<!-- generated by `{COMMAND}`; do not edit by hand -->",
        f"Regenerate with `{COMMAND}` (needs podman and `debian:bookworm`, see `../shared/tools/realbuild-setup.sh`;",
        "builds are cached, a cold run of all cases takes about half an hour on 2 cores).",
        "",
        f"Measured {results['date']} with {results['podman']} (buildah 1.28). Every case says `FROM debian:bookworm`; "
        f"this machine's `debian:bookworm` (Debian {_debian(records)}) is a debootstrap minbase with the official "
        "image's docker-clean hook but not its other apt settings, so the cases are built on it plus one layer "
        "with the official image's apt sources and settings (`benchmarks/realbuild/base/`: lists kept gzipped, no "
        "translations), except those marked *debootstrap*. That layer and the base are the image's base layers. "
        "Sizes in MB = 10^6 bytes.",
        "",
        "## Headline",
        "",
        *(f"- {line}" for line in headline_lines(results)),
        "",
        "## Per case",
        "",
        "Measured waste = dead bytes of the Dockerfile's layers + caches (and declared junk) they left readable. "
        "Predicted = known + estimated; the unknown part lists what the build report says it cannot size "
        "(path@line) and findings that claim waste without a figure. "
        "Efficiency: predicted (the build report's, shown only when every layer of the Dockerfile can be sized; "
        "the base image's bytes are not known before the build) / measured over the Dockerfile's layers (needed / "
        "stored, what the prediction is about) / the whole image: measured (dive's formula, every file of a "
        "deleted folder counted as deleted), `slimlint image`, dive.",
        "",
        "| case | role | waste from | image | measured waste (dead + kept) | predicted (known + est.) | unknown part "
        "| error | efficiency pred. / measured (Dockerfile's layers) / image: measured / `slimlint image` / dive |",
        "| --- | --- | --- | ---: | ---: | ---: | --- | ---: | --- |",
    ]
    for r in records:
        if not r["build"]["ok"]:
            out.append(f"| `{r['case']}` | {r['role']} | {r['waste_kind']} | build failed: {r['build']['error']} "
                       "| | | | | |")
            continue
        m, p = r["measured"], r["predicted"]
        w = m["waste"]
        kept = w["kept_caches"] + w["kept_junk"]
        image_eff = (r.get("slimlint_image") or {}).get("efficiency")
        dive_eff = (r.get("dive") or {}).get("efficiency")
        out.append(
            f"| `{r['case']}` | {r['role']} | {r['waste_kind']} | {_mb(m['image_bytes'])} "
            f"| {_mb(w['total'])} ({_mb(w['dead'])} + {_mb(kept)}) | {_mb(p['total'])} ({_mb(p['known'])} + "
            f"{_mb(p['estimated'])}) | {_unknown(p)} | {_pct(r['waste_error'])} "
            f"| {_eff(p['efficiency'])} / {_eff(m.get('layers_efficiency'))} / {_eff(m['efficiency'])} / "
            f"{_eff(image_eff)} / {_eff(dive_eff)} |")
    out += [
        "",
        "## Per finding: claimed vs measured on the finding's paths",
        "",
        "Claimed = the finding's `wasted_bytes` (or the range its message states in words). Measured = the bytes of "
        "the image on the paths and layers the finding names (see `benchmarks/realbuild/measure.py`).",
        "",
        "| case | rule | line | claimed | in words | measured | error / in range | measured on |",
        "| --- | --- | ---: | ---: | --- | ---: | --- | --- |",
    ]
    for r in records:
        for f in r.get("findings", []):
            if f["rule"] in ("SL101", "SL403"):  # no bytes of their own / another base image's bytes
                continue
            verdict = _pct(f.get("error")) if "error" in f else (
                ("yes" if f["in_words_range"] else "**no**") if "in_words_range" in f else "–")
            if "error" in f and f.get("error") is not None and f["rule"] not in measure.NOT_WASTE_OF_THIS_IMAGE \
                    and not measure.within(f["claimed_bytes"], f["measured_bytes"], floor=0):
                verdict = f"**{verdict}**"
            out.append(f"| `{r['case']}` | {f['rule']} | {f['line']} | {_mb(f['claimed_bytes'])} "
                       f"| {f['claim_words'] or '–'} | {_mb(f['measured_bytes'])} | {verdict} | {f['how']} |")
    out += [
        "",
        "## Per rule",
        "",
        f"Claims off by more than {measure.TOLERANCE:.0%} (or whose stated range misses the measurement) are listed.",
        "",
        "| rule | findings measured | claims | measured on their paths | off |",
        "| --- | ---: | --- | --- | --- |",
    ]
    for row in results["rules"]:
        out.append(f"| {row['rule']} | {row['findings']} | {'; '.join(row['claims'])} "
                   f"| {_mb(row['measured_min'])} – {_mb(row['measured_max'])} "
                   f"| {', '.join(row['off']) or '–'} |")
    out += [
        "",
        "## Twins: bad minus fixed",
        "",
        "The fixed twin is the Dockerfile a careful human would write. Claimed = the bad case's predicted waste "
        "(known + estimated).",
        "",
        "| bad | fixed | bad image | fixed image | difference | claimed | unknown findings | difference ≥ 75 % of claim |",
        "| --- | --- | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for t in results["twins"]:
        out.append(f"| `{t['bad']}` | `{t['fixed']}` | {_mb(t['bad_bytes'])} | {_mb(t['fixed_bytes'])} "
                   f"| {_mb(t['difference'])} | {_mb(t['claimed'])} | {', '.join(t['unknown_findings']) or '–'} "
                   f"| {'yes' if t['meets_claim'] else '**no**'} |")
    out += [
        "",
        "## `slimlint image` and dive vs the ground truth",
        "",
        "Ground truth: every stored copy followed through the layers (`benchmarks/realbuild/truth.py`). "
        "dive's inefficient bytes also count the surviving copy of a rewritten file and miss deleted folders "
        "(see [image analysis](image.md)).",
        "",
        "| case | image: truth / slimlint / dive | dead: truth / slimlint wasted / dive inefficient "
        "| efficiency: truth / slimlint / dive |",
        "| --- | --- | --- | --- |",
    ]
    for r in records:
        if not r["build"]["ok"]:
            continue
        si, dv, m = r.get("slimlint_image") or {}, r.get("dive") or {}, r["measured"]
        dead = m["image_bytes"] - m["final_bytes"]
        out.append(f"| `{r['case']}` | {_mb(m['image_bytes'])} / {_mb(si.get('image_bytes'))} / "
                   f"{_mb(dv.get('image_bytes'))} | {_mb(dead)} / {_mb(si.get('wasted_bytes'))} / "
                   f"{_mb(dv.get('inefficient_bytes'))} | {_eff(m['efficiency'])} / {_eff(si.get('efficiency'))} / "
                   f"{_eff(dv.get('efficiency'))} |")
    out += [
        "",
        "## SL601 on the built images",
        "",
        "`slimlint image IMAGE --dockerfile Dockerfile`: the waste it finds in the built image, on the line it "
        "blames, with its advice (to check that the advice fits the cause).",
        "",
        "| case | line | bytes | message | advice |",
        "| --- | ---: | ---: | --- | --- |",
    ]
    for r in records:
        for f in (r.get("slimlint_image") or {}).get("sl601", []):
            message = f["message"].replace("|", "\\|")
            advice = (f.get("fix") or "–").replace("|", "\\|")
            out.append(f"| `{r['case']}` | {f['line']} | {_mb(f['wasted_bytes'])} | {message} | {advice} |")
    out += ["", "## Cases", ""]
    for r in records:
        twin = f" Fixed twin: `{r['twin']}`." if r.get("twin") else (
            f" Also fixes `{r['twin_of']}`." if r.get("twin_of") else "")
        out.append(f"- `{r['case']}` ({r['role']}{', CI' if r['ci'] else ''}): {r['summary']}.{twin}")
    out.append("")
    return "\n".join(out)


def _debian(records: list[dict]) -> str:
    versions = {r["build"].get("debian_version") for r in records if r["build"].get("ok")}
    return ", ".join(sorted(v for v in versions if v)) or "?"


if __name__ == "__main__":
    sys.exit(main())
