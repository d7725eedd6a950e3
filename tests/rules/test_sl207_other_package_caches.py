"""SL207 other-package-caches (gem, bundler, conda, composer, go, cargo)."""

import pytest
from conftest import run_lint


def sl207(text, **kw):
    return run_lint(text, select=("SL207",), **kw)


@pytest.mark.parametrize(
    "base,run,tool",
    [
        ("debian", "gem install rails", "gem"),
        ("ruby:3.3", "bundle install", "bundle"),
        ("continuumio/miniconda3", "conda install -y numpy", "conda"),
        ("mambaorg/micromamba", "micromamba install -y -n base numpy", "micromamba"),
        ("continuumio/miniconda3", "conda env create -f environment.yml", "conda"),
        ("php:8.3", "composer install --no-dev", "composer"),
        ("golang:1.22", "go build -o /app ./...", "go"),
        ("golang:1.22", "go mod download", "go"),
        ("rust:1.79", "cargo install ripgrep", "cargo"),
    ],
)
def test_flagged(base, run, tool):
    found = sl207(f"FROM {base}\nRUN {run}\n")
    assert len(found) == 1
    assert found[0].properties["tool"] == tool
    assert "layer" in found[0].message


@pytest.mark.parametrize(
    "base,run",
    [
        ("debian", "gem install --no-document rails"),
        ("debian", "gem install -N rails"),
        ("ruby:3.3", "gem install rails"),  # the official image's gemrc already says --no-document
        ("docker.io/library/ruby:3.3-slim", "gem install rails"),
        ("ruby:3.3", "bundle install && rm -rf /usr/local/bundle/cache"),
        ("ruby:3.3", 'bundle install && rm -rf ~/.bundle/ "$BUNDLE_PATH"/ruby/*/cache'),
        ("continuumio/miniconda3", "conda install -y numpy && conda clean -afy"),
        ("continuumio/miniconda3", "conda install -y numpy && conda clean --all -y"),
        ("continuumio/miniconda3", "conda install -y numpy && conda clean -tipsy"),
        ("continuumio/miniconda3", "conda install -y numpy && rm -rf /opt/conda/pkgs"),
        ("mambaorg/micromamba", "micromamba install -y numpy && micromamba clean --all --yes"),
        ("php:8.3", "composer install --no-cache"),
        ("php:8.3", "COMPOSER_CACHE_DIR=/dev/null composer install"),
        ("php:8.3", "composer install && composer clear-cache"),
        ("php:8.3", "composer install && rm -rf /root/.composer/cache"),
        ("golang:1.22", "go build -o /app . && go clean -cache"),
        ("golang:1.22", "go mod download && go build . && go clean -cache -modcache"),
        ("golang:1.22", "go build . && rm -rf /root/.cache/go-build"),
        ("golang:1.22", "go mod download && rm -rf /go/pkg/mod"),
        ("rust:1.79", "cargo install ripgrep && rm -rf /usr/local/cargo/registry"),
        ("debian", "cargo install ripgrep && rm -rf ~/.cargo/registry"),
        ("golang:1.22", "go version"),
        ("debian", "gem list"),
    ],
)
def test_accepted(base, run):
    assert sl207(f"FROM {base}\nRUN {run}\n") == []


def test_gemrc_written_earlier():
    assert sl207("""
        FROM debian
        RUN echo 'gem: --no-document' > /etc/gemrc
        RUN gem install rails
    """) == []


@pytest.mark.parametrize(
    "mount,run",
    [
        ("/root/.cache/go-build", "go build ."),
        ("/go/pkg/mod", "go mod download"),
        ("/opt/conda/pkgs", "conda install -y x"),
        ("/root/.composer/cache", "composer install"),
        ("/usr/local/cargo/registry", "cargo build --release"),
    ],
)
def test_cache_mounts(mount, run):
    base = {"go": "golang:1.22", "conda": "continuumio/miniconda3", "composer": "php",
            "cargo": "rust:1"}[run.split()[0]]
    assert sl207(f"FROM {base}\nRUN --mount=type=cache,target={mount} {run}\n") == []


def test_go_env_dirs():
    assert sl207("""
        FROM golang:1.22
        ENV GOCACHE=/gocache
        RUN --mount=type=cache,target=/gocache go build -o /app .
    """) == []


def test_partial_cleanups_do_not_count():
    found = sl207("FROM golang:1.22\nRUN go mod download && go build . && go clean -cache\n")
    assert len(found) == 1 and "module" in found[0].message and "build cache" not in found[0].message
    assert len(sl207("FROM continuumio/miniconda3\nRUN conda install -y x && conda clean -y --index-cache\n")) == 1


