#!/usr/bin/env bash
# One neural model, fmnist (bench_nn) against PyTorch (Debian's python3-torch,
# bench/py/torch_models.py: the same layers and recipe), trained on the same
# first IMAGES training images for EPOCHS epochs, then timed predicting the
# 10,000 test images; run in turn RUNS times (ours, theirs, ours, ...).
# Prints the medians and the ratios as a docs/BENCHMARKS.md row.
#
#   bench/vs_pytorch.sh MODEL [--images N] [--epochs E] [--runs N]
#                       [--threads N] [--data DIR] [--torch-wait same|default]
#
# Row columns: model | images x epochs | our training images/s | PyTorch
# training images/s | training ratio | our inference images/s | PyTorch
# inference images/s (eval mode, batch 256) | inference ratio | test accuracy
# ours / PyTorch (after this short training: a sanity check, not a result) |
# runs, threads, load average. Speeds are medians over the runs; a ratio is
# the median of the per-run ratios (each of ours against the PyTorch run
# right after it, so a change in the machine's load hits both alike).
#
# fmnist bounds how long idle OpenMP and OpenBLAS threads spin
# (GOMP_SPINCOUNT=20000, OPENBLAS_THREAD_TIMEOUT=4: src/core/threads.cpp).
# PyTorch, on the same libgomp and OpenBLAS, is given the same unless
# --torch-wait default: with its defaults an OpenBLAS worker yield-spins
# beside the OpenMP threads, which would flatter the ratio. Needs a release
# build of bench_nn and scripts/deps.sh --bench.
set -euo pipefail
cd "$(dirname "$0")/.."
model=$1; shift
images=60000 epochs=1 runs=3 threads=$(nproc) data=/usr/share/datasets/fashion-mnist wait=same
while [[ $# -gt 0 ]]; do
  case $1 in
    --images) images=$2; shift 2 ;;
    --epochs) epochs=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --data) data=$2; shift 2 ;;
    --torch-wait) wait=$2; shift 2 ;;
    *) echo "vs_pytorch.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
bin=build/release/bench/bench_nn
py=/usr/bin/python3
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
load0=$(cut -d' ' -f1 /proc/loadavg)
ours_train=() ours_pred=() theirs_train=() theirs_pred=() train_ratio=() pred_ratio=()
for ((i = 0; i < runs; i++)); do
  $bin "$model:epochs=$epochs" "$images" "$threads" --val 0 --data "$data" --json >"$tmp/ours.json"
  ours_train+=("$(jq -r .train_images_per_second "$tmp/ours.json")")
  ours_pred+=("$(jq -r .predict_images_per_second "$tmp/ours.json")")
  ours_acc=$(jq -r .test_accuracy "$tmp/ours.json")
  same=()
  [[ $wait == same ]] && same=(GOMP_SPINCOUNT=20000 OPENBLAS_THREAD_TIMEOUT=4)
  env "${same[@]}" OMP_NUM_THREADS="$threads" $py bench/py/torch_models.py "$model" "$data" \
    --images "$images" --epochs "$epochs" --threads "$threads" >"$tmp/theirs.json"
  theirs_train+=("$(jq -r .train_images_per_second "$tmp/theirs.json")")
  theirs_pred+=("$(jq -r .predict_images_per_second "$tmp/theirs.json")")
  theirs_acc=$(jq -r .test_accuracy "$tmp/theirs.json")
  train_ratio+=("$(awk -v a="${ours_train[-1]}" -v b="${theirs_train[-1]}" 'BEGIN {print a/b}')")
  pred_ratio+=("$(awk -v a="${ours_pred[-1]}" -v b="${theirs_pred[-1]}" 'BEGIN {print a/b}')")
  echo "run $((i + 1)): ours $(cat "$tmp/ours.json")" >&2
  echo "run $((i + 1)): torch $(cat "$tmp/theirs.json")" >&2
done
load1=$(cut -d' ' -f1 /proc/loadavg)
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
ot=$(median "${ours_train[@]}") op=$(median "${ours_pred[@]}")
tt=$(median "${theirs_train[@]}") tp=$(median "${theirs_pred[@]}")
tr=$(median "${train_ratio[@]}") pr=$(median "${pred_ratio[@]}")
awk -v model="$model" -v images="$images" -v epochs="$epochs" -v ot="$ot" -v op="$op" \
    -v tt="$tt" -v tp="$tp" -v tr="$tr" -v pr="$pr" -v oa="$ours_acc" -v ta="$theirs_acc" -v runs="$runs" \
    -v th="$threads" -v wait="$wait" -v l0="$load0" -v l1="$load1" 'BEGIN {
  printf "| %s | %d x %d | %.0f | %.0f | %.2fx | %.0f | %.0f | %.2fx | %.2f%% / %.2f%% | median of %d, %d threads, torch wait %s, load %s-%s |\n",
    model, images, epochs, ot, tt, tr, op, tp, pr, 100*oa, 100*ta, runs, th, wait, l0, l1
}'
