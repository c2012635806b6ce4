#!/usr/bin/env bash
# songvec against gensim, fastText and (given W2V_BIN) word2vec.c, side by side on one machine: the
# yes_complete split, EVALUATION.md's reference skip-gram settings (dim 32, window 20, negative 50,
# sample 1e-3, alpha 0.025, min_count 1, 5 epochs) and the same number of threads for every tool.
# Each training command is timed (wall clock, peak RSS) and its vectors are scored by
# `songvec-train eval --vectors`, the same code for every tool. Tools alternate within each round so
# that drift on a shared machine hits them alike; the table shows medians. On x86-64, songvec runs
# twice: the default build (its best SIMD level on this CPU, AVX-512 where there is one) and a
# build with -march=x86-64-v3, which holds no AVX-512 code, so the AVX2 figure is known on any
# machine. The report names the CPU and the level of each songvec row.
#
# Usage: bench/compare_trainers.sh [--quick] [--runs N] [--threads N] [--tools LIST] [--data DIR]
#                                  [--out DIR]
#   --quick      one epoch instead of five, for a fast look
#   --runs N     rounds (default 3)
#   --threads N  threads for every tool (default: all cores)
#   --tools LIST comma-separated, of songvec, songvec_v3, songvec_pairs, gensim, fasttext, word2vec
#                (default: all there are; songvec is always run, the others are compared with it)
#   --data DIR   a yes.com folder with split/train.txt, split/test.txt (default ../shared/data/yes_complete)
#   --out DIR    where compare_trainers.md and .json go (default bench/results)
# W2V_BIN=/path/to/word2vec adds word2vec.c (-cbow 0); build it yourself, songvec does not ship it.
set -euo pipefail
cd "$(dirname "$0")/.."
epochs=5 runs=3 threads=$(nproc) data=../shared/data/yes_complete out=bench/results tools_arg=
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) epochs=1; shift ;;
    --runs) runs=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --tools) tools_arg=$2; shift 2 ;;
    --data) data=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    -h|--help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "compare_trainers.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
train_file=$data/split/train.txt test_file=$data/split/test.txt songs_file=$data/song_hash.txt
for f in "$train_file" "$test_file" "$songs_file"; do
  [ -f "$f" ] || { echo "compare_trainers.sh: $f not found" >&2; exit 1; }
done

scripts/install-deps.sh --bench
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DSONGVEC_BUILD_TESTS=OFF > /dev/null
cmake --build build/release -j"$(nproc)" > /dev/null
songvec=build/release/trainer/songvec-train
x86=0
[ "$(uname -m)" = x86_64 ] && x86=1
if [ "$x86" = 1 ]; then
  # The AVX2 build: no AVX-512 instruction at all, whatever this CPU has.
  cmake -S . -B build/release-x86-64-v3 -DCMAKE_BUILD_TYPE=Release -DSONGVEC_BUILD_TESTS=OFF \
    -DCMAKE_CXX_FLAGS=-march=x86-64-v3 > /dev/null
  cmake --build build/release-x86-64-v3 -j"$(nproc)" --target songvec-train > /dev/null
