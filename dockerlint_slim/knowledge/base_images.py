"""Offline knowledge about base images: name normalisation, compiler/SDK families, which images run a service,
approximate sizes, and the smaller or runtime image to suggest for a heavy one.

Nothing here touches the network. Every tag this module suggests is looked up in the official images' own tag
lists (`official_tags`): a tag that was never published is never suggested. Sizes are approximate linux/amd64
figures of recent official images, not measurements (compressed = what a pull downloads, uncompressed = what the
image takes on disk); they drift from release to release, so messages quote them as "about N MB" and findings mark
them as estimates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

from dockerlint_slim.knowledge import official_tags  # its table is read on first use, not at import

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
# Tags: their words, the distribution release they are built on


def _tag_has(tag: str, *words: str) -> bool:
    """Whether a dash-separated part of the tag is one of `words` (`alpine3.20` counts as `alpine`)."""
    parts = tag.lower().split("-")
    return any(part == word or (part.startswith(word) and part[len(word):][:1].isdigit())
               for part in parts for word in words)


DEBIAN_SUITES = frozenset({"jessie", "stretch", "buster", "bullseye", "bookworm", "trixie", "forky", "duke", "sid"})
UBUNTU_SUITES = frozenset({"trusty", "xenial", "bionic", "focal", "jammy", "kinetic", "lunar", "mantic", "noble",
                           "oracular", "plucky", "questing", "resolute"})
_ALPINE = re.compile(r"^alpine(\d+\.\d+)?$")


def _words_of(ref: ImageRef) -> list[frozenset[str]]:
    """The variant words of the tag, then those of its current aliases (`rust:1` is also `1-trixie`)."""
    found = [official_tags.tag_shape(ref.tag_or_latest).words]
    found += [official_tags.tag_shape(alias).words for alias in official_tags.aliases(ref.name, ref.tag_or_latest)]
    return found


def distro_release(ref: ImageRef) -> tuple[str, str | None] | None:
    """(`debian`, `bookworm`), (`ubuntu`, `jammy`) or (`alpine`, `3.20`/None): what an official image's tag is
    built on, from its words or those of its current aliases; None when the tag does not say."""
    for words in _words_of(ref):
        for word in sorted(words):
            if word in DEBIAN_SUITES:
                return "debian", word
            if word in UBUNTU_SUITES:
                return "ubuntu", word
            match = _ALPINE.match(word)
            if match:
                return "alpine", match.group(1)
    return None


def slim_os_image(ref: ImageRef) -> str | None:
    """The smallest OS image of the release `ref` is built on, as a published tag: `debian:bookworm-slim`,
    `ubuntu:jammy`, `alpine:3.20`; None when the release is unknown."""
    release = distro_release(ref)
    if release is None:
        return None
    distro, version = release
    if distro == "debian":
        return f"debian:{version}-slim" if official_tags.tag_exists("debian", f"{version}-slim") else None
    if distro == "ubuntu":
        return f"ubuntu:{version}" if official_tags.tag_exists("ubuntu", version) else None
    if version and official_tags.tag_exists("alpine", version):
        return f"alpine:{version}"
    return "alpine"


# ---------------------------------------------------------------------------------------------------------------
# Java: the release of a JDK image and the JRE image of that release

JDK_IMAGES = frozenset({"openjdk", "eclipse-temurin", "sapmachine", "ibm-semeru-runtimes", "amazoncorretto"})
_JAVA_IN_BUILD_TAG = re.compile(
    r"(?:temurin|openjdk|jdk|corretto|amazoncorretto|sapmachine|semeru|graalvm|liberica|zulu)-?(\d+)(?![\d.])")


def java_release(ref: ImageRef) -> int | None:
    """The Java release of a JDK image (`8` for `openjdk:8u212-jdk`) or of a Maven/Gradle image
    (`21` for `maven:3.9-eclipse-temurin-21`, `gradle:8-jdk21`); None when no tag or current alias says."""
    tags = [ref.tag_or_latest, *official_tags.aliases(ref.name, ref.tag_or_latest)]
    for tag in tags:
        if ref.name in ("maven", "gradle"):
            match = _JAVA_IN_BUILD_TAG.search(tag)
        else:
            version = official_tags.tag_shape(tag).version
            match = re.match(r"(?:open-)?(\d+)", version[0]) if version else re.search(r"(?:^|-)(\d+)(?:-|$)", tag)
        if match:
            number = int(match.group(1))
            return 8 if number == 1 else number  # `1.8` is Java 8
    return None


def jre_image(ref: ImageRef) -> str | None:
    """A published JRE image of the same Java release (and C library) as the JDK, Maven or Gradle image `ref`:
    `eclipse-temurin:21-jre-noble` for `eclipse-temurin:21-jdk-noble`, `eclipse-temurin:11-jre` for the deprecated
    `openjdk:11-jdk-stretch`, `eclipse-temurin:21-jre` for `maven:3.9-eclipse-temurin-21`. None when there is none."""
    if ref.name in ("eclipse-temurin", "sapmachine", "ibm-semeru-runtimes", "amazoncorretto"):
        found = official_tags.jre_tags(ref.name, ref.tag_or_latest)
        return f"{ref.name}:{found[0]}" if found else None
    if ref.name == "openjdk":
        found = official_tags.jre_tags("openjdk", ref.tag_or_latest, "eclipse-temurin")
        return f"eclipse-temurin:{found[0]}" if found else None
    if ref.name in ("maven", "gradle"):
        release = java_release(ref)
        if release is None:
            return None
        alpine = any(_ALPINE.match(word) for word in official_tags.tag_shape(ref.tag_or_latest).words)
        found = official_tags.jre_tags("eclipse-temurin", f"{release}-jdk" + ("-alpine" if alpine else ""))
        return f"eclipse-temurin:{found[0]}" if found else None
    return None


# ---------------------------------------------------------------------------------------------------------------
# Compiler / SDK images


@dataclass(frozen=True)
class CompilerFamily:
    key: str
    what: str  # "the Go toolchain"
    runtime: str  # the runtime base(s) to suggest, published references in backticks, with their conditions
    runtime_image: str | None = None  # the one runtime image to write in a suggested `FROM`
    typical_size_mb: int | None = None  # uncompressed size of the SDK image, about (glibc variants)


def compiler_family(ref: ImageRef) -> CompilerFamily | None:
    """The compiler/SDK family of an image, or None. `node` is not here: it is an SDK only when a build runs."""
    name, tag = ref.name, ref.tag_or_latest.lower()
    if name == "golang":
        if _tag_has(tag, "alpine"):
            base = slim_os_image(ref) or "alpine"
            return CompilerFamily("golang", "the Go toolchain", f"`{base}`", base, 260)
        os_image = slim_os_image(ref)
        cgo = f", or `{os_image}` for a cgo binary" if os_image else ""
        return CompilerFamily("golang", "the Go toolchain",
                              f"`gcr.io/distroless/static-debian12` or `scratch` (build with CGO_ENABLED=0){cgo}",
                              "gcr.io/distroless/static-debian12", 880)
    if name in ("rust", "gcc", "haskell"):
        what = {"rust": "the Rust toolchain", "gcc": "GCC and build tools", "haskell": "GHC, cabal and stack"}[name]
        size = {"rust": 800 if _tag_has(tag, "slim", "alpine") else 1500, "gcc": 1400, "haskell": 1500}[name]
        return CompilerFamily(name, what, *_same_release_runtime(ref), size)
    if name == "buildpack-deps":
        # `-curl` and `-scm` tags only add curl/git; the plain tags add gcc, make and the -dev libraries.
        if _tag_has(tag, "curl", "scm"):
            return None
        return CompilerFamily("buildpack-deps", "gcc, make and -dev libraries", *_same_release_runtime(ref), 850)
    if name in ("maven", "gradle"):
        jre = jre_image(ref)
        runtime = f"`{jre}`" if jre else "a JRE image of the same Java release"
        return CompilerFamily(name, f"{name.capitalize()} and a full JDK", runtime, jre, 500)
    if name in JDK_IMAGES:
        # Default tags of these images are JDKs; `jre` tags (and corretto's `headless`) are runtimes.
        if _tag_has(tag, "jre", "headless"):
            return None
        release = java_release(ref)
        what = "a full JDK with javac" + (" and jlink" if release is None or release >= 9 else "")
        jre = jre_image(ref)
        if jre is None:
            runtime = ("a runtime made with `jlink` from this JDK" if release is not None and release >= 9
                       else "a JRE image of the same Java release")
        else:
            runtime = f"`{jre}`" + (" (the openjdk image is deprecated)" if name == "openjdk" else "")
        return CompilerFamily(name, what, runtime, jre, 450)
    if name in ("mcr.microsoft.com/dotnet/sdk", "mcr.microsoft.com/dotnet/core/sdk"):
        # The runtime images live next to the SDK (`dotnet/core/aspnet` for the 2.x/3.x `dotnet/core/sdk`) and
        # share its `major.minor` tags.
        prefix = name[: -len("sdk")]
        version = ref.tag.split("-")[0] if ref.tag and re.fullmatch(r"\d+\.\d+", ref.tag.split("-")[0]) else None
        if version:
            runtime = f"`{prefix}aspnet:{version}` (web apps) or `{prefix}runtime:{version}`"
            image = f"{prefix}aspnet:{version}"
        else:
            runtime, image = f"`{prefix}aspnet` or `{prefix}runtime` of the same version", None
        return CompilerFamily("dotnet-sdk", "the .NET SDK", runtime, image, 750)
    if name == "microsoft/dotnet" and _tag_has(tag, "sdk"):
        return CompilerFamily("dotnet-sdk", "the .NET SDK", "a `-runtime` tag of the same version", None, 750)
    if name == "swift":
        if _tag_has(tag, "slim"):
            return None  # swift:*-slim is the runtime-only image
        slim = official_tags.variant(name, ref.tag_or_latest, add={"slim"})
        runtime = f"`swift:{slim}`" if slim else "a `-slim` tag of the same Swift release"
        return CompilerFamily("swift", "the Swift toolchain", runtime, f"swift:{slim}" if slim else None, 1200)
    return None


def _same_release_runtime(ref: ImageRef) -> tuple[str, str | None]:
    """A runtime base on the same distribution release as the build image, so that the binary finds the C library
    it was linked against."""
    image = slim_os_image(ref)
    if image is not None:
        return f"`{image}`", image
    return f"a slim image of the distribution release `{ref}` is built on", None


def development_base(ref: ImageRef) -> bool:
    """Images made to develop in: CUDA `devel` and ROCm `dev-` images, dev-container and notebook images."""
    name = ref.name
    if name.endswith("nvidia/cuda") or name.endswith("/cuda"):
        return _tag_has(ref.tag_or_latest, "devel")
    return (name.startswith(("mcr.microsoft.com/devcontainers/", "mcr.microsoft.com/vscode/devcontainers/",
                             "jupyter/", "quay.io/jupyter/", "gitpod/workspace-", "codercom/code-server",
                             "rocm/dev-")))


# What the official buildpack-deps images install on top of debian:<suite> (docker-library/buildpack-deps, trixie
# Dockerfiles, all with --no-install-recommends): `<suite>-curl`, then `<suite>-scm` adds version control, then
# `<suite>` adds the toolchain and the common -dev libraries.
# Red Hat's Software Collections images (UBI `nodejs-22`, `nodejs-22-minimal`, `python-312`, `ruby-33`, `php-83`,
# `perl-536`, `go-toolset`, `s2i-base`, `s2i-core`; the same images under quay.io/sclorg and registry.redhat.io) set
# `ENV HOME=/opt/app-root/src` for every user, root included (sclorg/s2i-base-container and the language images'
# Dockerfiles). The plain `ubi9/ubi` and `ubi9/ubi-minimal` images set no HOME.
S2I_HOME = "/opt/app-root/src"
_S2I_REGISTRIES = ("registry.access.redhat.com/", "registry.redhat.io/", "quay.io/sclorg/")
_S2I_IMAGE = re.compile(r"^(?:ubi\d+/|rhel\d+/|)(?:nodejs|python|ruby|php|perl|go-toolset|s2i-base|s2i-core)"
                        r"(?:-\d+)?(?:-c\d+s|-minimal)?$")


def home_env(ref: ImageRef) -> str | None:
    """The `HOME` the base image sets in its environment (for every user), None when it sets none or is unknown."""
    for registry in _S2I_REGISTRIES:
        if ref.name.startswith(registry):
            rest = ref.name[len(registry):]
            if registry == "quay.io/sclorg/":
                rest = re.sub(r"-(?:c\d+s|rhel\d+|ubi\d+|fedora)$", "", rest)
            if _S2I_IMAGE.match(rest):
                return S2I_HOME
    return None


_BUILDPACK_CURL = frozenset({"ca-certificates", "curl", "gnupg", "netbase", "sq", "wget"})
_BUILDPACK_SCM = _BUILDPACK_CURL | {"git", "mercurial", "openssh-client", "subversion", "procps"}
_BUILDPACK_FULL = _BUILDPACK_SCM | {
    "autoconf", "automake", "bzip2", "default-libmysqlclient-dev", "dpkg-dev", "file", "g++", "gcc", "imagemagick",
    "libbz2-dev", "libc6-dev", "libcurl4-openssl-dev", "libdb-dev", "libevent-dev", "libffi-dev", "libgdbm-dev",
    "libglib2.0-dev", "libgmp-dev", "libjpeg-dev", "libkrb5-dev", "liblzma-dev", "libmagickcore-dev",
    "libmagickwand-dev", "libmaxminddb-dev", "libncurses5-dev", "libncursesw5-dev", "libpng-dev", "libpq-dev",
    "libreadline-dev", "libsqlite3-dev", "libssl-dev", "libtool", "libwebp-dev", "libxml2-dev", "libxslt-dev",
    "libyaml-dev", "make", "patch", "unzip", "xz-utils", "zlib1g-dev",
    # other names of what is there: the build-essential set, virtual and older package names
    "build-essential", "libc-dev", "libgdbm-compat-dev", "libjpeg62-turbo-dev", "libmysqlclient-dev",
    "libncurses-dev", "libxslt1-dev",
}
# Official images whose default (full) variant is built FROM a buildpack-deps image, and which one.
_BUILT_ON_BUILDPACK = {"python": _BUILDPACK_FULL, "node": _BUILDPACK_FULL, "ruby": _BUILDPACK_FULL,
                   "perl": _BUILDPACK_FULL, "erlang": _BUILDPACK_FULL, "elixir": _BUILDPACK_FULL,
                   "pypy": _BUILDPACK_FULL, "rust": _BUILDPACK_FULL, "gcc": _BUILDPACK_FULL,
                   "golang": _BUILDPACK_SCM}


def buildpack_packages(ref: ImageRef) -> frozenset[str]:
    """The Debian packages `ref` already ships beyond debian:<suite> because it is (built on) buildpack-deps
    (`python:3.12` -> gcc, git, libssl-dev, ...; `golang:1.25` -> git, curl, ...); nothing for slim and alpine
    variants and other images."""
    if variant_of(ref) != "full":
        return frozenset()
    if ref.name == "buildpack-deps":
        tag = ref.tag_or_latest
        return _BUILDPACK_CURL if _tag_has(tag, "curl") else _BUILDPACK_SCM if _tag_has(tag, "scm") else _BUILDPACK_FULL
    return _BUILT_ON_BUILDPACK.get(ref.name, frozenset())


# ---------------------------------------------------------------------------------------------------------------
# Images whose default command runs a service

# Official images whose default command starts a server: an image built on one without a CMD of its own runs it.
_SERVICE_IMAGES = frozenset({
    "nginx", "httpd", "tomcat", "jetty", "postgres", "mysql", "mariadb", "percona", "mongo", "redis", "memcached",
    "rabbitmq", "wordpress", "drupal", "joomla", "nextcloud", "ghost", "haproxy", "traefik", "caddy", "elasticsearch",
    "kibana", "logstash", "solr", "cassandra", "couchdb", "couchbase", "neo4j", "influxdb", "telegraf", "zookeeper",
    "kong", "registry", "sonarqube", "odoo", "matomo", "mediawiki", "redmine", "rocket.chat", "phpmyadmin",
    "adminer", "nats", "eclipse-mosquitto", "varnish", "friendica", "yourls", "mongo-express", "flink", "unit",
    "xwiki", "nuxeo", "postfixadmin", "monica", "bonita", "plone", "znc", "kapacitor", "chronograf", "emqx",
    "consul", "vault", "spiped", "tomee", "open-liberty", "websphere-liberty", "jenkins", "gitea/gitea",
    "grafana/grafana", "prom/prometheus",
})


def runs_service(ref: ImageRef) -> bool:
    """The image's default command starts a server (`nginx`, `postgres`, `php:*-apache`, `php:*-fpm`)."""
    if ref.name == "php":
        return _tag_has(ref.tag_or_latest, "apache", "fpm")
    return ref.name in _SERVICE_IMAGES


