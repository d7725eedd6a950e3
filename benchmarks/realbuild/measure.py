"""Measure a built case and compare it with what slimlint predicted from the Dockerfile.

Three measurements of each image:
- the ground truth (`truth.py`, independent of the product), taken from the docker-archive right after the build;
- dive 0.13 (`dive --source docker-archive IMAGE --json OUT`): size, "inefficient bytes", efficiency;
- `slimlint image --format json` on the saved OCI layout (the product's own image analysis).

The prediction: `slimlint check DOCKERFILE --context CONTEXT --format json`, run on the case's original
Dockerfile (the heredoc cases are built through an exact exec-form translation, see `cases.buildable_dockerfile`).

Measured waste of a case (what a careful Dockerfile would not ship):
- dead bytes: copies stored by the Dockerfile's own layers (after the base image's) that the final file system
  cannot read (deleted, overwritten, moved, re-stored by chmod/chown);
- plus kept caches: bytes stored by those layers and still readable under a package manager's cache folder
  (`CACHE_FOLDERS`), and under the case's declared junk (`junk` in case.toml, e.g. a copied `.git`).
- plus, for a case about SL202 (recommends), the files of the packages the image has and its fixed twin has not
  (counted in `kept_junk`): installed software nobody asked for, which the fix keeps out.

Predicted waste: known bytes (the replay's figure, from the build context) + estimated bytes (findings whose bytes
are a typical size, `properties.estimate`), with the unknown part listed (findings that claim waste without a
figure). SL403 is left out: its bytes are those of another base image, not waste in this one.

Per finding, "measured" is the bytes of the image on the paths and layers the finding names (`attribute`):

| rule                  | measured bytes                                                                          |
| --------------------- | --------------------------------------------------------------------------------------- |
| SL201, SL203-SL207    | stored by the finding line's layer under the cache folder it names (alive or dead: the   |
|                       | whole cache is what the fix keeps out of the image)                                     |
| SL102, SL103          | stored by the layers of the lines in `createdAt` and made unreadable by the finding's layer, |
|                       | under the paths of `properties.overlap`, else the path the command names               |
| SL301                 | stored by the COPY's layer under `properties.path` and not readable in the final image    |
| SL303                 | stored by the ADD's layer and not readable in the final image                            |
| SL302                 | stored by the COPY's layer in the offending paths (`.git/` = a `.git` folder at any depth, |
|                       | `**/*.log` = files with that name pattern)                                              |
| SL202                 | files (in the final image) of the packages the image has and its fixed twin has not       |
| others                | not attributed: SL101's bytes are the other findings', SL403's another image's            |
"""

from __future__ import annotations

import fnmatch
import json
import math
import re
import shutil
import subprocess
import sys
from pathlib import Path

from . import truth as truth_mod

# Cache folders of package managers (no leading slash). Bytes stored here by the Dockerfile's layers are waste
# whether or not they are still readable at the end.
CACHE_FOLDERS = (
    "var/lib/apt/lists",
    "var/cache/apt",
    "root/.cache/pip",
    "root/.npm/_cacache",
    "root/.cache/go-build",
    "root/go/pkg/mod",
    "var/cache/apk",
    "var/cache/yum",
    "var/cache/dnf",
    "var/cache/libdnf5",
    "var/cache/zypp",
    "usr/local/share/.cache/yarn",
)
RPM_CACHES = ("var/cache/yum", "var/cache/dnf", "var/cache/libdnf5", "var/cache/tdnf", "var/cache/zypp")
NOT_WASTE_OF_THIS_IMAGE = {"SL403"}  # bytes of another (smaller) base image
TOLERANCE = 0.25  # predicted waste within +-25 % of the measured waste
EFFICIENCY_TOLERANCE = 0.10  # predicted efficiency within 10 points


def slimlint_command() -> list[str]:
    """The slimlint under test: the one installed next to this Python (the project's venv)."""
    installed = Path(sys.executable).with_name("slimlint")
    if installed.exists():
        return [str(installed)]
    return [sys.executable, "-m", "dockerlint_slim"]


def _run_json(command: list[str], ok_codes=(0, 1), timeout: int = 600) -> dict:
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    if done.returncode not in ok_codes:
        raise RuntimeError(f"{' '.join(command)} exited {done.returncode}: {done.stderr.strip()[-500:]}")
    return json.loads(done.stdout)


# --- at build time -------------------------------------------------------------------------------------------

