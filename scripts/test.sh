#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite with ctest.
# The data-driven tests read ../shared/data (beside this checkout).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test
# RelWithDebInfo without -DNDEBUG: optimised, and assertions stay on.
cmake -S . -B build/test -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-g \
  -DSONGVEC_BUILD_TESTS=ON
cmake --build build/test -j"$(nproc)"
ctest --test-dir build/test --output-on-failure -j"$(nproc)"