# ---------------------------------------------------------------------------------------------------------------
# Approximate sizes of common official images and their smaller variants (not measured: estimates)


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


# Programs the full buildpack-deps based images (python, node, ruby, perl, ...) have and their `-slim` and
# `-alpine` tags do not; Alpine images have no bash either. A file that runs one of them needs to install it there.
BUILDPACK_BASED = frozenset({"python", "node", "ruby", "perl", "buildpack-deps", "erlang", "elixir", "pypy"})
_BUILDPACK_PROGRAMS = frozenset({"git", "curl", "wget", "gcc", "g++", "cc", "c++", "make", "patch", "svn", "hg",
                                 "ssh", "scp", "unzip", "autoconf", "automake", "pkg-config", "convert"})
# Packages that provide those programs under another name.
PACKAGE_PROGRAMS = {"build-essential": ("gcc", "g++", "cc", "c++", "make"), "build-base": ("gcc", "g++", "cc", "make"),
                    "git-core": ("git",), "subversion": ("svn",), "mercurial": ("hg",),
                    "openssh-client": ("ssh", "scp"), "imagemagick": ("convert",), "gcc": ("gcc", "cc"),
                    "g++": ("g++", "c++"), "pkgconf": ("pkg-config",), "gnupg2": ("gnupg",)}


