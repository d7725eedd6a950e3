"""What it does
Measured on a built image (`slimlint image IMAGE.tar --dockerfile Dockerfile`): flags the Dockerfile instruction
whose layer stores bytes that a later layer deletes or overwrites, and the instruction that deletes bytes the base
image (or an earlier instruction) stored. The message names the directories and files, the bytes, and the line
on the other side (who stored, who deleted).

Why is this bad?
A layer is immutable: `rm` in a later `RUN` only hides the files, every byte is still downloaded and stored.
The same holds for a file rewritten by a later layer (`chmod`, `chown`, a config edited in place): the old copy
stays in the image. dive shows that the image wastes space; this rule shows which line to change.

Example
```dockerfile
FROM debian:12
RUN apt-get update && apt-get install -y build-essential
COPY . /src
RUN make -C /src && rm -rf /src /var/lib/apt/lists/*
```

Use instead
```dockerfile
FROM debian:12 AS build
RUN apt-get update && apt-get install -y build-essential && rm -rf /var/lib/apt/lists/*
COPY . /src
RUN make -C /src

FROM debian:12-slim
COPY --from=build /src/out/app /usr/local/bin/app
```
Delete files in the same `RUN` that creates them, use `RUN --mount=type=cache` for package caches, `COPY --chown`
/`--chmod` instead of a later `chown`/`chmod`, and a multi-stage build for build-only files.

Findings below `--min-waste` (1 MiB by default) are not reported: small rewrites of `/etc` files by package
managers are normal.
"""

ID = "SL601"
NAME = "image-layer-waste"
SEVERITY = "warning"
SUMMARY = "This instruction's layer stores bytes a later layer deletes or overwrites (measured on the built image)"
TAGS = ("layers", "image")
NEEDS = frozenset({"image"})  # the static engine skips it: findings come from `slimlint image --dockerfile`


def check(target):
    """Static lint cannot see the built layers; `dockerlint_slim.image.dockerfile_map` produces the findings."""
    return ()
