"""The ground-truth image reader of benchmarks/realbuild (truth.py) on synthetic images with known answers, and
the pieces of the benchmark that need no podman: case definitions, context generation, the heredoc translation
for buildah, claim parsing, and the attribution of a finding to image bytes."""

from __future__ import annotations

import json
import sys
import tarfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "image"))

from image_synth import (  # noqa: E402
    ImageSpec,
    Step,
    build_docker_archive,
    build_oci_dir,
    directory,
    file,
    hardlink,
    opaque,
    whiteout,
)
from realbuild import cases, measure, truth  # noqa: E402

BASE = Step("ADD rootfs /", [directory("etc"), file("etc/os-release", 300), directory("usr"),
                             file("usr/bin-tool", 5000), directory("var"), directory("var/lib")])


def _image(tmp_path, steps, layout="docker") -> truth.Image:
    spec = ImageSpec([BASE, *steps])
    if layout == "docker":
        return truth.read_image(build_docker_archive(spec, tmp_path / "image.tar"))
    return truth.read_image(build_oci_dir(spec, tmp_path / "layout", compression="gzip"))


@pytest.mark.parametrize("layout", ["docker", "oci"])
def test_deleted_folder_and_rewrites(tmp_path, layout):
    image = _image(tmp_path, [
        Step("COPY big /tmp/", [directory("tmp"), directory("tmp/big"), file("tmp/big/a", 1000),
                                file("tmp/big/b", 2000)]),
        Step("RUN chmod", [directory("usr"), file("usr/bin-tool", 5000)]),  # a base file re-stored
        Step("RUN rm -rf /tmp/big", [directory("tmp"), whiteout("tmp/big")]),
    ], layout)
    assert image.image_bytes == 300 + 5000 + 3000 + 5000
    assert image.final_bytes == 300 + 5000
    # the two folder files, made unreadable by layer 3; the base copy of the tool, by layer 2
    assert image.query(layers={1}, alive=False, killed_by={3}) == 3000
    assert image.query(layers={0}, alive=False, killed_by={2}) == 5000
    assert image.query(under=["tmp/big"]) == 3000 and image.query(under=["/tmp/big/"]) == 3000
    figures = image.figures(base_layers=1)
    assert figures["user_dead_bytes"] == 3000 and figures["base_bytes_hidden_by_user"] == 5000
    # dive's formula with the deleted folder's files counted as deleted: kept os-release + the smaller tool copy
    assert image.efficiency == pytest.approx((300 + 5000) / image.image_bytes)


def test_opaque_folder_hides_only_lower_layers(tmp_path):
    image = _image(tmp_path, [
        Step("RUN a", [directory("var/lib/x"), file("var/lib/x/old", 700)]),
        Step("RUN b", [directory("var/lib/x"), opaque("var/lib/x"), file("var/lib/x/new", 40)]),
    ])
    assert image.query(under=["var/lib/x/old"], alive=False) == 700
    assert image.read("var/lib/x/new") == b"\0" * 40
    assert image.listdir("var/lib/x") == ["new"]


def test_hard_link_keeps_deleted_name_alive(tmp_path):
    image = _image(tmp_path, [
        Step("RUN install", [directory("opt"), file("opt/lib.so", 900), hardlink("opt/lib.so.1", "opt/lib.so")]),
        Step("RUN rm", [directory("opt"), whiteout("opt/lib.so")]),
    ])
    assert image.image_bytes == 300 + 5000 + 900
    assert image.final_bytes == image.image_bytes  # the bytes live on under opt/lib.so.1


def test_folder_replaced_by_a_file_takes_its_tree(tmp_path):
    image = _image(tmp_path, [
        Step("RUN mkdir", [directory("data"), file("data/one", 10), file("data/two", 20)]),
        Step("RUN replace", [file("data", 5)]),
    ])
    assert image.query(under=["data"], alive=False, killed_by={2}) == 30
    assert image.final_bytes == 300 + 5000 + 5


