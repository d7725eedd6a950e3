"""Measured cache sizes: the page docs/data/measured-sizes.md, and the measurements that complete those of
`benchmarks/cache_sizes/` (whose figures the rules print, kept in `dockerlint_slim/knowledge/cache_sizes.py`).

    python benchmarks/realbuild/measure_caches.py            # all probes -> measured-sizes.json, docs/data/measured-sizes.md
    python benchmarks/realbuild/measure_caches.py --probe pip   # one probe (JSON on stdout)

The page lists the figures the rules print (read from the knowledge module), the same caches as the real-build
cases measured them (results.json of run.py), and what these probes measure: what Recommends add (SL202), what
`apt-get clean` finds with and without the official image's docker-clean hook (SL102), and pip's cache as it
really fills when the index's responses are cacheable, against the size of the downloads, which is how the
knowledge module measures it (this machine's package proxy drops caching headers, so pip caches nothing from
PyPI here) (SL205).

Each probe is a Dockerfile `FROM debian:bookworm` whose RUN steps print `MEASURE <key> <bytes>` (and
`NOTE <key> <text>`) lines; the build log is the measurement. Probes are built fresh every time (no cache: the
archives move on), with `--layers=false` (nothing is kept), and the image is removed afterwards.

What cannot be measured here is listed in the report with the public figures found instead (apk and rpm
managers: no Alpine/Fedora/RHEL base and no route to their mirrors; gem, cargo, composer, conda registries:
not reachable from this machine).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE.parent))

from realbuild import podman  # noqa: E402

RESULTS = HERE / "measured-sizes.json"
REPORT = ROOT / "docs" / "data" / "measured-sizes.md"
COMMAND = "python benchmarks/realbuild/measure_caches.py"

SIZE_SCRIPT = """#!/bin/sh
# size PATH...: bytes of the files below PATH (0 when it does not exist)
total=0
for path in "$@"; do
  if [ -e "$path" ]; then total=$((total + $(du -sb "$path" | cut -f1))); fi
done
echo "$total"
"""

SERVE_SCRIPT = """import http.server, os, socketserver, sys, threading

class Handler(http.server.SimpleHTTPRequestHandler):
    def end_headers(self):
        # a cacheable response, as an index's file host sends for immutable release files
        self.send_header("Cache-Control", "max-age=31536000, public, immutable")
        super().end_headers()
    def log_message(self, *args):
        pass

os.chdir(sys.argv[1])
with socketserver.TCPServer(("127.0.0.1", 0), Handler) as server:
    with open(sys.argv[2], "w") as out:
        out.write(str(server.server_address[1]))
    server.serve_forever()