def base_layer_count(image: truth_mod.Image, base_diff_ids) -> int:
    """How many of the image's first layers are the base image's (equal digests)."""
    count = 0
    for layer, base in zip(image.layers, base_diff_ids):
        if layer.digest.split(":")[-1] != base.split(":")[-1]:
            break
        count += 1
    return count


def measure_archive(archive: Path, base_image) -> dict:
    """truth.json: the ground-truth figures and dive's, from the docker-archive (`base_image`: podman.BaseImage)."""
    image = truth_mod.read_image(archive)
    base = base_layer_count(image, base_image.diff_ids)
    figures = image.figures(base)
    version = image.read("etc/debian_version")
    figures["debian_version"] = version.decode().strip() if version else None
    figures["dive"] = run_dive(archive)
    return figures


def run_dive(archive: Path) -> dict | None:
    dive = shutil.which("dive") or str(Path(sys.executable).with_name("dive"))
    if not Path(dive).exists():
        return None
    out = archive.with_suffix(".dive.json")
    done = subprocess.run([dive, "--source", "docker-archive", str(archive), "--json", str(out)],
                          capture_output=True, text=True, timeout=600)
    if done.returncode != 0 or not out.exists():
        return {"error": (done.stderr or done.stdout).strip()[-300:]}
    document = json.loads(out.read_text())
    out.unlink()
    image = document["image"]
    return {
        "image_bytes": image["sizeBytes"],
        "inefficient_bytes": image["inefficientBytes"],
        "efficiency": image["efficiencyScore"],
        "layers": [layer["sizeBytes"] for layer in document["layer"]],
        "top_files": [{"path": ref["file"], "count": ref["count"], "bytes": ref["sizeBytes"]}
                      for ref in sorted(image["fileReference"], key=lambda r: -r["sizeBytes"])[:10]],
    }


# --- Dockerfile lines <-> layers ------------------------------------------------------------------------------

def layer_lines(dockerfile: Path) -> list[int]:
    """The first line of each layer-adding instruction (RUN, COPY, ADD) of the built stage and the stages it is
    built FROM, in build order: the image's layers after the base image's, one for one."""
    document = _run_json([*slimlint_command(), "ast", str(dockerfile)], ok_codes=(0,))
    instructions = document[0]["instructions"]
    stages: dict[int, dict] = {}
    for instruction in instructions:
        stage = stages.setdefault(instruction["stage"], {"from": None, "alias": None, "lines": []})
        if instruction["instruction"] == "FROM":
            stage["from"] = instruction.get("resolved_image") or instruction["args"][0]
            stage["alias"] = (instruction.get("alias") or "").lower() or None
        elif instruction["instruction"] in ("RUN", "COPY", "ADD"):
            stage["lines"].append(instruction["start_line"])
    by_alias = {s["alias"]: index for index, s in stages.items() if s["alias"]}
    chain, index = [], max(stages)
    while index is not None:
        chain.append(index)
        parent = (stages[index]["from"] or "").lower()
        index = by_alias.get(parent) if by_alias.get(parent, index) < index else None
    lines: list[int] = []
    for index in reversed(chain):
        lines.extend(stages[index]["lines"])
    return lines


def layer_of_line(image: truth_mod.Image, base: int, lines: list[int]) -> dict[int, int] | None:
    """Dockerfile line -> layer index, or None when the layers do not pair with the instructions."""
    if len(image.layers) - base != len(lines):
        return None
    return {line: base + offset for offset, line in enumerate(lines)}


# --- prediction -------------------------------------------------------------------------------------------------

def check(dockerfile: Path, context: Path) -> dict:
    document = _run_json([*slimlint_command(), "check", str(dockerfile), "--context", str(context),
                          "--format", "json", "--no-color"])
    [file_result] = document["files"]
    return file_result


_BYTE_CLAIMING = {"SL102", "SL103", "SL201", "SL202", "SL203", "SL204", "SL205", "SL206", "SL207", "SL301",
                  "SL302", "SL303"}


