"""dockerlint_slim.knowledge.official_tags: which official image tags exist, are current, and their variants."""

import gzip
import json
import subprocess
import sys

import pytest

from dockerlint_slim.knowledge import official_tags
from dockerlint_slim.knowledge.official_tags import (
    DATA_FILE,
    TagShape,
    aliases,
    decode_tags,
    encode_tags,
    jre_tags,
    known_repository,
    notice_alternatives,
    tag_exists,
    tag_is_current,
    tag_shape,
    variant,
    variants,
)
from tests.paths import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import gen_official_tags  # noqa: E402

# ---------------------------------------------------------------------------------------------------------------
# The shipped table


def test_table_names_its_source_and_is_small():
    source = official_tags.source()["official_images"]
    assert len(source["commit"]) == 40 and source["date"][:4].isdigit()
    assert source["history"] is True  # built from the whole history, not only the current files
    assert source["url"] == "https://github.com/docker-library/official-images"
    assert DATA_FILE.stat().st_size < 400_000


def test_table_holds_current_and_removed_repositories():
    names = official_tags.repositories()
    assert {"python", "node", "nginx", "debian", "eclipse-temurin", "openjdk"} <= set(names)
    # Library files deleted long ago still count: their tags stay pullable.
    assert {"java", "centos", "iojs"} <= set(names)
    assert not any(tag_is_current("java", tag) for tag in ("8", "8-jdk", "latest"))
    assert tag_exists("java", "8-jdk") is True


@pytest.mark.parametrize("name,tag", [
    ("python", "3.12-slim-bookworm"),
    ("python", "3.8-slim-buster"),  # dropped from the library file years ago, still pinned in the wild
    ("node", "14-alpine"),
    ("openjdk", "11-jdk-slim"),
    ("openjdk", "8-jdk-alpine"),
    ("golang", "1.16-alpine"),
    ("nginx", "1.25-alpine-perl"),
    ("perl", "5.38-slim-threaded"),
    ("debian", "bookworm-backports"),
    ("debian", "bookworm-slim"),
    ("eclipse-temurin", "21-jre-alpine"),
    ("ubuntu", "22.04"),
    ("python", "2.7.7"),  # from the old line-based format of 2014
    ("docker-dev", "v0.6.7"),  # a repository removed in 2015
    ("alpine", "latest"),
])
def test_real_tags_exist(name, tag):
    assert tag_exists(name, tag) is True


@pytest.mark.parametrize("name,tag", [
    ("nginx", "1.25-perl-alpine"),  # the order string manipulation used to produce
    ("perl", "5.38-threaded-slim"),
    ("debian", "bookworm-backports-slim"),
    ("python", "3.13-slim-buster"),  # buster was gone before 3.13
    ("python", "3.12-slim-jammy"),
    ("node", "14-alpine-slim"),
    ("eclipse-temurin", "11-jre-stretch"),
    ("python", "3.12-SLIM"),  # tags are case-sensitive
])
def test_made_up_tags_do_not_exist(name, tag):
    assert tag_exists(name, tag) is False


@pytest.mark.parametrize("name,tag,current", [
    ("python", "3.8-slim-buster", False),
    ("openjdk", "11-jdk-slim", False),
    ("node", "14-alpine", False),
    ("python", "latest", True),
    ("debian", "bookworm-slim", True),
    ("eclipse-temurin", "21-jre", True),
])
def test_current_or_past(name, tag, current):
    assert tag_is_current(name, tag) is current


# Template placeholders, and `-h2`, a typo once committed to geonetwork's library file.
@pytest.mark.parametrize("tag", ["%%TAG%%", "${TAG}", "$TAG", "{{ .Tag }}", "<version>", "", "3.12 slim", "-slim",
                                 "-h2", "a" * 129])
def test_invalid_tags_give_no_answer(tag):
    assert tag_exists("debian", tag) is None
    assert tag_is_current("debian", tag) is None
    assert variants("debian", tag) == ()
    assert variant("debian", tag, add={"slim"}) is None
    assert aliases("debian", tag) == ()
    assert jre_tags("openjdk", tag, "eclipse-temurin") == ()
    assert tag_exists("geonetwork", tag) is None


@pytest.mark.parametrize("name", ["bitnami/python", "ghcr.io/foo/python", "mcr.microsoft.com/dotnet/sdk", "pyhton",
                                  "localhost:5000/python"])
