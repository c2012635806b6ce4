#!/usr/bin/env bash
# Installs the Debian 12 packages songvec needs, skipping those already there.
# Usage: scripts/install-deps.sh [--test | --bench]
#   --test   adds what the test suite needs; --bench adds the peers and tools bench/ compares with
set -euo pipefail
# The OpenAPI linter the test suite runs on server/openapi.json (tests/openapi_lint.sh) and the
# library that drives Chromium in the web app's browser test (tests/web_app_test.sh), pinned.
# --test installs them from the npm registry into .tools/npm (git-ignored), not system-wide.
# playwright-core is Playwright without its browser downloads (it drives Debian's chromium);
# 1.57 is the last line that runs on Debian 12's own Node.js 18.
redocly_version=2.77.0
playwright_version=1.57.0
packages=(g++ cmake make pkg-config libeigen3-dev libcpp-httplib-dev nlohmann-json3-dev
          libsqlite3-dev libspdlog-dev libhnswlib-dev libcli11-dev curl python3)
case "${1:-}" in
  # GoogleTest for the unit tests; gensim to check that it loads songvec's exports; Node.js and npm
  # for the OpenAPI linter, unless npm is there already (NodeSource's nodejs package bundles npm and
  # conflicts with Debian's npm package); an aarch64 cross compiler and qemu-user on x86-64.
  # clang and its runtime libraries for the fuzzers (libFuzzer).
  # Chromium for the web app's browser test.
  --test) packages+=(libgtest-dev python3-gensim clang-14 libclang-rt-14-dev chromium)
          command -v npm > /dev/null || packages+=(nodejs npm)
          # The core tests' aarch64 cross build, run under qemu (tests/aarch64.sh).
          if [ "$(uname -m)" = x86_64 ]; then packages+=(g++-aarch64-linux-gnu qemu-user); fi ;;
  --bench) packages+=(libbenchmark-dev python3-gensim fasttext time wrk) ;;
  "") ;;
  *) echo "install-deps.sh: unknown option $1" >&2; exit 2 ;;
esac
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' ||
    missing+=("$package")
done
sudo=()
[ "$(id -u)" -ne 0 ] && sudo=(sudo)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  "${sudo[@]}" apt-get update -q
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
[ "${1:-}" = --test ] || exit 0

tools=$(cd "$(dirname "$0")/.." && pwd)/.tools/npm
# Under sudo, as the user who ran it, so that the checkout's .tools stays theirs.
as_user=()
[ "$(id -u)" -eq 0 ] && [ -n "${SUDO_USER:-}" ] && command -v sudo > /dev/null &&
  as_user=(sudo -H -u "$SUDO_USER")
# npm_install PACKAGE VERSION: into .tools/npm unless that version is there.
npm_install() {
  grep -qs "\"version\": \"$2\"" "$tools/node_modules/$1/package.json" && return 0
  echo "installing: $1@$2 into .tools/npm"
  "${as_user[@]}" npm install --prefix "$tools" --save-exact --no-audit --no-fund \
    --no-update-notifier --loglevel=error "$1@$2"
}
npm_install playwright-core "$playwright_version"
# @redocly/cli 2 runs on Node.js 20.19+ or 22.12+; Debian 12's own nodejs is 18.
if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number);
              process.exit((a === 20 && b >= 19) || a > 22 || (a === 22 && b >= 12) ? 0 : 1)'; then
  echo "install-deps.sh: Node.js $(node --version) is too old for @redocly/cli $redocly_version" \
       "(20.19+ or 22.12+): the OpenAPI lint test will be skipped" >&2
  exit 0
fi
npm_install @redocly/cli "$redocly_version"
