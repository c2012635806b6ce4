#!/usr/bin/env bash
# The web app in headless Chromium (tests/web_app_test.mjs): songvec-server on a free port with a
# model trained on the demo data, a second one on a database without a model, and a third on the
# demo data that the browser test kills under a loaded page (the "server unreachable" state).
# Usage: web_app_test.sh SONGVEC_TRAIN SONGVEC_SERVER SCREENSHOT_DIR
# Needs Debian's chromium and playwright-core in .tools/npm: scripts/install-deps.sh --test
# installs both. Missing, the test fails (it is never skipped).
set -euo pipefail
train=$1 server=$2 screenshots=$3
root=$(cd "$(dirname "$0")/.." && pwd)
chromium=${SONGVEC_CHROMIUM:-/usr/bin/chromium}
for needed in "$chromium" "$root/.tools/npm/node_modules/playwright-core/package.json"; do
  if [ ! -e "$needed" ]; then
    echo "FAIL: $needed is missing: run scripts/install-deps.sh --test (Debian's chromium and" \
         "playwright-core, pinned, into .tools/npm)" >&2
    exit 1
  fi
done
command -v node > /dev/null || { echo "FAIL: node is missing: run scripts/install-deps.sh --test" >&2; exit 1; }

work=$(mktemp -d /tmp/songvec_web_XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2> /dev/null || true; done
  wait 2> /dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

"$train" synth --out "$work/demo" > "$work/synth.log"
"$train" train --playlists "$work/demo/train.txt" --songs "$work/demo/song_hash.txt" \
  --db "$work/demo.db" --threads 2 > "$work/train.log" 2>&1 || { cat "$work/train.log"; exit 1; }
"$train" eval --db "$work/demo.db" --playlists "$work/demo/test.txt" --threads 2 \
  > "$work/eval.log" 2>&1 || { cat "$work/eval.log"; exit 1; }
"$train" migrate --db "$work/empty.db" > /dev/null

# start NAME DB: songvec-server on any free port; sets $url once it listens.
start() {
  "$server" --db "$2" --port 0 --access-log=false > "$work/$1.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do
    url=$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$work/$1.log")
    [ -n "$url" ] && return 0
    sleep 0.1
  done
  echo "FAIL: songvec-server did not start:" >&2
  cat "$work/$1.log" >&2
  exit 1
}
start demo "$work/demo.db"
demo=$url
start empty "$work/empty.db"
empty=$url
start gone "$work/demo.db"
gone=$url gone_pid=${pids[-1]}
for ready in "$demo" "$gone"; do
  for _ in $(seq 300); do
    curl -fs "$ready/readyz" > /dev/null && break
    sleep 0.1
  done
done

mkdir -p "$screenshots"
CHROMIUM="$chromium" node "$root/tests/web_app_test.mjs" "$demo" "$empty" "$gone" "$gone_pid" \
  "$screenshots"
