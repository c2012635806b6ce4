#!/usr/bin/env bash
# HTTP load on songvec-server, measured with wrk against a ceiling: bench/ceiling_server, the same
# cpp-httplib transport (TCP_NODELAY, 128 worker threads, 5 s keep-alive) answering a constant.
# For each of GET /ceiling, GET /v1/songs/{id}/similar?k=10 and POST /v1/recommend (5 positive
# seeds, k 10) at 8 and 64 keep-alive connections (2 wrk threads, random known song ids per request)
# it reports requests/s, the share of the ceiling's requests/s, p50, p99 and max latency and the
# non-2xx and socket error counts; endpoints alternate within each round and the table shows
# medians. A last /similar run at 8 connections activates the other model version and sends SIGHUP
# to the server halfway through (a hot reload) and reports what it dropped.
#
# Usage: bench/load.sh [--quick] [--runs N] [--duration S] [--db FILE] [--data DIR] [--out DIR]
#                      [--access-log] [--no-build]
#   --quick       yes_small and 5 s runs, for a fast look
#   --runs N      rounds (default 3)
#   --duration S  seconds per wrk run (default 20)
#   --db FILE     serve this database (a copy: the reload run activates another version in it;
#                 that version is the active model's vectors imported again). Default: train one on
#                 DIR/split/train.txt, and a 1-epoch second version for the reload run
#   --data DIR    a yes.com folder with split/train.txt and song_hash.txt (default
#                 ../shared/data/yes_complete; yes_small with --quick)
#   --out DIR     where load.md and load.json go (default bench/results)
#   --access-log  serve with songvec-server's per-request access log (default: off, as the ceiling)
#   --no-build    use the binaries already in build/release and build/bench
#   --soak M      instead of the rounds: /similar and /recommend (4 connections each) for M minutes
#                 after the warm-up, the server's RSS sampled every 30 s; soak.md and soak.json
#   --reload-every S  with --soak: after each sample, every S s (a multiple of 30), activate the
#                 other version and send SIGHUP (default 0: no reloads)
# wrk shares the machine with the servers: on few cores the ceiling is the client's limit too.
# The server runs at the CPU's best SIMD level; SONGVEC_ISA=avx2 (or scalar, sse2, avx512) in the
# environment forces one, so the AVX2 figure is known on an AVX-512 machine. The report names both.
set -euo pipefail
cd "$(dirname "$0")/.."
quick=0 runs=3 duration='' db_in='' data='' out=bench/results access_log=false build=1 soak=0
reload_every=0
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1; shift ;;
    --runs) runs=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --db) db_in=$2; shift 2 ;;
    --data) data=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --access-log) access_log=true; shift ;;
    --no-build) build=0; shift ;;
    --soak) soak=$2; shift 2 ;;
    --reload-every) reload_every=$2; shift 2 ;;
    -h|--help) sed -n '2,30p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "load.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
if [ "$quick" = 1 ]; then
  : "${data:=../shared/data/yes_small}" "${duration:=5}"
else
  : "${data:=../shared/data/yes_complete}" "${duration:=20}"
fi
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || { echo "load.sh: --runs must be a positive integer" >&2; exit 2; }
[[ "$duration" =~ ^[1-9][0-9]*$ ]] || { echo "load.sh: --duration must be whole seconds" >&2; exit 2; }
[[ "$soak" =~ ^[0-9]+$ ]] || { echo "load.sh: --soak must be whole minutes" >&2; exit 2; }
[[ "$reload_every" =~ ^[0-9]+$ ]] && [ $((reload_every % 30)) = 0 ] ||
  { echo "load.sh: --reload-every must be a multiple of 30 s" >&2; exit 2; }
# With --db the other version is imported vectors, which cannot answer /recommend's next scoring.
if [ -n "$db_in" ] && [ "$soak" -gt 0 ] && [ "$reload_every" -gt 0 ]; then
  echo "load.sh: --reload-every with --db would reload into imported vectors, which cannot answer" \
    "/recommend (no output vectors); leave out --db to train both versions" >&2
  exit 2
fi
if [ -n "$db_in" ]; then
  [ -f "$db_in" ] || { echo "load.sh: $db_in not found" >&2; exit 1; }
else
  for f in "$data/split/train.txt" "$data/song_hash.txt"; do
    [ -f "$f" ] || { echo "load.sh: $f not found" >&2; exit 1; }
  done