def test_unknown_repositories_give_none(name):
    assert known_repository(name) is False
    assert tag_exists(name, "latest") is None
    assert tag_is_current(name, "latest") is None
    assert variants(name, "3.12") == ()
    assert variant(name, "3.12", add={"slim"}) is None
    assert notice_alternatives(name) is None
    assert jre_tags(name, "21") == ()


# ---------------------------------------------------------------------------------------------------------------
# Tag shapes and variants


@pytest.mark.parametrize("tag,version,words", [
    ("1.25-alpine-perl", ("1.25",), {"alpine", "perl"}),
    ("5.38-slim-threaded", ("5.38",), {"slim", "threaded"}),
    ("3.8-slim-buster", ("3.8",), {"slim", "buster"}),
    ("latest", (), set()),
    ("slim", (), {"slim"}),
    ("mainline-alpine-perl", (), {"mainline", "alpine", "perl"}),
    ("bookworm-20240423-slim", ("20240423",), {"bookworm", "slim"}),
    ("8u212-jdk-alpine", ("8u212",), {"jdk", "alpine"}),
    ("21.0.2_13-jre-jammy", ("21.0.2_13",), {"jre", "jammy"}),
    ("3.12-alpine3.19", ("3.12",), {"alpine3.19"}),
    ("27-rc-jdk-slim", ("27", "rc"), {"jdk", "slim"}),
    ("28-ea-11-jdk", ("28", "ea", "11"), {"jdk"}),
    ("10.1.0-M10-jdk11-temurin", ("10.1.0", "M10"), {"jdk11", "temurin"}),
    ("rc-slim", (), {"rc", "slim"}),  # a channel, not a pre-release of some version
    ("open-21-jdk-jammy", ("21",), {"open", "jdk", "jammy"}),
])
def test_tag_shape(tag, version, words):
    assert tag_shape(tag) == TagShape(version, frozenset(words))


@pytest.mark.parametrize("name,tag,add,remove,expected", [
    ("nginx", "1.25-perl", {"alpine"}, (), "1.25-alpine-perl"),
    ("perl", "5.38-threaded", {"slim"}, (), "5.38-slim-threaded"),
    ("python", "3.8-buster", {"slim"}, (), "3.8-slim-buster"),
    ("python", "3.12-bookworm", {"slim"}, (), "3.12-slim-bookworm"),
    ("python", "latest", {"slim"}, (), "slim"),
    ("python", "bookworm", {"slim"}, (), "slim-bookworm"),
    ("node", "20-bookworm", {"slim"}, (), "20-bookworm-slim"),
    ("node", "14-buster", {"alpine"}, {"buster"}, "14-alpine"),
    ("debian", "bookworm", {"slim"}, (), "bookworm-slim"),
    ("debian", "12", {"slim"}, (), "12-slim"),
    ("eclipse-temurin", "21-jdk-jammy", {"jre"}, {"jdk"}, "21-jre-jammy"),
    ("eclipse-temurin", "21", {"jre"}, (), "21-jre"),
    ("openjdk", "11-jdk-slim", {"jre"}, {"jdk"}, "11-jre-slim"),  # both past: the deprecated image's own JRE
])
def test_variant_finds_the_real_spelling(name, tag, add, remove, expected):
    assert variant(name, tag, add=add, remove=remove) == expected
    assert tag_exists(name, expected) is True


@pytest.mark.parametrize("name,tag,add,remove", [
    ("debian", "bookworm-backports", {"slim"}, ()),  # no slim backports image
    ("debian", "latest", {"slim"}, ()),  # debian has `stable-slim` and `trixie-slim`, no `slim`
    ("php", "8.3-apache", {"alpine"}, ()),  # no apache+alpine variant
    ("python", "3.12-slim-bookworm", {"alpine"}, ()),  # alpine is not slim + bookworm + alpine
    ("python", "3.12", {"nonsense"}, ()),
])
def test_variant_answers_nothing_rather_than_a_made_up_tag(name, tag, add, remove):
    assert variant(name, tag, add=add, remove=remove) is None


def test_variant_of_a_current_tag_is_current():
    # `3.12-slim` exists and is current; a past-only combination is no advice for a maintained tag.
    assert variant("python", "3.12", add={"slim"}) == "3.12-slim"
    assert tag_is_current("python", "3-stretch") is False
    assert variant("python", "3", add={"stretch"}) is None  # `3` is current, `3-stretch` only past
    assert variant("python", "3.6", add={"stretch"}) == "3.6-stretch"  # `3.6` is past: a past answer is fine


