#!/usr/bin/env bash
# fmnist against the Python stack (Debian's scikit-learn 1.2 / xgboost 1.7 /
# PyTorch 1.13), same data (60,000 train, 10,000 test), same thread count.
#
#   bench/vs_python.sh MODEL [SPEC] [--runs N] [--threads N] [--data DIR]
#   bench/vs_python.sh --profile quick [--threads N] [--data DIR]
#
# One model: our `fmnist train --model SPEC` and the notebook model, in turn,
# RUNS times; prints the medians, the speed ratio and both accuracies as a
# docs/BENCHMARKS.md row. Row columns: spec | our test accuracy | our fit |
# our predict (10,000) | our images/s | our peak memory | Python accuracy |
# Python fit | Python predict | Python peak memory | fit speed-up |
# fit+predict speed-up | runs. MODEL names the Python side
# (bench/py/sklearn_models.py); SPEC is ours (default: MODEL).
#
# --profile quick: the whole `fmnist bench` lineup against the notebooks'
# lineup with the notebooks' settings (shared/REFERENCE.md), model by model
# in turn: `fmnist bench --models LABEL` (training, evaluation, report), then
# the Python model (bench/py/sklearn_models.py, bench/py/notebook_nets.py).
# Seconds are each process's wall time, start to exit. Our models without a
# notebook counterpart count in our total only. Prints a docs/BENCHMARKS.md
# table and the total ratio; took 42 minutes on a 2-core AVX-512 Xeon, 62 on
# a 2-core AVX2 EPYC (2026-12-07).
#
# Needs a release build and scripts/deps.sh --bench.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ ${1:-} == --profile ]]; then
  exec bench/vs_python_lineup.sh "$@"
fi
if [[ $# -eq 0 || $1 == --* ]]; then
  echo "usage: bench/vs_python.sh MODEL [SPEC] [--runs N] ... | --profile quick [...]" >&2
  exit 2
fi
model=$1; shift
spec=$model
if [[ $# -gt 0 && $1 != --* ]]; then spec=$1; shift; fi
runs=3 threads=$(nproc) data=/usr/share/datasets/fashion-mnist
while [[ $# -gt 0 ]]; do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --data) data=$2; shift 2 ;;
    *) echo "vs_python.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
bin=build/release/fmnist
py=/usr/bin/python3
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
ours_fit=() ours_pred=() theirs_fit=() theirs_pred=()
for ((i = 0; i < runs; i++)); do
  $bin --threads "$threads" --quiet train --model "$spec" --data "$data" --val 0 --out "$tmp/m" --json >"$tmp/ours.json"
  ours_fit+=("$(jq -r .fit_seconds "$tmp/ours.json")")
  ours_pred+=("$(jq -r .test.predict_seconds "$tmp/ours.json")")
  ours_acc=$(jq -r .test.accuracy "$tmp/ours.json")
  ours_mem=$(jq -r .peak_memory_mib "$tmp/ours.json")
  OMP_NUM_THREADS=$threads OPENBLAS_NUM_THREADS=$threads \
    $py bench/py/sklearn_models.py "$model" "$data" --threads "$threads" >"$tmp/theirs.json"
  theirs_fit+=("$(jq -r .fit_seconds "$tmp/theirs.json")")
  theirs_pred+=("$(jq -r .predict_seconds "$tmp/theirs.json")")
  theirs_acc=$(jq -r .accuracy "$tmp/theirs.json")
  theirs_mem=$(jq -r .peak_memory_mib "$tmp/theirs.json")
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
of=$(median "${ours_fit[@]}") op=$(median "${ours_pred[@]}")
tf=$(median "${theirs_fit[@]}") tp=$(median "${theirs_pred[@]}")
awk -v spec="$spec" -v model="$model" -v of="$of" -v op="$op" -v tf="$tf" -v tp="$tp" \
    -v oa="$ours_acc" -v ta="$theirs_acc" -v om="$ours_mem" -v tm="$theirs_mem" \
    -v runs="$runs" -v th="$threads" 'BEGIN {
  printf "| %s | %.2f%% | %.2f s | %.2f s | %.0f | %.0f MiB | %.2f%% | %.2f s | %.2f s | %.0f MiB | %.1fx | %.1fx | median of %d, %d threads |\n",
    spec, 100*oa, of, op, 10000/op, om, 100*ta, tf, tp, tm, tf/of, (tf+tp)/(of+op), runs, th
}'
