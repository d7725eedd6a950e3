#!/usr/bin/env python3
"""Check slimlint's offline recommends prediction against real `apt-get install` builds.

    python3 scripts/check_debian_recommends.py            # needs podman and a local debian:bookworm image
    python3 scripts/check_debian_recommends.py curl "git wget"

For each package set it builds two images FROM debian:bookworm with podman, one RUN each:
`apt-get update && apt-get install -y [--no-install-recommends] SET && rm -rf /var/lib/apt/lists/*`, followed in
the same RUN by `dpkg-query -W` (printed to the build log). The packages the first image has and the second has
not are what recommends brought in; the difference of the two image sizes (`podman image inspect`) is what they
cost in the layer. Both are compared with `dockerlint_slim.knowledge.debian_packages.recommends_cost` and the
table is written to docs/data/debian-recommends-check.md.
"""

from __future__ import annotations

import argparse
import datetime
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dockerlint_slim.knowledge import debian_packages  # noqa: E402

SUITE = "bookworm"
BASE_IMAGE = "debian:bookworm"
DEFAULT_SETS = (
    "curl",
    "git",
    "python3-pip",
    "build-essential",
    "ca-certificates",
    "wget",
    "gnupg",
    "openjdk-17-jre-headless",
    "jq",
    "nginx",
)
REPORT = ROOT / "docs/data/debian-recommends-check.md"
BEGIN, END = "=== installed packages", "=== end of installed packages"

DOCKERFILE = """FROM {base}
RUN export DEBIAN_FRONTEND=noninteractive \\
 && apt-get update -qq \\
 && apt-get install -y -qq {flag}{packages} >/dev/null \\
 && rm -rf /var/lib/apt/lists/* \\
 && echo '{begin}' && dpkg-query -W -f '${{Package}} ${{Installed-Size}}\\n' && echo '{end}'
"""


def build(packages: str, recommends: bool, workdir: Path, tag: str) -> tuple[dict[str, int], int]:
    """Build one image; its installed packages (name -> Installed-Size KiB) and its size in bytes."""
    (workdir / "Dockerfile").write_text(
        DOCKERFILE.format(
            base=BASE_IMAGE,
            flag="" if recommends else "--no-install-recommends ",
            packages=packages,
            begin=BEGIN,
            end=END,
        )
    )
    command = ["podman", "build", "--isolation", "chroot", "--network", "host", "--pull=never", "--no-cache",
               "-t", tag, str(workdir)]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"error: building {tag} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    lines = result.stdout.splitlines()
    listed = lines[lines.index(BEGIN) + 1 : lines.index(END)]
    installed = {}
    for line in listed:
        name, _, size = line.partition(" ")
        installed[name] = int(size or 0)
    size = subprocess.run(["podman", "image", "inspect", "--format", "{{.Size}}", tag],
                          capture_output=True, text=True, check=True).stdout.strip()
    subprocess.run(["podman", "rmi", "-f", tag], capture_output=True)
    return installed, int(size)


def mb(number: float) -> str:
    return f"{number / 1e6:.2f}".replace("-0.00", "0.00")  # two images a few bytes apart


def check(sets: list[str], output: Path) -> list[dict]:
    """Build and compare every set; the report is rewritten after each one, so a long run that stops keeps what it
    measured."""
    rows = []
    with tempfile.TemporaryDirectory(prefix="slimlint-recommends-") as tmp:
        for index, packages in enumerate(sets):
            print(f"[{index + 1}/{len(sets)}] {packages}", file=sys.stderr, flush=True)
            with_recommends, size_with = build(packages, True, Path(tmp), f"slimlint-check-recommends-{os.getpid()}")
            without, size_without = build(packages, False, Path(tmp), f"slimlint-check-norecommends-{os.getpid()}")
            measured = sorted(set(with_recommends) - set(without))
            cost = debian_packages.recommends_cost(SUITE, packages.split())
            predicted = sorted(cost.names) if cost else None
            rows.append(
                {
                    "packages": packages,
                    "measured": measured,
                    "predicted": predicted,
                    "measured_installed_bytes": sum(with_recommends[n] for n in measured) * 1024,
                    "predicted_bytes": cost.total_bytes if cost else None,
                    "layer_delta": size_with - size_without,
                    "also_removed": sorted(set(without) - set(with_recommends)),
                }
            )
            output.write_text(report(rows))
    return rows


