"""The file names that hold Dockerfiles (what `slimlint DIR` lints, what a build context may share)."""

from __future__ import annotations


def is_dockerfile_name(name: str) -> bool:
    lower = name.lower()
    if lower.endswith(".dockerignore"):  # Dockerfile.dockerignore: BuildKit's per-Dockerfile ignore file
        return False
    # The core issue's list: `Dockerfile`, `Dockerfile.*`, `*.dockerfile`, `Containerfile*` (so `Containerfile-dev`
    # too, as Podman users name them), plus `*.containerfile`.
    return (
        lower == "dockerfile"
        or lower.startswith(("dockerfile.", "containerfile"))
        or lower.endswith(".dockerfile")
        or lower.endswith(".containerfile")
    )
