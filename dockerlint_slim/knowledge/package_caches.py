"""Caches that package managers keep in the image's file system, and how a Dockerfile keeps them out of a layer.

Measured images (`slimlint image`) use this to tell a package manager rewriting its own cache (apt's lists and
pkgcache.bin rewritten by the next `apt-get update`/`install`) from a chmod/chown rewrite: the fix differs.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PackageCache:
    directory: str  # absolute, with a trailing slash
    what: str  # for messages
    clean: str  # the command that removes it at the end of the RUN that fills it


CACHES = (
    PackageCache("/var/lib/apt/lists/", "apt's package lists", "rm -rf /var/lib/apt/lists/*"),
    PackageCache("/var/cache/apt/", "apt's package cache (pkgcache.bin, downloaded .deb files)", "apt-get clean"),
    PackageCache("/var/cache/dnf/", "dnf's metadata and package cache", "dnf clean all"),
    PackageCache("/var/cache/yum/", "yum's metadata and package cache", "yum clean all"),
    PackageCache("/var/cache/zypp/", "zypper's cache", "zypper clean --all"),
    PackageCache("/var/cache/apk/", "apk's index cache", "rm -rf /var/cache/apk/*"),
    PackageCache("/root/.cache/pip/", "pip's download cache", "pip install --no-cache-dir"),
    PackageCache("/root/.npm/", "npm's cache", "npm cache clean --force"),
    PackageCache("/usr/local/share/.cache/yarn/", "yarn's cache", "yarn cache clean"),
)


def cache_of(path: str) -> PackageCache | None:
    for cache in CACHES:
        if path.startswith(cache.directory) or path + "/" == cache.directory:
            return cache
    return None