def test_cleanup_before_install_does_not_count():
    assert len(sl207("FROM continuumio/miniconda3\nRUN conda clean -afy && conda install -y numpy\n")) == 1


def test_build_stage_is_the_right_pattern():
    assert sl207("""
        FROM golang:1.22 AS build
        RUN go build -o /app .
        FROM gcr.io/distroless/static
        COPY --from=build /app /app
    """) == []


@pytest.mark.parametrize("run", ["cpanm -q App::cpm", "cpanm --installdeps .", "cpm install -g",
                                 "PERL_CPANM_HOME=/tmp/c cpanm Moo && rm -rf /root/.cpanm"])
def test_cpanm_work_tree_is_flagged(run):
    # Real-world: `FROM perl:5.28.0` + `RUN cpanm -q App::cpm` keeps ~/.cpanm/work in the layer.
    found = [d for d in run_lint(f"FROM perl:5.38\nRUN {run}\n", select=("SL207",))]
    assert len(found) == 1 and "rm -rf" in found[0].fix.description


@pytest.mark.parametrize("run", ["cpanm Moo && rm -fr ~/.cpanm", "cpanm Moo && rm -rf /root/.cpanm/work",
                                 "PERL_CPANM_HOME=/tmp/c cpanm Moo && rm -rf /tmp/c", "cpanm --version",
                                 "cpm install -g && rm -rf ~/.perl-cpm"])
def test_cpanm_cleaned_or_not_installing(run):
    assert run_lint(f"FROM perl:5.38\nRUN {run}\n", select=("SL207",)) == []


def test_cpanm_cache_mount():
    text = "FROM perl:5.38\nRUN --mount=type=cache,target=/root/.cpanm cpanm Moo\n"
    assert run_lint(text, select=("SL207",)) == []


@pytest.mark.parametrize("base", ["golang:1.9", "golang:1.9.7-alpine3.8", "golang:1.8-stretch"])
def test_go_before_1_10_has_no_build_cache_and_no_module_cache(base):
    # No build cache before Go 1.10; no module cache (and no `go clean -modcache`) before Go 1.11.
    assert sl207(f"FROM {base}\nRUN go get github.com/x/y && go build -o /app .\n") == []


def test_go_1_10_has_a_build_cache_but_no_module_cache():
    found = sl207("FROM golang:1.10\nRUN go get github.com/x/y && go build -o /app .\n")
    assert len(found) == 1 and "build cache" in found[0].message and "module" not in found[0].message
    assert "go clean -cache" in found[0].fix.description and "-modcache" not in found[0].fix.description


@pytest.mark.parametrize(
    ("install", "expected"),
    [
        ("curl -sSL https://dl.google.com/go/go1.9.4.linux-amd64.tar.gz | tar -xz -C /usr/local", 0),
        ("wget -q https://storage.googleapis.com/golang/go1.8.linux-amd64.tar.gz && tar -C /usr/local -xzf go1.8.linux-amd64.tar.gz", 0),
        ("curl -sSL https://go.dev/dl/go1.22.5.linux-amd64.tar.gz | tar -xz -C /usr/local", 1),
    ],
)
def test_go_version_from_the_archive_the_dockerfile_downloads(install, expected):
    text = f"FROM debian:bookworm\nRUN {install}\nRUN go build -o /app .\n"
    assert len(sl207(text)) == expected


@pytest.mark.parametrize(("base", "expected"), [("ubuntu:16.04", 0), ("debian:stretch", 0), ("ubuntu:18.04", 1),
                                               ("ubuntu:22.04", 1)])
def test_go_version_of_the_release_package(base, expected):
    text = f"FROM {base}\nRUN apt-get update && apt-get install -y golang-go\nRUN go build -o /app .\n"
    assert len(sl207(text)) == expected


@pytest.mark.parametrize(
    "cleanup",
    ["rm -rf $GOPATH/pkg/mod", 'rm -rf "${GOPATH}/pkg"', "rm -rf /go/pkg/mod", "go clean -modcache",
     'rm -rf "$GOPATH"'],
)
def test_golang_images_set_gopath(cleanup):
    # FROM golang: GOPATH=/go although no ENV of the Dockerfile says so.
    assert sl207(f"FROM golang:1.22\nRUN go mod download && {cleanup}\n") == []


def test_gopath_in_a_temporary_directory_removed():
    text = 'FROM golang:1.22\nRUN export GOPATH="$(mktemp -d)" && go install x@latest && rm -rf "$GOPATH"\n'
    found = sl207(text)
    assert len(found) == 1 and "build cache" in found[0].message and "module" not in found[0].message