fi
songvec_v3=build/release-x86-64-v3/trainer/songvec-train
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# fastText and word2vec.c read one playlist per line; each adds an end-of-line token "</s>".
tail -n +3 "$train_file" > "$work/playlists.txt"
read -r tokens songs < <(awk '{n += NF; for (i = 1; i <= NF; ++i) seen[$i] = 1}
                            END {print n, length(seen)}' "$work/playlists.txt")

# The vectors minus the "</s>" token of fastText and word2vec.c, header count fixed.
drop_eos() {
  local dim
  dim=$(head -1 "$1" | awk '{print $2}')
  awk 'NR > 1 && $1 != "</s>"' "$1" > "$1.body"
  { echo "$(wc -l < "$1.body") $dim"; cat "$1.body"; } > "$1"
  rm "$1.body"
}

# Runs a command under GNU time: wall seconds and peak RSS (KiB) go to $work/time.
timed() { /usr/bin/time -f '%e %M' -o "$work/time" "$@"; }

# run_<tool> THREADS OUT.vec: trains with the reference settings (timed) and leaves word2vec text
# vectors in OUT.vec.
# songvec's own defaults differ from the reference in ns_exponent (0.5) and in counting
# co-occurrences for its next scores: both are set back to the reference here.
run_songvec_with() {  # BINARY THREADS OUT.vec [extra train flags]
  local binary=$1 t=$2 vec=$3
  shift 3
  rm -f "$work/songvec.db"*
  timed "$binary" train --playlists "$train_file" --songs "$songs_file" --db "$work/songvec.db" \
    --threads "$t" --epochs "$epochs" --ns-exponent 0.75 --rules-weight 0 "$@" \
    > "$work/train.out" 2> /dev/null
  # Its last line: "vocabulary N songs, T tokens in S s, R songs/s (K threads, LEVEL)": S is the
  # training loop's time alone, without reading the data and storing the model.
  sed -n 's/.* tokens in \([0-9.]*\) s,.*/\1/p' "$work/train.out" > "$work/loop_seconds"
  sed -n 's/.* threads, \([a-z0-9]*\))$/\1/p' "$work/train.out" > "$work/simd"
  "$songvec" export --db "$work/songvec.db" --out "$vec" > /dev/null
}
run_songvec() { run_songvec_with "$songvec" "$1" "$2"; }  # songvec's default update (HogBatch)
run_songvec_v3() { run_songvec_with "$songvec_v3" "$1" "$2"; }  # the same, built for x86-64-v3
# Classic word2vec updates: fresh negatives for every (context, centre) pair.
run_songvec_pairs() { run_songvec_with "$songvec" "$1" "$2" --shared-negatives=false; }
run_gensim() {
  timed /usr/bin/python3 bench/gensim_train.py "$train_file" "$2" --sg 1 --threads "$1" --epochs "$epochs" > /dev/null
}
run_fasttext() {
  # -minn 0 -maxn 0: no character n-grams (plain word2vec); -bucket 0: no n-gram table to allocate.
  timed fasttext skipgram -input "$work/playlists.txt" -output "$work/fasttext_model" -minn 0 -maxn 0 -bucket 0 \
    -dim 32 -ws 20 -neg 50 -epoch "$epochs" -minCount 1 -t 1e-3 -lr 0.025 -thread "$1" -loss ns \
    -verbose 0 > /dev/null
  mv "$work/fasttext_model.vec" "$2"
  rm -f "$work/fasttext_model.bin"
  drop_eos "$2"
}
run_word2vec() {
  timed "$W2V_BIN" -train "$work/playlists.txt" -output "$2" -cbow 0 -size 32 -window 20 -negative 50 -hs 0 \
    -sample 1e-3 -threads "$1" -iter "$epochs" -min-count 1 -alpha 0.025 -binary 0 > /dev/null
  drop_eos "$2"
}

tools=(songvec)
[ "$x86" = 1 ] && tools+=(songvec_v3)
tools+=(songvec_pairs gensim fasttext)
[ -n "${W2V_BIN:-}" ] && tools+=(word2vec)
if [ -n "$tools_arg" ]; then
  wanted=()
  for tool in ${tools_arg//,/ }; do
    [[ " ${tools[*]} " == *" $tool "* ]] ||
      { echo "compare_trainers.sh: --tools: $tool is not one of ${tools[*]}" >&2; exit 2; }
    [ "$tool" = songvec ] || wanted+=("$tool")
  done
  tools=(songvec "${wanted[@]}")
fi
results=$work/results.tsv
: > "$results"
# measure TOOL THREADS SCORE: one timed run, a row of results.tsv.
measure() {
  local tool=$1 t=$2 score=$3 vec=$work/$1.vec
  "run_$tool" "$t" "$vec"
  read -r seconds rss_kb < "$work/time"
  local loop= simd=
  if [[ "$tool" == songvec* ]]; then loop=$(cat "$work/loop_seconds") simd=$(cat "$work/simd"); fi
  local hr=nan mrr=nan
  if [ "$score" = score ]; then
    read -r hr mrr < <("$songvec" eval --vectors "$vec" --train "$train_file" --playlists "$test_file" \
      --threads "$threads" 2>/dev/null | awk -v f="$vec" '$1 == f && $2 == "similar" {print $3, $4}')
  fi
  local loop_text=""
  [ -n "$loop" ] && loop_text=" (training loop ${loop}s)"
  : "${loop:=nan}" "${simd:=-}"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$tool" "$t" "$seconds" "$rss_kb" "$hr" "$mrr" "$loop" "$simd" >> "$results"
  echo "  $tool, $t threads${simd:+ ($simd)}: ${seconds}s${loop_text}, peak RSS $((rss_kb / 1024)) MiB, HR@10 $hr, MRR@10 $mrr"
}

echo "corpus: $train_file, $tokens songs per epoch, $epochs epochs, $threads threads, $runs rounds"
echo "CPU: $cpu ($(nproc) cores); tools: ${tools[*]}"
for round in $(seq "$runs"); do
  echo "round $round/$runs"
  for tool in "${tools[@]}"; do measure "$tool" "$threads" score; done
  # Thread scaling of songvec's default: 1 thread, then every count up to the one compared.
  for t in $(seq 1 "$((threads - 1))"); do measure songvec "$t" noscore; done
done

mkdir -p "$out"
/usr/bin/python3 - "$results" "$tokens" "$songs" "$epochs" "$threads" "$runs" "$out" "$cpu" <<'PY'
import json, statistics, sys
path, tokens, songs, epochs, threads, runs, out, cpu = sys.argv[1:]
tokens, songs, epochs, threads, runs = int(tokens), int(songs), int(epochs), int(threads), int(runs)
rows = [line.rstrip("\n").split("\t") for line in open(path)]
def median(tool, t, column):
    values = [float(r[column]) for r in rows if r[0] == tool and int(r[1]) == t and r[column] != "nan"]
    return statistics.median(values) if values else None
def simd(tool):
    levels = sorted({r[7] for r in rows if r[0] == tool and r[7] != "-"})
    return ", ".join(levels)
names = {"songvec": "songvec (default build)", "songvec_v3": "songvec (-march=x86-64-v3 build)",
         "songvec_pairs": "songvec --shared-negatives=false",
         "gensim": "gensim 4.2 (sg=1)", "fasttext": "fastText 0.9.2 skipgram",
         "word2vec": "word2vec.c (-cbow 0)"}
order = [tool for tool in names if any(r[0] == tool for r in rows)]
base = median("songvec", threads, 2)
table, data = [], {"cpu": cpu, "tokens_per_epoch": tokens, "epochs": epochs, "threads": threads,
                   "runs": runs, "tools": [], "scaling": []}
for tool in order:
    seconds, rss, hr, mrr = (median(tool, threads, c) for c in (2, 3, 4, 5))
    speed = tokens * epochs / seconds
    entry = {"tool": names[tool], "simd": simd(tool), "seconds": seconds, "tokens_per_second": speed,
             "time_vs_songvec": seconds / base, "hr10": hr, "mrr10": mrr, "peak_rss_mib": rss / 1024}
    data["tools"].append(entry)
    table.append(f"| {names[tool]} | {simd(tool) or '-'} | {seconds:.1f} | {speed:,.0f} | "
                 f"{seconds / base:.1f}x | {hr:.4f} | {mrr:.4f} | {rss / 1024:.0f} |")
scaling = []
for t in range(1, threads + 1):
    # Wall clock of the whole command, and of its training loop alone (column 6).
    speed, loop = (tokens * epochs / median("songvec", t, c) for c in (2, 6))
    speed1, loop1 = (tokens * epochs / median("songvec", 1, c) for c in (2, 6))
    data["scaling"].append({"threads": t, "tokens_per_second": speed,
                            "training_loop_tokens_per_second": loop})
    scaling.append(f"| {t} | {speed:,.0f} | {speed / speed1:.2f} | {loop:,.0f} | {loop / loop1:.2f} |")
# The memory budget: both matrices, the encoded corpus, and 64 MiB.
budget = (2 * songs * 32 * 4 + tokens * 4) / 2**20 + 64
data["memory_budget_mib"] = budget
# songvec against gensim per build, from the same rounds.
versus = []
if median("gensim", threads, 2) is not None:
    for tool in ("songvec", "songvec_v3"):
        if median(tool, threads, 2) is not None:
            ratio = median("gensim", threads, 2) / median(tool, threads, 2)
            data.setdefault("speedup_vs_gensim", {})[tool] = ratio
            versus.append(f"{names[tool]} ({simd(tool)}): {ratio:.1f}x gensim's songs/s")
if median("songvec", threads, 4) and median("songvec_v3", threads, 4):
    change = median("songvec_v3", threads, 4) / median("songvec", threads, 4) - 1
    data["v3_hr10_change"] = change
    versus.append(f"HR@10 of the x86-64-v3 build against the default build's: {change * 100:+.1f}%")
md = "\n".join([
    f"Medians of {runs} runs, {threads} threads, {epochs} epoch(s) of {tokens:,} songs, "
    "reference skip-gram settings (dim 32, window 20, negative 50, sample 1e-3, alpha 0.025, "
    "min_count 1). Seconds: wall clock of the training command, reading the data included. "
    f"Time vs songvec: the tool's seconds over songvec's. CPU: {cpu}. SIMD: the level songvec's "
    "kernels ran at.",
    "",
    "| tool | SIMD | seconds | songs/s | time vs songvec | HR@10 | MRR@10 | peak RSS (MiB) |",
    "|---|---|---|---|---|---|---|---|", *table, "",
    *([f"- {line}" for line in versus] + [""] if versus else []),
    "songvec's thread scaling (its default update), by the command's wall clock and by its "
    "training loop alone (the command also reads the data and stores the model, on one thread):", "",
    "| threads | songs/s | speed-up over 1 thread | training loop songs/s | its speed-up |",
    "|---|---|---|---|---|", *scaling, "",
    f"Memory budget (both {songs:,} x 32 matrices, the encoded corpus, 64 MiB): {budget:.0f} MiB.",
    ""])
open(f"{out}/compare_trainers.md", "w").write(md)
json.dump(data, open(f"{out}/compare_trainers.json", "w"), indent=2)
print()
print(md)
PY