def test_variants_lists_the_version_line():
    found = {v.tag: v for v in variants("nginx", "1.25-perl")}
    assert {"1.25", "1.25-alpine", "1.25-alpine-perl", "1.25-bookworm-perl"} <= set(found)
    assert "1.25-perl" not in found  # not itself
    assert all(tag_shape(tag).version == ("1.25",) for tag in found)  # never another version
    assert found["1.25-alpine-perl"].words == {"alpine", "perl"}
    assert not any(v.current for v in found.values())  # 1.25 is no longer maintained


def test_variants_put_current_tags_first():
    found = variants("python", "3.12")
    assert found and found[0].current
    flags = [v.current for v in found]
    assert flags == sorted(flags, reverse=True)


def test_aliases_of_current_tags():
    debian_latest = set(aliases("debian", "latest"))
    assert debian_latest and "latest" not in debian_latest
    assert any(variant("debian", alias, add={"slim"}) for alias in debian_latest)
    assert aliases("python", "3.8-slim-buster") == ()  # past tags have no current image
    # a shared tag spans the Linux and Windows images
    assert any("windowsservercore" in alias for alias in aliases("python", "3"))


# ---------------------------------------------------------------------------------------------------------------
# Java: the deprecated openjdk image and JRE tags


def test_openjdk_deprecation_is_data():
    assert notice_alternatives("openjdk") == ("amazoncorretto", "eclipse-temurin", "ibm-semeru-runtimes", "ibmjava",
                                              "sapmachine")
    assert notice_alternatives("python") is None
    assert tag_exists("openjdk", "11-jdk-stretch") is True and tag_is_current("openjdk", "11-jdk-stretch") is False


@pytest.mark.parametrize("name,tag,repository,first", [
    ("openjdk", "11-jdk-stretch", "eclipse-temurin", "11-jre"),
    ("openjdk", "11.0.16-jdk-slim", "eclipse-temurin", "11-jre"),
    ("openjdk", "8u212-jdk-alpine", "eclipse-temurin", "8-jre-alpine"),
    ("openjdk", "17-jdk-alpine", "eclipse-temurin", "17-jre-alpine"),
    ("eclipse-temurin", "21-jdk-jammy", None, "21-jre-jammy"),
    ("eclipse-temurin", "21", None, "21-jre"),
    ("sapmachine", "21", None, "21-jre"),
    ("ibm-semeru-runtimes", "open-21-jdk-jammy", None, "open-21-jre-jammy"),
])
def test_jre_tags(name, tag, repository, first):
    found = jre_tags(name, tag, repository)
    assert found[0] == first
    target = repository or name
    assert all(tag_is_current(target, jre) and "jre" in tag_shape(jre).words for jre in found)
    alpine = "alpine" in tag
    assert all(("alpine" in jre) == alpine for jre in found)  # never switches the C library


def test_jre_tags_answer_nothing_without_a_jre():
    assert jre_tags("amazoncorretto", "21") == ()  # corretto publishes no JRE images
    assert jre_tags("openjdk", "11-jdk-stretch", "no-such-image") == ()
    assert jre_tags("eclipse-temurin", "99-jdk") == ()


def test_jre_tags_of_latest_take_the_release_of_its_aliases():
    found = jre_tags("eclipse-temurin", "latest")
    assert found and all(tag_shape(jre).version == tag_shape(found[0]).version for jre in found)


# ---------------------------------------------------------------------------------------------------------------
# Generator and codec


@pytest.mark.parametrize("tags", [[], ["latest"], ["3", "3.12", "3.12-slim", "3.12-slim-bookworm", "slim"],
                                  ["b", "a", "abc", "ab"]])
def test_front_coding_round_trips(tags):
    assert decode_tags(encode_tags(tags)) == tags


def test_parse_paragraph_format():
    text = """# comment
Maintainers: A <a@example.com> (@a),
             B <b@example.com> (@b)
GitRepo: https://github.com/example/docker.git

Tags: 1.2.3, 1.2, 1, latest
SharedTags: 1.2-shared, latest
Architectures: amd64
GitCommit: 0123456789abcdef0123456789abcdef01234567
Directory: 1.2

Tags: 1.2.3-alpine, 1.2-alpine,-bad, 1.2-alpine
Directory: 1.2/alpine
"""
    parsed = gen_official_tags.parse_library_file(text)
    assert parsed.paragraphs == [(["1.2.3", "1.2", "1", "latest"], ["1.2-shared"]),
                                 (["1.2.3-alpine", "1.2-alpine"], [])]
    assert parsed.invalid == ["-bad"]


