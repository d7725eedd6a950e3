"""Benchmark `slimlint image` against `dive --ci` on a synthetic image of ~1 GB (uncompressed).

The image is generated on the fly in a temporary folder (file data is zeros, written as a stream): 8 layers with
~60k small files (a node_modules-like tree), a few big files, rewrites, file and directory deletions and an
opaque directory. Each tool runs in its own child process; time is wall clock, memory is the child's peak RSS
(resource.getrusage(RUSAGE_CHILDREN).ru_maxrss, read in a fresh wrapper process per run so runs do not mix);
CPU time (user + system) is reported too, as it is steadier than wall time on a shared machine. The best of
--runs runs (by CPU time) is kept.

    python benchmarks/bench_image.py [--gb 1.0] [--layouts docker,oci,oci-gzip] [--runs 1] [--json out.json]
        [--code OTHER_CHECKOUT] [--no-dive] [--extra-layers 72] [--without-isal]

Layouts: docker (legacy `docker save`), oci, oci-gzip (gzip layers, zero-filled files), oci-gzip-text (gzip
layers, text-like files), docker-gz (`docker save | gzip`, text-like files, members in the order the legacy
`docker save` writes them: by layer id, manifest last). `--code DIR` measures the slimlint source in another
checkout (before/after comparisons); `--without-isal` measures the zlib fallback. The last lines are a Markdown
table to paste.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "image"))

from image_synth import (
    ImageSpec,
    Step,
    build_docker_archive,
    build_oci_archive,
    directory,
    file,
    opaque,
    set_fill,
    whiteout,
)

MIB = 1024 * 1024

_MEASURE = """
import resource, subprocess, sys, time, json
start = time.perf_counter()
done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
elapsed = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"seconds": elapsed, "cpu_seconds": usage.ru_utime + usage.ru_stime,
                  "peak_mib": usage.ru_maxrss / 1024, "exit": done.returncode,
                  "stderr": done.stderr.decode(errors="replace")[-500:]}))
"""


def make_spec(total_bytes: int, extra_layers: int = 0) -> ImageSpec:
    """Layers adding up to `total_bytes` of file data, with every kind of waste (and `extra_layers` small RUN
    layers of 100 files each, for images with many layers)."""
    big = total_bytes // 8
    small_files = 60_000
    small = 2048

    def tree(prefix: str, count: int, size: int) -> list:
        entries = [directory(prefix)]
        for package in range(count // 50):
            folder = f"{prefix}/pkg{package:04d}"
            entries.append(directory(folder))
            entries += [file(f"{folder}/f{i:02d}.js", size) for i in range(50)]
        return entries

    rest = total_bytes - 5 * big - small_files * small
    return ImageSpec([
        Step("ADD rootfs / # buildkit", [directory("usr"), directory("usr/lib"), file("usr/lib/base.so", big)]
             + tree("usr/share", 10_000, small)),
        Step("ENV NODE_ENV=production", None),
        Step("RUN /bin/sh -c apt-get update && apt-get install -y build-essential # buildkit",
             [directory("var"), directory("var/cache"), file("var/cache/apt.bin", big), directory("opt"),
              file("opt/toolchain.tar", big)]),
        Step("COPY . /app # buildkit", tree("app", 40_000, small) + [file("app/bundle.bin", big)]),
        Step("RUN /bin/sh -c npm ci # buildkit", tree("app/node_modules", 10_000, small)),
        Step("RUN /bin/sh -c chmod -R a+r /app/bundle.bin # buildkit", [directory("app"),
                                                                      file("app/bundle.bin", big)]),
        Step("RUN /bin/sh -c rm -rf /var/cache /opt/toolchain.tar /usr/share && rm -rf /app/node_modules/* # buildkit",
             [whiteout("var/cache"), directory("opt"), whiteout("opt/toolchain.tar"), whiteout("usr/share"),
              directory("app"), directory("app/node_modules"), opaque("app/node_modules")]),
        Step("RUN /bin/sh -c make # buildkit", [directory("srv"), file("srv/data.bin", max(rest, MIB))]),
        *[Step(f"RUN /bin/sh -c step {n} # buildkit", [directory(f"srv/s{n}")]
               + [file(f"srv/s{n}/f{i}", 4096) for i in range(100)]) for n in range(extra_layers)],
        Step('CMD ["node" "app.js"]', None),
    ])


def _sort_members(archive: Path) -> None:
    """Members in name order, manifest.json last, as the legacy `docker save` writes them: the layers' folders are
    named by layer id, so their order in the archive is not the image's layer order."""
    import tarfile

    sorted_path = archive.with_suffix(".sorted")
    with tarfile.open(archive) as src, tarfile.open(sorted_path, "w") as dst:
        members = sorted(src.getmembers(), key=lambda info: (info.name == "manifest.json", info.name))
        for info in members:
            dst.addfile(info, src.extractfile(info) if info.isfile() else None)
    sorted_path.replace(archive)