def report(rows: list[dict]) -> str:
    source = debian_packages.source(SUITE) or {}
    podman = subprocess.run(["podman", "--version"], capture_output=True, text=True).stdout.strip()
    exact = sum(1 for r in rows if r["predicted"] == r["measured"])
    lines = [
        "# SL202 recommends prediction vs real builds",
        "",
        "Generated by `scripts/check_debian_recommends.py` (rerun it to refresh this page). For each package set two",
        f"images are built FROM `{BASE_IMAGE}` with {podman}: `apt-get install -y SET` and",
        "`apt-get install -y --no-install-recommends SET`, each RUN ending with `rm -rf /var/lib/apt/lists/*`.",
        "*Measured* packages are those the first image has and the second has not (`dpkg-query -W` in the RUN);",
        "*layer delta* is the difference of the two image sizes (`podman image inspect --format '{{.Size}}'`).",
        "*Predicted* is `dockerlint_slim.knowledge.debian_packages.recommends_cost` on the shipped table",
        f"(Debian {source.get('version', '?')} {SUITE}, Release file of {source.get('date', '?')}).",
        "",
        f"Built on {datetime.date.today().isoformat()}. Package lists identical: {exact} of {len(rows)} sets.",
        "",
        "| packages | predicted extra packages | measured extra packages | lists match | predicted MB "
        "(Installed-Size) | measured Installed-Size MB | layer delta MB | layer / predicted |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        predicted = r["predicted"]
        match = "yes" if predicted == r["measured"] else "no"
        ratio = (f"{r['layer_delta'] / r['predicted_bytes']:.2f}" if r["predicted_bytes"] else "-")
        lines.append(
            f"| `{r['packages']}` | {'unknown' if predicted is None else len(predicted)} | {len(r['measured'])} "
            f"| {match} | {'-' if r['predicted_bytes'] is None else mb(r['predicted_bytes'])} "
            f"| {mb(r['measured_installed_bytes'])} | {mb(r['layer_delta'])} | {ratio} |"
        )
    ratios = sorted(r["layer_delta"] / r["predicted_bytes"] for r in rows if r["predicted_bytes"])
    if ratios:
        lines += [
            "",
            f"Layer delta / predicted Installed-Size over the sets with extra packages: min {ratios[0]:.2f}, "
            f"median {statistics.median(ratios):.2f}, max {ratios[-1]:.2f}. Installed-Size is dpkg's estimate of a "
            "package's unpacked files; the layer also holds what maintainer scripts create (ca-certificates builds "
            "/etc/ssl/certs: the sets that pull it in, curl and wget, differ most), dpkg's records under "
            "/var/lib/dpkg, and the tar format's header and padding for every file. The predicted figure is "
            "therefore an estimate, usually a little below the layer.",
        ]
    lines += ["", "## Differences and package lists", ""]
    for r in rows:
        predicted = set(r["predicted"] or ())
        measured = set(r["measured"])
        lines.append(f"- `{r['packages']}`: {', '.join(r['measured']) or 'no extra package'}")
        if predicted - measured:
            lines.append(f"  - predicted, not installed: {', '.join(sorted(predicted - measured))}")
        if measured - predicted:
            lines.append(f"  - installed, not predicted: {', '.join(sorted(measured - predicted))}")
        if r["also_removed"]:
            lines.append(f"  - only without recommends: {', '.join(r['also_removed'])}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sets", nargs="*", help="package sets, one argument each (default: a dozen common ones)")
    parser.add_argument("--output", type=Path, default=REPORT)
    args = parser.parse_args(argv)
    if shutil.which("podman") is None:
        print("error: podman is not installed (see the real-build setup script)", file=sys.stderr)
        return 2
    if subprocess.run(["podman", "image", "exists", BASE_IMAGE]).returncode != 0:
        print(f"error: no local {BASE_IMAGE} image (see the real-build setup script)", file=sys.stderr)
        return 2
    args.output.parent.mkdir(parents=True, exist_ok=True)
    rows = check(args.sets or list(DEFAULT_SETS), args.output)
    print(f"wrote {args.output}", file=sys.stderr)
    return 0 if all(r["predicted"] == r["measured"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
