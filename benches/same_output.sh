#!/usr/bin/env bash
# Do two builds of refresh-sim write byte-identical files? The check every optimisation in
# BENCHMARKS.md passed: `run` on uk-mix with every strategy, retries, on-demand requests
# (both lanes), callbacks, each vendor's dedup rule (D•One's with three accounts a
# customer), pauses on Retry-After, short periods (shorter than the first poll, and just
# longer), the benchmark cases (200k queued lattice, 1M random offset), 30 days,
# reconnections, joins, attempt logs; example.toml with every strategy; each bank preset with three
# strategies; and `table`: 59 runs. About 30 s a build.
#
# Usage: benches/same_output.sh BEFORE_BINARY AFTER_BINARY
#   e.g. git stash; cargo build --release; cp target/release/refresh-sim /tmp/before
#        git stash pop; cargo build --release; benches/same_output.sh /tmp/before target/release/refresh-sim
set -euo pipefail
[[ $# -eq 2 ]] || { echo "usage: $0 BEFORE_BINARY AFTER_BINARY" >&2; exit 2; }
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/refresh-sim-same-output-XXXXXX")
trap 'rm -rf "$work"' EXIT

cases() {
  local u="$root/scenarios/uk-mix.toml" e="$root/scenarios/example.toml" q64="--set strategy.concurrency=64"
  local lattice="--set window.length=24h --set window.warmup=0s --set strategy.loop=true --set 'strategy.worker_overhead={dist=\"constant\",value=\"0s\"}'"
  for k in bulk queued per_bank aimd paced random_offset; do echo "$u --set strategy.kind=$k $q64"; done
  echo "$u --set strategy.kind=queued $q64 --set retry.max_attempts=3"
  echo "$u --set strategy.kind=random_offset --set retry.max_attempts=3"
  echo "$u --set strategy.kind=bulk --set retry.max_attempts=4 --set retry.jitter=decorrelated"
  echo "$u --set strategy.kind=queued $q64 --set on_demand.per_day=50000"
  echo "$u --set strategy.kind=random_offset --set on_demand.per_day=50000"
  echo "$u --set strategy.kind=queued $q64 --set on_demand.per_day=50000 --set on_demand.lane=priority --set on_demand.reserved=0.2"
  echo "$u --set strategy.kind=random_offset --set platform.status=callback"
  echo "$u --set strategy.kind=queued $q64 --set platform.status=callback"
  echo "$u --set strategy.kind=random_offset --set platform.dedup=skip --set population.connections_per_customer=3"
  echo "$u --set strategy.kind=queued $q64 --set platform.dedup=skip --set population.connections_per_customer=3"
  echo "$u --set strategy.kind=random_offset --set platform.dedup=same_request"
  echo "$u --set strategy.kind=queued $q64 --set strategy.pause_on_retry_after=true --set retry.max_attempts=2"
  echo "$u --set strategy.kind=random_offset --set strategy.period=1h --set window.length=6h --set window.warmup=0s"
  echo "$u --set strategy.kind=random_offset --set strategy.period=5s --set window.length=2m --set window.warmup=0s --set population.connections=2000"
  echo "$u --set strategy.kind=bulk --set strategy.period=5s --set window.length=2m --set window.warmup=0s --set population.connections=2000"
  echo "$u --set strategy.kind=random_offset --set strategy.period=10s --set platform.first_poll=2s --set window.length=5m --set window.warmup=1m --set population.connections=20000"
  echo "$u --set population.connections=200000 --set strategy.kind=queued $q64 $lattice"
  echo "$u --set population.connections=1000000 --set strategy.kind=random_offset $lattice"
  echo "$u --set population.connections=100000 --set strategy.kind=random_offset --set window.length=30d --set window.warmup=1d"
  echo "$u --set strategy.kind=random_offset --set window.length=10d --set population.reconnect_share=0.8"
  echo "$u --set strategy.kind=queued $q64 --set strategy.loop=true --set window.length=10d --set population.reconnect_share=0.8"
  echo "$u --set strategy.kind=random_offset --set window.length=10d --set population.join_share=0.02 --set population.reconnect_share=0.5"
  echo "$u --set strategy.kind=queued $q64 --set window.length=10d --set population.join_share=0.02"
  echo "$u --set strategy.kind=random_offset --attempt-log OUT/attempts.csv"
  echo "$u --set strategy.kind=queued $q64 --attempt-log OUT/attempts.csv"
  echo "$u --set strategy.kind=random_offset --set window.length=4d --set population.join_share=0.02 --set population.reconnect_share=0.5 --set on_demand.per_day=50000 --attempt-log OUT/attempts.csv"
  for k in bulk queued per_bank aimd paced random_offset; do echo "$e --set strategy.kind=$k"; done
  for preset in "$root"/scenarios/banks/*.toml; do
    local name; name=$(basename "$preset" .toml)
    printf 'name = "p-%s"\n[window]\nlength = "2d"\n[population]\nconnections = 20000\nconsent_expiry_share = 0.011\n[platform]\n[strategy]\nkind = "random_offset"\n[[banks]]\nname = "b"\nshare = 1.0\npreset = "%s"\n' \
      "$name" "$name" > "$work/preset-$name.toml"
    for k in random_offset queued bulk; do echo "$work/preset-$name.toml --set strategy.kind=$k --set strategy.concurrency=32"; done
  done
}

play() {  # play BINARY DIR
  local bin=$1 dir=$2 i=0
  mkdir -p "$dir"
  while IFS= read -r line; do
    i=$((i + 1))
    mkdir -p "$dir/c$i"
    eval "args=($line)"
    args=("${args[@]//OUT/$dir/c$i}")
    "$bin" run "${args[@]}" --out "$dir/c$i" > /dev/null 2>&1 || { echo "case $i failed with $bin: $line" >&2; exit 1; }
  done < <(cases)
  (cd "$dir" && "$bin" table --out "$dir/table" > /dev/null 2>&1) || { echo "table failed with $bin" >&2; exit 1; }
  echo "$i runs and table by $bin"
}

play "$(realpath "$1")" "$work/before"
play "$(realpath "$2")" "$work/after"
if diff -rq "$work/before" "$work/after"; then
  echo "byte-identical: every file of every case"
else
  echo "outputs differ (above)" >&2
  exit 1
fi
