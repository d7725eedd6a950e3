"""Offline knowledge about base images: name normalisation, compiler/SDK families, approximate sizes.

Data only: nothing here touches the network. Sizes are approximate linux/amd64 figures of recent official images
(compressed = what a pull downloads, uncompressed = what the image takes on disk); they drift by some percent
from release to release, so messages quote them as "about N MB".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MB = 1000 * 1000

# Registries and mirrors whose paths map 1:1 onto Docker Hub (official images under `library/`).
_HUB_PREFIXES = (
    "docker.io/library/",
    "docker.io/",
    "index.docker.io/library/",
    "index.docker.io/",
    "registry-1.docker.io/library/",
    "registry-1.docker.io/",
    "registry.hub.docker.com/library/",
    "registry.hub.docker.com/",
    "mirror.gcr.io/library/",
    "mirror.gcr.io/",
    "public.ecr.aws/docker/library/",
    "library/",
)


@dataclass(frozen=True)
class ImageRef:
    """A parsed image reference. `name` is normalised (`docker.io/library/golang` -> `golang`)."""

    name: str
    tag: str | None = None  # None when absent (`latest` implied) or only a digest was given
    digest: str | None = None
    unresolved: bool = False  # a `$VAR` is left somewhere in the reference

    @property
    def tag_or_latest(self) -> str:
        return self.tag if self.tag is not None else "latest"

    def __str__(self) -> str:
        text = self.name + (f":{self.tag}" if self.tag else "")
        return text + (f"@{self.digest}" if self.digest else "")


def parse_image(reference: str) -> ImageRef | None:
    """Parse `[registry/]name[:tag][@digest]`; None for `scratch`, empty or variable-only references."""
    text = reference.strip()
    if not text or text.lower() == "scratch":
        return None
    digest = None
    if "@" in text:
        text, digest = text.split("@", 1)
    tag = None
    slash = text.rfind("/")
    colon = text.rfind(":")
    if colon > slash:  # a colon after the last slash is the tag; before it, a registry port
        text, tag = text[:colon], text[colon + 1 :]
    name = normalise_name(text)
    if not name or name.startswith("$"):
        return None
    unresolved = "$" in name or (tag is not None and "$" in tag)
    return ImageRef(name=name, tag=tag or None, digest=digest, unresolved=unresolved)


def normalise_name(name: str) -> str:
    """Lower-case repository name with Docker Hub registry/mirror prefixes removed."""
    name = name.strip().lower()
    changed = True
    while changed:  # `docker.io/library/` and `library/` may both be present
        changed = False
        for prefix in _HUB_PREFIXES:
            if name.startswith(prefix) and len(name) > len(prefix):
                name = name[len(prefix) :]
                changed = True
    # Other mirrors and pull-through caches of Docker Hub keep its `library/` path for official images
    # (`registry.corp/library/golang`, Harbor's `harbor.corp/dockerhub/library/golang`): only Docker Hub has that
    # namespace, so `<host>[/<project>]/library/<name>` is the official `<name>`.
    # Public registries whose first path segment is an account (ghcr.io/library is some user) are not mirrors.
    head, marker, official = name.rpartition("/library/")
    host = head.split("/")[0]
    if (marker and head and official and "/" not in official and host not in _ACCOUNT_REGISTRIES
            and ("." in host or ":" in host or host == "localhost")):
        name = official
    return name


_ACCOUNT_REGISTRIES = frozenset({"ghcr.io", "quay.io", "gcr.io", "registry.gitlab.com", "docker.pkg.github.com",
                                 "cgr.dev", "mcr.microsoft.com", "registry.access.redhat.com", "registry.redhat.io",
                                 "public.ecr.aws", "nvcr.io", "icr.io"})


# ---------------------------------------------------------------------------------------------------------------
# Compiler / SDK images


@dataclass(frozen=True)
class CompilerFamily:
    key: str
    what: str  # "the Go toolchain"
    runtime: str  # the small runtime base to suggest
    typical_size_mb: int | None = None  # uncompressed size of the SDK image, about (glibc variants)


def _tag_has(tag: str, *words: str) -> bool:
    """Whether a dash-separated part of the tag is one of `words` (`alpine3.20` counts as `alpine`)."""
    parts = tag.lower().split("-")
    return any(part == word or (part.startswith(word) and part[len(word):][:1].isdigit())
               for part in parts for word in words)


def compiler_family(ref: ImageRef) -> CompilerFamily | None:
    """The compiler/SDK family of an image, or None. `node` is not here: it is an SDK only when a build runs."""
    name, tag = ref.name, ref.tag_or_latest.lower()
    if name == "golang":
        return CompilerFamily(
            "golang",
            "the Go toolchain",
            "`gcr.io/distroless/static-debian12`, `scratch` (build with CGO_ENABLED=0) or `alpine`",
            880 if not _tag_has(tag, "alpine") else 260,
        )
    if name == "rust":
        return CompilerFamily(
            "rust",
            "the Rust toolchain",
            "`debian:bookworm-slim` or `gcr.io/distroless/cc-debian12`",
            1500 if not _tag_has(tag, "slim", "alpine") else 800,
        )
    if name == "gcc":
        runtime = "`debian:bookworm-slim` or `gcr.io/distroless/cc-debian12`"
        return CompilerFamily("gcc", "GCC and build tools", runtime, 1400)
    if name == "buildpack-deps":
        # `-curl` and `-scm` tags only add curl/git; the plain tags add gcc, make and the -dev libraries.
        if _tag_has(tag, "curl", "scm"):
            return None
        return CompilerFamily("buildpack-deps", "gcc, make and -dev libraries", "`debian:<suite>-slim`", 850)
    if name == "haskell":
        return CompilerFamily("haskell", "GHC, cabal and stack", "`debian:bookworm-slim`", 1500)
    if name in ("maven", "gradle"):
        return CompilerFamily(name, f"{name.capitalize()} and a full JDK", "`eclipse-temurin:<version>-jre`", 500)
    if name in ("openjdk", "eclipse-temurin", "sapmachine", "ibm-semeru-runtimes", "amazoncorretto"):
        # Default tags of these images are JDKs; `jre` tags (and corretto's `headless`) are runtimes.
        if _tag_has(tag, "jre", "headless"):
            return None
        return CompilerFamily(name, "a full JDK with javac and jlink", _jre_suggestion(name, tag), 450)
    if name in ("mcr.microsoft.com/dotnet/sdk", "mcr.microsoft.com/dotnet/core/sdk"):
        return CompilerFamily(
            "dotnet-sdk",
            "the .NET SDK",
            "`mcr.microsoft.com/dotnet/aspnet` or `mcr.microsoft.com/dotnet/runtime` (same version)",
            750,
        )
    if name == "microsoft/dotnet" and _tag_has(tag, "sdk"):
        return CompilerFamily("dotnet-sdk", "the .NET SDK", "a `-runtime` tag of the same version", 750)
    if name == "swift":
        if _tag_has(tag, "slim"):
            return None  # swift:*-slim is the runtime-only image
        return CompilerFamily("swift", "the Swift toolchain", "`swift:<version>-slim`", 1200)
    return None


def _jre_suggestion(name: str, tag: str) -> str:
    match = re.match(r"^(\d+)", tag)
    version = match.group(1) if match else "<version>"
    jre = f"{version}-jre" + ("-alpine" if _tag_has(tag, "alpine") else "")
    if name == "openjdk":
        return f"`eclipse-temurin:{jre}` (the openjdk image is deprecated)"
    if name == "amazoncorretto":
        return f"a JRE-sized runtime built with `jlink`, or `eclipse-temurin:{jre}`"
    return f"`{name}:{jre}`"


# ---------------------------------------------------------------------------------------------------------------
# Approximate sizes of common official images and their smaller variants


@dataclass(frozen=True)
class SizeEntry:
    name: str  # normalised repository
    variant: str  # "full", "slim", "alpine", "jdk", "jre", ...
    compressed_mb: int
    uncompressed_mb: int


# (repository, variant) -> about (compressed MB, uncompressed MB), linux/amd64.
SIZES: dict[tuple[str, str], tuple[int, int]] = {
    ("python", "full"): (380, 1020),
    ("python", "slim"): (45, 130),
    ("python", "alpine"): (18, 50),
    ("node", "full"): (390, 1100),
    ("node", "slim"): (70, 210),
    ("node", "alpine"): (45, 140),
    ("ruby", "full"): (360, 1000),
    ("ruby", "slim"): (70, 220),
    ("ruby", "alpine"): (35, 100),
    ("perl", "full"): (330, 890),
    ("perl", "slim"): (50, 150),
    ("debian", "full"): (49, 117),
    ("debian", "slim"): (28, 74),
    ("php", "full"): (170, 500),
    ("php", "alpine"): (35, 100),
    ("postgres", "full"): (150, 430),
    ("postgres", "alpine"): (100, 270),
    ("nginx", "full"): (70, 190),
    ("nginx", "alpine"): (20, 50),
    ("httpd", "full"): (60, 150),
    ("httpd", "alpine"): (20, 60),
    ("redis", "full"): (45, 140),
    ("redis", "alpine"): (17, 45),
    ("eclipse-temurin", "jdk"): (190, 450),
    ("eclipse-temurin", "jre"): (90, 270),
    ("openjdk", "jdk"): (240, 470),
    ("golang", "full"): (290, 880),
    ("golang", "alpine"): (75, 260),
    ("rust", "full"): (550, 1500),
    ("rust", "slim"): (280, 800),
}

# Which variant a tag is. Checked in order: `-slim` before the default "full".
_VARIANT_WORDS = (("alpine", "alpine"), ("slim", "slim"), ("jre", "jre"), ("jdk", "jdk"))
# Tags that are distro suites or releases of the same (full) variant.
_SUITES = ("bookworm", "bullseye", "buster", "trixie", "stretch", "jessie", "sid", "latest")


def variant_of(ref: ImageRef) -> str:
    tag = ref.tag_or_latest.lower()
    for word, variant in _VARIANT_WORDS:
        if _tag_has(tag, word):
            return variant
    if ref.name in ("eclipse-temurin", "openjdk"):
        return "jdk"  # their default tags are JDKs
    if _tag_has(tag, "windowsservercore", "nanoserver"):
        return "windows"
    return "full"


@dataclass(frozen=True)
class SmallerVariant:
    current: SizeEntry
    smaller: SizeEntry
    suggested_tag: str  # e.g. "3.12-slim"

    @property
    def saved_compressed_mb(self) -> int:
        return self.current.compressed_mb - self.smaller.compressed_mb

    @property
    def saved_uncompressed_mb(self) -> int:
        return self.current.uncompressed_mb - self.smaller.uncompressed_mb


# Which smaller variant to suggest for a heavy one: glibc-compatible first (`-slim`), musl (`-alpine`) when no
# slim exists; JDK -> JRE.
_SMALLER = {"full": ("slim", "alpine"), "jdk": ("jre",)}


def smaller_variant(ref: ImageRef) -> SmallerVariant | None:
    """The official smaller variant of `ref` and both sizes, or None when `ref` is not a known heavy variant."""
    if ref.name == "php" and _tag_has(ref.tag_or_latest, "apache"):
        return None  # php has no apache+alpine variant
    variant = variant_of(ref)
    current = SIZES.get((ref.name, variant))
    if current is None:
        return None
    # The deprecated openjdk image has no JRE tags any more: its JRE is eclipse-temurin's.
    smaller_name = "eclipse-temurin" if (ref.name, variant) == ("openjdk", "jdk") else ref.name
    for candidate in _SMALLER.get(variant, ()):
        smaller = SIZES.get((smaller_name, candidate))
        if smaller is not None:
            tag = suggest_tag(ref, candidate)
            if smaller_name != ref.name:
                tag = re.sub(r"^(\d+)[^-]*", r"\1", tag)  # openjdk `17.0.2` -> temurin `17`
            return SmallerVariant(
                SizeEntry(ref.name, variant, *current),
                SizeEntry(smaller_name, candidate, *smaller),
                tag,
            )
    return None


def suggest_tag(ref: ImageRef, variant: str) -> str:
    """`3.12` + slim -> `3.12-slim`; `3.12-bookworm` + slim -> `3.12-slim-bookworm`; `21-jdk` + jre -> `21-jre`."""
    tag = ref.tag or ""
    if variant in ("jre", "jdk"):
        if re.search(r"\bjdk\b", tag):
            return re.sub(r"\bjdk\b", variant, tag)
        return f"{tag}-{variant}" if tag and tag != "latest" else variant
    if not tag or tag == "latest":
        if ref.name == "debian":
            return "stable-slim" if variant == "slim" else variant  # `latest` is the current stable
        return variant
    parts = tag.split("-")
    suites = [p for p in parts if p in _SUITES]
    if ref.name in ("debian", "node") and variant == "slim":
        return f"{tag}-slim"  # `bookworm-20240423-slim`, `20-bookworm-slim`
    if variant == "slim" and suites:
        # python/ruby/perl spell it `<version>-slim-<suite>`
        index = parts.index(suites[0])
        return "-".join(parts[:index] + ["slim"] + parts[index:])
    base = [p for p in parts if p not in _SUITES]
    return "-".join(base + [variant]) if base else variant
