#!/usr/bin/env python3
"""Write the build context's large file: a stand-in for the MySQL release tarball this example copies in.

    python3 make-tarball.py        # writes mysql-8.0.36-linux-glibc2.28-x86_64.tar (48 MiB) beside this script

It holds 12 files of random bytes (they do not compress, like the binaries of the real release) under the folder
name of the real tarball, so the example lints, builds and measures the same way without downloading MySQL and
without a large file in the repository. The output is the same bytes on every run (fixed seed, fixed metadata).
"""

from __future__ import annotations

import io
import random
import sys
import tarfile
from pathlib import Path

NAME = "mysql-8.0.36-linux-glibc2.28-x86_64"
TOTAL_BYTES = 48 * 1024 * 1024
MEMBERS = ("bin/mysqld", "bin/mysql", "bin/mysqldump", "bin/mysqladmin", "bin/mysqlbinlog", "bin/mysql_upgrade",
           "lib/libmysqlclient.so.21", "lib/libprotobuf-lite.so.3.19.4", "lib/plugin/group_replication.so",
           "lib/plugin/keyring_file.so", "share/english/errmsg.sys", "docs/INFO_BIN")
SEED = 3501


def tarball() -> bytes:
    buffer = io.BytesIO()
    size, extra = divmod(TOTAL_BYTES, len(MEMBERS))
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for index, member in enumerate(MEMBERS):
            data = random.Random(SEED + index).randbytes(size + (extra if index == 0 else 0))
            info = tarfile.TarInfo(f"{NAME}/{member}")
            info.size, info.mtime, info.mode = len(data), 0, 0o755 if member.startswith("bin/") else 0o644
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def main() -> int:
    target = Path(__file__).resolve().parent / f"{NAME}.tar"
    target.write_bytes(tarball())
    print(f"wrote {target.name} ({target.stat().st_size / 2**20:.1f} MiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
