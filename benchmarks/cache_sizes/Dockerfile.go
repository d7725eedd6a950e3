# Go's build cache after one `go build`: Go 1.23 (bookworm-backports; the standard library is compiled into the
# cache since Go 1.20) and Debian 12's Go 1.19 (standard library precompiled in GOROOT). Dependencies come from
# Debian's Go source packages in GOPATH mode (no module proxy is reachable here).
FROM debian:bookworm
COPY debian.sources /etc/apt/sources.list.d/debian.sources
COPY docker-official-apt.conf /etc/apt/apt.conf.d/docker-official
RUN rm -f /etc/apt/sources.list && echo 'deb http://deb.debian.org/debian bookworm-backports main' > /etc/apt/sources.list.d/backports.list \
 && apt-get update && apt-get install -y --no-install-recommends -t bookworm-backports golang-1.23-go \
 && apt-get install -y --no-install-recommends golang-1.19-go golang-github-gorilla-mux-dev golang-github-sirupsen-logrus-dev \
    golang-github-spf13-cobra-dev golang-github-prometheus-client-golang-dev ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY hello.go /src/hello/main.go
COPY service.go /usr/share/gocode/src/example.com/svc/main.go
RUN cd /src/hello && printf 'module example.com/hello\n\ngo 1.19\n' > go.mod \
 && /usr/lib/go-1.19/bin/go build -o /tmp/hello . && echo "MEASURE GO_BUILD_CACHE_HTTP_PRECOMPILED_STD $(du -sb /root/.cache/go-build | cut -f1)" \
 && rm -rf /root/.cache/go-build \
 && /usr/lib/go-1.23/bin/go build -o /tmp/hello . && echo "MEASURE GO_BUILD_CACHE_HTTP $(du -sb /root/.cache/go-build | cut -f1)" \
 && rm -rf /root/.cache/go-build \
 && cd /usr/share/gocode/src/example.com/svc && GO111MODULE=off GOPATH=/usr/share/gocode /usr/lib/go-1.23/bin/go build -o /tmp/svc . \
 && echo "MEASURE GO_BUILD_CACHE_SERVICE $(du -sb /root/.cache/go-build | cut -f1)" \
 && /usr/lib/go-1.23/bin/go clean -cache -modcache && echo "MEASURE advice-go-clean $(du -sb /root/.cache/go-build | cut -f1)"
