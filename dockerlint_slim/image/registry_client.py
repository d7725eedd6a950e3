"""Read an image from a registry with no daemon: the OCI distribution API over HTTPS (plain HTTP for localhost,
or anywhere with --insecure).

Manifest lists and OCI indexes (a platform is chosen), Docker v2 and OCI manifests; anonymous bearer tokens and
credentials from $REGISTRY_AUTH_FILE, podman's auth.json, ~/.docker/config.json and docker credential helpers.
Every document and blob is verified against its digest while it streams; layers go straight into the analysis,
nothing is written to disk. Kept on the standard library (http.client) so the tool stays lean.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import os
import platform as host_platform
import re
import shutil
import ssl
import subprocess
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from dockerlint_slim.image.errors import ImageError

MANIFEST_ACCEPT = ", ".join((
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
))
MAX_MANIFEST_BYTES = 4 * 1024 * 1024  # the distribution spec's limit for a manifest
MAX_CONFIG_BYTES = 64 * 1024 * 1024
TIMEOUT = 60.0
CHUNK = 1 << 20
DOCKER_HUB = "registry-1.docker.io"
_LOCAL = re.compile(r"^(localhost|127(\.\d{1,3}){3}|\[::1\])(:\d+)?$")
_CHALLENGE = re.compile(r'(\w+)="([^"]*)"')
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"  # the distribution spec's repository name grammar
_REPOSITORY = re.compile(f"{_COMPONENT}(?:/{_COMPONENT})*")


@dataclass
class Reference:
    host: str  # as written (localhost:5000, ghcr.io); Docker Hub as docker.io
    repository: str
    tag: str
    digest: str

    @property
    def endpoint(self) -> str:
        return DOCKER_HUB if self.host == "docker.io" else self.host

    def __str__(self) -> str:
        return f"{self.host}/{self.repository}" + (f"@{self.digest}" if self.digest else f":{self.tag}")


def parse_reference(text: str) -> Reference:
    """`app`, `app:1`, `ghcr.io/o/app@sha256:...`, `localhost:5000/app:1` (Docker's rules for the host part)."""
    name, _, digest = text.partition("@")
    first, slash, rest = name.partition("/")
    if slash and ("." in first or ":" in first or first == "localhost"):
        host, path = first, rest
    else:
        host, path = "docker.io", name
    tag = ""
    last = path.rsplit("/", 1)[-1]
    if ":" in last:
        path, _, tag = path.rpartition(":")
    if host == "docker.io" and "/" not in path:
        path = "library/" + path
    if not path or not _REPOSITORY.fullmatch(path):
        raise ImageError(f"{text!r} is not an image reference (e.g. ghcr.io/owner/app:1)")
    if digest and not re.fullmatch(r"sha256:[0-9a-f]{64}", digest):
        raise ImageError(f"{text!r}: only sha256 digests are supported")
    return Reference(host, path, tag or ("" if digest else "latest"), digest)


def is_local(host: str) -> bool:
    return bool(_LOCAL.match(host))


# -- credentials -----------------------------------------------------------------------------------------------


def _auth_files() -> list[str]:
    files = []
    if os.environ.get("REGISTRY_AUTH_FILE"):
        files.append(os.environ["REGISTRY_AUTH_FILE"])
    if os.environ.get("XDG_RUNTIME_DIR"):
        files.append(os.path.join(os.environ["XDG_RUNTIME_DIR"], "containers", "auth.json"))
    home = os.path.expanduser("~")
    files.append(os.path.join(home, ".config", "containers", "auth.json"))
    files.append(os.path.join(os.environ.get("DOCKER_CONFIG") or os.path.join(home, ".docker"), "config.json"))
    return files


def _registry_keys(ref: Reference) -> list[str]:
    """The keys a credential may be stored under, most specific first (podman also keys by repository)."""
    keys = [f"{ref.host}/{ref.repository}", ref.host, f"https://{ref.host}", f"http://{ref.host}"]
    if ref.host == "docker.io":
        keys += ["https://index.docker.io/v1/", "index.docker.io", "registry-1.docker.io"]
    return keys


def credentials(ref: Reference) -> tuple[str, str] | None:
    """(user, secret) for the registry, or None (anonymous)."""
    for path in _auth_files():
        try:
            with open(path, "rb") as handle:
                config = json.loads(handle.read(1 << 20))
        except (OSError, ValueError, RecursionError):
            continue
        if not isinstance(config, dict):
            continue
        auths = config.get("auths") if isinstance(config.get("auths"), dict) else {}
        helpers = config.get("credHelpers") if isinstance(config.get("credHelpers"), dict) else {}
        for key in _registry_keys(ref):
            if isinstance(helpers.get(key), str):
                found = _from_helper(helpers[key], ref.host if key != "https://index.docker.io/v1/" else key)
                if found:
                    return found
            entry = auths.get(key)
            if isinstance(entry, dict):
                found = _decode_auth(entry)
                if found:
                    return found
        if isinstance(config.get("credsStore"), str):
            server = "https://index.docker.io/v1/" if ref.host == "docker.io" else ref.host
            found = _from_helper(config["credsStore"], server)
            if found:
                return found
    return None


def _decode_auth(entry: dict[str, Any]) -> tuple[str, str] | None:
    if isinstance(entry.get("auth"), str) and entry["auth"]:
        try:
            user, _, secret = base64.b64decode(entry["auth"]).decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError):
            return None
        return user, secret
    if isinstance(entry.get("username"), str) and isinstance(entry.get("password"), str):
        return entry["username"], entry["password"]
    return None