def test_dpkg_packages_and_their_files(tmp_path):
    status = (b"Package: curl\nStatus: install ok installed\nInstalled-Size: 500\n\n"
              b"Package: gone\nStatus: deinstall ok config-files\nInstalled-Size: 9\n")
    image = _image(tmp_path, [Step("RUN apt-get install", [
        directory("var/lib/dpkg"), directory("var/lib/dpkg/info"), file("var/lib/dpkg/status", data=status),
        file("var/lib/dpkg/info/curl.list", data=b"/.\n/usr\n/usr/bin-curl\n"), file("usr/bin-curl", 4096)])])
    assert truth.dpkg_packages(image) == {"curl": 500 * 1024}
    assert truth.bytes_of_packages(image, {"curl"}) == 4096


def test_layer_digests_are_diff_ids_in_both_layouts(tmp_path):
    spec = ImageSpec([BASE, Step("RUN x", [file("x", 3)])])
    archive = build_docker_archive(spec, tmp_path / "a.tar")
    layout = build_oci_dir(spec, tmp_path / "layout", compression="gzip")
    with tarfile.open(archive) as outer:
        manifest = json.load(outer.extractfile("manifest.json"))
        diff_ids = json.load(outer.extractfile(manifest[0]["Config"]))["rootfs"]["diff_ids"]
    assert [layer.digest for layer in truth.read_image(archive).layers] == diff_ids
    assert [layer.digest for layer in truth.read_image(layout).layers] == diff_ids
    assert measure.base_layer_count(truth.read_image(layout), diff_ids[:1]) == 1


# --- cases, contexts, translation ---------------------------------------------------------------------------------

def test_every_case_is_well_formed():
    loaded = cases.load_cases()
    assert len(loaded) >= 25
    names = {case.name for case in loaded}
    for case in loaded:
        if case.role == "bad":
            assert case.twin in names and cases.load_cases([case.twin])[0].role == "fixed", case.name
        assert "FROM debian:bookworm" in case.dockerfile.read_text() or "FROM build" in case.dockerfile.read_text()
        for line in case.dockerfile.read_text().splitlines():
            if line.startswith("FROM "):
                assert line.split()[1] in ("debian:bookworm", "build"), f"{case.name}: only debian:bookworm exists"
    # every cleanup the issue lists has a case (by name), and every rule that claims bytes has one
    covered = {rule for case in loaded for rule in case.rules}
    assert {"SL101", "SL102", "SL103", "SL201", "SL202", "SL205", "SL206", "SL207", "SL301", "SL302", "SL303"} <= covered


def test_ci_builds_a_small_subset_in_twin_pairs():
    """tests/realbuild builds the `ci = true` cases and their twins; a cold CI machine builds each of them (about
    half a minute to a minute each on 2 cores), so the subset stays at most 6 images, whole bad/fixed pairs."""
    loaded = {case.name: case for case in cases.load_cases()}
    ci = {name for name, case in loaded.items() if case.ci}
    built = ci | {loaded[name].twin for name in ci if loaded[name].twin}
    assert 2 <= len(built) <= 6, sorted(built)
    assert built == ci, f"twins not marked ci: {sorted(built - ci)}"
    assert any(loaded[name].role == "bad" for name in ci)


def test_context_generation_is_deterministic(tmp_path):
    case = cases.load_cases(["targz-extract-rm-same"])[0]
    first = cases.materialize(case, tmp_path / "one") / "assets.tar.gz"
    second = cases.materialize(case, tmp_path / "two") / "assets.tar.gz"
    assert first.read_bytes() == second.read_bytes()
    assert not (tmp_path / "one" / "case.toml").exists()  # metadata, not context
    with tarfile.open(first) as archive:
        assert sum(m.size for m in archive.getmembers()) == case.generate[0]["bytes"]
    random_part = cases.random_bytes(1 << 20, 7)
    import gzip

    assert len(gzip.compress(random_part)) > 0.99 * len(random_part)  # generated data does not compress away