fi
connections=(8 64)
endpoints=(ceiling similar recommend)
wrk_threads=2
warmup=$(( duration / 10 > 0 ? duration / 10 : 1 ))

if [ "$build" = 1 ]; then
  scripts/install-deps.sh --bench
  # build/release as bench/compare_trainers.sh configures it; the ceiling needs the bench targets,
  # which build/bench has (its own tree, so build/release's options stay as they are).
  cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DSONGVEC_BUILD_TESTS=OFF > /dev/null
  cmake --build build/release -j"$(nproc)" --target songvec-server songvec-train > /dev/null
  if [ "$soak" = 0 ]; then
    cmake -S . -B build/bench -DCMAKE_BUILD_TYPE=Release -DSONGVEC_BUILD_TESTS=OFF \
      -DSONGVEC_BUILD_BENCH=ON > /dev/null
    cmake --build build/bench -j"$(nproc)" --target ceiling_server > /dev/null
  fi
fi
songvec=build/release/trainer/songvec-train
server=build/release/server/songvec-server
ceiling=build/bench/bench/ceiling_server
# The soak measures the server alone: no ceiling.
[ "$soak" = 0 ] || ceiling=''
for b in "$songvec" "$server" ${ceiling:+"$ceiling"}; do
  [ -x "$b" ] || { echo "load.sh: $b not built (run without --no-build)" >&2; exit 1; }
done
command -v wrk > /dev/null || { echo "load.sh: wrk not installed (scripts/install-deps.sh --bench)" >&2; exit 1; }

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
db=$work/songvec.db

# The models: the one served, and another version for the reload run to switch to.
active_version() { "$songvec" models list --db "$db" | awk '$1 == "*" {print $2}'; }
if [ -n "$db_in" ]; then
  echo "copying $db_in"
  /usr/bin/python3 -c 'import sqlite3, sys; sqlite3.connect(sys.argv[1]).backup(sqlite3.connect(sys.argv[2]))' \
    "$db_in" "$db"
  main_version=$(active_version)
  [ -n "$main_version" ] || { echo "load.sh: $db_in has no active model" >&2; exit 1; }
  "$songvec" export --db "$db" --out "$work/reimport.vec" > /dev/null
  other_version=$("$songvec" import --db "$db" --vectors "$work/reimport.vec" |
    sed -n 's/.*as model version \([0-9]*\).*/\1/p')
  rm "$work/reimport.vec"
else
  echo "training on $data/split/train.txt"
  start=$SECONDS
  "$songvec" train --playlists "$data/split/train.txt" --songs "$data/song_hash.txt" --db "$db" \
    --threads "$(nproc)" > "$work/train.out" 2> "$work/train.err" || { cat "$work/train.err"; exit 1; }
  main_version=$(sed -n 's/^model version \([0-9]*\) is active.*/\1/p' "$work/train.out")
  # The same songs and dim (so the same serving cost), one epoch: a cheap second version.
  "$songvec" train --playlists "$data/split/train.txt" --songs "$data/song_hash.txt" --db "$db" \
    --threads "$(nproc)" --epochs 1 --activate never > "$work/train2.out" 2> "$work/train.err" ||
    { cat "$work/train.err"; exit 1; }
  other_version=$(sed -n 's/^model version \([0-9]*\) is stored.*/\1/p' "$work/train2.out")
  echo "  trained in $((SECONDS - start)) s"
fi
if [ -z "$main_version" ] || [ -z "$other_version" ]; then
  echo "load.sh: could not tell the model versions apart:" >&2
  "$songvec" models list --db "$db" >&2
  exit 1
fi
[ "$(active_version)" = "$main_version" ] || { echo "load.sh: model $main_version is not active" >&2; exit 1; }

# Known song ids, for random requests: the first column of the word2vec export.
"$songvec" export --db "$db" --out "$work/model.vec" > /dev/null
tail -n +2 "$work/model.vec" | cut -d' ' -f1 > "$work/ids.txt"
rm "$work/model.vec"
song_count=$(wc -l < "$work/ids.txt")
[ "$song_count" -ge 5 ] || { echo "load.sh: the model has $song_count songs; 5 are needed" >&2; exit 1; }

