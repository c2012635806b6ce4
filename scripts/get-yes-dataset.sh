#!/usr/bin/env bash
# Downloads the yes.com playlist dataset (yes_complete) from the address the notebook of
# "Hands-On Large Language Models", chapter 2, uses. Needs internet.
# Usage: scripts/get-yes-dataset.sh DIR     then: scripts/run.sh --data DIR
# Terms: crawled from Yes.com and Last.fm by Shuo Chen (Cornell); no commercial use without their
# consent; cite Chen et al., "Playlist Prediction via Metric Embedding", KDD 2012. Never commit it.
set -euo pipefail
dir=${1:?usage: scripts/get-yes-dataset.sh DIR}
base=https://storage.googleapis.com/maps-premium/dataset/yes_complete
mkdir -p "$dir"
for file in train.txt song_hash.txt; do
  echo "downloading $base/$file"
  curl -fL --retry 3 -o "$dir/$file.partial" "$base/$file"
  mv "$dir/$file.partial" "$dir/$file"
done
songs=$(wc -l < "$dir/song_hash.txt")
echo "$dir: $(($(wc -l < "$dir/train.txt") - 2)) playlist lines, $songs songs"
