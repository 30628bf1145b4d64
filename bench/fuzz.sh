#!/usr/bin/env bash
# Run every fuzz target (fuzz/fuzz_targets/, cargo-fuzz + libFuzzer, nightly toolchain) for SECONDS
# each (default 60), JOBS targets at a time (default 2), seeded from ../shared/vectors; print one
# table of executions and crashes. Crashes are left in fuzz/artifacts/<target>/: each one becomes a
# regression test (tests/fuzz_regressions.rs). Exit status 1 if any target crashed.
#   bash bench/fuzz.sh 300
set -euo pipefail
SECONDS_EACH=${1:-60}
JOBS=${JOBS:-2}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
rustup toolchain list | grep -q '^nightly' || { echo "the nightly toolchain is needed (rustup toolchain install nightly)" >&2; exit 1; }

node bench/fuzz-seeds.mjs fuzz/seeds >/dev/null
TARGETS=$(cargo +nightly fuzz list --fuzz-dir fuzz)
echo "building $(echo $TARGETS | wc -w) targets (address sanitizer, release)"
cargo +nightly fuzz build --fuzz-dir fuzz -O >/dev/null 2>&1 || cargo +nightly fuzz build --fuzz-dir fuzz -O
BIN=fuzz/target/$(rustc +nightly -vV | awk '/^host:/ { print $2 }')/release
LOGS=$(mktemp -d)
# Crashes are counted from this run's artifacts: older ones (kept until they become regression
# tests) are listed, not counted again.
MARK=$LOGS/started
touch "$MARK"

run() {
  local t=$1
  mkdir -p "fuzz/corpus/$t" "fuzz/artifacts/$t"
  # The binaries built above, run directly (a source edit meanwhile does not rebuild them mid-run).
  # -rss_limit_mb: the devnode target holds a SQLite store; -timeout: 10 s for one input is a hang.
  "$BIN/$t" -artifact_prefix="fuzz/artifacts/$t/" "fuzz/corpus/$t" "fuzz/seeds/$t" \
    -max_total_time="$SECONDS_EACH" -print_final_stats=1 -rss_limit_mb=4096 -timeout=10 \
    > "$LOGS/$t.log" 2>&1 || true
}

running=0
for t in $TARGETS; do
  run "$t" &
  running=$((running + 1))
  if [ "$running" -ge "$JOBS" ]; then wait -n; running=$((running - 1)); fi
done
wait

total=0
crashed=0
printf '| target | executions | exec/s | corpus | crashes |\n|---|---:|---:|---:|---:|\n'
for t in $TARGETS; do
  log="$LOGS/$t.log"
  execs=$(awk '/stat::number_of_executed_units/ { print $2 }' "$log" | tail -1)
  rate=$(awk '/stat::average_exec_per_sec/ { print $2 }' "$log" | tail -1)
  corpus=$(find "fuzz/corpus/$t" -type f | wc -l)
  crashes=$(find "fuzz/artifacts/$t" -type f -newer "$MARK" | wc -l)
  older=$(find "fuzz/artifacts/$t" -type f ! -newer "$MARK" | wc -l)
  [ "$older" -eq 0 ] || echo "$t: $older artifact(s) from earlier runs in fuzz/artifacts/$t (not counted)" >&2
  if [ -z "$execs" ]; then
    crashes=$((crashes > 0 ? crashes : 1))
    echo "$t: no final stats (it stopped early); the log: $log" >&2
    tail -20 "$log" >&2
  fi
  printf '| %s | %s | %s | %s | %s |\n' "$t" "${execs:-?}" "${rate:-?}" "$corpus" "$crashes"
  total=$((total + ${execs:-0}))
  crashed=$((crashed + crashes))
done
echo "total executions: $total; crashes: $crashed (${SECONDS_EACH} s per target, $JOBS at a time)"
[ "$crashed" -eq 0 ]
