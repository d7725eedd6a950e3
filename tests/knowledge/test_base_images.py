"""dockerlint_slim.knowledge.base_images: name normalisation, compiler families, services, the offline size table,
and suggestions that are published tags."""

import pytest

from dockerlint_slim.knowledge import official_tags
from dockerlint_slim.knowledge.base_images import (
    SIZES,
    compiler_family,
    distro_release,
    java_release,
    jre_image,
    normalise_name,
    parse_image,
    runs_service,
    smaller_variant,
    variant_of,
    variant_tag,
)


@pytest.mark.parametrize("reference,name,tag,digest", [
    ("golang", "golang", None, None),
    ("golang:1.22", "golang", "1.22", None),
    ("docker.io/library/golang:1.22", "golang", "1.22", None),
    ("docker.io/golang:1.22", "golang", "1.22", None),
    ("index.docker.io/library/golang:1.22", "golang", "1.22", None),
    ("registry-1.docker.io/library/golang", "golang", None, None),
    ("mirror.gcr.io/library/golang:1.22", "golang", "1.22", None),
    ("mirror.gcr.io/golang:1.22", "golang", "1.22", None),
    ("public.ecr.aws/docker/library/golang:1.22-alpine", "golang", "1.22-alpine", None),
    ("library/golang:1", "golang", "1", None),
    ("Golang:1.22", "golang", "1.22", None),
    ("localhost:5000/golang:1.22", "localhost:5000/golang", "1.22", None),
    ("localhost:5000/golang", "localhost:5000/golang", None, None),
    ("golang@sha256:" + "0" * 64, "golang", None, "sha256:" + "0" * 64),
    ("golang:1.22@sha256:" + "0" * 64, "golang", "1.22", "sha256:" + "0" * 64),
    ("mcr.microsoft.com/dotnet/sdk:8.0", "mcr.microsoft.com/dotnet/sdk", "8.0", None),
    ("jess/golang:1", "jess/golang", "1", None),
])
def test_parse_image(reference, name, tag, digest):
    ref = parse_image(reference)
    assert (ref.name, ref.tag, ref.digest) == (name, tag, digest)


@pytest.mark.parametrize("reference", ["", "scratch", "SCRATCH", "${BASE}", "$BASE:1"])
def test_parse_image_none(reference):
    assert parse_image(reference) is None


def test_unresolved_marker():
    assert parse_image("golang:${GO}").unresolved
    assert not parse_image("golang:1.22").unresolved


def test_normalise_name_keeps_other_registries():
    assert normalise_name("ghcr.io/library/golang") == "ghcr.io/library/golang"
    assert normalise_name("docker.io/bitnami/redis") == "bitnami/redis"


@pytest.mark.parametrize("reference,family", [
    ("golang:1.22-alpine3.20", "golang"), ("rust:1-slim", "rust"), ("gcc:14", "gcc"),
    ("buildpack-deps:bookworm", "buildpack-deps"), ("haskell:9.8", "haskell"), ("maven:3", "maven"),
    ("gradle:jdk21", "gradle"), ("openjdk:21", "openjdk"), ("eclipse-temurin:21-jdk-jammy", "eclipse-temurin"),
    ("eclipse-temurin", "eclipse-temurin"), ("amazoncorretto:21", "amazoncorretto"),
    ("mcr.microsoft.com/dotnet/sdk:8.0-alpine", "dotnet-sdk"), ("swift:5.10-jammy", "swift"),
])
def test_compiler_families(reference, family):
    assert compiler_family(parse_image(reference)).key == family


@pytest.mark.parametrize("reference", [
    "eclipse-temurin:21-jre", "eclipse-temurin:21-jre-alpine", "amazoncorretto:21-al2023-headless",
    "buildpack-deps:bookworm-scm", "buildpack-deps:bookworm-curl", "swift:5.10-slim", "node:20", "python:3.12",
    "mcr.microsoft.com/dotnet/runtime:8.0", "alpine:3.20", "golangci/golangci-lint:v1",
])
def test_not_compilers(reference):
    assert compiler_family(parse_image(reference)) is None


def test_jre_suggestion_keeps_version_and_libc():
    assert compiler_family(parse_image("openjdk:8-alpine")).runtime_image == "eclipse-temurin:8-jre-alpine"
    assert compiler_family(parse_image("eclipse-temurin:21-jdk")).runtime_image == "eclipse-temurin:21-jre"


@pytest.mark.parametrize("reference,release", [
    ("openjdk:8u212-jdk", 8), ("openjdk:8-alpine", 8), ("openjdk:11.0.16-jdk-slim", 11), ("eclipse-temurin:21", 21),
    ("maven:3.9-eclipse-temurin-21", 21), ("maven:3-openjdk-11", 11), ("maven:3.8-jdk-8", 8),
    ("gradle:8.7-jdk21", 21), ("gradle:jdk17-alpine", 17), ("ibm-semeru-runtimes:open-17-jdk", 17),
])
def test_java_release(reference, release):
    assert java_release(parse_image(reference)) == release


@pytest.mark.parametrize("reference,jre", [
    ("openjdk:11-jdk-stretch", "eclipse-temurin:11-jre"),  # no `11-jre-stretch` Temurin tag was ever published
    ("eclipse-temurin:21-jdk-noble", "eclipse-temurin:21-jre-noble"),
    ("maven:3.9-eclipse-temurin-21", "eclipse-temurin:21-jre"),
    ("amazoncorretto:8", "amazoncorretto:8-jre"),
    ("amazoncorretto:21", None),  # Corretto publishes no JRE of 21
])
def test_jre_image_is_published(reference, jre):
    assert jre_image(parse_image(reference)) == jre
    if jre:
        assert official_tags.tag_exists(*jre.split(":"))


