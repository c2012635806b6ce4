#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test with ctest: the unit tests under
# AddressSanitizer and UndefinedBehaviorSanitizer and under ThreadSanitizer (the few left out say
# why below), each fuzzer for SONGVEC_FUZZ_SECONDS (default 20), then the whole suite as released
# (optimised, assertions on), whose ctest summary ends the output. The data-driven tests read
# ../shared/data (beside this checkout). --quick: the last stage alone.
set -euo pipefail
cd "$(dirname "$0")/.."
quick=0
case "${1:-}" in
  --quick) quick=1 ;;
  "") ;;
  *) echo "test.sh: unknown option $1 (--quick: the plain suite alone)" >&2; exit 2 ;;
esac
scripts/install-deps.sh --test
jobs=$(nproc)
stage() { echo; echo "=== $* ($(date +%T))"; }
if [ "$quick" = 0 ]; then
  # Line tables for the reports, assertions on (no -DNDEBUG); SONGVEC_SANITIZE compiles at -O1.
  sanitized=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-g1)
  stage "AddressSanitizer and UndefinedBehaviorSanitizer: the unit tests and the end-to-end script"
  cmake -S . -B build/asan "${sanitized[@]}" -DSONGVEC_SANITIZE=address,undefined > /dev/null
  cmake --build build/asan -j"$jobs"
  # The end-to-end script leaves out its `ulimit -v` step here (ASan cannot reserve its shadow
  # memory under it); the plain stage runs it.
  ctest --test-dir build/asan --output-on-failure -j"$jobs" -LE nosan

  stage "ThreadSanitizer: the unit tests (tests/tsan.supp says what it suppresses and why)"
  cmake -S . -B build/tsan "${sanitized[@]}" -DSONGVEC_SANITIZE=thread > /dev/null
  cmake --build build/tsan -j"$jobs" --target songvec_tests
  # Not the graph tests that build on one thread (nothing for TSan to find, 4-8 minutes each
  # under it); the one building on two threads runs.
  ctest --test-dir build/tsan --output-on-failure -j"$jobs" -LE nosan \
    -E '^(EndToEnd|HnswIndexTest\.|Recommender\.SearchesAStoredGraph)'

  fuzz_seconds=${SONGVEC_FUZZ_SECONDS:-20}
  stage "the fuzzers, $fuzz_seconds s each"
  cmake -S . -B build/fuzz -DCMAKE_CXX_COMPILER=clang++-14 -DSONGVEC_BUILD_FUZZERS=ON \
    -DSONGVEC_BUILD_TESTS=OFF -DSONGVEC_FUZZ_SECONDS="$fuzz_seconds" > /dev/null
  cmake --build build/fuzz -j"$jobs" --target fuzzers
  ctest --test-dir build/fuzz --output-on-failure -j"$jobs" -L fuzz
fi
stage "the suite"
# RelWithDebInfo without -DNDEBUG: optimised, and assertions stay on.
cmake -S . -B build/test -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-g \
  -DSONGVEC_BUILD_TESTS=ON
cmake --build build/test -j"$jobs"
ctest --test-dir build/test --output-on-failure -j"$jobs"
