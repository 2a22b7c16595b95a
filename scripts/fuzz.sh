#!/usr/bin/env bash
# Runs every fuzz target in fuzz/ for a given time each (default 60 seconds).
#   scripts/fuzz.sh [SECONDS] [TARGET...]
# Needs cargo-fuzz (`cargo install cargo-fuzz`) and a nightly toolchain
# (`rustup toolchain install nightly`). Not run in CI.
set -euo pipefail

seconds="${1:-60}"
shift || true
cd "$(dirname "$0")/../fuzz"
# Every input is written to a temp file: keep them in memory where there is /dev/shm.
if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ]; then
    export TMPDIR=/dev/shm
fi
if [ "$#" -gt 0 ]; then
    targets=("$@")
else
    mapfile -t targets < <(cargo +nightly fuzz list)
fi

for target in "${targets[@]}"; do
    echo "== fuzzing $target for ${seconds}s"
    # -rss_limit_mb: the 100 MB-log inputs must fit; -max_len keeps inputs to 1 MiB.
    cargo +nightly fuzz run "$target" -- \
        -max_total_time="$seconds" -max_len=1048576 -rss_limit_mb=4096 -print_final_stats=1
done
echo "all targets ran clean for ${seconds}s each"
