#!/usr/bin/env bash
# Submits a refresh-sim sweep to Slurm: a job array of N shards, then a merge job that starts
# only when every shard succeeded (--dependency=afterok).
#
#   deploy/slurm/submit.sh N OUT SCENARIO [sweep options ...]
#   deploy/slurm/submit.sh 16 results/grid scenarios/uk-mix.toml --set strategy.concurrency=8:64:8 --replications 20
#
# Environment:
#   REFRESH_SIM   the binary (default: refresh-sim on PATH), resolved here and passed to the jobs
#   SBATCH_ARGS   extra sbatch options for both jobs, e.g. "--partition=short --account=me";
#                 "--cpus-per-task=T" sets each shard's threads (default 2)
#
# Writes OUT/shard-K-of-N/ (K from 1), OUT/logs/shard-I.out (I = K - 1, the array index),
# OUT/logs/merge.out, OUT/jobs (the two job ids), and at the end OUT/sweep.csv and
# OUT/sweep_summary.csv, byte-identical to the sweep run on one machine. Submitting the same
# command again is safe: finished shards end at once (--resume), so it reruns only what failed.
set -euo pipefail
usage() {
  sed -n '2,17p' "$0" >&2
  exit 2
}
[ $# -ge 3 ] || usage
here=$(cd "$(dirname "$0")" && pwd)
n=$1 out=$2
shift 2
case $n in '' | *[!0-9]* | 0) echo "submit.sh: N must be a whole number of shards, got '$n'" >&2; exit 2 ;; esac
for a in "$@"; do
  case $a in
    --out | --out=* | --threads | --threads=* | --resume | --shard | --shard=* | --shards | --shards=*)
      echo "submit.sh: $a is set by the job script (OUT is the second argument; threads come from --cpus-per-task in SBATCH_ARGS)" >&2
      exit 2 ;;
  esac
done
bin=$(command -v "${REFRESH_SIM:-refresh-sim}") || {
  echo "submit.sh: ${REFRESH_SIM:-refresh-sim} not found: put refresh-sim on PATH or set REFRESH_SIM=/path/to/refresh-sim" >&2
  exit 2
}
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
# The sweep's input is checked here, before anything is queued (exit 2 names the problem).
"$bin" sweep "$@" --shard none --check
mkdir -p "$out/logs"
out=$(cd "$out" && pwd) # absolute: the jobs may start elsewhere
# Shards of another split in OUT would make the merge refuse: say so now.
for d in "$out"/shard-*-of-*; do
  [ -d "$d" ] || continue
  case $d in *-of-"$n") ;; *)
    echo "submit.sh: $out holds shards of another split ($(basename "$d")): use another OUT, or delete them" >&2
    exit 2 ;;
  esac
done
# The result path holds this submission's result or nothing, never an earlier one.
rm -f "$out/sweep.csv" "$out/sweep_summary.csv" "$out/sweep_banks.csv" "$out/sweep_banks_summary.csv"
# Shell words, not one string: SBATCH_ARGS is split on blanks on purpose.
# shellcheck disable=SC2086
array=$(sbatch --parsable --array="0-$((n - 1))" --export="ALL,REFRESH_SIM=$bin" \
  --output="$out/logs/shard-%a.out" ${SBATCH_ARGS:-} "$here/sweep.sbatch" "$out" "$@" --shards "$n")
array=${array%%;*}
# shellcheck disable=SC2086
merge=$(sbatch --parsable --dependency="afterok:$array" --kill-on-invalid-dep=yes \
  --export="ALL,REFRESH_SIM=$bin" --output="$out/logs/merge.out" \
  ${SBATCH_ARGS:-} "$here/merge.sbatch" "$out")
merge=${merge%%;*}
printf 'array %s\nmerge %s\n' "$array" "$merge" > "$out/jobs"
echo "submitted array job $array ($n shards) and merge job $merge"
echo "watch:   squeue -j $array,$merge   (tasks running and pending)"
echo "         tail -n 2 $out/logs/shard-*.out   (each shard's progress)"
echo "check:   $bin merge $out   (names any shard missing, unfinished or failed)"
echo "result:  $out/sweep.csv and $out/sweep_summary.csv (and each bank's, sweep_banks*.csv) once job $merge has completed ($out/logs/merge.out)"