def measure(command: list[str], env: dict | None = None) -> dict:
    out = subprocess.run([sys.executable, "-c", _MEASURE, *command], capture_output=True, text=True, check=True,
                         env=env)
    return json.loads(out.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gb", type=float, default=1.0, help="uncompressed file data in the image (GB, 10^9)")
    parser.add_argument("--layouts", default="docker,oci,oci-gzip,oci-gzip-text",
                        help="docker, oci, oci-gzip (zero-filled files), oci-gzip-text (text-like files)")
    parser.add_argument("--extra-layers", type=int, default=0, help="small RUN layers added (many-layer images)")
    parser.add_argument("--runs", type=int, default=1, help="runs per tool and layout (the best is kept)")
    parser.add_argument("--workdir", help="where to write the image (default: a temporary folder)")
    parser.add_argument("--json", help="write the results to this file")
    parser.add_argument("--code", help="run the slimlint source of this checkout (default: this one)")
    parser.add_argument("--no-dive", action="store_true", help="do not run dive")
    parser.add_argument("--without-isal", action="store_true",
                        help="measure the zlib fallback (hide the isal package from slimlint)")
    args = parser.parse_args()
    env = dict(os.environ, PYTHONPATH=str(Path(args.code).resolve() if args.code else ROOT))
    hidden = tempfile.TemporaryDirectory()
    if args.without_isal:
        (Path(hidden.name) / "isal").mkdir()
        (Path(hidden.name) / "isal" / "__init__.py").write_text("raise ImportError('hidden by the benchmark')\n")
        env["PYTHONPATH"] = hidden.name + os.pathsep + env["PYTHONPATH"]

    dive = shutil.which("dive")
    spec = make_spec(int(args.gb * 1e9), args.extra_layers)
    results = []
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        for layout in args.layouts.split(","):
            archive = Path(tmp) / f"bench-{layout}.tar"
            start = time.perf_counter()
            if layout == "docker":
                build_docker_archive(spec, archive)
            elif layout == "oci":
                build_oci_archive(spec, archive)
            elif layout in ("oci-gzip", "oci-gzip-text"):
                set_fill("text" if layout.endswith("text") else "zeros")
                build_oci_archive(spec, archive, compression="gzip")
                set_fill("zeros")
            elif layout == "docker-gz":
                set_fill("text")
                plain = Path(tmp) / "plain.tar"
                build_docker_archive(spec, plain)
                set_fill("zeros")
                _sort_members(plain)
                with open(plain, "rb") as src, gzip.open(archive, "wb", compresslevel=6) as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
                plain.unlink()
            else:
                raise SystemExit(f"unknown layout {layout}")
            built = time.perf_counter() - start
            row = {"layout": layout, "archive_bytes": archive.stat().st_size, "build_seconds": built}
            ours_cmd = [sys.executable, "-m", "dockerlint_slim", "image", str(archive), "--format", "json"]
            row["slimlint"] = min((measure(ours_cmd, env) for _ in range(args.runs)), key=lambda r: r["cpu_seconds"])
            report = json.loads(subprocess.run(ours_cmd, capture_output=True, text=True, check=False, env=env).stdout)
            row["image_bytes"] = report["image_bytes"]
            row["wasted_bytes"] = report["wasted_bytes"]
            row["efficiency"] = report["efficiency"]
            if dive and not args.no_dive:
                dive_cmd = [dive, "--source", "docker-archive", str(archive), "--ci"]
                row["dive"] = min((measure(dive_cmd) for _ in range(args.runs)), key=lambda r: r["cpu_seconds"])
            results.append(row)
            archive.unlink()
            print(_line(row), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    print()
    print(_table(results))
    return 0


def _table(results: list[dict]) -> str:
    rows = ["| layout | archive | image | slimlint wall / CPU / peak RSS | `dive --ci` wall / CPU / peak RSS |",
            "| --- | --- | --- | --- | --- |"]
    for row in results:
        ours = row["slimlint"]
        dive = row.get("dive")
        rows.append(f"| {row['layout']} | {row['archive_bytes'] / 1e9:.2f} GB | {row['image_bytes'] / 1e9:.2f} GB | "
                    f"{ours['seconds']:.2f} s / {ours['cpu_seconds']:.2f} s / {ours['peak_mib']:.0f} MiB | "
                    + (f"{dive['seconds']:.2f} s / {dive['cpu_seconds']:.2f} s / {dive['peak_mib']:.0f} MiB |"
                       if dive else "not run |"))
    return "\n".join(rows)


def _line(row: dict) -> str:
    ours = row["slimlint"]
    text = (f"{row['layout']:>9}: archive {row['archive_bytes'] / 1e9:.2f} GB, image {row['image_bytes'] / 1e9:.2f} GB, "
            f"efficiency {row['efficiency']:.3f}, wasted {row['wasted_bytes'] / 1e6:.0f} MB | slimlint "
            f"{ours['seconds']:.2f} s wall, {ours['cpu_seconds']:.2f} s CPU, {ours['peak_mib']:.0f} MiB (exit {ours['exit']})")
    if "dive" in row:
        dive = row["dive"]
        text += (f" | dive --ci {dive['seconds']:.2f} s wall, {dive['cpu_seconds']:.2f} s CPU, {dive['peak_mib']:.0f} MiB "
                 f"(exit {dive['exit']})")
    return text


if __name__ == "__main__":
    os.environ.setdefault("PYTHONPATH", str(ROOT))
    raise SystemExit(main())
