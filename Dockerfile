# slimlint's own image: `docker build -t slimlint .`, then `docker run --rm -v "$PWD:/src" slimlint Dockerfile`
# lints the Dockerfile of the current folder (any slimlint arguments work: `... slimlint . --context .`).
#
# Two stages: the build stage installs slimlint and its dependencies into a virtual environment with pip; the final
# stage holds Debian's Python and that environment (without pip: nothing is installed at run time), and runs as an
# unprivileged user. BASE is the Debian image of both stages (the same Python at the same path, which the
# environment's links point to).
ARG BASE=debian:bookworm-slim

FROM ${BASE} AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 python3-venv \
 && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml README.md LICENSE /src/
COPY dockerlint_slim /src/dockerlint_slim
COPY rules /src/rules
RUN python3 -m venv /opt/slimlint \
 && /opt/slimlint/bin/pip install --no-cache-dir --disable-pip-version-check /src \
 && /opt/slimlint/bin/pip uninstall --yes --disable-pip-version-check pip setuptools

FROM ${BASE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /opt/slimlint /opt/slimlint
USER 65532:65532
WORKDIR /src
ENTRYPOINT ["/opt/slimlint/bin/slimlint"]
CMD ["--help"]
