"""SL206 node-package-cache (npm, yarn, pnpm)."""

import pytest
from conftest import run_lint


def sl206(text, **kw):
    return run_lint(text, select=("SL206",), **kw)


@pytest.mark.parametrize(
    "run,tool",
    [("npm ci", "npm"), ("npm install --omit=dev", "npm"), ("npm i -g typescript", "npm"),
     ("yarn install --frozen-lockfile", "yarn"), ("yarn", "yarn"), ("yarn global add @vue/cli", "yarn"),
     ("pnpm install --frozen-lockfile", "pnpm"), ("pnpm fetch", "pnpm")],
)
def test_install_without_cleanup(run, tool):
    found = sl206(f"FROM node:20-slim\nRUN {run}\n")
    assert len(found) == 1
    assert found[0].properties["tool"] == tool
    assert "size unknown" in found[0].message and found[0].wasted_bytes is None and len(found[0].message) <= 160
    assert "cache" in found[0].fix.description


@pytest.mark.parametrize(
    "run",
    [
        "npm ci && npm cache clean --force",
        "npm install && rm -rf /root/.npm",
        "npm install && rm -rf ~/.npm/_cacache",
        "npm ci --cache /tmp/npmc && rm -rf /tmp/npmc",
        "yarn install && yarn cache clean",
        "yarn install && rm -rf /usr/local/share/.cache/yarn",
        "pnpm install && pnpm store prune",
        "npm run build",
        "yarn run build",
        "npm --version",
    ],
)
def test_accepted(run):
    assert sl206(f"FROM node:20\nRUN {run}\n") == []


@pytest.mark.parametrize(
    "mount,run",
    [
        ("/root/.npm", "npm ci"),
        ("/home/node/.npm", "npm ci"),
        ("/usr/local/share/.cache/yarn", "yarn install"),
        ("/root/.cache/yarn", "yarn install"),
        ("/pnpm/store", "pnpm install"),
    ],
)
def test_cache_mounts(mount, run):
    assert sl206(f"FROM node:20\nRUN --mount=type=cache,target={mount} {run}\n") == []


def test_yarn_cache_folder_env():
    assert sl206("""
        FROM node:20
        ENV YARN_CACHE_FOLDER=/yc
        RUN yarn install && rm -rf /yc
    """) == []


def test_unrelated_rm_and_clean_before_do_not_count():
    assert len(sl206("FROM node:20\nRUN npm cache clean --force && npm ci && rm -rf /tmp/*\n")) == 1


def test_other_tools_clean_does_not_count():
    assert len(sl206("FROM node:20\nRUN yarn install && npm cache clean --force\n")) == 1


def test_build_only_stage_not_flagged():
    assert sl206("""
        FROM node:20 AS build
        RUN npm ci && npm run build
        FROM nginx:alpine
        COPY --from=build /app/dist /usr/share/nginx/html
    """) == []


def test_one_finding_per_tool_per_run():
    assert len(sl206("FROM node:20\nRUN npm ci && npm install -g x\n")) == 1


def test_relative_removal_after_cd_counts():
    assert sl206("FROM node:20-slim\nRUN npm ci && cd /root && rm -rf .npm\n") == []
    assert len(sl206("FROM node:20-slim\nRUN npm ci && cd /app && rm -rf .npm\n")) == 1


def test_cache_lives_in_the_users_home_after_user():
    # Real-world: `USER node` then `RUN npm install now@11`: the cache is /home/node/.npm, not /root/.npm.
    found = sl206("FROM node:20\nUSER node\nWORKDIR /home/node\nRUN npm install now@11\n")
    assert len(found) == 1 and "/home/node/.npm" in found[0].message
    assert sl206("FROM node:20\nUSER node\nRUN npm ci && rm -rf /home/node/.npm\n") == []
    assert sl206("FROM node:20\nUSER node\nRUN npm ci && rm -rf ~/.npm\n") == []
    # the root path is not the cache of user node
    assert len(sl206("FROM node:20\nUSER node\nRUN npm ci && rm -rf /root/.npm\n")) == 1
    # yarn v1 as a user caches in ~/.cache/yarn
    found = sl206("FROM node:20\nUSER node\nRUN yarn install\n")
    assert "/home/node/.cache/yarn" in found[0].message


