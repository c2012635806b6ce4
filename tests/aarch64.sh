#!/usr/bin/env bash
# core/ and its tests cross-built for aarch64 (Debian's g++-aarch64-linux-gnu) and run under
# qemu-user, so that the NEON level and the scalar one run on an ARM instruction set on any machine.
# Usage: aarch64.sh SOURCE_DIR BUILD_DIR   (exit 77 = skipped: no cross compiler or qemu; or on
# aarch64 itself, where the main suite runs these levels natively)
set -euo pipefail
source=$1 build=$2
if [ "$(uname -m)" = aarch64 ]; then
  echo "SKIP: on aarch64 the main test binary runs the NEON level itself"
  exit 77
fi
for tool in aarch64-linux-gnu-g++ qemu-aarch64; do
  command -v "$tool" > /dev/null || { echo "SKIP: $tool not installed (scripts/install-deps.sh --test)"; exit 77; }
done
# RelWithDebInfo without -DNDEBUG and without debug info: optimised, assertions on, as scripts/test.sh.
cmake -S "$source" -B "$build" -DSONGVEC_CORE_ONLY=ON \
  -DCMAKE_SYSTEM_NAME=Linux -DCMAKE_SYSTEM_PROCESSOR=aarch64 \
  -DCMAKE_C_COMPILER=aarch64-linux-gnu-gcc -DCMAKE_CXX_COMPILER=aarch64-linux-gnu-g++ \
  -DCMAKE_CROSSCOMPILING_EMULATOR="qemu-aarch64;-L;/usr/aarch64-linux-gnu" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-g0 > /dev/null
cmake --build "$build" -j"$(nproc)" --target songvec_core_tests > "$build/build.log" 2>&1 ||
  { cat "$build/build.log"; exit 1; }
ctest --test-dir "$build" --output-on-failure