"""

PIP_SETS = {
    "client": "requests==2.31.0\n",
    "web": "flask==3.0.3\ngunicorn==22.0.0\n",
    "data": "numpy==1.26.4\npandas==2.2.2\n",
}

APT_ARCHIVES = r"""FROM debian:bookworm
COPY size /usr/local/bin/size
# with the official image's docker-clean hook (this base has it): what `apt-get clean` would still find
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends curl >/dev/null \
 && echo "MEASURE apt_cache_after_install_docker_clean $(size /var/cache/apt)" \
 && rm -rf /var/lib/apt/lists/*
# without the hook (bases that do not drop downloaded packages): the .deb files and apt's binary caches stay
RUN rm /etc/apt/apt.conf.d/docker-clean \
 && apt-get update -qq && apt-get install -y -qq --no-install-recommends python3-pip >/dev/null \
 && echo "MEASURE apt_archives_python3_pip $(size /var/cache/apt/archives)" \
 && echo "MEASURE apt_binary_caches $(size /var/cache/apt/pkgcache.bin /var/cache/apt/srcpkgcache.bin)" \
 && echo "MEASURE apt_cache_total_python3_pip $(size /var/cache/apt)" \
 && rm -rf /var/lib/apt/lists/*
"""

RECOMMENDS = r"""FROM debian:bookworm
RUN apt-get update -qq \
 && used() {{ du -sbx / 2>/dev/null | cut -f1; }} \
 && before=$(used) \
 && apt-get install -y -qq --no-install-recommends {package} >/dev/null \
 && without=$(used) && dpkg-query -W -f '${{Package}}\n' | sort > /tmp/without \
 && apt-get install -y -qq {package} >/dev/null \
 && with=$(used) && dpkg-query -W -f '${{Package}}\n' | sort > /tmp/with \
 && echo "MEASURE install_{key}_no_recommends $((without - before))" \
 && echo "MEASURE recommends_{key} $((with - without))" \
 && echo "NOTE recommends_{key}_packages $(comm -13 /tmp/without /tmp/with | tr '\n' ' ')"
"""
RECOMMENDS_PACKAGES = ("curl", "wget", "git", "gnupg", "python3-pip")

PIP = r"""FROM debian:bookworm
COPY size /usr/local/bin/size
COPY serve.py requirements-client.txt requirements-web.txt requirements-data.txt /probe/
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends python3-pip python3-venv >/dev/null \
 && rm -rf /var/lib/apt/lists/* && echo "NOTE pip_version $(python3 -m pip --version)"
# 1. as this machine reaches PyPI: through a proxy that drops HTTP caching headers, so pip's HTTP cache stays empty
RUN for set in client web data; do \
      rm -rf /root/.cache/pip && python3 -m venv /tmp/v-$set \
      && /tmp/v-$set/bin/pip install -q -r /probe/requirements-$set.txt \
      && echo "MEASURE pip_cache_${set}_here $(size /root/.cache/pip)" \
      && echo "MEASURE pip_installed_${set} $(size /tmp/v-$set/lib)" \
      && rm -rf /tmp/v-$set; \
    done
# 2. a package published only as an sdist: pip builds a wheel and caches it (whatever the headers say)
RUN rm -rf /root/.cache/pip && python3 -m venv /tmp/v && /tmp/v/bin/pip install -q jieba==0.42.1 \
 && echo "MEASURE pip_cache_sdist_jieba $(size /root/.cache/pip)" \
 && echo "MEASURE pip_cache_sdist_jieba_wheels $(size /root/.cache/pip/wheels)" && rm -rf /tmp/v /root/.cache/pip
# 3. the same wheels served with a cacheable response, as from an index that sends caching headers
RUN for set in client web data; do \
      mkdir -p /tmp/wheels-$set && python3 -m pip download -q --no-cache-dir -d /tmp/wheels-$set \
        -r /probe/requirements-$set.txt --break-system-packages 2>/dev/null \
      || python3 -m pip download -q --no-cache-dir -d /tmp/wheels-$set -r /probe/requirements-$set.txt; \
      echo "MEASURE pip_download_${set} $(size /tmp/wheels-$set)"; \
    done \
 && for set in client web data; do \
      python3 /probe/serve.py /tmp/wheels-$set /tmp/port-$set & \
      sleep 2; rm -rf /root/.cache/pip && python3 -m venv /tmp/v-$set \
      && /tmp/v-$set/bin/pip install -q --no-index --find-links "http://127.0.0.1:$(cat /tmp/port-$set)/" \
           -r /probe/requirements-$set.txt \
      && echo "MEASURE pip_cache_${set}_cacheable $(size /root/.cache/pip)" \
      && rm -rf /tmp/v-$set; kill %1 2>/dev/null; wait 2>/dev/null; \
    done
"""

def probes() -> dict[str, tuple[str, dict[str, str]]]:
    out = {
        "apt-archives": (APT_ARCHIVES, {}),
        "pip": (PIP, {"serve.py": SERVE_SCRIPT, **{f"requirements-{k}.txt": v for k, v in PIP_SETS.items()}}),
    }
    for package in RECOMMENDS_PACKAGES:
        key = package.replace("-", "_").replace("3", "3")
        out[f"recommends-{package}"] = (RECOMMENDS.format(package=package, key=key), {})
    return out


_LINE = re.compile(r"^(MEASURE|NOTE) (\S+) ?(.*)$")


def run_probe(name: str, dockerfile: str, files: dict[str, str]) -> dict:
    tag = f"{podman.IMAGE_REPOSITORY}/probe-{name}:latest"
    with tempfile.TemporaryDirectory(prefix="probe-") as scratch:
        context = Path(scratch)
        (context / "Dockerfile").write_text(dockerfile)
        (context / "size").write_text(SIZE_SCRIPT)
        (context / "size").chmod(0o755)
        for file, text in files.items():
            (context / file).write_text(text)
        started = time.monotonic()
        done = subprocess.run(["podman", "build", "--isolation", "chroot", "--network", "host", "--pull=never",
                               "--layers=false", "--no-cache", "-t", tag, str(context)],
                              capture_output=True, text=True, timeout=3600)
        seconds = time.monotonic() - started
    subprocess.run(["podman", "rmi", tag], capture_output=True, timeout=600)
    measures: dict[str, int] = {}
    notes: dict[str, list[str]] = {}
    for line in done.stdout.splitlines():
        match = _LINE.match(line.strip())
        if match is None:
            continue
        kind, key, value = match.groups()
        if kind == "MEASURE" and value.strip().lstrip("-").isdigit():
            measures[key] = int(value)
        else:
            notes.setdefault(key, []).append(value.strip())
    result = {"measures": measures, "notes": notes, "seconds": round(seconds, 1), "ok": done.returncode == 0}
    if done.returncode != 0:
        result["error"] = (done.stderr or done.stdout).strip().splitlines()[-3:]
    return result


# What each figure measures: (key, the rule it concerns, what)
FIGURES = [
    ("apt_cache_after_install_docker_clean", "SL102", "/var/cache/apt after an install on a base with the "
     "official image's docker-clean hook: what a later `apt-get clean` deletes"),
    ("apt_archives_python3_pip", "SL102", "/var/cache/apt/archives after installing python3-pip on a base "
     "without the hook"),
    ("apt_binary_caches", "SL102", "pkgcache.bin + srcpkgcache.bin on a base without the hook"),
    ("apt_cache_total_python3_pip", "SL102", "/var/cache/apt in total on a base without the hook"),
] + [
    (f"recommends_{p.replace('-', '_')}", "SL202", f"bytes `apt-get install {p}` adds over "
     f"`--no-install-recommends`") for p in RECOMMENDS_PACKAGES
] + [
    (f"install_{p.replace('-', '_')}_no_recommends", "SL202", f"`apt-get install --no-install-recommends {p}` "
     "(for scale)") for p in RECOMMENDS_PACKAGES
] + [
    (f"pip_cache_{s}_here", "SL205", f"/root/.cache/pip after `pip install` of {PIP_SETS[s].split()} as this "
     "machine reaches PyPI (a proxy drops caching headers: pip's HTTP cache stays empty)") for s in PIP_SETS
] + [
    (f"pip_download_{s}", "SL205", f"the wheels of {PIP_SETS[s].split()} (with their dependencies)")
    for s in PIP_SETS
] + [
    (f"pip_cache_{s}_cacheable", "SL205", f"/root/.cache/pip after installing {PIP_SETS[s].split()} from a "
     "local index whose responses are cacheable") for s in PIP_SETS
] + [
    (f"pip_installed_{s}", "SL205", f"the installed packages of {PIP_SETS[s].split()} (for scale)")
    for s in PIP_SETS
] + [
    ("pip_cache_sdist_jieba", "SL205", "/root/.cache/pip after installing jieba 0.42.1 (an sdist-only "
     "package, 19 MB): the wheel pip builds is cached"),
    ("pip_cache_sdist_jieba_wheels", "SL205", "the built-wheel part of it (~/.cache/pip/wheels)"),
]

NOT_MEASURED = [
    ("SL203", "apk's index cache (/var/cache/apk, `APKINDEX.*.tar.gz`)",
     "no Alpine base and no route to Alpine's mirrors here (the rule says the size is unknown). Public reports: "
     "0.75 + 0.53 MB = 1.3 MB for main + community on alpine:3.8 (docker-library/php#708, 2018); ~1.4 MB "
     "(NLnetLabs/routinator#262, 2019); ~1.8 MB (resyst-it/docker-bind9#11, 2020)"),
    ("SL204", "yum/dnf/zypper metadata caches",
     "no RHEL/Fedora/openSUSE base and no route to their mirrors here (the rule says the size is unknown). "
     "Public reports of what `dnf clean all` saves: ~150 MB on Fedora (florianfesti/boxes#151, 2019), ~60 MB "
     "(ManageIQ/manageiq-rpm_build#217, 2021, with an update in the same layer), ~80 MB "
     "(llm-d/llm-d-router#328, 2025); ~300 kB left after `dnf clean all` on UBI 8 (metal3-io/ironic-image#91)"),
    ("SL207", "gem docs, bundler, cargo, composer, conda, cpanm caches",
     "their registries (rubygems.org, crates.io, packagist.org, anaconda.org, CPAN) are not reachable from "
     "this machine (the rule says the size is unknown)"),
]


def _ground_truth_rows() -> list[str]:
    """Cache sizes the ground-truth cases measured (results.json of run.py), for the same caches."""
    results = HERE / "results.json"
    if not results.exists():
        return ["(run `python benchmarks/realbuild/run.py` first)"]
    rows = []
    for record in json.loads(results.read_text())["cases"]:
        for finding in record.get("findings", []):
            if finding["rule"] in ("SL201", "SL205", "SL206", "SL207") and finding["measured_bytes"] is not None:
                rows.append(f"| `{record['case']}` | {finding['rule']} | {finding['measured_bytes']:,} "
                            f"| {finding['measured_bytes'] / 1e6:.1f} | {finding['how']} |")
    return rows


def render(results: dict) -> str:
    from dockerlint_slim.knowledge import cache_sizes

    measures = {k: v for probe in results["probes"].values() for k, v in probe["measures"].items()}
    notes = {k: v for probe in results["probes"].values() for k, v in probe["notes"].items()}
    out = [
        "# Measured cache sizes",
        "",
        f"<!-- generated by `{COMMAND}`; do not edit by hand -->",
        f"Regenerate with `{COMMAND}` (needs podman and `debian:bookworm`; about 15 minutes on 2 cores).",
        "",
        "Every byte figure slimlint prints for a package-manager cache, where it comes from, and the measurements "
        "that check it. All builds start `FROM debian:bookworm` (the only base image these machines have). "
        "Sizes are bytes of file data (`du -sb`); MB = 10^6 bytes.",
        "",
        "## The figures the rules print",
        "",
        "From `dockerlint_slim/knowledge/cache_sizes.py` (the one place for them; measured by the probes of "
        "`benchmarks/cache_sizes/`, `python benchmarks/cache_sizes/measure.py`).",
        "",
        "| figure | bytes | MB | how it was measured |",
        "| --- | ---: | ---: | --- |",
    ]
    for name, value in cache_sizes.ALL.items():
        out.append(f"| `{name}` | {value.bytes:,} | {value.bytes / 1e6:.1f} | {value.how} |")
    out += [
        "",
        "## Measured by the ground-truth builds",
        "",
        "The same caches in the images of `benchmarks/realbuild/cases` (bytes stored under the cache folder by "
        "the layer of the finding's line; see [accuracy](../accuracy.md)). Those images are built on this "
        "machine's debootstrap `debian:bookworm` plus the official image's apt sources and settings "
        "(`benchmarks/realbuild/base/`), except the cases marked `base = \"debootstrap\"`.",
        "",
        "| case | rule | bytes | MB | measured on |",
        "| --- | --- | ---: | ---: | --- |",
        *_ground_truth_rows(),
        "",
        "## Measured by this script",
        "",
        f"Measured {results['date']} with {results['podman']}; Debian "
        f"{', '.join(notes.get('debian_version', ['?']))}. Each figure is printed by a RUN step of a real build "
        "(the probes in `benchmarks/realbuild/measure_caches.py`).",
        "",
        "| figure | rule | bytes | MB | what |",
        "| --- | --- | ---: | ---: | --- |",
    ]
    for key, rule, what in FIGURES:
        value = measures.get(key)
        shown = "not measured (probe failed)" if value is None else f"{value:,}"
        mb = "" if value is None else f"{value / 1e6:.1f}"
        out.append(f"| `{key}` | {rule} | {shown} | {mb} | {what} |")
    out += ["", "Notes from the probes:", ""]
    for key in ("pip_version",):
        for value in notes.get(key, []):
            out.append(f"- {key}: {value}")
    for package in RECOMMENDS_PACKAGES:
        key = f"recommends_{package.replace('-', '_')}_packages"
        for value in notes.get(key, []):
            out.append(f"- recommended packages `apt-get install {package}` adds: {value or '(none)'}")
    out += ["", "## Not measurable here", "", "| rule | cache | status and public figures |", "| --- | --- | --- |"]
    for rule, cache, status in NOT_MEASURED:
        out.append(f"| {rule} | {cache} | {status} |")
    failed = [name for name, probe in results["probes"].items() if not probe["ok"]]
    if failed:
        out += ["", "Probes that failed this run: " + ", ".join(failed) + " (see measured-sizes.json)."]
    out.append("")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--probe", action="append", help="only this probe (repeatable)")
    args = parser.parse_args(argv)
    podman.stop_cleanly_on_signals()
    reason = podman.unavailable_reason()
    if reason:
        print(f"measure_caches.py: {reason}", file=sys.stderr)
        return 2
    selected = probes()
    if args.probe:
        unknown = [p for p in args.probe if p not in selected]
        if unknown:
            print(f"unknown probe: {', '.join(unknown)} (known: {', '.join(selected)})", file=sys.stderr)
            return 2
        selected = {name: selected[name] for name in args.probe}
    results = {"generated_by": COMMAND, "date": time.strftime("%Y-%m-%d", time.gmtime()),
               "podman": podman.podman_version(), "base_image_id": podman.ensure_base("debootstrap").id, "probes": {}}
    for name, (dockerfile, files) in selected.items():
        print(f"probe {name} ...", file=sys.stderr, flush=True)
        results["probes"][name] = run_probe(name, dockerfile, files)
        print(f"  {results['probes'][name]['measures']}", file=sys.stderr, flush=True)
    if args.probe:
        json.dump(results, sys.stdout, indent=1)
        print()
        return 0
    RESULTS.write_text(json.dumps(results, indent=1) + "\n")
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(render(results))
    print(f"wrote {RESULTS.relative_to(ROOT)} and {REPORT.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