@pytest.mark.parametrize(
    "text",
    [
        # GOPATH-era files on unpinned images: Go of their time had no cache, today's Go cannot build them
        "FROM golang:alpine\nRUN go get golang.org/x/lint/golint\n",
        "FROM ubuntu\nRUN apt-get update && apt-get install -y golang-go\nENV GOPATH /go\n"
        "ADD . /go/src/github.com/a/b/\nRUN go get -v github.com/a/b\nRUN go test -v github.com/a/b\n"
        "RUN go install -v github.com/a/b/cmd/c\n",
    ],
)
def test_gopath_mode_files_with_unknown_go_are_not_reported(text):
    assert sl207(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "FROM golang:1.17\nWORKDIR /go/src/app\nCOPY *.go .\nRUN go mod init dispatch && go get\nRUN go install\n",
        "FROM golang:1.22\nCOPY go.mod go.sum ./\nRUN go get github.com/a/b\n",
        "FROM golang:1.16\nRUN go get github.com/a/b\n",  # module mode by default since Go 1.16
    ],
)
def test_module_mode_go_get_fills_the_module_cache(text):
    found = sl207(text)
    assert found and "module" in found[0].message


def test_bundle_cache_removed_by_find():
    assert sl207("""
        FROM ruby:3.3
        RUN bundle config --local path ./vendor/bundle && bundle install --jobs 4 \\
         && find /app/vendor/bundle -name cache -not -path '*/gems/*' -type d -exec rm -rf {} +
    """) == []


@pytest.mark.parametrize("base", ["discourse/ruby:3.4.10-bookworm-slim", "mcr.microsoft.com/devcontainers/ruby:3.2",
                                  "mcr.microsoft.com/vscode/devcontainers/ruby:0-3"])
def test_images_built_from_the_official_ruby_gemrc(base):
    assert sl207(f"FROM {base}\nRUN gem install rails\n") == []


@pytest.mark.parametrize("script", ["clean-layer.sh", "/usr/bin/clean-layer.sh", "bash /tmp/cleanup.sh"])
def test_a_project_cleanup_script_may_remove_the_cache(script):
    assert sl207(f"FROM continuumio/miniconda3\nRUN conda install -y numpy && {script}\n") == []


def test_go_build_cache_size_is_the_measured_one():
    from dockerlint_slim.knowledge.cache_sizes import GO_BUILD_CACHE_HTTP

    found = sl207("FROM golang:1.22\nRUN go build -o /app .\n")
    assert found[0].wasted_bytes == GO_BUILD_CACHE_HTTP.bytes
    assert found[0].properties["estimate"] == GO_BUILD_CACHE_HTTP.label and "Go 1.23" in found[0].message


@pytest.mark.parametrize("dockerfile", [
    "FROM golang:1.15\nRUN go build -o /app .\n",
    # Debian 12's golang-go is Go 1.19 (the package table: golang-go depends on golang-1.19-go)
    "FROM debian:bookworm\nRUN apt-get update && apt-get install -y --no-install-recommends golang-go"
    " && rm -rf /var/lib/apt/lists/*\nRUN go build -o /app .\n",
])
def test_go_with_a_precompiled_standard_library_leaves_a_cache_of_unknown_size(dockerfile):
    """Go 1.10-1.19: the cache holds the program's own packages, measured 1.5 MiB and 0.5 MB for the same program
    in two images (knowledge/cache_sizes): no figure rather than a wrong one."""
    found = sl207(dockerfile)
    assert len(found) == 1 and found[0].wasted_bytes is None and "size unknown" in found[0].message
    assert "go clean -cache" in found[0].fix.description


def test_go_version_of_debian_releases_golang_go():
    from dockerlint_slim.knowledge.package_managers import go_version_installed, package_call

    def version(image, command="apt-get install -y golang-go"):
        argv = tuple(command.split())
        return go_version_installed(package_call(argv), argv, image)

    assert version("debian:bookworm") == (1, 19) and version("debian:11") == (1, 15)
    assert version("debian:trixie-slim", "apt-get install -y --no-install-recommends golang") == (1, 24)
    assert version("debian:buster") == (1, 11)  # the older releases' own table
    assert version("debian:latest") is None and version("debian:bookworm", "apt-get install -y curl") is None


def test_unmeasured_caches_say_size_unknown():
    found = sl207("FROM continuumio/miniconda3\nRUN conda install -y numpy\n")
    assert "size unknown" in found[0].message and found[0].wasted_bytes is None
    assert "conda clean -afy" in found[0].fix.description