def _from_helper(name: str, server: str) -> tuple[str, str] | None:
    """`docker-credential-NAME get`, the credential helper protocol (the user's own configuration names it)."""
    program = shutil.which(f"docker-credential-{name}")
    if not program or not re.fullmatch(r"[A-Za-z0-9_.-]+", name):
        return None
    try:
        done = subprocess.run([program, "get"], input=server.encode(), capture_output=True, timeout=30, check=False)
        answer = json.loads(done.stdout) if done.returncode == 0 else None
    except (OSError, subprocess.TimeoutExpired, ValueError):
        return None
    if isinstance(answer, dict) and isinstance(answer.get("Secret"), str):
        return str(answer.get("Username") or ""), answer["Secret"]
    return None


# -- HTTP ------------------------------------------------------------------------------------------------------


class _Client:
    def __init__(self, ref: Reference, insecure: bool):
        self.ref = ref
        self.insecure = insecure
        self.plain_http_allowed = insecure or is_local(ref.host)
        self.scheme = "https"
        self.authorization: str | None = None
        self.login = credentials(ref)
        self.tried_token = False

    def _connection(self, scheme: str, netloc: str) -> http.client.HTTPConnection:
        if scheme == "http":
            return http.client.HTTPConnection(netloc, timeout=TIMEOUT)
        context = ssl.create_default_context()
        if self.insecure:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return http.client.HTTPSConnection(netloc, timeout=TIMEOUT, context=context)

    def _send(self, url: str, headers: dict[str, str]) -> http.client.HTTPResponse:
        for _ in range(6):  # redirects (blob storage)
            parts = urllib.parse.urlsplit(url)
            if parts.scheme == "http" and not (self.plain_http_allowed and (is_local(parts.netloc)
                                                                            or self.insecure)):
                raise ImageError(f"{url}: plain HTTP refused (give --insecure to allow it)")
            connection = self._connection(parts.scheme, parts.netloc)
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            try:
                connection.request("GET", path or "/", headers=headers)
                response = connection.getresponse()
            except (OSError, http.client.HTTPException) as error:
                connection.close()
                raise ImageError(f"{parts.netloc}: {error}") from None
            if response.status in (301, 302, 303, 307, 308) and response.getheader("Location"):
                location = urllib.parse.urljoin(url, response.getheader("Location"))
                response.close()
                connection.close()
                if urllib.parse.urlsplit(location).netloc != parts.netloc:
                    headers = {k: v for k, v in headers.items() if k != "Authorization"}  # not for other hosts
                url = location
                continue
            return response
        raise ImageError(f"{url}: too many redirects")

    def get(self, path: str, accept: str | None = None) -> http.client.HTTPResponse:
        """GET /v2/... with authentication as the registry asks for it."""
        while True:
            headers = {"User-Agent": "slimlint"}
            if accept:
                headers["Accept"] = accept
            if self.authorization:
                headers["Authorization"] = self.authorization
            try:
                response = self._send(f"{self.scheme}://{self.ref.endpoint}{path}", headers)
            except ImageError:
                if self.scheme == "https" and self.plain_http_allowed:
                    self.scheme = "http"  # a local registry without TLS, as docker and podman allow
                    continue
                raise
            if response.status == 401 and self._authenticate(response):
                continue
            return response

    def _authenticate(self, response: http.client.HTTPResponse) -> bool:
        challenge = response.getheader("WWW-Authenticate") or ""
        response.read(65536)
        response.close()
        scheme = challenge.split(" ", 1)[0].lower()
        if scheme == "basic":
            if self.login is None or (self.authorization or "").startswith("Basic"):
                return False
            self.authorization = "Basic " + base64.b64encode(":".join(self.login).encode()).decode()
            return True
        if scheme == "bearer" and not self.tried_token:
            self.tried_token = True
            params = dict(_CHALLENGE.findall(challenge))
            realm = params.pop("realm", "")
            if not realm:
                return False
            params.setdefault("scope", f"repository:{self.ref.repository}:pull")
            headers = {"User-Agent": "slimlint"}
            if self.login is not None:
                headers["Authorization"] = "Basic " + base64.b64encode(":".join(self.login).encode()).decode()
            token_response = self._send(realm + ("&" if "?" in realm else "?") + urllib.parse.urlencode(params),
                                        headers)
            body = token_response.read(1 << 20)
            token_response.close()
            if token_response.status != 200:
                return False
            try:
                answer = json.loads(body)
            except ValueError:
                return False
            token = answer.get("token") or answer.get("access_token") if isinstance(answer, dict) else None
            if not isinstance(token, str):
                return False
            self.authorization = f"Bearer {token}"
            return True
        return False

    def fail(self, response: http.client.HTTPResponse, what: str) -> ImageError:
        body = response.read(4096)
        response.close()
        detail = ""
        try:
            errors = json.loads(body).get("errors") or []
            detail = "; ".join(str(e.get("message") or e.get("code")) for e in errors if isinstance(e, dict))
        except (ValueError, AttributeError):
            pass
        hint = ""
        if response.status == 401:
            hint = (" (authentication required: log in with `docker login`/`podman login`, or point "
                    "REGISTRY_AUTH_FILE at an auth file)" if self.login is None else " (the credentials were refused)")
        elif response.status == 404:
            hint = " (no such image or tag)"
        return ImageError(f"{self.ref}: {what}: HTTP {response.status} {response.reason}"
                          + (f": {detail}" if detail else "") + hint)

    def document(self, path: str, accept: str | None, limit: int, digest: str | None, what: str
                 ) -> tuple[bytes, str, str]:
        """(body, media type, digest) of a manifest or config, verified against `digest` when given."""
        response = self.get(path, accept)
        if response.status != 200:
            raise self.fail(response, what)
        body = response.read(limit + 1)
        response.close()
        if len(body) > limit:
            raise ImageError(f"{self.ref}: {what} larger than {limit} bytes")
        actual = "sha256:" + hashlib.sha256(body).hexdigest()
        for expected in (digest, response.getheader("Docker-Content-Digest")):
            if expected and expected.startswith("sha256:") and expected != actual:
                raise ImageError(f"{self.ref}: {what} does not match its digest {expected[:19]}...: corrupt or "
                                 "tampered")
        media_type = (response.getheader("Content-Type") or "").split(";")[0].strip()
        return body, media_type, actual

    def blob_chunks(self, digest: str) -> Iterator[bytes]:
        """A blob's bytes as they arrive (its digest is verified by the reader that consumes them)."""
        response = self.get(f"/v2/{self.ref.repository}/blobs/{digest}")
        if response.status != 200:
            raise self.fail(response, f"blob {digest[:19]}...")
        try:
            while True:
                chunk = response.read(CHUNK)
                if not chunk:
                    return
                yield chunk
        except (OSError, http.client.HTTPException) as error:
            raise ImageError(f"{self.ref}: blob {digest[:19]}...: {error}") from None
        finally:
            response.close()