def prediction(result: dict) -> dict:
    """Predicted waste from `slimlint check` JSON: known + estimated, and the findings whose bytes are unknown.
    Reads the report's own known/estimated/unknown keys when it has them, else derives them from the findings."""
    report = result.get("report") or {}
    findings = result.get("findings", [])
    unknown = [f"{f['rule_id']}@{f['line']}" for f in findings
               if f["rule_id"] in _BYTE_CLAIMING and f.get("wasted_bytes") is None]
    unknown_parts = [f"{u.get('path')}@{u.get('line')}" for u in report.get("unknown_wasted") or []]
    if "known_wasted_bytes" in report:
        known = report["known_wasted_bytes"] or 0
        estimated = report.get("estimated_wasted_bytes") or 0
        unknown_flag = bool(report.get("unknown_wasted") or report.get("unknown_wasted_parts"))
    else:
        known = report.get("wasted_bytes") or 0
        known_paths = {entry["path"] for entry in report.get("top_wasted", [])}
        estimated = sum(f["wasted_bytes"] for f in findings
                        if f.get("wasted_bytes") and (f.get("properties") or {}).get("estimate")
                        and f["rule_id"] not in NOT_WASTE_OF_THIS_IMAGE
                        and (f.get("properties") or {}).get("path") not in known_paths)
        unknown_flag = False  # today's report has no key for an unknown part of the waste
    efficiency = report.get("efficiency")
    return {
        "known": known,
        "estimated": estimated,
        "total": known + estimated,
        "unknown_findings": unknown,
        "unknown_parts": unknown_parts,
        "report_says_unknown": unknown_flag,
        "efficiency": efficiency,
        "image_bytes_known": report.get("image_bytes"),
        "unknown_layers": report.get("unknown_layers"),
    }


# --- attribution ------------------------------------------------------------------------------------------------

_PATH_IN_TEXT = re.compile(r"(?<![\w.~$-])/(?:[\w.@+-]+/)*[\w.@+*-]+")


def _finding_paths(finding: dict) -> list[str]:
    props = finding.get("properties") or {}
    if props.get("path"):
        return [props["path"]]
    if finding["rule_id"] == "SL204":
        return ["/" + p for p in RPM_CACHES]
    return _PATH_IN_TEXT.findall(finding["message"])[:1]


def attribute(finding: dict, image: truth_mod.Image, line_layer: dict[int, int] | None,
              twin_image: truth_mod.Image | None = None) -> dict:
    """The bytes of the image on the paths and layers the finding names (see the table in the module doc).
    Returns {"bytes": int | None, "how": str}."""
    rule, line = finding["rule_id"], finding["line"]
    props = finding.get("properties") or {}
    if rule == "SL202":
        if twin_image is None:
            return {"bytes": None, "how": "needs the fixed twin's image"}
        extra = set(truth_mod.dpkg_packages(image)) - set(truth_mod.dpkg_packages(twin_image))
        return {"bytes": truth_mod.bytes_of_packages(image, extra),
                "how": f"{len(extra)} packages only the bad image has: {', '.join(sorted(extra)[:8])}"
                       + (" ..." if len(extra) > 8 else "")}
    if line_layer is None:
        return {"bytes": None, "how": "layers do not pair with the Dockerfile's instructions"}
    layer = _layer_at(line_layer, line, finding.get("end_line", line))
    if rule in ("SL201", "SL203", "SL204", "SL205", "SL206", "SL207"):
        paths = _finding_paths(finding)
        if layer is None or not paths:
            return {"bytes": None, "how": "no layer or cache folder to measure"}
        return {"bytes": image.query(layers={layer}, under=paths),
                "how": f"stored by line {line}'s layer under {', '.join(paths)}"}
    if rule in ("SL102", "SL103"):
        origins = {line_layer[c] for c in props.get("createdAt", []) if c in line_layer}
        if layer is None or not origins:
            return {"bytes": None, "how": "no layers to measure"}
        paths = sorted({o["path"] for o in props.get("overlap", []) if o.get("path")}) \
            or _cleaned_paths(finding["message"])
        where = f" under {', '.join(paths)}" if paths else ""
        return {"bytes": image.query(layers=origins, alive=False, killed_by={layer}, under=paths or None),
                "how": f"stored by lines {props.get('createdAt')}{where}, made unreadable by line {line}"}
    if rule == "SL301":
        if layer is None or not props.get("path"):
            return {"bytes": None, "how": "no layer or path"}
        return {"bytes": image.query(layers={layer}, under=[props["path"]], alive=False),
                "how": f"stored by line {line} under {props['path']}, dead at the end"}
    if rule == "SL303":
        if layer is None:
            return {"bytes": None, "how": "no layer"}
        return {"bytes": image.query(layers={layer}, alive=False), "how": f"stored by line {line}, dead at the end"}
    if rule == "SL302":
        if layer is None:
            return {"bytes": None, "how": "no layer"}
        labels = [o["path"] for o in props.get("offenders", [])]
        total = sum(c.size for c in image.copies if c.layer == layer and any(_junk_match(c.path, l) for l in labels))
        return {"bytes": total, "how": f"stored by line {line} in {', '.join(labels)}"}
    return {"bytes": None, "how": "not attributed"}