@pytest.mark.parametrize("reference,release", [
    ("rust:1.79-bullseye", ("debian", "bullseye")), ("buildpack-deps:jammy", ("ubuntu", "jammy")),
    ("golang:1.22-alpine3.20", ("alpine", "3.20")), ("python:3.12-slim-bookworm", ("debian", "bookworm")),
    ("rust:1.79", None),  # a past tag that does not name its release
])
def test_distro_release(reference, release):
    assert distro_release(parse_image(reference)) == release


def test_services():
    for reference in ("nginx", "postgres:16", "php:8.3-apache", "php:8.2-fpm-alpine", "httpd:2.4"):
        assert runs_service(parse_image(reference)), reference
    for reference in ("php:8.3-cli", "php:8.3", "python:3.12", "debian", "golang:1.22"):
        assert not runs_service(parse_image(reference)), reference


@pytest.mark.parametrize("reference,variant", [
    ("python:3.12", "full"), ("python:3.12-slim-bookworm", "slim"), ("python:3.12-alpine3.20", "alpine"),
    ("node:20-bookworm-slim", "slim"), ("eclipse-temurin:21", "jdk"), ("eclipse-temurin:21-jre", "jre"),
    ("python:3.12-windowsservercore-ltsc2022", "windows"), ("debian", "full"),
])
def test_variant_of(reference, variant):
    assert variant_of(parse_image(reference)) == variant


@pytest.mark.parametrize("reference,variant,tag", [
    ("python:3.12", "slim", "3.12-slim"),
    ("python:3.12-bookworm", "slim", "3.12-slim-bookworm"),
    ("ruby:3.3-bookworm", "slim", "3.3-slim-bookworm"),
    ("node:20-bookworm", "slim", "20-bookworm-slim"),
    ("node:lts", "slim", "lts-slim"),
    ("debian:bookworm", "slim", "bookworm-slim"),
    ("debian:12", "slim", "12-slim"),
    ("debian:latest", "slim", "trixie-slim"),  # through its alias
    ("nginx:1.27", "alpine", "1.27-alpine"),
    ("nginx", "alpine", "alpine"),
    ("python:3.12-bookworm", "alpine", "3.12-alpine"),
    # spelled as the library spells them, not computed
    ("nginx:1.25-perl", "alpine", "1.25-alpine-perl"),
    ("perl:5.38-threaded", "slim", "5.38-slim-threaded"),
    # none published
    ("debian:bookworm-backports", "slim", None),
    ("node:onbuild", "slim", None),
    ("debian:%%TAG%%", "slim", None),
])
def test_variant_tag(reference, variant, tag):
    assert variant_tag(parse_image(reference), variant) == tag


def test_smaller_variant_figures_come_from_the_table():
    smaller = smaller_variant(parse_image("node:20"))
    assert (smaller.current.uncompressed_mb, smaller.smaller.uncompressed_mb) == (
        SIZES[("node", "full")][1], SIZES[("node", "slim")][1])
    assert smaller.saved_uncompressed_mb == SIZES[("node", "full")][1] - SIZES[("node", "slim")][1]
    assert smaller_variant(parse_image("nginx:1.27")).smaller.variant == "alpine"  # no slim nginx
    assert smaller_variant(parse_image("php:8.3-apache")) is None  # no apache+alpine php
    assert smaller_variant(parse_image("python:3.12-slim")) is None
    assert smaller_variant(parse_image("ubuntu:24.04")) is None
    assert smaller_variant(parse_image("debian:%%TAG%%")) is None
    assert smaller_variant(parse_image("php:8.2-fpm")).suggested_image == "php:8.2-fpm-alpine"
    assert smaller_variant(parse_image("php:8.2-fpm"), alpine=False) is None  # no glibc twin
    assert smaller_variant(parse_image("openjdk:11-jdk-stretch")).suggested_image == "eclipse-temurin:11-jre"


def test_table_is_consistent():
    for (name, variant), (compressed, uncompressed) in SIZES.items():
        assert 0 < compressed < uncompressed, (name, variant)
    for name, heavy, light in [("python", "full", "slim"), ("python", "slim", "alpine"), ("node", "full", "slim"),
                               ("debian", "full", "slim"), ("eclipse-temurin", "jdk", "jre"),
                               ("ruby", "full", "slim"), ("golang", "full", "alpine")]:
        assert SIZES[(name, heavy)][1] > SIZES[(name, light)][1], name


@pytest.mark.parametrize("reference, size, slimmer", [
    ("python:3.12", ("full", 1020), ["python:3.12-slim", "python:3.12-alpine"]),
    ("python:3.12-slim", ("slim", 130), ["python:3.12-alpine"]),
    ("debian:bookworm-slim", ("slim", 74), []),  # debian has no alpine twin
    ("nginx:1.25-perl", ("full", 190), ["nginx:1.25-alpine-perl"]),
    ("eclipse-temurin:21-jdk", ("jdk", 450), ["eclipse-temurin:21-jre"]),
    ("debian:bookworm-backports", ("full", 117), []),  # no slim twin exists
    ("python:3.99", None, []),  # not a published tag: nothing said about it
    ("ghcr.io/acme/app:1", None, []),
])
def test_image_size_and_slimmer_variants_are_published_tags(reference, size, slimmer):
    from dockerlint_slim.knowledge.base_images import image_size, slimmer_variants

    ref = parse_image(reference)
    found = image_size(ref)
    assert (found.variant, found.uncompressed_mb) == size if size else found is None
    variants = slimmer_variants(ref)
    assert [image for image, _ in variants] == slimmer
    for image, _ in variants:
        name, tag = image.split(":")
        assert official_tags.tag_exists(name, tag)