def host_platform_string() -> str:
    machine = host_platform.machine().lower()
    arch = {"x86_64": "amd64", "aarch64": "arm64", "armv7l": "arm/v7", "i686": "386"}.get(machine, machine)
    return f"linux/{arch}"


def _json_object(body: bytes, what: str) -> dict[str, Any]:
    from dockerlint_slim.image.archive import parse_json

    document = parse_json(body, what)
    if not isinstance(document, dict):
        raise ImageError(f"{what} is not a JSON object")
    return document


def fetch_image(text: str, sink, platform: str | None, budget, insecure: bool = False):
    """Read `text` (a reference) from its registry into `sink`; return the ImageRef."""
    from dockerlint_slim.image.archive import (
        INDEX_TYPES,
        _feed,
        _platform_string,
        image_from_documents,
        platform_matches,
    )

    ref = parse_reference(text)
    client = _Client(ref, insecure)
    manifests = f"/v2/{ref.repository}/manifests/"
    body, media_type, digest = client.document(manifests + (ref.digest or ref.tag), MANIFEST_ACCEPT,
                                               MAX_MANIFEST_BYTES, ref.digest or None, "manifest")
    document = _json_object(body, f"{ref}: manifest")
    chosen_platform = ""
    media_type = document.get("mediaType") if isinstance(document.get("mediaType"), str) else media_type
    if media_type in INDEX_TYPES or (not media_type and "manifests" in document):
        wanted = platform or host_platform_string()
        entries = [m for m in document.get("manifests") or [] if isinstance(m, dict)
                   and _platform_string(m.get("platform")) and isinstance(m.get("digest"), str)]
        matching = [m for m in entries if platform_matches(wanted, _platform_string(m.get("platform")))]
        if not matching:
            offered = ", ".join(sorted({_platform_string(m.get("platform")) for m in entries})) or "none"
            raise ImageError(f"{ref}: no image for platform {wanted!r}; the index offers: {offered} "
                             "(choose one with --platform)")
        chosen = matching[0]
        chosen_platform = _platform_string(chosen.get("platform"))
        body, media_type, digest = client.document(manifests + chosen["digest"], MANIFEST_ACCEPT,
                                                   MAX_MANIFEST_BYTES, chosen["digest"], "manifest")
        document = _json_object(body, f"{ref}: manifest")
    if "layers" not in document or not isinstance(document.get("config"), dict):
        if document.get("schemaVersion") == 1:
            raise ImageError(f"{ref}: a schema 1 manifest (deprecated since 2017) is not supported")
        raise ImageError(f"{ref}: the registry answered with something that is not an image manifest")
    config_digest = document["config"].get("digest")
    if not isinstance(config_digest, str):
        raise ImageError(f"{ref}: manifest without a config digest")
    config_body, _, _ = client.document(f"/v2/{ref.repository}/blobs/{config_digest}", None, MAX_CONFIG_BYTES,
                                        config_digest, "image config")
    config = _json_object(config_body, f"{ref}: image config")
    if platform and not chosen_platform and not platform_matches(platform, _platform_string(config)):
        raise ImageError(f"{ref}: the image is for {_platform_string(config) or 'an unknown platform'}, not "
                         f"{platform!r}")
    image = image_from_documents(f"registry://{ref}", "registry", document, config, [str(ref)],
                                 chosen_platform)
    sizes = [layer.get("size") if isinstance(layer, dict) else None for layer in document["layers"]]
    for layer, size in zip(image.layers, sizes):
        layer.blob_bytes = size if isinstance(size, int) and size >= 0 else 0
        _feed(sink, layer, client.blob_chunks(layer.digest), budget)
    return image
