"""Registry references, credentials (auth files, docker config, credential helpers) and source selection; the
network parts run against a real registry in tests/image/realimage."""

from __future__ import annotations

import base64
import json
import os
import stat

import pytest

from dockerlint_slim.image.errors import ImageError
from dockerlint_slim.image.registry_client import _Client, credentials, is_local, parse_reference
from dockerlint_slim.image.sources import split_scheme


@pytest.mark.parametrize("text,expected", [
    ("app", ("docker.io", "library/app", "latest", "")),
    ("app:1", ("docker.io", "library/app", "1", "")),
    ("owner/app:2", ("docker.io", "owner/app", "2", "")),
    ("ghcr.io/o/app:3", ("ghcr.io", "o/app", "3", "")),
    ("localhost:5000/app", ("localhost:5000", "app", "latest", "")),
    ("127.0.0.1:5000/a/b:c", ("127.0.0.1:5000", "a/b", "c", "")),
    ("ghcr.io/o/app@sha256:" + "a" * 64, ("ghcr.io", "o/app", "", "sha256:" + "a" * 64)),
])
def test_references(text, expected):
    ref = parse_reference(text)
    assert (ref.host, ref.repository, ref.tag, ref.digest) == expected


@pytest.mark.parametrize("text", ["UPPER/case", "app@md5:abc", "", "a//b"])
def test_bad_references(text):
    with pytest.raises(ImageError):
        parse_reference(text)


def test_plain_http_only_for_local_hosts():
    assert is_local("localhost:5000") and is_local("127.0.0.1:80") and is_local("[::1]:5000")
    assert not is_local("registry.example:5000") and not is_local("10.0.0.1:5000")
    remote = _Client(parse_reference("registry.example/app:1"), insecure=False)
    with pytest.raises(ImageError, match="plain HTTP refused"):
        remote._send("http://registry.example/v2/", {})


def _isolated(monkeypatch, tmp_path):
    for name in ("REGISTRY_AUTH_FILE", "XDG_RUNTIME_DIR", "DOCKER_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))


def test_credentials_from_the_auth_file_and_docker_config(monkeypatch, tmp_path):
    _isolated(monkeypatch, tmp_path)
    ref = parse_reference("ghcr.io/o/app:1")
    assert credentials(ref) is None
    (tmp_path / ".docker").mkdir()
    (tmp_path / ".docker" / "config.json").write_text(json.dumps(
        {"auths": {"ghcr.io": {"auth": base64.b64encode(b"me:docker-secret").decode()}}}))
    assert credentials(ref) == ("me", "docker-secret")
    auth_file = tmp_path / "auth.json"
    auth_file.write_text(json.dumps({"auths": {"ghcr.io/o/app": {"auth": base64.b64encode(b"u:repo").decode()}}}))
    monkeypatch.setenv("REGISTRY_AUTH_FILE", str(auth_file))
    assert credentials(ref) == ("u", "repo")  # $REGISTRY_AUTH_FILE first, keyed by repository as podman does
    hub = parse_reference("app")
    (tmp_path / ".docker" / "config.json").write_text(json.dumps(
        {"auths": {"https://index.docker.io/v1/": {"auth": base64.b64encode(b"hub:x").decode()}}}))
    assert credentials(hub) == ("hub", "x")


def test_credential_helper(monkeypatch, tmp_path):
    _isolated(monkeypatch, tmp_path)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    helper = bin_dir / "docker-credential-fake"
    helper.write_text('#!/bin/sh\nread server\n[ "$1" = get ] && printf \'{"Username":"u-%s","Secret":"s"}\' "$server"\n')
    helper.chmod(helper.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", str(bin_dir) + os.pathsep + os.environ["PATH"])
    (tmp_path / ".docker").mkdir()
    (tmp_path / ".docker" / "config.json").write_text(json.dumps({"credHelpers": {"ghcr.io": "fake"}}))
    assert credentials(parse_reference("ghcr.io/o/app")) == ("u-ghcr.io", "s")
    (tmp_path / ".docker" / "config.json").write_text(json.dumps({"credsStore": "fake"}))
    assert credentials(parse_reference("quay.io/o/app")) == ("u-quay.io", "s")
    (tmp_path / ".docker" / "config.json").write_text(json.dumps({"credsStore": "../../bin/sh"}))
    assert credentials(parse_reference("quay.io/o/app")) is None  # not a helper name: never run


def test_source_schemes():
    assert split_scheme("podman://app:1", None) == ("podman", "app:1")
    assert split_scheme("oci:///tmp/dir", None) == ("oci", "/tmp/dir")
    assert split_scheme("app:1", "docker") == ("docker", "app:1")
    assert split_scheme("http://x", None) == (None, "http://x")
    with pytest.raises(ImageError, match="disagree"):
        split_scheme("podman://app", "docker")


def test_source_checks_the_layout(tmp_path):
    from image_synth import ImageSpec, Step, build_docker_archive, file

    from dockerlint_slim.image.analyze import analyze

    archive = build_docker_archive(ImageSpec([Step("ADD a / # buildkit", [file("a", 1)])]), tmp_path / "a.tar")
    assert analyze(str(archive), source="docker-archive").result.image_bytes == 1
    with pytest.raises(ImageError, match="not a oci-archive"):
        analyze(str(archive), source="oci-archive")
    with pytest.raises(ImageError, match="needs an OCI layout folder"):
        analyze(str(archive), source="oci")