# cleanup commands that name no path, and the folders they empty
_CLEAN_COMMANDS = {
    "apt-get clean": ["/var/cache/apt"], "apt clean": ["/var/cache/apt"],
    "yum clean": ["/var/cache/yum"], "dnf clean": ["/var/cache/dnf", "/var/cache/libdnf5"],
    "npm cache clean": ["/root/.npm"], "pip cache purge": ["/root/.cache/pip"],
}


def _cleaned_paths(message: str) -> list[str]:
    """The path a SL102/SL103 message says the later command deletes or rewrites (its first absolute path), or
    the folders of a cleanup command that names none."""
    command = re.match(r"`([^`]*)`", message)
    if command:
        found = _PATH_IN_TEXT.findall(command.group(1))
        if found:
            return found[:1]
        for text, paths in _CLEAN_COMMANDS.items():
            if command.group(1).startswith(text):
                return paths
    return _PATH_IN_TEXT.findall(message)[:1]


def _layer_at(line_layer: dict[int, int], start: int, end: int) -> int | None:
    for line in range(start, end + 1):
        if line in line_layer:
            return line_layer[line]
    # a finding on a command inside a multi-line RUN: the instruction started on an earlier line
    earlier = [line for line in line_layer if line <= start]
    return line_layer[max(earlier)] if earlier else None


def _junk_match(path: str, label: str) -> bool:
    parts = path.split("/")
    if label.endswith("/"):
        return label.rstrip("/").lstrip("*/") in parts[:-1]
    pattern = label[3:] if label.startswith("**/") else label
    return fnmatch.fnmatch(parts[-1], pattern) or fnmatch.fnmatch(path, pattern)


# --- claims in words --------------------------------------------------------------------------------------------

_UNITS = {"KB": 1e3, "MB": 1e6, "GB": 1e9, "KIB": 1024, "MIB": 1024**2, "GIB": 1024**3}


def claim_range(message: str) -> tuple[float, float, str] | None:
    """The byte range a message states in words, e.g. "typically 20-50 MB" -> (20e6, 50e6), "tens to hundreds of
    MB" -> (10e6, 1e9), "100+ MB" -> (100e6, inf), "a few MB" -> (1e6, 10e6)."""
    text = message.replace("\u2013", "-")
    match = re.search(r"(\d+(?:\.\d+)?)\s*-\s*(\d+(?:\.\d+)?)\s*(KB|MB|GB|KiB|MiB|GiB)\b", text, re.I)
    if match:
        unit = _UNITS[match.group(3).upper()]
        return float(match.group(1)) * unit, float(match.group(2)) * unit, match.group(0)
    match = re.search(r"(\d+(?:\.\d+)?)\+\s*(KB|MB|GB)\b", text, re.I)
    if match:
        return float(match.group(1)) * _UNITS[match.group(2).upper()], math.inf, match.group(0)
    match = re.search(r"tens to hundreds of (MB|GB)", text)
    if match:
        unit = _UNITS[match.group(1)]
        return 10 * unit, 1000 * unit, match.group(0)
    match = re.search(r"(tens|hundreds|a few) of (MB|GB)|a few (MB|GB)", text)
    if match:
        unit = _UNITS[match.group(2) or match.group(3)]
        low, high = {"tens": (10, 100), "hundreds": (100, 1000), "a few": (1, 10)}[match.group(1) or "a few"]
        return low * unit, high * unit, match.group(0)
    match = re.search(r"(?:about|~)\s*(\d+(?:\.\d+)?)\s*(MB|GB|MiB|GiB)\b", text)
    if match:
        value = float(match.group(1)) * _UNITS[match.group(2).upper()]
        return value * (1 - TOLERANCE), value * (1 + TOLERANCE), match.group(0)
    return None


# --- one case -----------------------------------------------------------------------------------------------------

def measured_waste(image: truth_mod.Image, base: int, junk: list[str], recommends_twin=None) -> dict:
    """`recommends_twin`: the fixed twin's image of a case about recommends (its extra packages count)."""
    user = set(range(base, len(image.layers)))
    dead = image.query(layers=user, alive=False)
    cached = image.query(layers=user, alive=True, under=list(CACHE_FOLDERS))
    junk_bytes = image.query(layers=user, alive=True, under=junk) if junk else 0
    recommends = 0
    if recommends_twin is not None:
        extra = set(truth_mod.dpkg_packages(image)) - set(truth_mod.dpkg_packages(recommends_twin))
        recommends = truth_mod.bytes_of_packages(image, extra)
    return {"dead": dead, "kept_caches": cached, "kept_junk": junk_bytes + recommends,
            "total": dead + cached + junk_bytes + recommends}