def test_go_get_outside_a_module_fails_with_go_1_18_and_later():
    # `go get` of an import path with no go.mod: the image cannot be built with Go >= 1.18
    assert sl207("FROM golang:1.25\nRUN go get github.com/pquerna/ffjson\n") == []
    # Go 1.16/1.17: module mode outside a module still works and fills the module cache
    assert len(sl207("FROM golang:1.17\nRUN go get github.com/pquerna/ffjson\n")) == 1


def test_caches_the_run_relocates_itself_are_not_guessed():
    text = ('FROM debian:trixie-slim\nRUN cd /tmp/src && export GOBIN=/usr/local/bin GOCACHE="$PWD/.gocache" '
            'GOPATH="$PWD/.gopath" && go install ./cmd/x && cd / && rm -rf /tmp/src\n')
    assert sl207(text) == []


def test_conda_download_only_fills_the_cache_on_purpose():
    assert sl207("FROM continuumio/miniconda3\nRUN conda install --download-only -y gcc_linux-64\n") == []


@pytest.mark.parametrize("base", ["mcr.microsoft.com/devcontainers/rust:1-1-bullseye", "rust:1.80"])
def test_images_built_from_the_official_rust_image_keep_cargo_home(base):
    found = sl207(f"FROM {base}\nRUN cargo build --release\n")
    assert "/usr/local/cargo/registry" in found[0].message


def test_removing_the_conda_root_prefix_removes_its_package_cache():
    text = ("FROM ubuntu:22.04\nRUN /opt/conda/bin/mamba create -y -p /opt/python python=3.12 "
            "&& rm -rf /opt/conda /root/.conda\n")
    assert sl207(text) == []
    assert len(sl207(text.replace("rm -rf /opt/conda", "rm -rf /opt/other"))) == 1


# --- fix -----------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("before, after", [
    ("FROM debian\nRUN gem install rails\n", "FROM debian\nRUN gem install --no-document rails\n"),
    ("FROM continuumio/miniconda3\nRUN conda install -y numpy\n",
     "FROM continuumio/miniconda3\nRUN conda install -y numpy && conda clean -afy\n"),
    ("FROM debian\nRUN /opt/conda/bin/mamba install -y numpy\n",
     "FROM debian\nRUN /opt/conda/bin/mamba install -y numpy && /opt/conda/bin/mamba clean -afy\n"),
    ("FROM perl:5.38\nRUN cpanm Mojolicious\n", "FROM perl:5.38\nRUN cpanm Mojolicious && rm -rf ~/.cpanm\n"),
    ("FROM rust:1.79\nRUN cargo install ripgrep\n",
     "FROM rust:1.79\nRUN cargo install ripgrep && rm -rf /usr/local/cargo/registry\n"),
    ("FROM golang:1.22\nRUN go install example.com/tool@v1.2.3\n",
     "FROM golang:1.22\nRUN go install example.com/tool@v1.2.3 && go clean -cache -modcache\n"),
    ("FROM ruby:3.3\nCOPY Gemfile* ./\nRUN bundle install\n",
     "FROM ruby:3.3\nCOPY Gemfile* ./\nRUN bundle install && rm -rf /usr/local/bundle/cache\n"),
])
def test_fix(fix, before, after):
    assert fix(before, select="SL207") == after


def _sl207_fix(lint, text):
    (finding,) = [d for d in lint(text) if d.rule_id == "SL207"]
    return finding.fix


@pytest.mark.parametrize("text", [
    "FROM debian\nRUN apt-get install -y golang && go build ./...\n",  # Go version unknown: -cache may not exist
    "FROM ruby:3.3\nRUN bundle install --deployment\n",  # the bundle's cache is under vendor/bundle
    "FROM ruby:3.3\nENV BUNDLE_PATH=/gems\nRUN bundle install\n",
    "FROM debian\nRUN bundle install\n",  # not the official image: where the cache is is unknown
    "FROM php:8.3\nRUN composer install\n",  # --no-cache needs Composer 2
    "FROM debian\nUSER app\nRUN cargo install ripgrep\n",  # /root/.cargo is not this user's
])
def test_no_fix(lint, text):
    assert _sl207_fix(lint, text).edits == ()


def test_go_and_cargo_cleanups_are_unsafe_when_a_later_run_uses_them_again(lint):
    fix = _sl207_fix(lint, "FROM golang:1.22\nRUN go mod download\nCOPY . .\nRUN go build -o /app . && go clean -cache\n")
    assert fix.edits and fix.applicability == "unsafe"
