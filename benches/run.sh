#!/usr/bin/env bash
# Runs every benchmark of BENCHMARKS.md in order and tees the output to target/bench-results.txt:
# the engine (hold model vs a bare BinaryHeap loop), the full model (1M queued and random
# offset, 10M random offset: wall time, events/s, peak RSS), the 64-point sweep (1 vs 2
# threads), refresh-sim beside the SimPy peer (installs SimPy with pip if missing, or
# skips the peer with a message), and `plan` for 1,000,000 users.
#
# Usage: benches/run.sh [--quick]   (--quick: smaller sizes and one repetition, a smoke run)
# Take numbers on a quiet machine: the script prints `uptime` before and after each part;
# a 1-minute load average above ~1.5 on 2 cores means another process shared the CPU.
set -euo pipefail
cd "$(dirname "$0")/.."

compare_args=()
if [[ "${1:-}" == "--quick" ]]; then
  export REFRESH_SIM_BENCH_QUICK=1 REFRESH_SIM_BENCH_REPS=1
  compare_args=(--connections 100000 --reps 1 --peer-reps 1 --large 1000000)
fi

{
  echo "# refresh-sim benchmarks, $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "# $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(rustc --version)"
  echo "# git $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo ' (with uncommitted changes)')"
  cargo build --release --quiet
  cargo bench --no-run --quiet 2>/dev/null
  for bench in engine model sweep; do
    echo
    echo "## cargo bench --bench $bench   ($(uptime | sed 's/.*load/load/'))"
    cargo bench --quiet --bench "$bench"
  done
  echo
  echo "## benches/compare.py   ($(uptime | sed 's/.*load/load/'))"
  python3 benches/compare.py --no-build "${compare_args[@]}"
  echo
  users=1000000; reps=3
  [[ -n "${REFRESH_SIM_BENCH_QUICK:-}" ]] && users=100000 reps=1
  echo "## refresh-sim plan uk-mix --users $users, $reps runs, all cores   ($(uptime | sed 's/.*load/load/'))"
  TIMEFORMAT='plan wall %R s (user %U s, system %S s)'
  for _ in $(seq "$reps"); do
    time target/release/refresh-sim plan uk-mix --users "$users" > /dev/null
  done
} 2>&1 | tee target/bench-results.txt
