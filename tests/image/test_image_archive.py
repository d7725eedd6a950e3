"""Archive layouts, image selection and malformed input (always a clear ImageError, never a traceback)."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import shutil
import tarfile

import pytest
from image_synth import (
    ImageSpec,
    Step,
    build_docker_archive,
    build_oci_archive,
    build_oci_dir,
    directory,
    file,
    hardlink,
    opaque,
    symlink,
    whiteout,
)

from dockerlint_slim.image.analyze import analyze
from dockerlint_slim.image.archive import ImageError, platform_matches, tag_matches

SPEC = ImageSpec([
    Step("ADD rootfs / # buildkit", [directory("etc"), file("etc/a", 100), file("etc/b", 20)]),
    Step("ENV X=1", None),
    Step("RUN /bin/sh -c rm /etc/a # buildkit", [directory("etc"), whiteout("etc/a")]),
])


def figures(path, **selection):
    result = analyze(str(path), **selection).result
    return result.image_bytes, result.wasted_bytes, result.final_bytes, [layer.bytes for layer in result.layers]


@pytest.mark.parametrize("compression", [None, "gzip"])
def test_all_layouts_give_the_same_figures(tmp_path, compression):
    expected = (120, 100, 20, [120, 0])
    assert figures(build_docker_archive(SPEC, tmp_path / "d.tar", compression)) == expected
    assert figures(build_oci_archive(SPEC, tmp_path / "o.tar", compression)) == expected
    assert figures(build_oci_dir(SPEC, tmp_path / "dir", compression)) == expected


def test_zstd_layers(tmp_path):
    pytest.importorskip("backports.zstd")
    assert figures(build_oci_archive(SPEC, tmp_path / "z.tar", "zstd")) == (120, 100, 20, [120, 0])


def test_zstd_without_a_library_is_a_clear_error(tmp_path, monkeypatch):
    pytest.importorskip("backports.zstd")  # needed to write the test image
    archive = build_oci_archive(SPEC, tmp_path / "z.tar", "zstd")
    import builtins

    real_import = builtins.__import__

    def no_zstd(name, *args, **kwargs):
        if name in ("compression", "backports") or name.startswith(("compression.", "backports.zstd")):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_zstd)
    with pytest.raises(ImageError, match="zstd layers are not supported"):
        analyze(str(archive))


def test_compressed_outer_archive(tmp_path):
    archive = build_docker_archive(SPEC, tmp_path / "d.tar")
    packed = tmp_path / "d.tar.gz"
    with open(archive, "rb") as src, gzip.open(packed, "wb") as dst:
        shutil.copyfileobj(src, dst)
    assert figures(packed) == (120, 100, 20, [120, 0])


def test_history_pairs_with_non_empty_layers(tmp_path):
    analysis = analyze(str(build_oci_archive(SPEC, tmp_path / "o.tar")))
    assert [(l.history_index, l.created_by) for l in analysis.image.layers] == [
        (0, "ADD rootfs / # buildkit"), (2, "RUN /bin/sh -c rm /etc/a # buildkit")]
    assert analysis.image.names == ["docker.io/library/synthetic:latest", "latest"]
    assert analysis.image.platform == "linux/amd64"


def test_links_are_read(tmp_path):
    spec = ImageSpec([Step("ADD x / # buildkit", [directory("bin"), file("bin/busybox", 900),
                                                   hardlink("bin/sh", "bin/busybox"), symlink("bin/ls", "busybox")]),
                      Step("RUN rm # buildkit", [directory("bin"), whiteout("bin/busybox")])])
    result = analyze(str(build_docker_archive(spec, tmp_path / "l.tar"))).result
    assert result.wasted_bytes == 0 and result.final_bytes == 900  # /bin/sh still reads the bytes


def test_opaque_and_directory_whiteouts_from_an_archive(tmp_path):
    spec = ImageSpec([Step("ADD x / # buildkit", [directory("a"), file("a/1", 10), directory("b"), file("b/2", 20)]),
                      Step("RUN x # buildkit", [directory("a"), opaque("a"), file("a/3", 1), whiteout("b")])])
    result = analyze(str(build_oci_dir(spec, tmp_path / "dir"))).result
    assert (result.wasted_bytes, result.final_bytes) == (30, 1)


def _multi(tmp_path, nested):
    amd = ImageSpec([Step("ADD a / # buildkit", [file("amd", 1)])], tag="app:1")
    arm = ImageSpec([Step("ADD a / # buildkit", [file("arm", 2), file("arm2", 2)])], tag="app:1",
                    architecture="arm64", variant="v8")
    other = ImageSpec([Step("ADD a / # buildkit", [file("o", 3)])], tag="other:2")
    specs = [amd, arm] if nested else [amd, arm, other]
    return build_oci_archive(specs, tmp_path / "multi.tar", nested_index=nested)


@pytest.mark.parametrize("nested", [False, True])
def test_platform_selection(tmp_path, nested):
    archive = _multi(tmp_path, nested)
    assert figures(archive, platform="linux/arm64")[0] == 4
    assert figures(archive, platform="linux/amd64", tag="app:1")[0] == 1
    with pytest.raises(ImageError, match="choose one with --tag or --platform"):
        analyze(str(archive))
    with pytest.raises(ImageError, match="no image for platform 'linux/s390x'"):
        analyze(str(archive), platform="linux/s390x")


def test_tag_selection(tmp_path):
    archive = _multi(tmp_path, nested=False)
    assert figures(archive, tag="other:2")[0] == 3
    assert figures(archive, tag="docker.io/library/other:2")[0] == 3
    with pytest.raises(ImageError, match="no image tagged 'nope'"):
        analyze(str(archive), tag="nope")


def test_legacy_archive_with_two_images(tmp_path):
    first = build_docker_archive(SPEC, tmp_path / "one.tar")
    with tarfile.open(first) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
    manifest.append({**manifest[0], "RepoTags": ["copy:2"]})
    two = tmp_path / "two.tar"
    with tarfile.open(first) as src, tarfile.open(two, "w") as dst:
        for info in src:
            if info.name == "manifest.json":
                data = json.dumps(manifest).encode()
                info.size = len(data)
                dst.addfile(info, io.BytesIO(data))
            else:
                dst.addfile(info, src.extractfile(info))
    with pytest.raises(ImageError, match="holds 2 images"):
        analyze(str(two))
    assert analyze(str(two), tag="copy:2").image.names == ["copy:2"]


def test_name_and_platform_matching():
    assert tag_matches("app", ["docker.io/library/app:latest"])
    assert tag_matches("library/app:1", ["app:1"])
    assert not tag_matches("app:2", ["app:1"])
    assert platform_matches("linux/arm64", "linux/arm64/v8")
    assert platform_matches("linux/x86_64", "linux/amd64")
    assert not platform_matches("linux/arm/v7", "linux/arm/v6")


# -- malformed input -------------------------------------------------------------------------------------------


def _rewrite(archive, out, change):
    """Copy a tar, letting `change(name, data)` return new bytes, or None to drop the member."""
    with tarfile.open(archive) as src, tarfile.open(out, "w") as dst:
        for info in src:
            data = src.extractfile(info).read() if info.isfile() else None
            if data is not None:
                data = change(info.name, data)
                if data is None:
                    continue
                info.size = len(data)
            dst.addfile(info, io.BytesIO(data) if data is not None else None)
    return out


@pytest.mark.parametrize("case,message", [
    ("missing", "no such file"),
    ("empty", "not a readable tar archive"),
    ("garbage", "not a readable tar archive"),
    ("no-manifest", "neither an OCI layout"),
    ("bad-json", "manifest.json is not valid JSON"),
    ("missing-layer", "is missing from the archive"),
    ("truncated-layer", "malformed layer"),
    ("corrupt-gzip-layer", "malformed layer"),
])
def test_malformed_input_is_a_clear_error(tmp_path, case, message):
    good = build_docker_archive(SPEC, tmp_path / "good.tar")
    gz = build_docker_archive(SPEC, tmp_path / "gz.tar", compression="gzip")
    target = tmp_path / f"{case}.tar"
    if case == "empty":
        target.write_bytes(b"")
    elif case == "garbage":
        target.write_bytes(b"this is not an archive" * 100)
    elif case == "no-manifest":
        _rewrite(good, target, lambda name, data: None if name == "manifest.json" else data)
    elif case == "bad-json":
        _rewrite(good, target, lambda name, data: b"{not json" if name == "manifest.json" else data)
    elif case == "missing-layer":
        _rewrite(good, target, lambda name, data: None if name.endswith("layer.tar") and "missing" not in name
                 and data.find(b"etc/b") >= 0 else data)
    elif case == "truncated-layer":
        _rewrite(good, target, lambda name, data: data[:700] if name.endswith("layer.tar") else data)
    elif case == "corrupt-gzip-layer":
        _rewrite(gz, target, lambda name, data: data[:30] + b"\x00" * 40 + data[70:]
                 if name.endswith("layer.tar") else data)
    with pytest.raises(ImageError, match=message):
        analyze(str(target))


def _with_config(archive, out, change_config):
    """Copy a legacy archive with its config changed, stored under its new digest as `docker save` names it."""
    with tarfile.open(archive) as src:
        manifest = json.load(src.extractfile("manifest.json"))
        old_name = manifest[0]["Config"]
        config = change_config(json.load(src.extractfile(old_name)))
        data = json.dumps(config).encode()
        manifest[0]["Config"] = hashlib.sha256(data).hexdigest() + ".json"
        with tarfile.open(out, "w") as dst:
            for info in src:
                if info.name in (old_name, "manifest.json"):
                    continue
                dst.addfile(info, src.extractfile(info) if info.isfile() else None)
            _add(dst, manifest[0]["Config"], data)
            _add(dst, "manifest.json", json.dumps(manifest).encode())
    return out


def _add(tar, name, data):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))


def test_manifest_and_config_disagree(tmp_path):
    good = build_docker_archive(SPEC, tmp_path / "good.tar")

    def drop_diff_id(config):
        config["rootfs"]["diff_ids"].pop()
        return config

    with pytest.raises(ImageError, match="2 layers but the config has 1 diff_ids"):
        analyze(str(_with_config(good, tmp_path / "bad.tar", drop_diff_id)))


def test_a_config_changed_after_saving_is_refused(tmp_path):
    good = build_docker_archive(SPEC, tmp_path / "good.tar")

    def tamper(name, data):
        return data.replace(b"rm /etc/a", b"rm /etc/b") if name.endswith(".json") and name != "manifest.json" \
            else data

    with pytest.raises(ImageError, match="does not match its digest"):
        analyze(str(_rewrite(good, tmp_path / "bad.tar", tamper)))


def test_a_layer_changed_after_saving_is_refused(tmp_path):
    good = build_docker_archive(SPEC, tmp_path / "good.tar")

    def tamper(name, data):
        return data.replace(b"etc/b", b"etc/c") if name.endswith("layer.tar") else data

    with pytest.raises(ImageError, match="does not match its diff_id"):
        analyze(str(_rewrite(good, tmp_path / "bad.tar", tamper)))


def test_legacy_layer_stored_as_a_symlink_to_another_layer(tmp_path):
    """Older `docker save` writes an identical layer once and links the other `<id>/layer.tar` to it."""
    spec = ImageSpec([Step("ADD a / # buildkit", [file("x", 10)]), Step("RUN y # buildkit", [file("y", 3)]),
                      Step("ADD a / # buildkit", [file("x", 10)])])
    archive = build_docker_archive(spec, tmp_path / "plain.tar")
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
    first, _, third = manifest[0]["Layers"]
    linked = tmp_path / "linked.tar"
    with tarfile.open(archive) as src, tarfile.open(linked, "w") as dst:
        for info in src:
            if info.name == third:
                link = tarfile.TarInfo(third)
                link.type = tarfile.SYMTYPE
                link.linkname = "../" + first
                dst.addfile(link)
            else:
                dst.addfile(info, src.extractfile(info))
    result = analyze(str(linked)).result
    assert [layer.bytes for layer in result.layers] == [10, 3, 10]
    assert result.wasted_bytes == 10


def test_an_error_while_stacking_a_streamed_layer_propagates(tmp_path, monkeypatch):
    from dockerlint_slim.image import stack

    archive = build_oci_archive(ImageSpec([Step("ADD a / # buildkit", [file(f"f{n}", 4096) for n in range(300)])]),
                                tmp_path / "gz.tar", compression="gzip")

    def explode(self, entries):
        next(iter(entries))
        raise RuntimeError("stacker failed")

    monkeypatch.setattr(stack.Stacker, "add_layer", explode)
    with pytest.raises(RuntimeError, match="stacker failed"):
        analyze(str(archive))


def test_deeply_nested_json_is_a_clear_error(tmp_path):
    folder = build_oci_dir(SPEC, tmp_path / "dir")
    (folder / "index.json").write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(ImageError, match="nested too deeply"):
        analyze(str(folder))
