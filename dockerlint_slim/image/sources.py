"""Where `slimlint image REF` reads the image from: a saved archive or OCI folder, a local engine (podman,
docker) streaming `image save`, or a registry (no daemon).

`--source` takes dive's names (docker, podman, docker-archive, oci-archive, oci) plus `registry`; `SCHEME://REF`
says the same inline. Without either: an existing path is an archive or folder, `-` is a stream on stdin, else
the local engines are asked (podman, then docker: whichever is installed and has the image), else the registry.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile

from dockerlint_slim.image.archive import ImageRef, LayerSink, read_image, read_tar_stream
from dockerlint_slim.image.errors import ImageError
from dockerlint_slim.image.tar_stream import InflateBudget

SOURCES = ("docker", "podman", "docker-archive", "oci-archive", "oci", "registry")
ENGINES = ("podman", "docker")
INSPECT_TIMEOUT = 300  # podman waits for its storage lock while other builds run


def split_scheme(reference: str, source: str | None) -> tuple[str | None, str]:
    """`podman://app:1` -> ("podman", "app:1"); a --source that disagrees with the scheme is a usage error."""
    scheme, sep, rest = reference.partition("://")
    if sep and scheme in SOURCES:
        if source and source != scheme:
            raise ImageError(f"--source {source} and {scheme}:// disagree: give one of them")
        return scheme, rest
    return source, reference


def read(reference: str, source: str | None, sink: LayerSink, tag: str | None, platform: str | None,
         budget: InflateBudget, insecure: bool = False) -> ImageRef:
    source, reference = split_scheme(reference, source)
    if source in ("docker-archive", "oci-archive", "oci"):
        return _read_path(reference, source, sink, tag, platform, budget)
    if source in ENGINES:
        return _read_engine(source, reference, sink, platform, budget)
    if source == "registry":
        from dockerlint_slim.image.registry_client import fetch_image

        return fetch_image(reference, sink, platform, budget, insecure)
    # auto-detection
    if reference == "-":
        return read_tar_stream(sys.stdin.buffer, "<stdin>", sink, tag, platform, budget)
    if os.path.lexists(reference):
        return read_image(reference, sink, tag, platform, budget)
    tried = []
    for engine in ENGINES:
        program = shutil.which(engine)
        if program is None:
            tried.append(f"{engine} is not installed")
            continue
        found, why = _engine_has(program, reference)
        if found:
            return _read_engine(engine, reference, sink, platform, budget)
        tried.append(f"{engine} could not be asked ({why})" if why else f"{engine} has no image {reference!r}")
    from dockerlint_slim.image.registry_client import fetch_image, parse_reference

    try:
        parse_reference(reference)
    except ImageError:
        raise ImageError(f"{reference}: no such file or folder, and " + "; ".join(tried)
                         + f". Save the image first (docker save -o app.tar {reference}) and give that file, "
                         "or name an image the engine or a registry has") from None
    try:
        return fetch_image(reference, sink, platform, budget, insecure)
    except ImageError as error:
        raise ImageError(f"{reference}: not a file or folder; " + "; ".join(tried) + f"; registry: {error}. "
                         f"Give a saved archive (docker save -o app.tar {reference}), or --source to say where "
                         "the image is") from None


def _read_path(path: str, source: str, sink: LayerSink, tag: str | None, platform: str | None,
               budget: InflateBudget) -> ImageRef:
    if not os.path.lexists(path):
        raise ImageError(f"{path}: no such file or directory")
    if source == "oci" and not os.path.isdir(path):
        raise ImageError(f"{path}: --source oci needs an OCI layout folder (skopeo copy ... oci:DIR); for a tar "
                         "give --source oci-archive")
    if source != "oci" and os.path.isdir(path):
        raise ImageError(f"{path}: a folder; --source {source} needs an archive file (for an OCI folder: "
                         "--source oci)")
    image = read_image(path, sink, tag, platform, budget)
    wanted = {"docker-archive": "docker-archive", "oci-archive": "oci-archive", "oci": "oci-dir"}[source]
    if image.layout != wanted:
        raise ImageError(f"{path}: a {image.layout}, not a {source} (leave out --source to read it as it is)")
    return image


def _engine_has(program: str, reference: str) -> tuple[bool, str]:
    try:
        done = subprocess.run([program, "image", "inspect", reference], capture_output=True,
                              timeout=INSPECT_TIMEOUT, check=False, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as error:
        return False, str(error)
    if done.returncode == 0:
        return True, ""
    text = done.stderr.decode("utf-8", "replace").strip().splitlines()
    why = text[-1] if text else ""
    # "no such image" / "image not known" is the expected answer; anything else (daemon down) is worth saying
    return False, "" if any(word in why.lower() for word in ("no such", "not known", "not found")) else why[:200]


def _inspect(program: str, reference: str) -> dict:
    try:
        done = subprocess.run([program, "image", "inspect", reference], capture_output=True,
                              timeout=INSPECT_TIMEOUT, check=False, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise ImageError(f"{program} image inspect {reference}: {error}") from None
    if done.returncode != 0:
        lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ImageError(f"{os.path.basename(program)} has no image {reference!r}"
                         + (f": {lines[-1][:300]}" if lines else "")
                         + f" (build or pull it first, or save it: {os.path.basename(program)} save -o app.tar "
                         f"{reference})")
    try:
        found = json.loads(done.stdout)
    except ValueError:
        found = None
    return found[0] if isinstance(found, list) and found and isinstance(found[0], dict) else {}


def _read_engine(engine: str, reference: str, sink: LayerSink, platform: str | None,
                 budget: InflateBudget) -> ImageRef:
    """Stream `ENGINE image save` into the analysis: no copy of the image on disk, memory bounded by the number of
    files (the engine's layer list lets each layer be analysed as it passes), the child ended on any error."""
    program = shutil.which(engine)
    if program is None:
        raise ImageError(f"{engine} is not installed (give a saved archive instead: docker save -o app.tar "
                         f"{reference})")
    details = _inspect(program, reference)
    layers = details.get("RootFS", {}).get("Layers") if isinstance(details.get("RootFS"), dict) else None
    expected = [digest for digest in layers if isinstance(digest, str)] if isinstance(layers, list) else None
    command = [program, "image", "save"]
    if engine == "podman":
        command += ["--format", "docker-archive"]
    command.append(reference)
    with tempfile.TemporaryFile() as errors:
        child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors, stdin=subprocess.DEVNULL,
                                 start_new_session=True)
        try:
            assert child.stdout is not None
            image = read_tar_stream(child.stdout, f"{engine}://{reference}", sink, None, platform, budget,
                                    expected_diff_ids=expected)
            child.stdout.close()
            status = child.wait()
        except BaseException:
            _stop(child)
            raise
        if status != 0:
            errors.seek(0)
            lines = errors.read(65536).decode("utf-8", "replace").strip().splitlines()
            raise ImageError(f"{engine} image save {reference} failed (exit {status})"
                             + (f": {lines[-1][:300]}" if lines else ""))
    image.source = f"{engine}://{reference}"
    return image


def _stop(child: subprocess.Popen) -> None:
    """End the engine's save (and what it started) when the analysis stops early: error, Ctrl-C."""
    if child.poll() is None:
        try:
            os.killpg(child.pid, signal.SIGTERM)
        except OSError:
            child.terminate()
        try:
            child.wait(timeout=5)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(child.pid, signal.SIGKILL)
            except OSError:
                child.kill()
            child.wait()
    if child.stdout is not None:
        child.stdout.close()
