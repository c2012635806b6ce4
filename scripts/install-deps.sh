#!/usr/bin/env bash
# Installs the Debian 12 packages songvec needs, skipping those already there.
# Usage: scripts/install-deps.sh [--test | --bench]
#   --test   adds what the test suite needs; --bench adds the peers and tools bench/ compares with
set -euo pipefail
packages=(g++ cmake make pkg-config libeigen3-dev libcpp-httplib-dev nlohmann-json3-dev
          libsqlite3-dev libspdlog-dev curl python3)
case "${1:-}" in
  # GoogleTest for the unit tests; gensim to check that it loads songvec's exports.
  --test) packages+=(libgtest-dev python3-gensim) ;;
  --bench) packages+=(libbenchmark-dev python3-gensim fasttext time wrk) ;;
  "") ;;
  *) echo "install-deps.sh: unknown option $1" >&2; exit 2 ;;
esac
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' ||
    missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=()
[ "$(id -u)" -ne 0 ] && sudo=(sudo)
echo "installing: ${missing[*]}"
"${sudo[@]}" apt-get update -q
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
