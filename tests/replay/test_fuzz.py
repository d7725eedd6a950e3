"""A fuzzer over the replay and the layer rules: random Dockerfiles of COPY/ADD, RUN scripts (wrappers, cd, redirects,
package managers, globs, variables), ENV/ARG/WORKDIR/USER and stages, linted with and without a build context.
Nothing may raise, and the figures keep their invariants."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dockerlint_slim.diagnostics import MESSAGE_WIDTH, OVERLAP, ByteTotals
from dockerlint_slim.engine import Linter, LintOptions
from dockerlint_slim.engine.registry import load_rules
from tests.context.helpers import MiB, make_context

RULES = load_rules(plugins=False)
LAYER_RULES = ("SL101", "SL102", "SL103", "SL301", "SL302", "SL303", "SL304", "SL501")
FILES = {"big.tar.gz": 12 * MiB, "app/main.py": 2000, "app/logs/a.log": 3 * MiB, ".git/objects/p": 2 * MiB,
         "tools/setup.run": 11 * MiB, "pkg.deb": 1000, ".env": 10, "node_modules/x/i.js": 500}

_PATHS = ["/tmp", "/tmp/big.tar.gz", "/app", "/app/*", "app/logs", "/app/logs/a.log", "*.log", ".", "..", "/",
          "$HOME", "${DL}/big.tar.gz", "~/.cache", "/opt/tool", "tool.tgz", "/tmp/setup.run", "/var/lib/apt/lists/*",
          "/var/cache/apt", "node_modules", "/tmp/*", "x", "/usr/local/bin/app", '"/tmp/big.tar.gz"', "''"]
_COMMANDS = [
    "rm -rf {p}", "rm -f {p} {q}", "rm {p}", "mv {p} {q}", "cp -r {p} {q}", "chmod -R 755 {p}", "chmod +x {p}",
    "chown -R app:app {p}", "touch {p}", "sed -i s/a/b/ {p}", "tar -xzf {p} -C {q}", "tar xf {p}", "unzip {p} -d {q}",
    "gunzip {p}", "dpkg -i {p}", "sh {p}", "{p}", "curl -fsSLo {p} https://example.com/t.tgz",
    "wget -qO {p} https://example.com/t", "git clone https://example.com/r.git {p}", "cd {p}", "mkdir -p {p}",
    "apt-get update", "apt-get install -y curl", "apt-get purge -y curl", "apt-get clean", "pip install -r {p}",
    "npm ci", "apk add --virtual .d gcc", "apk del .d", "echo x > {p}", "env", "sudo", "xargs", "exec",
    "sudo -u app {p}", "env A=b rm -rf {p}", "time", "nohup", "command", "gosu app", "make", "./configure",
]
_command = st.builds(lambda c, p, q: c.format(p=p, q=q), st.sampled_from(_COMMANDS), st.sampled_from(_PATHS),
                     st.sampled_from(_PATHS))
_script = st.lists(_command, min_size=1, max_size=5).flatmap(
    lambda cmds: st.sampled_from([" && ", "; ", " || "]).map(lambda sep: sep.join(cmds)))
_instruction = st.one_of(
    _script.map(lambda s: f"RUN {s}"),
    _script.map(lambda s: f"RUN --mount=type=cache,target=/var/cache/apt {s}"),
    st.builds(lambda src, dst: f"COPY {src} {dst}", st.sampled_from(["big.tar.gz", ".", "app", "app/", "tools",
                                                                     "missing.txt", "*.deb", "pkg.deb .env"]),
              st.sampled_from(["/tmp/", "/app", "/app/", ".", "/opt/tool", "/usr/local/bin/app"])),
    st.builds(lambda src, dst: f"ADD {src} {dst}", st.sampled_from(["https://example.com/t.tgz", "big.tar.gz",
                                                                    "https://github.com/a/b.git", "tools"]),
              st.sampled_from(["/tmp/", "/opt/tool", "/app/"])),
    st.sampled_from(["WORKDIR /app", "WORKDIR /tmp", "ENV DL=/tmp", "ARG DL=/opt", "USER app", "USER root",
                     "ENV HOME=/home/app", "COPY --from=build /out /app", "COPY --chown=app . /app",
                     "FROM build AS final", "RUN", "CMD [\"app\"]"]),
)
_dockerfile = st.lists(_instruction, min_size=1, max_size=12).map(
    lambda lines: "FROM debian:12 AS build\n" + "\n".join(lines) + "\n")


def _check(text: str, context) -> None:
    options = LintOptions(select=LAYER_RULES, context_dir=context,
                          rule_options={"SL501": {"max_wasted_bytes": 1, "min_efficiency": 0.99}})
    result = Linter(RULES, options).lint(text, "Dockerfile")
    lines = len(text.splitlines())
    for d in result.diagnostics:
        assert "\n" not in d.message and len(d.message) <= MESSAGE_WIDTH, d.message
        assert d.fix is not None and d.fix.description
        assert d.wasted_bytes is None or d.wasted_bytes > 0
        assert 1 <= d.span.line <= d.span.end_line <= lines
        for key in d.properties.get(OVERLAP) or ():
            assert 1 <= key["origin_line"] <= d.span.line and key["path"].startswith("/")
            assert key["bytes"] is None or key["bytes"] >= 0
    totals = ByteTotals()
    totals.add(result.diagnostics)
    assert totals.known >= 0 and totals.estimated >= 0
    report = result.report
    if context is None:
        assert report is None
        return
    assert 0 <= report["known_wasted_bytes"] <= report["image_bytes"]
    assert report["wasted_bytes"] == report["known_wasted_bytes"] + report["estimated_wasted_bytes"]
    assert report["efficiency"] is None or 0.0 <= report["efficiency"] <= 1.0
    assert report["efficiency"] is None or report["image_bytes"] >= report["efficiency_min_known_bytes"]
    assert report["unknown_layers"] == len(report["unknown_layer_lines"]) <= report["layers"]
    assert report["unknown_wasted_parts"] >= len(report["unknown_wasted"])
    assert sum(item["wasted_bytes"] for item in report["top_wasted"]) <= report["known_wasted_bytes"]


@settings(max_examples=int(__import__("os").environ.get("FUZZ_EXAMPLES", 200)), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(_dockerfile)
def test_random_dockerfiles_never_crash_and_keep_invariants(tmp_path_factory, text) -> None:
    context = make_context(tmp_path_factory.mktemp("ctx"), FILES)
    _check(text, None)
    _check(text, context)