# Programs whose use needs a package the smaller images may lack: `apt-key adv` and `gpg` need gnupg.
_NEEDS_PACKAGE = {"apt-key": "gnupg", "gpg": "gnupg", "gpg2": "gnupg", "dirmngr": "gnupg"}


def missing_in_variant(ref: ImageRef, variant: str, programs: set[str]) -> frozenset[str]:
    """Of the `programs` a Dockerfile runs, those that `ref` has and its `variant` tag (`slim`, `alpine`) may lack
    (named by the package to install when that differs: `gnupg` for `apt-key`)."""
    missing: set[str] = set()
    if ref.name in BUILDPACK_BASED and variant_of(ref) == "full" and variant in ("slim", "alpine"):
        missing |= {p for p in programs if p in _BUILDPACK_PROGRAMS}
        missing |= {_NEEDS_PACKAGE[p] for p in programs if p in _NEEDS_PACKAGE}
    if variant == "alpine":
        missing |= {p for p in programs if p in ("bash", "curl")}
    return frozenset(missing)


@dataclass(frozen=True)
class SmallerVariant:
    current: SizeEntry
    smaller: SizeEntry
    suggested_tag: str  # a published tag of `smaller.name`, e.g. "3.12-slim"

    @property
    def suggested_image(self) -> str:
        return f"{self.smaller.name}:{self.suggested_tag}"

    @property
    def saved_compressed_mb(self) -> int:
        return self.current.compressed_mb - self.smaller.compressed_mb

    @property
    def saved_uncompressed_mb(self) -> int:
        return self.current.uncompressed_mb - self.smaller.uncompressed_mb


