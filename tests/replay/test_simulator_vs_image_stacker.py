"""Cross-check: the static replay against the layer stacking of `slimlint image` (dive's accounting).

For each scenario the test writes down, by hand, the layers BuildKit produces for the Dockerfile (what each
COPY adds, the whiteouts a RUN `rm` leaves, the files a `chown -R` or `mv` stores again), feeds them to the image
analyser's Stacker, and checks that the prediction made before the build gives the same waste and efficiency.
Content whose size slimlint cannot know (what `tar -x` extracts) is left out of both sides.
"""

from __future__ import annotations

import pytest

from dockerlint_slim.image.stack import Stacker
from dockerlint_slim.image.tar_stream import FILE, WHITEOUT, Entry
from dockerlint_slim.replay.simulator import build_layer_model
from tests.context.helpers import KiB, MiB, dockerfile, make_context, scan

CONTEXT = {
    "big.tar.gz": 50 * MiB,
    "package.json": 1000,
    "app/main.js": 2 * MiB,
    "app/util.js": 300 * KiB,
    "app/logs/a.log": 3 * MiB,
    "app/logs/b.log": 1 * MiB,
    "node_modules/react/index.js": 7 * MiB,
    "node_modules/react/package.json": 2 * KiB,
}


def f(path: str, size: int) -> Entry:
    return Entry(path, FILE, size)


def gone(path: str) -> Entry:
    return Entry(path, WHITEOUT)


SCENARIOS = {
    "copy then extract and delete": (
        """
        FROM debian
        COPY big.tar.gz /tmp/
        RUN tar -xzf /tmp/big.tar.gz -C /opt && rm /tmp/big.tar.gz
        """,
        [[f("/tmp/big.tar.gz", 50 * MiB)], [gone("/tmp/big.tar.gz")]],
    ),
    "chown -R stores the folder again": (
        """
        FROM debian
        COPY app /srv/app/
        RUN chown -R www-data /srv/app
        """,
        [
            [f("/srv/app/main.js", 2 * MiB), f("/srv/app/util.js", 300 * KiB), f("/srv/app/logs/a.log", 3 * MiB),
             f("/srv/app/logs/b.log", 1 * MiB)],
            [f("/srv/app/main.js", 2 * MiB), f("/srv/app/util.js", 300 * KiB), f("/srv/app/logs/a.log", 3 * MiB),
             f("/srv/app/logs/b.log", 1 * MiB)],
        ],
    ),
    "package.json twice, node_modules removed later": (
        """
        FROM node:20-slim
        WORKDIR /app
        COPY package.json ./
        COPY . .
        RUN rm -rf node_modules app/logs/*.log
        """,
        [
            [f("/app/package.json", 1000)],
            [f("/app/big.tar.gz", 50 * MiB), f("/app/package.json", 1000), f("/app/app/main.js", 2 * MiB),
             f("/app/app/util.js", 300 * KiB), f("/app/app/logs/a.log", 3 * MiB), f("/app/app/logs/b.log", 1 * MiB),
             f("/app/node_modules/react/index.js", 7 * MiB), f("/app/node_modules/react/package.json", 2 * KiB)],
            [gone("/app/node_modules"), gone("/app/app/logs/a.log"), gone("/app/app/logs/b.log")],
        ],
    ),
    "mv, sed -i and a later overwrite": (
        """
        FROM debian
        COPY big.tar.gz package.json /data/
        RUN mv /data/big.tar.gz /archive.tgz && sed -i 's/1/2/' /data/package.json
        COPY package.json /data/package.json
        """,
        [
            [f("/data/big.tar.gz", 50 * MiB), f("/data/package.json", 1000)],
            [gone("/data/big.tar.gz"), f("/archive.tgz", 50 * MiB), f("/data/package.json", 1000)],
            [f("/data/package.json", 1000)],
        ],
    ),
}


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_prediction_matches_layer_stacking(tmp_path, name) -> None:
    text, layers = SCENARIOS[name]
    predicted = build_layer_model(dockerfile(text), scan(make_context(tmp_path, CONTEXT)))
    stacker = Stacker()
    for entries in layers:
        stacker.add_layer(entries)
    actual = stacker.result()
    assert predicted.stored_bytes == actual.image_bytes
    assert predicted.wasted_bytes == actual.wasted_bytes
    assert predicted.efficiency == pytest.approx(actual.efficiency, abs=1e-9)
