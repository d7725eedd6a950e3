"""Images crafted against the reader: tampered blobs, links out of an OCI folder, gzip without its trailer, names
that drive the terminal, paths past PATH_MAX, decompression bombs, huge numbers, lone surrogates, non-UTF-8 names,
and an archive of many members. All generated here; each is one clear error (exit 2) or a safe report."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import tarfile
import tracemalloc

import pytest
from click.testing import CliRunner
from image_synth import ImageSpec, Step, build_docker_archive, build_oci_dir, directory, file

from dockerlint_slim.image.analyze import analyze
from dockerlint_slim.image.command import image_command
from dockerlint_slim.image.errors import ImageError

SPEC = ImageSpec([Step("ADD rootfs / # buildkit", [directory("etc"), file("etc/a", 100)]),
                  Step("RUN /bin/sh -c rm # buildkit", [directory("etc"), file("etc/a", 10)])])


def run(*args):
    result = CliRunner().invoke(image_command, [str(a) for a in args])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result


def _layer_blobs(folder):
    index = json.loads((folder / "index.json").read_text())
    manifest = json.loads((folder / "blobs/sha256" / index["manifests"][0]["digest"][7:]).read_text())
    return [folder / "blobs/sha256" / layer["digest"][7:] for layer in manifest["layers"]], manifest


def test_oci_blob_that_does_not_match_its_digest(tmp_path):
    folder = build_oci_dir(SPEC, tmp_path / "oci")
    blob = _layer_blobs(folder)[0][1]
    data = bytearray(blob.read_bytes())
    data[600] ^= 1  # inside the file data of etc/a: the tar still parses
    blob.write_bytes(bytes(data))
    with pytest.raises(ImageError, match="does not match its digest"):
        analyze(str(folder))


def test_oci_config_that_does_not_match_its_digest(tmp_path):
    folder = build_oci_dir(SPEC, tmp_path / "oci")
    _, manifest = _layer_blobs(folder)
    config = folder / "blobs/sha256" / manifest["config"]["digest"][7:]
    config.write_text(config.read_text().replace("rm", "rx"))
    with pytest.raises(ImageError, match="does not match its digest"):
        analyze(str(folder))


@pytest.mark.parametrize("what", ["blob", "index", "blobs-folder"])
def test_symbolic_links_inside_an_oci_folder_are_refused(tmp_path, what):
    folder = build_oci_dir(SPEC, tmp_path / "oci")
    outside = tmp_path / "outside"
    outside.mkdir()
    if what == "blob":
        blob = _layer_blobs(folder)[0][0]
        (outside / "x").write_bytes(blob.read_bytes())
        blob.unlink()
        blob.symlink_to(outside / "x")
    elif what == "index":
        (outside / "index.json").write_bytes((folder / "index.json").read_bytes())
        (folder / "index.json").unlink()
        (folder / "index.json").symlink_to(outside / "index.json")
    else:
        os.rename(folder / "blobs", outside / "blobs")
        (folder / "blobs").symlink_to(outside / "blobs")
    with pytest.raises(ImageError, match="symbolic link"):
        analyze(str(folder))


def test_gzip_layer_without_its_crc_trailer(tmp_path):
    folder = build_oci_dir(SPEC, tmp_path / "oci", compression="gzip")
    blobs, manifest = _layer_blobs(folder)
    data = blobs[0].read_bytes()[:-8]  # the tar inside is complete; only the CRC32 and length are gone
    new = folder / "blobs/sha256" / hashlib.sha256(data).hexdigest()
    new.write_bytes(data)
    manifest["layers"][0].update(digest="sha256:" + new.name, size=len(data))
    _rewrite_manifest(folder, manifest)
    with pytest.raises(ImageError, match="gzip stream ends before its end marker"):
        analyze(str(folder))


def _rewrite_manifest(folder, manifest):
    data = json.dumps(manifest).encode()
    digest = hashlib.sha256(data).hexdigest()
    (folder / "blobs/sha256" / digest).write_bytes(data)
    index = json.loads((folder / "index.json").read_text())
    index["manifests"][0].update(digest="sha256:" + digest, size=len(data))
    (folder / "index.json").write_text(json.dumps(index))


def _one_layer_image(tmp_path, entries, created_by="RUN /bin/sh -c x # buildkit", name="i.tar"):
    return build_docker_archive(ImageSpec([Step("ADD rootfs / # buildkit", [directory("a"), file("a/x", 5)]),
                                           Step(created_by, entries)]), tmp_path / name)


def test_control_characters_in_names_and_history_are_escaped(tmp_path):
    evil = "a/\x1b]0;pwned\x07\x1b[2J\nFAKE ROW"
    archive = _one_layer_image(tmp_path, [directory("a"), file("a/x", 7), file(evil, 3), file(evil, 4)],
                               created_by="RUN /bin/sh -c echo \x1b[31mred\r\n # buildkit")
    text = run(archive, "--no-color").output
    assert "\x1b" not in text and "\x07" not in text and "\r" not in text
    assert "\\x1b]0;pwned\\x07\\x1b[2J\\nFAKE ROW" in text
    assert not any(line.startswith("FAKE ROW") for line in text.splitlines())


def test_a_path_past_path_max_is_refused(tmp_path):
    deep = "/".join(["d"] * 30_000) + "/f"
    layer = io.BytesIO()
    with tarfile.open(fileobj=layer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        info = tarfile.TarInfo(deep)
        tar.addfile(info, io.BytesIO(b""))
    archive = _archive_with_raw_layer(tmp_path, layer.getvalue())
    result = run(archive)
    assert result.exit_code == 2 and "PATH_MAX" in result.output


def _archive_with_raw_layer(tmp_path, layer: bytes, created_by: str = "RUN x", extra_config=None):
    tar_bytes = gzip.decompress(layer) if layer[:2] == b"\x1f\x8b" else layer
    diff_id = "sha256:" + hashlib.sha256(tar_bytes).hexdigest()
    config = {"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": [diff_id]},
              "history": [{"created_by": created_by}], **(extra_config or {})}
    config_data = json.dumps(config).encode()
    config_name = hashlib.sha256(config_data).hexdigest() + ".json"
    out = tmp_path / "raw.tar"
    with tarfile.open(out, "w") as tar:
        for name, data in (("l/layer.tar", layer), (config_name, config_data),
                           ("manifest.json", json.dumps([{"Config": config_name, "RepoTags": ["x:1"],
                                                          "Layers": ["l/layer.tar"]}]).encode())):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out


def test_decompression_bomb_stops_at_the_limit(tmp_path):
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        info = tarfile.TarInfo("bomb")
        info.size = 64 * 1024 * 1024
        tar.addfile(info, io.BytesIO(bytes(info.size)))
    layer = gzip.compress(raw.getvalue(), 9)
    assert len(layer) < 200_000
    folder = tmp_path / "bomb"
    folder.mkdir()
    archive = _archive_with_raw_layer(folder, layer)
    result = run(archive, "--max-inflate", "16MiB")
    assert result.exit_code == 2 and "--max-inflate" in result.output
    assert run(archive, "--max-inflate", "off").exit_code in (0, 1)


def test_manifest_with_a_5000_digit_number(tmp_path):
    archive = _archive_with_raw_layer(tmp_path, _empty_layer(), extra_config={"size": 0})
    with tarfile.open(archive) as src:
        members = [(info, src.extractfile(info).read()) for info in src]
    out = tmp_path / "huge.tar"
    with tarfile.open(out, "w") as dst:
        for info, data in members:
            if info.name == "manifest.json":
                data = data[:-1] + b', {"Config": "x.json", "Layers": [], "n": ' + b"9" * 5000 + b"}]"
                info.size = len(data)
            dst.addfile(info, io.BytesIO(data))
    result = run(out)
    assert result.exit_code == 2 and "not valid JSON" in result.output and len(result.output.splitlines()) == 1


def _empty_layer() -> bytes:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        info = tarfile.TarInfo("f")
        tar.addfile(info, io.BytesIO(b""))
    return raw.getvalue()


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github", "gitlab"])
def test_lone_surrogate_in_created_by(tmp_path, fmt):
    archive = _archive_with_raw_layer(tmp_path, _empty_layer(), created_by="RUN \udcff x")
    result = run(archive, "--format", fmt)
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("fmt", ["text", "json", "sarif"])
def test_non_utf8_names_with_output_file(tmp_path, fmt):
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.GNU_FORMAT, encoding="utf-8",
                      errors="surrogateescape") as tar:
        for size in (10, 20):
            info = tarfile.TarInfo("caf\udce9")  # b"caf\xe9": Latin-1, not UTF-8
            info.size = size
            tar.addfile(info, io.BytesIO(bytes(size)))
    archive = _archive_with_raw_layer(tmp_path, raw.getvalue())
    out = tmp_path / f"report.{fmt}"
    result = run(archive, "--format", fmt, "-o", out)
    assert result.exit_code == 0, result.output
    written = out.read_bytes().decode("utf-8")
    assert "caf" in written and "\\xe9" in written or "\\udce9" in written


def test_output_file_naming_the_dockerfile_is_refused(tmp_path):
    archive = build_docker_archive(SPEC, tmp_path / "i.tar")
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text("FROM scratch\nADD rootfs /\nRUN rm\n")
    result = run(archive, "--dockerfile", dockerfile, "-o", dockerfile)
    assert result.exit_code == 2 and dockerfile.read_text().startswith("FROM scratch")


def test_many_member_archive_keeps_no_index(tmp_path):
    """An outer tar of 60,000 unrelated members costs no memory per member."""
    good = build_docker_archive(SPEC, tmp_path / "good.tar")
    out = tmp_path / "many.tar"
    with tarfile.open(good) as src, tarfile.open(out, "w") as dst:
        for number in range(60_000):
            info = tarfile.TarInfo(f"junk/{number}")
            dst.addfile(info)
        for info in src:
            dst.addfile(info, src.extractfile(info))
    tracemalloc.start()
    try:
        result = analyze(str(out)).result
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result.image_bytes == 110
    assert peak < 8 * 1024 * 1024, peak


def test_gzipped_archive_inflates_once(tmp_path, monkeypatch):
    """`docker save | gzip`: the outer stream is decompressed once, not again for every layer."""
    from dockerlint_slim.image import tar_stream

    spec = ImageSpec([Step(f"RUN /bin/sh -c s{n} # buildkit", [directory("d"), file(f"d/{n}", 50_000)])
                      for n in range(12)])
    plain = build_docker_archive(spec, tmp_path / "p.tar")
    packed = tmp_path / "p.tar.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    inflated = []
    real = tar_stream._gzip

    def counting(chunks):
        for chunk in real(chunks):
            inflated.append(len(chunk))
            yield chunk

    monkeypatch.setattr(tar_stream, "_gzip", counting)
    assert analyze(str(packed)).result.image_bytes == 12 * 50_000
    assert sum(inflated) == plain.stat().st_size