# Which smaller variant to suggest for a full one: glibc-compatible first (`-slim`), musl (`-alpine`) when no
# slim tag exists.
_SMALLER = ("slim", "alpine")


def smaller_variant(ref: ImageRef, alpine: bool = True) -> SmallerVariant | None:
    """The published smaller variant of `ref` and both sizes, or None when `ref` is not a known heavy variant or
    no smaller tag of the same version was ever published. `alpine=False`: only glibc variants (the Dockerfile
    uses apt-get or other Debian tools, which an Alpine image does not have)."""
    if official_tags.tag_exists(ref.name, ref.tag_or_latest) is None:
        return None  # not an official image, or not a tag at all (`%%TAG%%`, an unexpanded variable)
    variant = variant_of(ref)
    current = SIZES.get((ref.name, variant))
    if current is None:
        return None
    if variant == "jdk":
        jre = jre_image(ref)
        if jre is None:
            return None
        name, tag = jre.split(":", 1)
        smaller = SIZES.get((name, "jre"))
        if smaller is None:
            return None
        return SmallerVariant(SizeEntry(ref.name, variant, *current), SizeEntry(name, "jre", *smaller), tag)
    if variant != "full":
        return None
    for candidate in _SMALLER:
        smaller = SIZES.get((ref.name, candidate))
        if smaller is None or (candidate == "alpine" and not alpine):
            continue
        tag = variant_tag(ref, candidate)
        if tag is not None:
            return SmallerVariant(SizeEntry(ref.name, variant, *current), SizeEntry(ref.name, candidate, *smaller),
                                  tag)
    return None


