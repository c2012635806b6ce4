#!/usr/bin/env bash
# Builds songvec (Release), trains a model on the built-in demo data or on a yes.com-style folder,
# and serves it on 127.0.0.1:8080.
# Usage: scripts/run.sh [--data DIR] [--port N]
#   --data DIR   train on DIR/train.txt and DIR/song_hash.txt (yes.com format); evaluates on
#                DIR/test.txt when there is one. Default: `songvec-train synth` writes demo data.
set -euo pipefail
cd "$(dirname "$0")/.."
data= port=8080
while [ $# -gt 0 ]; do
  case "$1" in
    --data) data=${2:?--data needs a folder}; shift 2 ;;
    --port) port=${2:?--port needs a number}; shift 2 ;;
    -h|--help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

scripts/install-deps.sh
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DSONGVEC_BUILD_TESTS=OFF > /dev/null
cmake --build build/release -j"$(nproc)"
train=build/release/trainer/songvec-train
server=build/release/server/songvec-server

if [ -z "$data" ]; then
  mkdir -p run
  "$train" synth --out run/demo
  data=run/demo
  db=run/demo.db
else
  for file in train.txt song_hash.txt; do
    [ -f "$data/$file" ] || { echo "run.sh: $data/$file not found" >&2; exit 1; }
  done
  mkdir -p run
  db=run/$(basename "$(cd "$data" && pwd)").db
fi
"$train" train --playlists "$data/train.txt" --songs "$data/song_hash.txt" --db "$db"
if [ -f "$data/test.txt" ]; then
  "$train" eval --db "$db" --playlists "$data/test.txt"
fi

# The model's most played song (its first row, as export writes it), to show in the examples.
"$train" export --db "$db" --out "$db.top.vec" > /dev/null
song=$(sed -n '2s/ .*//p' "$db.top.vec")
rm -f "$db.top.vec"
cat <<EOT

songvec-server is starting on http://127.0.0.1:$port (Ctrl-C stops it). Open
http://127.0.0.1:$port/ in a browser for the web app, or try:
  curl 'localhost:$port/v1/songs/$song/similar?k=5'
  curl 'localhost:$port/v1/songs/$song/next?k=5'
  curl -X POST localhost:$port/v1/recommend -d '{"positive": ["$song"], "k": 5, "max_per_artist": 1}'
  curl 'localhost:$port/v1/songs?q=a&limit=5'
  curl 'localhost:$port/v1/songs/$song'
  curl 'localhost:$port/v1/models'
  curl 'localhost:$port/metrics'

EOT
exec "$server" --db "$db" --port "$port"