def test_unknown_uid_accepts_a_cleanup_in_its_home():
    assert sl206("FROM node:20\nUSER 1000\nRUN npm ci && rm -rf /home/node/.npm\n") == []
    found = sl206("FROM node:20\nUSER 1000\nRUN npm ci\n")
    assert len(found) == 1 and "~/.npm" in found[0].message


def test_user_root_again_and_env_home():
    assert "/root/.npm" in sl206("FROM node:20\nUSER node\nUSER root\nRUN npm ci\n")[0].message
    assert "/srv/.npm" in sl206("FROM node:20\nENV HOME=/srv\nUSER app\nRUN npm ci\n")[0].message


def test_store_dir_configured_earlier_is_the_one_named():
    # Real-world: `pnpm config set store-dir /root/.pnpm-store` then `pnpm fetch`.
    text = "FROM node:22-alpine\nRUN pnpm config set store-dir /srv/pnpm-store\nRUN pnpm fetch\n"
    found = sl206(text)
    assert len(found) == 1 and "/srv/pnpm-store" in found[0].message
    assert sl206(text.replace("RUN pnpm fetch", "RUN pnpm fetch && rm -rf /srv/pnpm-store")) == []
    found = sl206("FROM node:22\nRUN npm config set cache /tmp/npmc --global && npm ci\n")
    assert "/tmp/npmc" in found[0].message


@pytest.mark.parametrize("cleanup", ["rm -rf $(yarn cache dir)", 'rm -rf "$(yarn cache dir)"/*'])
def test_removing_the_dir_the_tool_reports_counts(cleanup):
    assert sl206(f"FROM node:20\nRUN yarn install --frozen-lockfile && {cleanup}\n") == []
    assert sl206("FROM node:20\nRUN npm ci && rm -rf $(npm config get cache)\n") == []
    # asking another tool does not clean this one
    assert len(sl206("FROM node:20\nRUN npm ci && rm -rf $(yarn cache dir)\n")) == 1


@pytest.mark.parametrize("clean", ["npm cache clean --force", "npm cache clear --force", "npm cache rm --force"])
def test_npm_cache_clean_aliases(clean):
    assert sl206(f"FROM node:20\nRUN npm ci && {clean}\n") == []


@pytest.mark.parametrize(
    ("setup", "install", "cleanup"),
    [
        ('export YARN_CACHE_FOLDER="$(mktemp -d)"', "yarn install --frozen-lockfile", 'rm -r "$YARN_CACHE_FOLDER"'),
        ("export YARN_CACHE_FOLDER=$(mktemp -d)", "yarn", "rm -rf ${YARN_CACHE_FOLDER}"),
        ('export npm_config_cache="$(mktemp -d)"', "npm ci", 'rm -rf "$npm_config_cache"'),
        ('NPM_CONFIG_CACHE=/tmp/c', "npm install", 'rm -rf "$NPM_CONFIG_CACHE"/*'),
    ],
)
def test_cache_folder_held_in_a_variable_and_removed(setup, install, cleanup):
    assert sl206(f"FROM node:20\nRUN {setup} && {install} && {cleanup}\n") == []


def test_removing_another_variable_does_not_count():
    assert len(sl206('FROM node:20\nRUN export TMP="$(mktemp -d)" && yarn install && rm -rf "$TMP"\n')) == 1


def test_yarn_v1_as_root_ignores_home():
    # yarn v1 run by root on Linux keeps its cache under /usr/local/share whatever $HOME says.
    found = sl206("FROM node:20\nENV HOME=/app\nRUN yarn install\n")
    assert len(found) == 1 and "/usr/local/share/.cache/yarn" in found[0].message
    assert sl206("FROM node:20\nENV HOME=/app\nRUN yarn install && rm -rf /usr/local/share/.cache/yarn\n") == []
    # another user: ~/.cache/yarn of that user
    assert sl206("FROM node:20\nENV HOME=/app\nUSER node\nRUN yarn install && rm -rf /app/.cache/yarn\n") == []


@pytest.mark.parametrize("run", ["yarn --version", "yarn -v", "yarn --help", "yarnpkg --version"])
def test_yarn_printing_its_version_installs_nothing(run):
    # docker-library node images: `ln -s /opt/yarn/bin/yarn /usr/local/bin/yarn && yarn --version` (smoke test)
    assert sl206(f"FROM alpine:3.20\nRUN {run} && rm -rf /tmp/*\n") == []


