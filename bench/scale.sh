#!/usr/bin/env bash
# songvec at a million songs, on a corpus anyone can make: `songvec-train synth` writes 1,000,000 songs
# and 400,000 playlists of 10 to 40 songs (about 10M entries, Zipf-popular within 8 genres); then this
# trains the defaults for one epoch, starts the server, times single requests and searches, hot-reloads
# a second version under load, and evaluates on a sample of test pairs. Every figure is printed and
# written to scale.md and scale.json; the targets (README, "At a million songs") are reported, not
# enforced.
#
# Usage: bench/scale.sh [--songs N] [--playlists N] [--epochs N] [--out DIR] [--work DIR] [--no-build]
#                       [--binaries DIR]
#   --songs N      catalog size (default 1000000)
#   --playlists N  playlists (default 400000; every tenth goes to the test split)
#   --epochs N     training epochs (default 1)
#   --out DIR      where scale.md and scale.json go (default bench/results)
#   --work DIR     keep the corpus and the database here (default: a temporary folder, removed)
#   --no-build     use the binaries already in build/release
#   --binaries DIR use the binaries of another build folder as they are (e.g. one configured with
#                  -DCMAKE_CXX_FLAGS=-march=x86-64-v3, to measure AVX2 beside the default build)
set -euo pipefail
cd "$(dirname "$0")/.."
songs=1000000 playlists=400000 epochs=1 out=bench/results work_dir='' build=1 binaries=build/release
while [ $# -gt 0 ]; do
  case "$1" in
    --songs) songs=$2; shift 2 ;;
    --playlists) playlists=$2; shift 2 ;;
    --epochs) epochs=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --work) work_dir=$2; shift 2 ;;
    --no-build) build=0; shift ;;
    --binaries) binaries=$2; build=0; shift 2 ;;
    -h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "scale.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
if [ "$build" = 1 ]; then
  scripts/install-deps.sh --bench
  cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DSONGVEC_BUILD_TESTS=OFF > /dev/null
  cmake --build build/release -j"$(nproc)" --target songvec-server songvec-train > /dev/null
fi
train=$binaries/trainer/songvec-train
server=$binaries/server/songvec-server
for b in "$train" "$server"; do
  [ -x "$b" ] || { echo "scale.sh: $b not built (run without --no-build)" >&2; exit 1; }
done
command -v wrk > /dev/null || { echo "scale.sh: wrk not installed (scripts/install-deps.sh --bench)" >&2; exit 1; }

if [ -n "$work_dir" ]; then
  mkdir -p "$work_dir"
  work=$(cd "$work_dir" && pwd)
else
  work=$(mktemp -d)