def test_content_hash_ignores_case_metadata(tmp_path):
    import shutil

    original = cases.load_cases(["apt-lists-kept"])[0]
    copy = tmp_path / "apt-lists-kept"
    shutil.copytree(original.path, copy)
    (copy / "case.toml").write_text((copy / "case.toml").read_text().replace("ci = true", "ci = false"))
    assert cases.load_case(copy).content_hash() == original.content_hash()
    (copy / "Dockerfile").write_text((copy / "Dockerfile").read_text() + "RUN true\n")
    assert cases.load_case(copy).content_hash() != original.content_hash()


def test_heredoc_becomes_the_same_script_in_exec_form():
    text = "FROM debian:bookworm\nRUN --network=host <<EOT\nset -e\necho \"a b\" > /x\nEOT\nRUN true\n"
    built = cases.buildable_dockerfile(text)
    assert built == ('FROM debian:bookworm\nRUN --network=host ["/bin/sh", "-c", "set -e\\necho \\"a b\\" > /x\\n"]\n'
                     "RUN true\n")
    with pytest.raises(cases.CaseError):
        cases.buildable_dockerfile("FROM x\nRUN cat <<EOT\nhi\nEOT\n")


@pytest.mark.parametrize("message, low, high", [
    ("leaves the lists (typically 20-50 MB): add", 20e6, 50e6),
    ("(typically 100+ MB) in this layer", 100e6, float("inf")),
    ("in this layer (often tens to hundreds of MB); add", 10e6, 1000e6),
    ("(a few MB of HTML per gem)", 1e6, 10e6),
    ("in this layer (typically tens of MB); end", 10e6, 100e6),
])
def test_claims_in_words(message, low, high):
    parsed = measure.claim_range(message)
    assert parsed is not None and parsed[:2] == (low, high)


def test_finding_attribution(tmp_path):
    image = _image(tmp_path, [
        Step("RUN apt-get update", [directory("var/lib/apt"), directory("var/lib/apt/lists"),
                                    file("var/lib/apt/lists/Packages", 8000), directory("usr"), file("usr/jq", 100)]),
        Step("COPY app.tar /tmp/", [directory("tmp"), file("tmp/app.tar", 3000)]),
        Step("RUN rm /tmp/app.tar", [directory("tmp"), whiteout("tmp/app.tar")]),
    ])
    lines = {2: 1, 3: 2, 4: 3}
    sl201 = {"rule_id": "SL201", "line": 2, "message": "", "properties": {"path": "/var/lib/apt/lists"}}
    assert measure.attribute(sl201, image, lines)["bytes"] == 8000
    sl301 = {"rule_id": "SL301", "line": 3, "message": "", "properties": {"path": "/tmp/app.tar"}}
    assert measure.attribute(sl301, image, lines)["bytes"] == 3000
    sl102 = {"rule_id": "SL102", "line": 4, "message": "", "properties": {"createdAt": [3]}}
    assert measure.attribute(sl102, image, lines)["bytes"] == 3000
    waste = measure.measured_waste(image, 1, [])
    assert waste == {"dead": 3000, "kept_caches": 8000, "kept_junk": 0, "total": 11000}


def test_built_dockerfile_names_the_base_with_the_official_apt_settings():
    text = "FROM debian:bookworm AS build\nRUN true\nFROM build AS final\nFROM debian:bookworm-slim\nfrom debian:12\n"
    assert cases.buildable_dockerfile(text, "localhost/base:1") == (
        "FROM localhost/base:1 AS build\nRUN true\nFROM build AS final\nFROM debian:bookworm-slim\nfrom localhost/base:1\n")
    assert cases.buildable_dockerfile(text) == text