def image_size(ref: ImageRef) -> SizeEntry | None:
    """The approximate size of the official image `ref` (by its variant: full, slim, alpine, jdk, jre), or None when
    the table has no figure for it or `ref` is not a published tag of an official image."""
    if official_tags.tag_exists(ref.name, ref.tag_or_latest) is not True:
        return None
    variant = variant_of(ref)
    size = SIZES.get((ref.name, variant))
    return SizeEntry(ref.name, variant, *size) if size is not None else None


def slimmer_variants(ref: ImageRef) -> list[tuple[str, SizeEntry | None]]:
    """The published smaller variants of the official image `ref`, each with its approximate size when the table
    has one: the `-slim` and `-alpine` tags of the same version (`alpine` only, for a slim tag), the JRE of a JDK's
    Java release. Every tag is one the official image published; none for an unknown image or tag."""
    if official_tags.tag_exists(ref.name, ref.tag_or_latest) is not True:
        return []
    variant = variant_of(ref)
    found: list[tuple[str, SizeEntry | None]] = []
    if variant == "jdk":
        jre = jre_image(ref)
        if jre is not None:
            name = jre.split(":", 1)[0]
            size = SIZES.get((name, "jre"))
            found.append((jre, SizeEntry(name, "jre", *size) if size is not None else None))
        return found
    words = {"full": ("slim", "alpine"), "slim": ("alpine",)}.get(variant, ())
    for word in words:
        tag = variant_tag(ref, word, instead_of=("slim",) if variant == "slim" else ())
        if tag is not None:
            size = SIZES.get((ref.name, word))
            found.append((f"{ref.name}:{tag}", SizeEntry(ref.name, word, *size) if size is not None else None))
    return found


def variant_tag(ref: ImageRef, word: str, instead_of: Iterable[str] = ()) -> str | None:
    """The published tag of the same version as `ref` with the variant `word` added (and the words `instead_of`
    dropped): `python:3.12-bookworm` + slim -> `3.12-slim-bookworm`, `nginx:1.25-perl` + alpine -> `1.25-alpine-perl`,
    `python:3.12-slim` + alpine instead of slim -> `3.12-alpine`, `debian:latest` + slim -> `trixie-slim` (through its
    alias). An Alpine tag drops the Debian suite. None when no such tag exists."""
    tag = ref.tag_or_latest
    if "onbuild" in official_tags.tag_shape(tag).words:
        return None  # the deprecated onbuild tags never had slim or alpine twins
    candidates = [tag] + [alias for alias in official_tags.aliases(ref.name, tag)
                          if not official_tags.tag_shape(tag).version]
    for candidate in candidates:
        words = official_tags.tag_shape(candidate).words
        remove = {w for w in words if w in DEBIAN_SUITES or w in UBUNTU_SUITES} if word == "alpine" else set()
        found = official_tags.variant(ref.name, candidate, add={word}, remove=remove | set(instead_of))
        if found is not None:
            return found
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
