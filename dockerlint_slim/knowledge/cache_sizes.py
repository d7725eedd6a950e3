"""Sizes of package-manager caches that the rules print, each with where it comes from. The one place for them.

Every figure was measured with podman builds `FROM debian:bookworm` on 2026-11-30 (the Dockerfiles are in
`benchmarks/cache_sizes/`; `python benchmarks/cache_sizes/measure.py` builds them again and prints the figures).
A figure is a measurement of one typical case, so the rules call it an estimate of the cache in the file they lint
(`properties["estimate"]` says which measurement it is). What cannot be measured here (apk and rpm indexes: no
Alpine, Fedora or RHEL mirror reachable; RubyGems, crates.io, conda, Packagist, CPAN: not reachable) is not given a
number: the rules say the size is unknown.
"""

from __future__ import annotations

from dataclasses import dataclass

from dockerlint_slim.diagnostics import format_bytes


@dataclass(frozen=True)
class Measured:
    """A cache size measured in a real build."""

    bytes: int
    what: str  # what was measured, short enough for a message: "Debian 12's lists"
    how: str  # the measurement, for the docs

    def __str__(self) -> str:
        return format_bytes(self.bytes)

    @property
    def label(self) -> str:
        """`19.0 MiB, measured for Debian 12's lists`: for messages and `properties["estimate"]`."""
        return f"{format_bytes(self.bytes)}, measured for {self.what}"


# `apt-get update` with the official images' sources and apt settings (debuerreotype's docker-gzip-indexes: lists
# kept compressed; docker-no-languages: no Translation files).
APT_LISTS_DEBIAN_12 = Measured(
    19_879_545, "Debian 12",
    "`du -sb /var/lib/apt/lists` after `apt-get update` with debian:bookworm's sources (bookworm, "
    "bookworm-updates, bookworm-security; main) and apt settings (Acquire::GzipIndexes, Acquire::Languages none)",
)
APT_LISTS_UBUNTU_24_04 = Measured(
    55_725_376, "Ubuntu 24.04",
    "`du -sb` of the lists `apt-get update` stores for ubuntu:24.04's sources (noble, noble-updates, "
    "noble-backports, noble-security; main restricted universe multiverse) with the same apt settings",
)
# Without those settings (an image built with debootstrap, not from the official one) the lists are 4x larger.
APT_LISTS_DEBIAN_12_UNCOMPRESSED = Measured(
    87_337_935, "Debian 12 with lists stored uncompressed",
    "as APT_LISTS_DEBIAN_12 on a debootstrap image without the official apt settings (lists uncompressed, "
    "Translation-en files)",
)

# Go's build cache (GOCACHE, ~/.cache/go-build) after one `go build`. Go >= 1.20 no longer ships the standard
# library precompiled, so the cache holds every standard package the program imports.
GO_BUILD_CACHE_HTTP = Measured(
    75_592_170, "a net/http program (Go 1.23)",
    "`du -sb /root/.cache/go-build` after `go build` of a 12-line net/http + encoding/json program with Go 1.23.5 "
    "(bookworm-backports golang-1.23-go)",
)
GO_BUILD_CACHE_SERVICE = Measured(
    118_840_431, "a small service (Go 1.23)",
    "as GO_BUILD_CACHE_HTTP for a program using gorilla/mux, logrus, cobra and the Prometheus client "
    "(Debian's Go source packages, GOPATH mode)",
)
# Go 1.10 to 1.19 ship the standard library precompiled in GOROOT: the cache holds the program's own packages and
# what the build environment makes it recompile, so the same program measured 3x apart in two images (below). The
# rules call that size unknown; these figures are for the docs.
GO_BUILD_CACHE_HTTP_PRECOMPILED_STD = Measured(
    1_549_363, "a net/http program (Go 1.19)",
    "as GO_BUILD_CACHE_HTTP with Debian 12's golang-go (Go 1.19.8, standard library precompiled)",
)
GO_BUILD_CACHE_HTTP_PRECOMPILED_STD_REALBUILD = Measured(
    498_269, "the same program in another image (Go 1.19)",
    "bytes the `go build` layer stores under /root/.cache/go-build in benchmarks/realbuild's go-build-cache-kept case "
    "(a net/http + encoding/json program; Debian 12's golang-go 1.19.8 installed --no-install-recommends, so no C "
    "compiler; `python benchmarks/realbuild/run.py`)",
)

# Download caches hold a copy of every archive downloaded: as large as the downloads, which depend on the packages.
# These are examples for the docs (the rules say "size unknown": the packages of a linted file are not known).
PIP_DOWNLOADS_WEB = Measured(
    1_584_435, "flask, requests and gunicorn",
    "`du -sb` of the 13 archives `pip download flask requests gunicorn` fetches (what pip's HTTP cache keeps)",
)
PIP_DOWNLOADS_DJANGO = Measured(
    15_827_791, "django, psycopg2-binary, celery and redis",
    "as PIP_DOWNLOADS_WEB for `django psycopg2-binary celery redis` (21 archives)",
)
PIP_DOWNLOADS_DATA = Measured(
    29_720_227, "numpy and pandas",
    "as PIP_DOWNLOADS_WEB for `numpy pandas` (4 archives)",
)
NPM_CACHE_WEB = Measured(
    7_800_714, "express, axios and lodash (npm 9)",
    "`du -sb /root/.npm/_cacache` after `npm install express axios lodash` with Debian 12's npm 9.2 "
    "(node_modules: 7,263,098 bytes)",
)
YARN_CACHE_WEB = Measured(
    10_565_737, "express, axios and lodash (yarn 1.22)",
    "`du -sb /usr/local/share/.cache/yarn` after `yarnpkg add express axios lodash` as root with HOME=/tmp/home "
    "(Debian 12's yarnpkg 1.22; nothing was written under $HOME)",
)

ALL = {
    name: value for name, value in globals().items() if isinstance(value, Measured)
}