def test_parse_line_format():
    text = """# maintainer: InfoSiftr <github@infosiftr.com> (@infosiftr)

latest: git://github.com/docker-library/docker-python@10eb8b1bac2bfbc6d1fdf1dad9c1ecae1d607362 3
3.4.1: git://github.com/docker-library/docker-python@10eb8b1bac2bfbc6d1fdf1dad9c1ecae1d607362 3
2.7.7: git://github.com/docker-library/docker-python@10eb8b1bac2bfbc6d1fdf1dad9c1ecae1d607362 2
v0.6.7: git://github.com/dotcloud/docker@v0.6.7
docs-slim: git://github.com/nodejs/docker-node@ docs/slim
"""
    parsed = gen_official_tags.parse_library_file(text)
    assert parsed.paragraphs == [(["latest", "3.4.1"], []), (["2.7.7"], []), (["v0.6.7"], [])]


def _git(repo, *args, env=None):
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, env=env)


def test_generator_reads_history(tmp_path):
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com", "HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    repo = tmp_path / "official-images"
    (repo / "library").mkdir(parents=True)
    _git(repo, "init", "-q", env=env)
    (repo / "library" / "demo").write_text("Tags: 1.0, 1, latest\n\nTags: 1.0-slim, 1-slim, slim\n")
    (repo / "library" / "gone").write_text("latest: git://github.com/example/gone@abc123 .\n")
    _git(repo, "add", ".", env=env)
    _git(repo, "commit", "-q", "-m", "one", env=env)
    (repo / "library" / "demo").write_text(
        "Tags: 2.0, 2, latest\nSharedTags: 2-shared\n\nTags: 2.0-slim, 2-slim, slim\n")
    (repo / "library" / "gone").unlink()
    _git(repo, "add", "-A", ".", env=env)
    _git(repo, "commit", "-q", "-m", "two", env=env)
    output = tmp_path / "tags.json.gz"
    assert gen_official_tags.main([str(repo), "--output", str(output)]) == 0
    table = json.loads(gzip.decompress(output.read_bytes()))
    demo = table["repositories"]["demo"]
    assert [[decode_tags(tags), decode_tags(shared)] for tags, shared in demo["current"]] == [
        [["2.0", "2", "latest"], ["2-shared"]], [["2.0-slim", "2-slim", "slim"], []]]
    assert decode_tags(demo["past"]) == ["1", "1-slim", "1.0", "1.0-slim"]
    assert table["repositories"]["gone"] == {"current": [], "past": encode_tags(["latest"])}
    assert table["source"]["official_images"]["history"] is True
    assert gen_official_tags.main([str(repo), "--output", str(tmp_path / "again.json.gz")]) == 0
    assert (tmp_path / "again.json.gz").read_bytes() == output.read_bytes()  # reproducible


def test_generator_reads_a_plain_directory(tmp_path):
    (tmp_path / "library").mkdir()
    (tmp_path / "library" / "demo").write_text("Tags: 1.0, latest\n")
    (tmp_path / "library" / "MAINTAINERS").write_text("Tags: not-a-repository\n")
    output = tmp_path / "tags.json.gz"
    assert gen_official_tags.main([str(tmp_path), "--output", str(output)]) == 0
    table = json.loads(gzip.decompress(output.read_bytes()))
    assert list(table["repositories"]) == ["demo"]
    assert table["source"]["official_images"]["history"] is False


# ---------------------------------------------------------------------------------------------------------------
# Packaging and start-up cost


def test_data_file_ships_in_the_package():
    try:
        import tomllib
    except ModuleNotFoundError:  # Python < 3.11
        import tomli as tomllib
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert "dockerlint_slim.knowledge" in config["packages"]
    patterns = config["package-data"]["dockerlint_slim.knowledge"]
    package_dir = ROOT / "dockerlint_slim" / "knowledge"
    data_file = package_dir / "data" / DATA_FILE.name
    assert data_file.is_file()
    assert any(data_file in package_dir.glob(pattern) for pattern in patterns)


def test_cli_start_up_does_not_read_the_table():
    # Importing the command line, loading every rule and the loader module itself must not open the table.
    probe = """
import sys
opened = []
sys.addaudithook(lambda event, args: opened.append(str(args[0])) if event == "open" and args else None)
import dockerlint_slim.cli
from dockerlint_slim.engine.registry import load_rules
load_rules(plugins=False)
import dockerlint_slim.knowledge.official_tags as official_tags
print(sum("official_tags.json" in path for path in opened), official_tags._table is None)
official_tags.tag_exists("python", "3.12")
print(sum("official_tags.json" in path for path in opened))
"""
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=True)
    assert result.stdout.split() == ["0", "True", "1"]
