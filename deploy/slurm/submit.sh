#!/usr/bin/env bash
# Submits a refresh-sim sweep to Slurm: a job array of N shards, then a merge job that starts
# only when every shard succeeded (--dependency=afterok).
#
#   deploy/slurm/submit.sh N OUT SCENARIO [sweep options ...]
#   deploy/slurm/submit.sh 16 results/grid scenarios/uk-mix.toml --set strategy.concurrency=8:64:8 --replications 20
#
# Environment:
#   REFRESH_SIM   the binary (default: refresh-sim on PATH); the jobs inherit it
#   SBATCH_ARGS   extra sbatch options for both jobs, e.g. "--partition=short --account=me"
#
# Writes OUT/shard-K-of-N/ (one per task), OUT/logs/, OUT/jobs (the two job ids), and at the
# end OUT/sweep.csv and OUT/sweep_summary.csv, byte-identical to the sweep run on one machine.
# Watch with the squeue command it prints (or squeue --me).
set -euo pipefail
if [ $# -lt 3 ]; then
  sed -n '2,14p' "$0" >&2
  exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
n=$1 out=$2
shift 2
case $n in '' | *[!0-9]* | 0) echo "N must be a whole number of shards, got '$n'" >&2; exit 2 ;; esac
mkdir -p "$out/logs"
out=$(cd "$out" && pwd) # absolute: the jobs may start elsewhere
# Shell words, not one string: SBATCH_ARGS is split on blanks on purpose.
# shellcheck disable=SC2086
array=$(sbatch --parsable --array="0-$((n - 1))" --output="$out/logs/shard-%a.out" \
  ${SBATCH_ARGS:-} "$here/sweep.sbatch" "$out" "$@")
array=${array%%;*}
# shellcheck disable=SC2086
merge=$(sbatch --parsable --dependency="afterok:$array" --output="$out/logs/merge.out" \
  ${SBATCH_ARGS:-} "$here/merge.sbatch" "$out")
merge=${merge%%;*}
printf 'array %s\nmerge %s\n' "$array" "$merge" > "$out/jobs"
echo "submitted array job $array ($n shards) and merge job $merge"
echo "watch:  squeue -j $array,$merge     logs: $out/logs/"
echo "result: $out/sweep.csv and $out/sweep_summary.csv when job $merge has completed"