fi
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  [ -z "$work_dir" ] && rm -rf "$work"
  return 0
}
trap cleanup EXIT
figures=$work/figures.tsv
: > "$figures"
# figure NAME VALUE UNIT: one measured figure, printed and kept for the report.
figure() {
  printf '%s\t%s\t%s\n' "$1" "$2" "$3" >> "$figures"
  printf '  %-44s %s %s\n' "$1" "$2" "$3"
}
# Peak RSS of a running process, in MiB.
rss_mib() { awk '/VmHWM/ {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }
current_mib() { awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }

data=$work/data db=$work/songvec.db
echo "corpus: $songs songs, $playlists playlists in $data"
if [ ! -f "$data/train.txt" ]; then
  "$train" synth --out "$data" --songs "$songs" --playlists "$playlists" --min-length 10 \
    --max-length 40 > /dev/null
fi
read -r entries < <(tail -n +3 "$data/train.txt" | wc -w)
figure "training entries" "$entries" ""

echo "train: defaults, $epochs epoch(s), $(nproc) threads"
rm -f "$db"*
/usr/bin/time -f '%e %M' -o "$work/train.time" "$train" train --playlists "$data/train.txt" \
  --songs "$data/song_hash.txt" --db "$db" --epochs "$epochs" > "$work/train.out" 2> "$work/train.err" ||
  { tail -20 "$work/train.err"; exit 1; }
read -r train_seconds train_kib < "$work/train.time"
log_seconds() { tr '\r' '\n' < "$work/train.err" | sed -n "$1" | tail -1; }
figure "SIMD level" "$(log_seconds 's/.* simd=\([a-z0-9]*\).*/\1/p')" ""
figure "train: wall time" "$train_seconds" s
figure "train: reading the corpus and catalog" "$(log_seconds 's/.*read with the catalog in \([0-9.]*\) s.*/\1/p')" s
figure "train: the training loop" "$(sed -n 's/.* tokens in \([0-9.]*\) s,.*/\1/p' "$work/train.out")" s
figure "train: preparing the searches (layouts, graph)" "$(log_seconds 's/.*prepared the model.s searches in \([0-9.]*\) s.*/\1/p')" s
figure "train: of which building the similar graph" "$(log_seconds 's/.*HNSW, built in \([0-9.]*\) s.*/\1/p')" s
figure "similar graph: recall@10, 1000 songs drawn by plays" "$(log_seconds 's/.*recall@10 \([0-9.]*\) over.*/\1/p')" ""
figure "similar graph: recall@10, 1000 songs drawn uniformly" "$(log_seconds 's/.*their plays, \([0-9.]*\) over.*/\1/p')" ""
figure "similar searched by" "$(grep -q 'similar searches the graph' "$work/train.err" && echo graph || echo 'exact (pruned): the graph fell short of 0.98')" ""
figure "train: writing the catalog" "$(log_seconds 's/.*stored the catalog ([0-9]* songs) in \([0-9.]*\) s.*/\1/p')" s
figure "train: writing the model" "$(log_seconds 's/.*and model [0-9]* in \([0-9.]*\) s.*/\1/p')" s
figure "train: peak RSS" "$((train_kib / 1024))" MiB
figure "database size" "$(( $(stat -c %s "$db") / 1048576 ))" MiB

echo "serve"
port=$((20000 + RANDOM % 20000))
start=$(date +%s.%N)
"$server" --db "$db" --port "$port" --access-log=false > "$work/server.log" 2>&1 &
server_pid=$!
first= ready=
for _ in $(seq 1200); do
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/readyz" || true)
  now=$(date +%s.%N)
  [ -z "$first" ] && [ "$code" != 000 ] && first=$(echo "$now - $start" | bc)
  [ "$code" = 200 ] && { ready=$(echo "$now - $start" | bc); break; }
  sleep 0.05
done
[ -n "$ready" ] || { tail "$work/server.log"; echo "scale.sh: the server was not ready in 60 s" >&2; exit 1; }
figure "server: port open (first /readyz answer)" "$(printf '%.2f' "$first")" s
figure "server: /readyz 200" "$(printf '%.1f' "$ready")" s
figure "server: RSS when ready" "$(current_mib "$server_pid")" MiB

# Songs of the model (its rows, most played first, from the vocabulary the server serves).
"$train" export --db "$db" --out "$work/model.vec" > /dev/null
awk 'NR > 1 {print $1}' "$work/model.vec" > "$work/ids.txt"
rm "$work/model.vec"

# 200 sequential requests on random songs over one keep-alive connection: p50, p99, max in ms.
/usr/bin/python3 - "$port" "$work/ids.txt" "$work/requests.tsv" <<'PY'
import http.client, json, random, sys, threading, time
port, ids_path, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
ids = [line.strip() for line in open(ids_path)]
rng = random.Random(7)
def percentiles(times):
    times = sorted(times)
    pick = lambda q: times[min(len(times) - 1, int(q * len(times)))] * 1000
    return pick(0.5), pick(0.99), times[-1] * 1000
def timed(connection, method, path, body=None):
    headers = {"Content-Type": "application/json"} if body else {}
    start = time.perf_counter()
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    payload = response.read()
    elapsed = time.perf_counter() - start
    if response.status != 200:
        raise SystemExit(f"{method} {path}: HTTP {response.status}: {payload[:200]!r}")
    return elapsed, json.loads(payload)
rows = []
c = http.client.HTTPConnection("127.0.0.1", port)
times = [timed(c, "GET", f"/v1/songs/{rng.choice(ids)}/similar?k=10")[0] for _ in range(200)]
rows.append(("/similar?k=10, 200 sequential requests",) + percentiles(times))
times = [timed(c, "GET", f"/v1/songs/{rng.choice(ids)}/next?k=10")[0] for _ in range(200)]
rows.append(("/next?k=10, 200 sequential requests",) + percentiles(times))
times = []
for _ in range(200):
    body = json.dumps({"positive": rng.sample(ids, 5), "k": 10})
    times.append(timed(c, "POST", "/v1/recommend", body)[0])
rows.append(("five-seed /recommend, 200 sequential requests",) + percentiles(times))
# Searches of 2 to 5 characters taken from the catalog's words, 4 clients at once.
words = []
for _ in range(400):
    song = timed(c, "GET", f"/v1/songs/{rng.choice(ids)}")[1]
    word = rng.choice((song["title"] + " " + song["artist"]).split())
    words.append(word[: rng.randint(2, 5)].lower())
results, lock = [], threading.Lock()
def client(chunk):
    connection = http.client.HTTPConnection("127.0.0.1", port)
    for word in chunk:
        elapsed = timed(connection, "GET", f"/v1/songs?q={word}&limit=20")[0]
        with lock:
            results.append(elapsed)
threads = [threading.Thread(target=client, args=(words[i::4],)) for i in range(4)]
for t in threads: t.start()
for t in threads: t.join()
rows.append(("/v1/songs?q= (2-5 characters), 4 clients at once",) + percentiles(results))
with open(out, "w") as f:
    for name, p50, p99, worst in rows:
        f.write(f"{name}\t{p50:.2f}\t{p99:.2f}\t{worst:.2f}\n")
PY
while IFS=$'\t' read -r name p50 p99 worst; do
  figure "$name: p50" "$p50" ms
  figure "$name: p99" "$p99" ms
  figure "$name: max" "$worst" ms
done < "$work/requests.tsv"
figure "server: RSS after the requests" "$(current_mib "$server_pid")" MiB

echo "hot reload under load"
# Another version: the same vectors imported again (the same size, so the same loading work).
"$train" export --db "$db" --out "$work/again.vec" > /dev/null
other=$("$train" import --db "$db" --vectors "$work/again.vec" | sed -n 's/.*as model version \([0-9]*\).*/\1/p')
rm "$work/again.vec"
cat > "$work/similar.lua" <<'LUA'
local ids = {}
for line in io.lines(os.getenv("IDS")) do ids[#ids + 1] = line end
math.randomseed(11)
request = function()
  return wrk.format("GET", "/v1/songs/" .. ids[math.random(#ids)] .. "/similar?k=10")
end
LUA
IDS=$work/ids.txt wrk -t 2 -c 8 -d 60s -s "$work/similar.lua" --latency "http://127.0.0.1:$port" > "$work/wrk.out" 2>&1 &
wrk_pid=$!
sleep 5
"$train" models activate "$other" --db "$db" > /dev/null
reload_start=$(date +%s.%N)
kill -HUP "$server_pid"
swapped=
for _ in $(seq 1200); do
  if [ "$(curl -s "http://127.0.0.1:$port/healthz" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["model_version"])')" = "$other" ]; then
    swapped=$(echo "$(date +%s.%N) - $reload_start" | bc)
    break
  fi
  sleep 0.1
done
reload_peak=$(rss_mib "$server_pid")
wait "$wrk_pid" || true
figure "hot reload: SIGHUP to the new version served" "$(printf '%.1f' "${swapped:-nan}")" s
figure "server: peak RSS (through the reload)" "$reload_peak" MiB
non2xx=$(sed -n 's/.*Non-2xx or 3xx responses: \([0-9]*\).*/\1/p' "$work/wrk.out")
errors=$(sed -n 's/.*Socket errors: connect \([0-9]*\), read \([0-9]*\), write \([0-9]*\), timeout \([0-9]*\).*/\1 \2 \3 \4/p' "$work/wrk.out" | awk '{print $1 + $2 + $3 + $4}')
requests=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$work/wrk.out")
figure "hot reload: requests during the 60 s run" "${requests:-0}" ""
figure "hot reload: failed requests (non-2xx, socket errors)" "$(( ${non2xx:-0} + ${errors:-0} ))" ""
kill "$server_pid"; wait "$server_pid" 2>/dev/null || true
server_pid=

echo "eval: a sample of the test pairs"
"$train" models activate 1 --db "$db" > /dev/null
/usr/bin/time -f '%e' -o "$work/eval.time" "$train" eval --db "$db" --playlists "$data/test.txt" \
  > "$work/eval.out" 2> /dev/null
figure "eval: wall time" "$(cat "$work/eval.time")" s
# The one-song table, then the continuation one (the same rows) after its "continuation" line.
one_song() { awk '/^continuation/ {exit} '"$1" "$work/eval.out"; }
continuation() { awk '/^continuation/ {on = 1} on && '"$1" "$work/eval.out"; }
figure "eval: pairs scored" "$(one_song '/^scored on a sample of/ {print $6}')" ""
figure "eval: next HR@10" "$(one_song '/^model 1 next/ {print $4}')" ""
figure "eval: co-occurrence HR@10" "$(one_song '/^co-occurrence/ {print $3}')" ""
figure "eval, continuation: next HR@10" "$(continuation '/^model 1 next/ {print $4}')" ""
figure "eval, continuation: co-occurrence HR@10" "$(continuation '/^co-occurrence/ {print $3}')" ""

mkdir -p "$out"
/usr/bin/python3 - "$figures" "$out" "$songs" "$playlists" "$epochs" <<'PY'
import json, os, subprocess, sys
figures, out, songs, playlists, epochs = sys.argv[1:]
rows = [line.rstrip("\n").split("\t") for line in open(figures)]
def cpu():
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown CPU"
commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
header = (f"bench/scale.sh: {int(songs):,} songs, {int(playlists):,} playlists (songvec-train synth), "
          f"train defaults for {epochs} epoch(s); commit {commit}; {os.cpu_count()} cores ({cpu()}).")
md = "\n".join([header, "", "| figure | value |", "|---|---|",
                *[f"| {name} | {value} {unit} |".replace("  |", " |") for name, value, unit in rows], ""])
open(os.path.join(out, "scale.md"), "w").write(md)
json.dump({"songs": int(songs), "playlists": int(playlists), "epochs": int(epochs), "commit": commit,
           "cpu": cpu(), "figures": [{"figure": n, "value": v, "unit": u} for n, v, u in rows]},
          open(os.path.join(out, "scale.json"), "w"), indent=2)
print()
print(md)
PY