def test_cache_relocated_by_the_run_itself_is_not_guessed():
    assert sl206('FROM node:20\nRUN export npm_config_cache="$(mktemp -d)" && npm ci\n') == []


# --- fix -----------------------------------------------------------------------------------------------------------

def test_fix_cleans_the_npm_cache(fix):
    assert fix("FROM node:20\nWORKDIR /app\nRUN npm ci --omit=dev\n", select="SL206") == \
        "FROM node:20\nWORKDIR /app\nRUN npm ci --omit=dev && npm cache clean --force\n"
    assert fix("FROM node:20\nRUN sudo npm install -g pm2\n", select="SL206") == \
        "FROM node:20\nRUN sudo npm install -g pm2 && sudo npm cache clean --force\n"


def test_yarn_fix_is_safe_only_for_yarn_1(fix, lint):
    assert fix("FROM node:20\nRUN yarn install --frozen-lockfile\n", select="SL206") == \
        "FROM node:20\nRUN yarn install --frozen-lockfile && yarn cache clean\n"
    (finding,) = [d for d in lint("FROM node:20\nRUN yarn install\n") if d.rule_id == "SL206"]
    assert finding.fix.edits and finding.fix.applicability == "unsafe"
    assert fix("FROM node:20\nRUN yarn install\n", select="SL206") == "FROM node:20\nRUN yarn install\n"
    assert fix("FROM node:20\nRUN yarn install\n", select="SL206", unsafe=True) == \
        "FROM node:20\nRUN yarn install && yarn cache clean\n"


def test_no_fix_for_yarn_2_pnpm_or_a_cache_named_on_the_command(lint):
    for text in (
        "FROM node:20\nCOPY .yarnrc.yml package.json yarn.lock ./\nRUN yarn install --frozen-lockfile\n",
        "FROM node:20\nRUN corepack enable && yarn install\n",
        "FROM node:20\nRUN pnpm install\n",
        "FROM node:20\nRUN npm ci --cache /tmp/npm\n",
        "FROM node:20\nRUN npm_config_cache=/tmp/npm npm ci\n",
    ):
        (finding,) = [d for d in lint(text) if d.rule_id == "SL206"]
        assert finding.fix.edits == (), text


@pytest.mark.parametrize("base", [
    "registry.access.redhat.com/ubi9/nodejs-22-minimal:latest",
    "registry.access.redhat.com/ubi9/nodejs-20",
    "registry.access.redhat.com/ubi8/nodejs-18:1-100",
    "quay.io/sclorg/nodejs-22-c9s",
])
def test_npm_cache_under_the_home_the_base_image_sets_is_cleaned(base):
    # UBI's language images set ENV HOME=/opt/app-root/src for every user, root included
    text = f"FROM {base}\nUSER root\nRUN npm install -g x && rm -rf /opt/app-root/src/.npm\n"
    assert sl206(text) == []
    assert sl206(f"FROM {base}\nRUN npm install -g x && rm -rf $HOME/.npm\n") == []


@pytest.mark.parametrize("base", [
    "registry.access.redhat.com/ubi9/nodejs-22-minimal:latest", "registry.access.redhat.com/ubi9/ubi-minimal",
])
def test_npm_cache_elsewhere_is_still_flagged_on_those_bases(base):
    found = sl206(f"FROM {base}\nUSER root\nRUN npm install -g x && rm -rf /tmp/npm-*\n")
    assert len(found) == 1
    # the plain UBI image sets no HOME: root's cache is /root/.npm, which /opt/app-root/src/.npm is not
    if "ubi-minimal" in base:
        assert "/root/.npm" in found[0].message
    else:
        assert "/opt/app-root/src/.npm" in found[0].message


def test_home_set_in_the_dockerfile_wins_over_the_base_images():
    base = "registry.access.redhat.com/ubi9/nodejs-22"
    assert sl206(f"FROM {base}\nENV HOME=/home/app\nRUN npm ci && rm -rf /home/app/.npm\n") == []
    assert len(sl206(f"FROM {base}\nENV HOME=/home/app\nRUN npm ci && rm -rf /opt/app-root/src/.npm\n")) == 1
