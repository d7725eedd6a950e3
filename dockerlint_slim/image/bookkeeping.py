"""Files that package managers and system tools rewrite on every install: the old copy is waste, but no
Dockerfile change avoids it (every `apt-get install` rewrites /var/lib/dpkg/status, every `useradd` /etc/passwd).
Overwriting them is counted in the figures but never blamed on a line (SL601 precision); deleting them is."""

from __future__ import annotations

EXACT = frozenset({
    "/var/lib/dpkg/status", "/var/lib/dpkg/status-old", "/var/lib/dpkg/available", "/var/lib/dpkg/available-old",
    "/var/lib/dpkg/diversions", "/var/lib/dpkg/diversions-old", "/var/lib/dpkg/statoverride",
    "/var/lib/dpkg/statoverride-old", "/var/lib/apt/extended_states", "/etc/ld.so.cache",
    "/var/cache/ldconfig/aux-cache", "/etc/passwd", "/etc/passwd-", "/etc/group", "/etc/group-", "/etc/shadow",
    "/etc/shadow-", "/etc/gshadow", "/etc/gshadow-", "/etc/subuid", "/etc/subuid-", "/etc/subgid", "/etc/subgid-",
    "/etc/shells", "/lib/apk/db/installed", "/lib/apk/db/scripts.tar", "/lib/apk/db/triggers", "/etc/apk/world",
    "/usr/share/info/dir", "/etc/ssl/certs/ca-certificates.crt", "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
})
PREFIXES = (
    "/var/cache/debconf/", "/var/lib/dpkg/info/", "/var/lib/dpkg/triggers/", "/var/lib/rpm/",
    "/usr/lib/sysimage/rpm/", "/var/lib/yum/", "/var/lib/dnf/", "/var/log/", "/var/lib/pam/", "/var/lib/systemd/",
    "/usr/share/mime/", "/etc/ssl/certs/java/cacerts",
)


def is_bookkeeping(path: str) -> bool:
    return path in EXACT or path.startswith(PREFIXES)