def test_prediction_reads_the_reports_known_estimated_and_unknown_parts():
    result = {"report": {"wasted_bytes": 30, "known_wasted_bytes": 10, "estimated_wasted_bytes": 20,
                         "unknown_wasted_parts": 1, "unknown_wasted": [{"path": "/root/.cache/pip", "line": 3}],
                         "efficiency": None},
              "findings": [{"rule_id": "SL205", "line": 3, "wasted_bytes": None, "properties": {}},
                           {"rule_id": "SL403", "line": 1, "wasted_bytes": 43_000_000, "properties": {"estimate": True}}]}
    predicted = measure.prediction(result)
    assert (predicted["known"], predicted["estimated"], predicted["total"]) == (10, 20, 30)
    assert predicted["report_says_unknown"] and predicted["unknown_parts"] == ["/root/.cache/pip@3"]
    assert predicted["unknown_findings"] == ["SL205@3"]


# --- the published table ---------------------------------------------------------------------------------------

def _record(name, kind, measured_waste, predicted_total, predicted_eff=None, measured_eff=0.9):
    error = None if not measured_waste else (predicted_total - measured_waste) / measured_waste
    return {"case": name, "role": "bad", "waste_kind": kind, "build": {"ok": True}, "findings": [],
            "measured": {"waste": {"total": measured_waste}, "efficiency": 0.99, "layers_efficiency": measured_eff},
            "predicted": {"total": predicted_total, "efficiency": predicted_eff, "report_says_unknown": kind == "unknown"},
            "waste_error": error}


def test_headline_and_the_readme_block_it_rewrites(tmp_path):
    from realbuild import run

    mb = 10**7  # above the 1 MiB floor of the tolerance
    records = [_record("a", "known", mb, mb, predicted_eff=0.85), _record("b", "estimated", mb, 1.5 * mb),
               _record("c", "estimated", mb, 0.9 * mb, predicted_eff=0.5), _record("d", "unknown", mb, 0)]
    h = run.headline(records)
    assert (h["cases"], h["cases_with_visible_waste"], h["within_tolerance"]) == (4, 3, 2)
    assert h["median_abs_error"] == pytest.approx(0.1) and h["worst"] == {"case": "b", "error": 0.5}
    assert (h["unknown_cases"], h["unknown_cases_reported_unknown"]) == (1, 1)
    assert (h["efficiency_shown"], h["efficiency_within_tolerance"]) == (2, 1)
    assert h["efficiency_worst"]["case"] == "c" and h["efficiency_worst"]["points"] == pytest.approx(40)
    readme = tmp_path / "README.md"
    readme.write_text(f"# x\n\n{run.README_START}\n- stale\n{run.README_END}\n\nafter\n")
    assert run.update_readme(readme, {"headline": h})
    text = readme.read_text()
    assert "stale" not in text and text.endswith(f"{run.README_END}\n\nafter\n")
    assert "4 cases" in text and "`b` +50 %" in text and "worst `c` 40.0 points" in text
    (tmp_path / "other.md").write_text("no block\n")
    assert not run.update_readme(tmp_path / "other.md", {"headline": h})


def test_the_published_table_is_generated_and_summarised_in_readme():
    from realbuild import run

    accuracy = run.ACCURACY.read_text()
    assert f"Regenerate with `{run.COMMAND}`" in accuracy
    readme = run.README.read_text()
    start, end = readme.index(run.README_START), readme.index(run.README_END)
    assert "cases" in readme[start:end] and "docs/accuracy.md" in readme


def test_without_podman_the_real_build_tests_skip_with_one_reason(monkeypatch):
    from realbuild import podman

    monkeypatch.setattr(podman.shutil, "which", lambda name: None)
    assert podman.unavailable_reason() == "podman is not installed (run ../shared/tools/realbuild-setup.sh)"


def test_the_build_cache_lives_outside_the_repository(monkeypatch, tmp_path):
    from realbuild import podman

    monkeypatch.delenv("SLIMLINT_REALBUILD_CACHE", raising=False)
    repository = Path(__file__).resolve().parents[2]
    assert repository not in podman.cache_root().parents
    monkeypatch.setenv("SLIMLINT_REALBUILD_CACHE", str(tmp_path))
    assert podman.cache_root() == tmp_path