# One Lua script for every run: each wrk thread builds a pool of requests with random ids up front,
# so that the client does the same (little) work per request for every endpoint, and done() prints
# one machine-readable line. wrk's errors.status counts responses with status >= 400.
cat > "$work/load.lua" <<'LUA'
-- Written by bench/load.sh. Arguments (after wrk's --): MODE IDS_FILE, MODE ceiling|similar|recommend.
local threads_started = 0
function setup(thread)
  threads_started = threads_started + 1
  thread:set("thread_number", threads_started)
end

local POOL = 20000
local pool = {}
local position = 0

local function url_escape(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end
local function json_string(s)
  return '"' .. s:gsub('[%c"\\]', function(c) return string.format("\\u%04x", string.byte(c)) end) .. '"'
end

function init(args)
  local mode, ids_file = args[1], args[2]
  math.randomseed(os.time() * 100 + (thread_number or 0))
  local ids = {}
  if mode ~= "ceiling" then
    for line in io.lines(ids_file) do
      if line ~= "" then ids[#ids + 1] = line end
    end
  end
  for i = 1, POOL do
    if mode == "ceiling" then
      pool[i] = wrk.format("GET", "/ceiling")
    elseif mode == "similar" then
      pool[i] = wrk.format("GET", "/v1/songs/" .. url_escape(ids[math.random(#ids)]) .. "/similar?k=10")
    elseif mode == "recommend" then
      -- Five distinct songs.
      local chosen, positive = {}, {}
      while #positive < 5 do
        local j = math.random(#ids)
        if not chosen[j] then
          chosen[j] = true
          positive[#positive + 1] = json_string(ids[j])
        end
      end
      local body = '{"positive": [' .. table.concat(positive, ", ") .. '], "k": 10}'
      pool[i] = wrk.format("POST", "/v1/recommend", {["Content-Type"] = "application/json"}, body)
    else
      error("load.lua: unknown mode " .. tostring(mode))
    end
  end
end

function request()
  position = position % POOL + 1
  return pool[position]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "LOAD_RESULT requests=%.0f duration_us=%.0f rps=%.1f p50_us=%.0f p99_us=%.0f max_us=%.0f " ..
    "non2xx=%.0f connect=%.0f read=%.0f write=%.0f timeout=%.0f\n",
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(99), latency.max,
    e.status, e.connect, e.read, e.write, e.timeout))
end
LUA

# start_server NAME COMMAND...: starts it in the background, logging to $work/NAME.log; sets
# started_pid, and started_port from its "listening on http://127.0.0.1:PORT" line.
start_server() {
  local name=$1 pid port=
  shift
  "$@" > "$work/$name.log" 2>&1 &
  pid=$!
  pids+=("$pid")
  for _ in $(seq 600); do
    port=$(sed -n 's/.*listening on http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' "$work/$name.log")
    [ -n "$port" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  [ -n "$port" ] || { cat "$work/$name.log"; echo "load.sh: $name did not start" >&2; exit 1; }
  started_pid=$pid started_port=$port
}
if [ -n "$ceiling" ]; then
  start_server ceiling "$ceiling" --port 0 --workers 128
  pid_ceiling=$started_pid port_ceiling=$started_port
fi
start_server songvec "$server" --db "$db" --port 0 --workers 128 --keep-alive 5 --access-log="$access_log"
pid_songvec=$started_pid port_songvec=$started_port
# Measure the steady state: the port is open at once, the model answers once /readyz says so, and
# single-song queries get fast once the background warm-up has filled the neighbour caches (its
# log says when; a catalog too large for a warm-up fills them as songs are asked for).
for _ in $(seq 1200); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port_songvec/readyz")" = 200 ] &&
    grep -qE 'neighbour caches (of model .* warm|fill as)' "$work/songvec.log" && break
  sleep 0.5
done
grep -E 'neighbour caches (of model .* warm|fill as)' "$work/songvec.log" | sed 's/.*\] //' |
  sed 's/^/songvec-server: /' ||
  echo "songvec-server: neighbour caches still warming after 10 minutes; measuring anyway"
# Where it runs: the SIMD level (SONGVEC_ISA picks one) and the indexes of the model it serves.
simd=$(sed -n 's/.*(SIMD level \([a-z0-9]*\)).*/\1/p' "$work/songvec.log" | head -1)
search=$(sed -n 's/.*search: \(similar [a-z]*, next [a-z]*\).*/\1/p' "$work/songvec.log" | head -1)
echo "songvec-server: SIMD level ${simd:-?}, search ${search:-?}"
url_of() {
  case "$1" in
    ceiling) echo "http://127.0.0.1:$port_ceiling" ;;
    *) echo "http://127.0.0.1:$port_songvec" ;;
  esac
}
# served_version: model_version of /healthz, or "?".
served_version() {
  curl -s --max-time 5 "$(url_of songvec)/healthz" |
    /usr/bin/python3 -c 'import json, sys
try: print(json.load(sys.stdin).get("model_version", "?"))
except Exception: print("?")'
}
echo "songvec-server on port $port_songvec serves model $(served_version) ($song_count songs)" \
  "${ceiling:+; ceiling on port $port_ceiling}"

# One request to each endpoint first: an endpoint that fails says how, before its numbers do.
: > "$work/probes.tsv"
read -r probe_path probe_body < <(/usr/bin/python3 - "$work/ids.txt" <<'PY'
import json, sys, urllib.parse
ids = [line.rstrip("\n") for line in open(sys.argv[1]) if line.strip()]
print("/v1/songs/" + urllib.parse.quote(ids[0], safe="") + "/similar?k=10",
      json.dumps({"positive": ids[:5], "k": 10}, separators=(",", ":")))
PY
)
probe() {  # ENDPOINT CURL_ARGS...: status and the start of the body, to probes.tsv and the terminal
  local endpoint=$1 code
  shift
  code=$(curl -s -o "$work/probe.body" -w '%{http_code}' --max-time 5 "$@" || true)
  printf '%s\t%s\t%s\n' "$endpoint" "$code" "$(head -c 200 "$work/probe.body" | tr '\t\n' '  ')" >> "$work/probes.tsv"
  if [[ "$code" == 2* ]]; then
    echo "  probe $endpoint: $code"
  else
    echo "  probe $endpoint: HTTP $code: $(head -c 200 "$work/probe.body")"
    echo "    (its runs will count these answers as non-2xx; their figures time the error responses)"
  fi
}
[ -z "$ceiling" ] || probe ceiling "$(url_of ceiling)/ceiling"
probe similar "$(url_of songvec)$probe_path"
probe recommend -X POST -H 'Content-Type: application/json' --data "$probe_body" "$(url_of songvec)/v1/recommend"

results=$work/results.txt
: > "$results"
# run_wrk ENDPOINT CONNECTIONS SECONDS LABEL: one wrk run; its LOAD_RESULT line, prefixed with
# endpoint, connections and LABEL, goes to results.txt (failed=1 if wrk gave none).
run_wrk() {
  local endpoint=$1 conns=$2 seconds=$3 label=$4 line rc=0
  local raw=$work/wrk_${endpoint}_${conns}_${label}.out
  wrk --latency -t "$wrk_threads" -c "$conns" -d "${seconds}s" --timeout 2s -s "$work/load.lua" \
    "$(url_of "$endpoint")" -- "$endpoint" "$work/ids.txt" > "$raw" 2>&1 || rc=$?
  line=$(sed -n 's/^LOAD_RESULT //p' "$raw")
  if [ -z "$line" ]; then
    echo "  $endpoint, $conns connections: wrk failed (exit $rc):"
    sed 's/^/    /' "$raw"
    line="failed=1"
  fi
  echo "endpoint=$endpoint conns=$conns run=$label $line" >> "$results"
}
# check_alive NAME PID: exits, showing its log, if the server NAME is gone.
check_alive() {
  if ! kill -0 "$2" 2>/dev/null; then
    echo "load.sh: $1 server died; the end of its log:" >&2
    tail -20 "$work/$1.log" >&2
    exit 1
  fi
}
show_run() {  # the last line of results.txt, readably
  tail -1 "$results" | awk '{
    for (i = 1; i <= NF; ++i) { split($i, kv, "="); r[kv[1]] = kv[2] }
    if (r["failed"]) exit
    printf "  %-9s %2d connections: %8.0f req/s  p50 %6.2f ms  p99 %7.2f ms  max %8.2f ms  non-2xx %d  socket errors %d\n",
      r["endpoint"], r["conns"], r["rps"], r["p50_us"] / 1000, r["p99_us"] / 1000, r["max_us"] / 1000,
      r["non2xx"], r["connect"] + r["read"] + r["write"] + r["timeout"] }'
}

# The soak: RSS over time under steady traffic, with or without reloads (a leak or fragmentation
# shows as growth; the first sample is taken once the warm-up has ended).
if [ "$soak" -gt 0 ]; then
  seconds=$((soak * 60))
  echo "soak: /similar and /recommend, 4 connections each, $soak min; RSS every 30 s" \
    "$( [ "$reload_every" -gt 0 ] && echo "then a reload every $reload_every s")"
  run_wrk similar 4 "$seconds" soak &
  wrk_similar=$!
  run_wrk recommend 4 "$seconds" soak &
  wrk_recommend=$!
  samples=$work/rss.tsv versions=("$main_version" "$other_version") reloads=0 soak_start=$SECONDS
  : > "$samples"
  for t in $(seq 30 30 "$seconds"); do
    sleep $((t - SECONDS + soak_start)) 2>/dev/null || true
    check_alive songvec "$pid_songvec"
    printf '%s\t%s\t%s\n' "$t" "$(awk '/VmRSS/ {print $2}' "/proc/$pid_songvec/status")" \
      "$(served_version)" >> "$samples"
    tail -1 "$samples" | awk -F'\t' '{printf "  %4d s: RSS %6.1f MiB, serving model %s\n", $1, $2 / 1024, $3}'
    if [ "$reload_every" -gt 0 ] && [ $((t % reload_every)) = 0 ] && [ "$t" -lt "$seconds" ]; then
      reloads=$((reloads + 1))
      "$songvec" models activate "${versions[$((reloads % 2))]}" --db "$db" > /dev/null
      kill -HUP "$pid_songvec"
    fi
  done
  wait "$wrk_similar" "$wrk_recommend" || true
  mkdir -p "$out"
  /usr/bin/python3 - "$samples" "$results" "$out" "$soak" "$reload_every" "$reloads" "$song_count" \
    "${simd:-?}" "$(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)" \
    "$(git rev-parse --short HEAD)" <<'PY'
import json, os, sys
samples, results, out, minutes, every, reloads, songs, simd, cpu, commit = sys.argv[1:]
rows = [line.split("\t") for line in open(samples).read().split("\n") if line]
rss = [int(r[1]) / 1024 for r in rows]
runs = [dict(kv.split("=", 1) for kv in line.split()) for line in open(results) if "run=soak" in line]
requests = sum(float(r.get("requests", 0)) for r in runs)
failed = sum(float(r.get("non2xx", 0)) + sum(float(r.get(k, 0)) for k in ("connect", "read", "write", "timeout"))
             for r in runs)
# Growth compares samples of one model (the versions alternate with reloads), from its second
# sample on: the first follows a full warm-up, later ones a reload's 30 s of it.
by_model = {}
for r, mib in zip(rows, rss):
    by_model.setdefault(r[2], []).append(mib)
growth = {v: m[-1] / m[1 if len(m) > 2 else 0] for v, m in by_model.items()}
reload_text = f"a reload every {every} s ({reloads} in all)" if int(every) else "no reloads"
md = "\n".join([
    f"songvec-server soak: /similar and /recommend at 4 keep-alive connections each for {minutes} min, "
    f"{reload_text}; models of {int(songs):,} songs; {os.cpu_count()} cores ({cpu}), SIMD {simd}; commit {commit}.",
    f"RSS sampled every 30 s after the warm-up (before each reload).", "",
    "| seconds | RSS MiB | serving |", "|---|---|---|",
    *[f"| {r[0]} | {int(r[1]) / 1024:.1f} | model {r[2]} |" for r in rows], "",
    "RSS last over first (from a model's second sample on, where it has more than two): " +
    ", ".join(f"model {v} {g:.2f}" for v, g in growth.items()) +
    f"; largest over smallest of all: {max(rss) / min(rss):.2f}. Requests: {requests:,.0f}; "
    f"non-2xx and socket errors: {failed:.0f}.", ""])
name = "soak_reloads" if int(every) else "soak"
open(os.path.join(out, name + ".md"), "w").write(md)
json.dump({"minutes": int(minutes), "reload_every_seconds": int(every), "reloads": int(reloads),
           "samples": [{"seconds": int(r[0]), "rss_mib": mib, "serving": r[2]} for r, mib in zip(rows, rss)],
           "last_over_first_by_model": growth, "largest_over_smallest": max(rss) / min(rss),
           "requests": requests, "failed": failed, "cpu": cpu, "simd": simd, "commit": commit},
          open(os.path.join(out, name + ".json"), "w"), indent=2)
print(md)
PY
  exit 0
fi

echo "warm-up: ${warmup} s per endpoint"
for endpoint in "${endpoints[@]}"; do
  run_wrk "$endpoint" 8 "$warmup" warmup
  check_alive ceiling "$pid_ceiling"
  check_alive songvec "$pid_songvec"
done
: > "$results"

echo "$runs rounds of ${duration} s runs, ${wrk_threads} wrk threads, $(nproc) cores shared by wrk and the servers"
for round in $(seq "$runs"); do
  echo "round $round/$runs"
  # Endpoints alternate within a round, starting one further each round.
  order=()
  for i in "${!endpoints[@]}"; do
    order+=("${endpoints[$(( (i + round - 1) % ${#endpoints[@]} ))]}")
  done
  for conns in "${connections[@]}"; do
    for endpoint in "${order[@]}"; do
      run_wrk "$endpoint" "$conns" "$duration" "$round"
      check_alive ceiling "$pid_ceiling"
      check_alive songvec "$pid_songvec"
      show_run
    done
  done
done

# The hot reload: /similar at 8 connections; halfway through, the other version is activated and
# the server told with SIGHUP.
half=$(/usr/bin/python3 -c "print($duration / 2)")
echo "reload run: /similar, 8 connections, ${duration} s; model $other_version activated and SIGHUP sent after $half s"
run_wrk similar 8 "$duration" reload &
wrk_job=$!
sleep "$half"
"$songvec" models activate "$other_version" --db "$db" > /dev/null ||
  echo "  models activate $other_version failed"
kill -HUP "$pid_songvec" 2>/dev/null || echo "  the server was gone before SIGHUP"
wait "$wrk_job" || true
reload_alive=true
kill -0 "$pid_songvec" 2>/dev/null || reload_alive=false
reload_version="?"
if [ "$reload_alive" = true ]; then
  sleep 1  # a reload still finishing
  reload_version=$(served_version)
  show_run
else
  echo "  the server died on SIGHUP (no hot reload in this build?); the end of its log:"
  tail -5 "$work/songvec.log" | sed 's/^/    /'
  tail -1 "$results" | grep -q failed=1 || show_run
fi
echo "  after the reload the server is $( [ "$reload_alive" = true ] && echo "serving model $reload_version" || echo "gone")"

mkdir -p "$out"
/usr/bin/python3 - "$results" "$work/probes.tsv" "$out" "$runs" "$duration" "$wrk_threads" \
  "$main_version" "$other_version" "$reload_alive" "$reload_version" "$song_count" \
  "${db_in:-$data/split/train.txt}" "$access_log" "${simd:-?}" "${search:-?}" <<'PY'
import json, os, platform, statistics, subprocess, sys
(results, probes, out, runs, duration, wrk_threads, main_version, other_version, reload_alive,
 reload_version, songs, source, access_log, simd, search) = sys.argv[1:]
runs, duration, wrk_threads, songs = int(runs), int(duration), int(wrk_threads), int(songs)
reload_alive = reload_alive == "true"

def parse(line):
    row = dict(kv.split("=", 1) for kv in line.split())
    for key in list(row):
        if key not in ("endpoint", "run"):
            row[key] = float(row[key])
    return row
rows = [parse(line) for line in open(results) if line.strip()]
probe = {}
for line in open(probes):
    endpoint, code, body = (line.rstrip("\n").split("\t") + ["", ""])[:3]
    probe[endpoint] = {"status": code, "body": body}

names = {"ceiling": "GET /ceiling (ceiling_server)", "similar": "GET /v1/songs/{id}/similar?k=10",
         "recommend": "POST /v1/recommend (5 positive, k 10)"}
def good(row):
    return not row.get("failed")
def errors(row):
    return row["connect"] + row["read"] + row["write"] + row["timeout"]
def median(values):
    return statistics.median(values) if values else None

summary = {}
for endpoint in ("ceiling", "similar", "recommend"):
    for conns in (8, 64):
        measured = [r for r in rows if r["endpoint"] == endpoint and r["conns"] == conns and r["run"] != "reload"]
        ok = [r for r in measured if good(r)]
        summary[endpoint, conns] = {
            "endpoint": endpoint, "connections": conns, "runs": len(ok), "failed_runs": len(measured) - len(ok),
            "requests_per_second": median([r["rps"] for r in ok]),
            "p50_ms": median([r["p50_us"] / 1000 for r in ok]),
            "p99_ms": median([r["p99_us"] / 1000 for r in ok]),
            "max_ms": median([r["max_us"] / 1000 for r in ok]),
            "worst_max_ms": max([r["max_us"] / 1000 for r in ok], default=None),
            "non_2xx": int(sum(r["non2xx"] for r in ok)),
            "socket_errors": int(sum(errors(r) for r in ok)),
            "requests": int(sum(r["requests"] for r in ok)),
            "per_run": [{k: v for k, v in r.items() if k not in ("endpoint", "conns")} for r in measured],
        }
for (endpoint, conns), s in summary.items():
    ceiling = summary["ceiling", conns]["requests_per_second"]
    rps = s["requests_per_second"]
    s["share_of_ceiling"] = rps / ceiling if rps is not None and ceiling else None

reload_rows = [r for r in rows if r["run"] == "reload"]
reload_row = reload_rows[0] if reload_rows else {"failed": 1}
reload = {"endpoint": "similar", "connections": 8, "activated_version": int(other_version),
          "served_version_after": reload_version, "server_survived": reload_alive,
          "wrk_failed": bool(reload_row.get("failed"))}
if good(reload_row):
    reload.update({"requests_per_second": reload_row["rps"], "p50_ms": reload_row["p50_us"] / 1000,
                   "p99_ms": reload_row["p99_us"] / 1000, "max_ms": reload_row["max_us"] / 1000,
                   "non_2xx": int(reload_row["non2xx"]), "socket_errors": int(errors(reload_row)),
                   "requests": int(reload_row["requests"])})
reload["reloaded"] = reload_alive and str(reload_version) == str(other_version)
reload["dropped_nothing"] = (reload_alive and good(reload_row) and reload["non_2xx"] == 0
                             and reload["socket_errors"] == 0)

def fmt(value, spec):
    return "-" if value is None else format(value, spec)

# Targets: printed, not asserted. A speed target is "invalid" where runs failed or answered
# errors: error responses are no measure of the endpoint.
def check(ok):
    return "n/a" if ok is None else ("met" if ok else "MISSED")
def clean(s):
    return s["runs"] > 0 and not s["failed_runs"] and not s["non_2xx"] and not s["socket_errors"]
targets = []
def target(text, ok, measured, s=None):
    status = check(ok) if s is None or clean(s) else "invalid: errors or failed runs"
    targets.append({"target": text, "status": status, "measured": measured})
sim8, rec8 = summary["similar", 8], summary["recommend", 8]
share = sim8["share_of_ceiling"]
target("/similar at 8 connections: >= 70% of the ceiling's requests/s",
       None if share is None else share >= 0.70, fmt(share and share * 100, ".0f") + "%", sim8)
target("/similar at 8 connections: p99 < 5 ms",
       None if sim8["p99_ms"] is None else sim8["p99_ms"] < 5, fmt(sim8["p99_ms"], ".2f") + " ms", sim8)
share = rec8["share_of_ceiling"]
target("/recommend at 8 connections: >= 40% of the ceiling's requests/s",
       None if share is None else share >= 0.40, fmt(share and share * 100, ".0f") + "%", rec8)
for endpoint in ("similar", "recommend"):
    s = summary[endpoint, 64]
    target(f"/{endpoint} at 64 connections: max latency <= 100 ms (median of the runs' maxima)",
           None if s["max_ms"] is None else s["max_ms"] <= 100,
           f"{fmt(s['max_ms'], '.1f')} ms (worst run {fmt(s['worst_max_ms'], '.1f')} ms)", s)
bad = {f"/{e} x{c}": s for (e, c), s in summary.items() if e != "ceiling" and not clean(s)}
target("zero non-2xx answers and socket errors (/similar, /recommend)", not bad,
       "none" if not bad else "; ".join(
           f"{k}: {s['non_2xx']} non-2xx, {s['socket_errors']} socket errors"
           + (f", {s['failed_runs']} failed runs" if s["failed_runs"] else "") for k, s in bad.items()))
target("the reload run drops nothing (and serves the new model after it)",
       reload["dropped_nothing"] and reload["reloaded"],
       ("server died on SIGHUP" if not reload_alive else
        f"{reload.get('non_2xx', '-')} non-2xx, {reload.get('socket_errors', '-')} socket errors, "
        f"serving model {reload_version} after it (activated {other_version})"))
table = []
for endpoint in ("ceiling", "similar", "recommend"):
    for conns in (8, 64):
        s = summary[endpoint, conns]
        share = s["share_of_ceiling"]
        failed = f" ({s['failed_runs']} runs failed)" if s["failed_runs"] else ""
        table.append(f"| {names[endpoint]} | {conns} | {fmt(s['requests_per_second'], ',.0f')}{failed} | "
                     f"{fmt(share and share * 100, '.0f')}% | {fmt(s['p50_ms'], '.2f')} | {fmt(s['p99_ms'], '.2f')} | "
                     f"{fmt(s['max_ms'], '.1f')} | {s['non_2xx']} | {s['socket_errors']} |")
notes = []
for endpoint in ("ceiling", "similar", "recommend"):
    p = probe.get(endpoint)
    if p and not p["status"].startswith("2"):
        notes.append(f"- {names[endpoint]} answered a probe request with HTTP {p['status']} "
                     f"(`{p['body'][:120]}`): its rows time error responses, not the endpoint.")

def cpu_model():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"
def git(*args):
    try:
        return subprocess.run(["git", *args], capture_output=True, text=True, check=True).stdout.strip()
    except Exception:
        return ""
commit = git("rev-parse", "--short", "HEAD") + ("+changes" if git("status", "--porcelain", "--untracked-files=no") else "")
cores = os.cpu_count()
md = "\n".join([
    f"songvec-server under wrk ({wrk_threads} threads, keep-alive, random known song ids), "
    f"medians of {runs} runs of {duration} s; endpoints alternate within each round. Model {main_version} "
    f"({songs:,} songs) from {source}; access log {'on' if access_log == 'true' else 'off'}; commit {commit}; "
    f"{cores} cores ({cpu_model()}) shared by wrk and the server; SIMD level {simd}, search {search}.",
    "The ceiling is bench/ceiling_server: the same cpp-httplib transport (TCP_NODELAY, 128 workers, "
    "5 s keep-alive) answering a constant 30-byte JSON body. % of ceiling: requests/s over the "
    "ceiling's at the same connection count. Max: median of the runs' maxima. Non-2xx (status >= 400, "
    "as wrk counts them) and socket errors (connect, read, write, 2 s timeout): totals over the runs.",
    "",
    "| endpoint | connections | requests/s | % of ceiling | p50 ms | p99 ms | max ms | non-2xx | socket errors |",
    "|---|---|---|---|---|---|---|---|---|", *table, "",
    *(notes + [""] if notes else []),
    f"Hot reload: {names['similar']} at 8 connections for {duration} s; halfway through, model "
    f"{other_version} activated (`songvec-train models activate`) and SIGHUP sent to the server.",
    "",
    "| requests/s | p50 ms | p99 ms | max ms | non-2xx | socket errors | server after it |",
    "|---|---|---|---|---|---|---|",
    f"| {fmt(reload.get('requests_per_second'), ',.0f')} | {fmt(reload.get('p50_ms'), '.2f')} | "
    f"{fmt(reload.get('p99_ms'), '.2f')} | {fmt(reload.get('max_ms'), '.1f')} | {reload.get('non_2xx', '-')} | "
    f"{reload.get('socket_errors', '-')} | "
    + (f"serving model {reload_version}" if reload_alive else "died on SIGHUP") + " |",
    "",
    "Targets (reported, not enforced):", "",
    "| target | measured | |", "|---|---|---|",
    *[f"| {t['target']} | {t['measured']} | {t['status']} |" for t in targets],
    ""])
data = {"runs": runs, "duration_seconds": duration, "wrk_threads": wrk_threads, "cores": cores,
        "cpu": cpu_model(), "simd": simd, "search": search, "commit": commit, "model_version": int(main_version), "songs": songs,
        "model_source": source, "access_log": access_log == "true", "probes": probe,
        "results": list(summary.values()), "reload": reload, "targets": targets}
open(os.path.join(out, "load.md"), "w").write(md)
json.dump(data, open(os.path.join(out, "load.json"), "w"), indent=2)
print()
print(md)
PY
