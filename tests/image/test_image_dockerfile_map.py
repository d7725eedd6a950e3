"""Pairing image history with Dockerfile instructions: stage lineage, ONBUILD extras, builders' spellings."""

from __future__ import annotations

import pytest
from image_synth import ImageSpec, Step, build_docker_archive, file

from dockerlint_slim.image.analyze import analyze
from dockerlint_slim.image.dockerfile_map import align
from dockerlint_slim.image.history import parse_created_by
from dockerlint_slim.parser import parse_dockerfile


def image(tmp_path, created_by: list[str]):
    steps = [Step(text, None if text.startswith(("ENV", "CMD", "ARG", "/bin/sh -c #(nop)  ENV")) else [file(f"f{n}", n + 1)])
             for n, text in enumerate(created_by)]
    return analyze(str(build_docker_archive(ImageSpec(steps), tmp_path / "i.tar"))).image


def lines(mapping, ref):
    return {number: mapping.pairs[number].span.line for number in sorted(mapping.pairs)}


def test_lineage_of_the_target_stage_only(tmp_path):
    dockerfile = parse_dockerfile(
        "FROM golang AS build\nRUN go build -o /app .\n"
        "FROM debian AS base\nRUN apt-get update\n"
        "FROM base\nCOPY --from=build /app /usr/local/bin/app\nCMD [\"app\"]\n", "Dockerfile")
    ref = image(tmp_path, ["ADD rootfs / # buildkit", "CMD [\"bash\"]",
                           "RUN /bin/sh -c apt-get update # buildkit",
                           "COPY /app /usr/local/bin/app # buildkit", 'CMD ["app"]'])
    mapping = align(dockerfile, ref)
    assert lines(mapping, ref) == {2: 4, 3: 6, 4: 7}
    assert mapping.base_layers(ref) == 1


def test_onbuild_trigger_entries_are_skipped(tmp_path):
    dockerfile = parse_dockerfile("FROM node:onbuild\nENV X=1\nRUN npm test\n", "Dockerfile")
    ref = image(tmp_path, ["ADD rootfs / # buildkit", "RUN /bin/sh -c npm install # buildkit",
                           "COPY . /usr/src/app # buildkit", "ENV X=1", "RUN /bin/sh -c npm test # buildkit"])
    mapping = align(dockerfile, ref)
    assert lines(mapping, ref) == {3: 2, 4: 3}


def test_classic_builder_spelling(tmp_path):
    dockerfile = parse_dockerfile("FROM debian\nWORKDIR /srv\nCOPY conf/ ./conf/\nRUN make \\\n    install\n",
                                  "Dockerfile")
    ref = image(tmp_path, ["/bin/sh -c #(nop) ADD file:0123 in / ", "/bin/sh -c #(nop) WORKDIR /srv",
                           "/bin/sh -c #(nop) COPY dir:4567 in ./conf/ ", "/bin/sh -c make     install"])
    mapping = align(dockerfile, ref)
    assert lines(mapping, ref) == {1: 2, 2: 3, 3: 4}
    assert mapping.similarity[2] == pytest.approx(0.9)  # only the destination can be compared
    assert mapping.similarity[3] == 1.0


@pytest.mark.parametrize("created_by,keyword,arguments", [
    ("RUN |2 A=1 B=2 /bin/sh -c make # buildkit", "RUN", "make"),
    ("/bin/sh -c #(nop)  HEALTHCHECK &{[\"CMD\" \"true\"] \"30s\"}", "HEALTHCHECK", "&{[\"CMD\" \"true\"] \"30s\"}"),
    ("SHELL [\"/bin/bash\" \"-c\"]", "SHELL", '["/bin/bash", "-c"]'),
    ("USER app", "USER", "app"),
    ("# debian.sh --arch amd64", "", "# debian.sh --arch amd64"),
])
def test_created_by_spellings(created_by, keyword, arguments):
    parsed = parse_created_by(created_by)
    assert (parsed.keyword, parsed.arguments) == (keyword, arguments)


def test_long_history_aligns_quickly():
    """150 long RUNs against 550 history entries: an edit-distance comparison of every pair took 100 s here."""
    import random
    import time

    from dockerlint_slim.image.archive import HistoryEntry, ImageRef

    rng = random.Random(3)
    words = ["apt-get", "install", "-y", "curl", "make", "pip", "npm", "rm", "-rf", "/tmp/*", "&&", "echo", "cd"]
    commands = [" ".join(rng.choice(words) for _ in range(rng.randint(20, 150))) for _ in range(150)]
    dockerfile = parse_dockerfile("FROM x\n" + "".join(f"RUN {c}\n" for c in commands), "Dockerfile")
    history = [HistoryEntry(f"RUN /bin/sh -c {' '.join(rng.choice(words) for _ in range(60))} # buildkit", False)
               for _ in range(400)]
    history += [HistoryEntry(f"RUN /bin/sh -c {c} # buildkit", False) for c in commands]
    ref = ImageRef("x.tar", "docker-archive", [], "", {}, [], history)
    start = time.perf_counter()
    mapping = align(dockerfile, ref)
    assert time.perf_counter() - start < 20
    assert sorted(mapping.pairs) == list(range(400, 550))
    assert set(mapping.similarity.values()) == {1.0}
    assert mapping.first_user_history == 400