def slimlint_image(layout: Path, dockerfile: Path) -> dict:
    document = _run_json([*slimlint_command(), "image", str(layout), "--format", "json", "--top", "10",
                          "--dockerfile", str(dockerfile)])
    return {
        "image_bytes": document["image_bytes"],
        "wasted_bytes": document["wasted_bytes"],
        "efficiency": document["efficiency"],
        "user_bytes": document["user_bytes"],
        "user_wasted_bytes": document["user_wasted_bytes"],
        "base_layers": document["base_layers"],
        "matched": (document.get("dockerfile") or {}).get("matched"),
        "sl601": [{"line": f["line"], "wasted_bytes": f.get("wasted_bytes"), "message": f["message"],
                   "fix": (f.get("fix") or {}).get("description")} for f in document.get("findings", [])],
    }


def relative_error(predicted: float, measured: float) -> float | None:
    if measured <= 0:
        return None if predicted <= 0 else math.inf
    return (predicted - measured) / measured


def within(predicted: float, measured: float, tolerance: float = TOLERANCE, floor: int = 1024 * 1024) -> bool:
    """|predicted - measured| <= tolerance * measured; below `floor` bytes of measured waste the relative figure
    means nothing, so a prediction within `floor` of it counts as right."""
    return abs(predicted - measured) <= max(tolerance * measured, floor)


def evaluate(case, build, base_image, twin_image: truth_mod.Image | None = None,
             with_image_cli: bool = True) -> dict:
    """Everything the accuracy table says about one built case (`base_image`: the podman.BaseImage it is on)."""
    record = {"case": case.name, "role": case.role, "waste_kind": case.waste, "rules": case.rules,
              "twin": case.twin, "twin_of": case.twin_of, "summary": case.summary, "ci": case.ci,
              "base": case.base}
    if not build.ok:
        record["build"] = {"ok": False, "error": build.error}
        return record
    stored = build.truth()
    record["build"] = {"ok": True, "seconds": stored.get("build_seconds"), "podman": stored.get("podman"),
                       "debian_version": stored.get("debian_version"), "built_at": stored.get("built_at")}
    image = truth_mod.read_image(build.image)
    base = base_layer_count(image, base_image.diff_ids)
    if base != len(base_image.diff_ids):
        raise RuntimeError(f"{case.name}: the image does not start with the layers of {base_image.ref}")
    dockerfile = build.context / "Dockerfile"
    line_layer = layer_of_line(image, base, layer_lines(dockerfile))
    waste = measured_waste(image, base, case.junk, twin_image if "SL202" in case.rules else None)
    user_bytes = image.query(layers=set(range(base, len(image.layers))))
    record["measured"] = {
        "image_bytes": image.image_bytes,
        "final_bytes": image.final_bytes,
        "user_bytes": user_bytes,
        "waste": waste,
        "efficiency": image.efficiency,
        # what the build report's efficiency predicts: needed / stored over the Dockerfile's own layers (the base
        # image's bytes are not known before the build)
        "layers_efficiency": (user_bytes - waste["dead"]) / user_bytes if user_bytes else None,
    }
    record["dive"] = stored.get("dive")
    if with_image_cli:
        record["slimlint_image"] = slimlint_image(build.image, dockerfile)
    result = check(dockerfile, build.context)
    predicted = prediction(result)
    record["predicted"] = predicted
    record["waste_error"] = relative_error(predicted["total"], waste["total"])
    record["findings"] = []
    for finding in result.get("findings", []):
        claimed = finding.get("wasted_bytes")
        words = claim_range(finding["message"])
        measured = attribute(finding, image, line_layer, twin_image)
        entry = {
            "rule": finding["rule_id"], "line": finding["line"], "message": finding["message"],
            "claimed_bytes": claimed, "estimate": bool((finding.get("properties") or {}).get("estimate")),
            "claim_words": words[2] if words else None,
            "claim_range": [words[0], words[1] if words[1] != math.inf else None] if words else None,
            "measured_bytes": measured["bytes"], "how": measured["how"],
        }
        if claimed is not None and measured["bytes"] is not None:
            entry["error"] = relative_error(claimed, measured["bytes"])
        if words is not None and measured["bytes"] is not None:
            entry["in_words_range"] = words[0] <= measured["bytes"] <= words[1]
        record["findings"].append(entry)
    return record
