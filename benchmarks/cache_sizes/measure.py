"""Build the cache-size probes with podman and print what they measure.

    python benchmarks/cache_sizes/measure.py [NAME...]     # apt-lists, apt-lists-ubuntu, go, pip, node

Each `Dockerfile.<name>` here starts `FROM debian:bookworm` (the only base image this project's machines have) and
prints `MEASURE <figure> <bytes>` lines; `knowledge/cache_sizes.py` keeps the figures (names in capitals) with
how each was measured. `advice-*` lines check that a rule's advice, applied as written, builds. Needs podman and
the network (Debian's, Ubuntu's, PyPI's and npm's archives).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
MEASURE = re.compile(r"^MEASURE (\S+) (\d*)", re.M)


def build(name: str) -> dict[str, int | None]:
    """The MEASURE lines of one probe's build log (the build fails loudly: a probe that does not build measures
    nothing)."""
    proc = subprocess.run(
        ["podman", "build", "--isolation", "chroot", "--network", "host", "--pull=never", "--layers=false",
         "--no-cache", "-f", str(HERE / f"Dockerfile.{name}"), str(HERE)],
        capture_output=True, text=True, check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"{name}: build failed\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
    return {key: int(value) if value else None for key, value in MEASURE.findall(proc.stdout)}


def main(argv: list[str]) -> int:
    names = argv or sorted(p.name.split(".", 1)[1] for p in HERE.glob("Dockerfile.*"))
    for name in names:
        for key, value in build(name).items():
            print(f"{name}\t{key}\t{value}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
