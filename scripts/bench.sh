#!/usr/bin/env bash
# Runs every comparison of BENCHMARKS.md on this machine and rewrites BENCHMARKS.md.
#
#   scripts/bench.sh                 # all of it (first run generates ~5 GB of data)
#   BENCH_RUNS=3 scripts/bench.sh    # fewer runs per measurement
#
# Settings (environment): BENCH_DIR (data, default /tmp/agents-janitor-bench),
# BENCH_RUNS (runs per timing, default 7), BENCH_DELETE_RUNS (default 3: each run
# copies 250,000 entries first), BENCH_THREADS (default: all cores), BENCH_OUT
# (default BENCHMARKS.md in the repo). Timings are medians over warm-cache runs
# (hyperfine, with warm-up runs); tools that take a thread count get the same one.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DATA=${BENCH_DIR:-/tmp/agents-janitor-bench}
RUNS=${BENCH_RUNS:-7}
DELETE_RUNS=${BENCH_DELETE_RUNS:-3}
THREADS=${BENCH_THREADS:-$(nproc)}
OUT=${BENCH_OUT:-$ROOT/BENCHMARKS.md}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
BIN=$TARGET/release/agents-janitor
ENV_ID=env-bench001
export RAYON_NUM_THREADS=$THREADS

log() { printf '\n== %s\n' "$*" >&2; }
have() { command -v "$1" >/dev/null 2>&1; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_install() { as_root apt-get install -y "$@" >/dev/null || { as_root apt-get update >/dev/null && as_root apt-get install -y "$@" >/dev/null; }; }

log "tools"
have du || apt_install coreutils
have hyperfine || apt_install hyperfine
have python3 || apt_install python3
[ -x /usr/bin/time ] || apt_install time
export PATH="$HOME/.cargo/bin:$PATH"
have diskus || cargo install diskus --locked
have dua || cargo install dua-cli --locked
have gdu || apt_install gdu

log "building agents-janitor (release)"
(cd "$ROOT" && cargo build --release --quiet && cargo build --release --quiet --examples)
EXAMPLES=$TARGET/release/examples

log "benchmark data in $DATA (reused when already complete)"
cargo run --manifest-path "$ROOT/Cargo.toml" --release --quiet --example bench_data -- "$DATA"

WORK=$DATA/workspaces/managed-repos/$ENV_ID/tasks
HUGE=$DATA/huge/managed-repos/$ENV_ID/tasks
RESULTS=$(mktemp -d /tmp/agents-janitor-bench-results.XXXXXX)
COPY=$DATA/delete-copy
# A throw-away cache folder: the warm listing uses it, the cold one has none.
CACHE=$RESULTS/record-cache

log "totals must equal du exactly"
check_totals() { # data_dir, workspaces folder
    local apparent disk
    AGENTS_JANITOR_CACHE_DIR='' "$BIN" --data-dir "$1" usage --json >"$RESULTS/usage.json"
    apparent=$(du -sbc "$2"/* | tail -1 | cut -f1)
    disk=$(du -sB1 -c "$2"/* | tail -1 | cut -f1)
    python3 - "$RESULTS/usage.json" "$apparent" "$disk" <<'PY'
import json, sys
usage = json.load(open(sys.argv[1]))
apparent, disk = int(sys.argv[2]), int(sys.argv[3])
got = (usage["total_bytes"], usage["total_disk_bytes"])
if got != (apparent, disk):
    sys.exit(f"MISMATCH: agents-janitor {got} != du -sb/-sB1 {(apparent, disk)}")
print(f"  equal: {apparent} bytes (du -sb), {disk} bytes (du -sB1)")
PY
}
check_totals "$DATA/workspaces" "$WORK"
check_totals "$DATA/huge" "$HUGE"

log "sizing (a): 1,000 workspaces"
hyperfine --style basic --warmup 2 --runs "$RUNS" --export-json "$RESULTS/size-a.json" \
    -n "du -s" "du -s $WORK/* >/dev/null" \
    -n "diskus -j $THREADS" "diskus -j $THREADS $WORK >/dev/null" \
    -n "gdu -m $THREADS" "gdu -n -p -m $THREADS $WORK >/dev/null" \
    -n "dua -t $THREADS" "dua -t $THREADS $WORK >/dev/null" \
    -n "agents-janitor usage --json" "$BIN --data-dir $DATA/workspaces usage --json >/dev/null"

log "sizing (b): one workspace of 200,000 files"
hyperfine --style basic --warmup 2 --runs "$RUNS" --export-json "$RESULTS/size-b.json" \
    -n "du -s" "du -s $HUGE/* >/dev/null" \
    -n "diskus -j $THREADS" "diskus -j $THREADS $HUGE >/dev/null" \
    -n "gdu -m $THREADS" "gdu -n -p -m $THREADS $HUGE >/dev/null" \
    -n "dua -t $THREADS" "dua -t $THREADS $HUGE >/dev/null" \
    -n "agents-janitor usage --json" "$BIN --data-dir $DATA/huge usage --json >/dev/null"

log "sizing: the two-core syscall floor (one fstatat per entry, halved)"
"$EXAMPLES/stat_floor" "$WORK" >"$RESULTS/floor-a.json"
"$EXAMPLES/stat_floor" "$HUGE" >"$RESULTS/floor-b.json"

log "deleting (a): a fresh copy of the 1,000 workspaces each run"
IDS=$(ls "$WORK" | tr '\n' ' ')
FRESH_COPY="rm -rf $COPY && cp -a $DATA/workspaces $COPY && sync"
hyperfine --style basic --runs "$DELETE_RUNS" --export-json "$RESULTS/delete.json" \
    --prepare "$FRESH_COPY" \
    -n "rm -rf" "rm -rf $COPY/managed-repos/$ENV_ID/tasks/*" \
    -n "agents-janitor discard --force" \
    "AGENTS_JANITOR_CACHE_DIR='' $BIN --data-dir $COPY discard --force --json $IDS >/dev/null"

log "deleting (a): when the workspaces leave their real paths"
eval "$FRESH_COPY"
python3 - "$BIN" "$COPY" "$COPY/managed-repos/$ENV_ID/tasks" "$RESULTS/gone.json" $IDS <<'PY'
import json, os, subprocess, sys, time
bin_, data, tasks, out, ids = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]
env = dict(os.environ, AGENTS_JANITOR_CACHE_DIR="")
start = time.monotonic()
proc = subprocess.Popen([bin_, "--data-dir", data, "discard", "--force", "--json", *ids],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
first_gone = all_gone = None
total = len(os.listdir(tasks))
while proc.poll() is None:
    left = len(os.listdir(tasks))
    now = time.monotonic() - start
    if first_gone is None and left < total:
        first_gone = now
    if left == 0:
        all_gone = now
        break
    time.sleep(0.002)
proc.wait()
done = time.monotonic() - start
if all_gone is None:
    all_gone = done
if first_gone is None:
    first_gone = all_gone
json.dump({"first_gone": first_gone, "all_gone": all_gone, "done": done}, open(out, "w"))
print(f"  first gone {first_gone:.3f} s, all gone {all_gone:.3f} s, finished {done:.3f} s")
PY
rm -rf "$COPY"

log "loading (c): listing 10,000 records"
hyperfine --style basic --warmup 1 --runs "$RUNS" --export-json "$RESULTS/list.json" \
    -n "agents-janitor list --all (no record cache)" \
    "AGENTS_JANITOR_CACHE_DIR='' $BIN --data-dir $DATA/records list --all >/dev/null" \
    -n "agents-janitor list --all (record cache warm)" \
    "AGENTS_JANITOR_CACHE_DIR=$CACHE $BIN --data-dir $DATA/records list --all >/dev/null"
peak_rss() { # prints the peak RSS in KiB of the command
    /usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F': ' '/Maximum resident set size/ {print $2}'
}
AGENTS_JANITOR_CACHE_DIR='' peak_rss "$BIN" --data-dir "$DATA/records" list --all >"$RESULTS/rss-cold"
AGENTS_JANITOR_CACHE_DIR=$CACHE peak_rss "$BIN" --data-dir "$DATA/records" list --all >"$RESULTS/rss-warm"

log "loading (d): listing 100,000 records"
MANY_CACHE=$RESULTS/record-cache-many
hyperfine --style basic --warmup 1 --runs "$RUNS" --export-json "$RESULTS/list-many.json" \
    -n "agents-janitor list --all (no record cache)" \
    "AGENTS_JANITOR_CACHE_DIR='' $BIN --data-dir $DATA/many list --all >/dev/null" \
    -n "agents-janitor list --all (record cache warm)" \
    "AGENTS_JANITOR_CACHE_DIR=$MANY_CACHE $BIN --data-dir $DATA/many list --all >/dev/null"
AGENTS_JANITOR_CACHE_DIR='' peak_rss "$BIN" --data-dir "$DATA/many" list --all >"$RESULTS/rss-many-cold"
AGENTS_JANITOR_CACHE_DIR=$MANY_CACHE peak_rss "$BIN" --data-dir "$DATA/many" list --all >"$RESULTS/rss-many-warm"

log "git: the Git column of 1,000 clones (examples/git_states)"
"$EXAMPLES/git_states" "$DATA/git" "$RUNS" >"$RESULTS/git.json"

log "GUI: CPU time per frame with 10,000 rows (benches/gui_frames.rs)"
(cd "$ROOT" && cargo bench --quiet --bench gui_frames -- "$DATA" --out "$RESULTS/gui.json")

log "GUI: 100,000 rows of set (d) (benches/gui_frames.rs --many)"
(cd "$ROOT" && cargo bench --quiet --bench gui_frames -- "$DATA" --many --out "$RESULTS/gui-many.json")

log "writing $OUT"
{
    echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "machine=$(uname -srm)"
    echo "cpu=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo) ($(nproc) cores)"
    echo "memory=$(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
    echo "filesystem=$(df -T "$DATA" | awk 'NR==2 {print $2}')"
    echo "load=$(cut -d' ' -f1-3 /proc/loadavg)"
    echo "threads=$THREADS"
    echo "janitor=$("$BIN" --version) ($(git -C "$ROOT" rev-parse --short HEAD))"
    echo "du=$(du --version | head -1)"
    echo "diskus=$(diskus --version)"
    echo "gdu=$(gdu --version | awk '/Version/ {print $2}')"
    echo "dua=$(dua --version)"
    echo "hyperfine=$(hyperfine --version)"
    echo "rustc=$(rustc --version)"
} >"$RESULTS/machine"
python3 "$ROOT/scripts/bench_report.py" "$RESULTS" "$OUT"
echo "results: $RESULTS" >&2
