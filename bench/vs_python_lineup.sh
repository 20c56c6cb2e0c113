#!/usr/bin/env bash
# `bench/vs_python.sh --profile quick`: the whole `fmnist bench` lineup against
# the notebooks' Python lineup; see vs_python.sh for what it measures.
#
#   bench/vs_python_lineup.sh --profile quick [--threads N] [--data DIR]
#                             [--models LIST]
#
# --models limits both sides to those labels (a partial table: no total).
set -euo pipefail
cd "$(dirname "$0")/.."
profile= threads=$(nproc) data=/usr/share/datasets/fashion-mnist only=
while [[ $# -gt 0 ]]; do
  case $1 in
    --profile) profile=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --data) data=$2; shift 2 ;;
    --models) only=$2; shift 2 ;;
    *) echo "vs_python.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
if [[ $profile != quick ]]; then
  echo "vs_python.sh: --profile quick is the one Python lineup (got '$profile')" >&2
  exit 2
fi
bin=build/release/fmnist
py=/usr/bin/python3
[[ -x $bin ]] || { echo "vs_python.sh: $bin is missing: cmake --workflow --preset release" >&2; exit 2; }

# Our quick lineup in order, each label with its notebook counterpart
# ("-": none). `fmnist bench --models` rejects a label the lineup lacks, so
# this list cannot silently drift from src/bench/lineup.cpp.
lineup=(
  "naive-bayes -" "tree sklearn:tree" "logreg sklearn:logreg" "linear-svm sklearn:linear-svm"
  "knn sklearn:knn" "forest sklearn:forest" "svm sklearn:svm" "hog-svm -"
  "xgboost sklearn:xgboost" "mlp torch:mlp" "cnn torch:cnn" "cnn-rnn torch:cnn-rnn"
  "mobilenetv2 -"
)
# What the Python side runs, for the table.
declare -A settings=(
  [tree]="DecisionTreeClassifier()" [logreg]="LogisticRegression(max_iter=200)"
  [linear-svm]="LinearSVC(C=0.1, dual=False)" [knn]="KNeighborsClassifier(5)"
  [forest]="RandomForestClassifier(100)" [svm]="SVC(rbf, C=10)"
  [xgboost]="XGBClassifier(hist, 200 rounds, depth 6)"
  [mlp]="784-400-100-10, Adam 1e-3, batch 32, 20 epochs"
  [cnn]="2 conv+BN blocks, FC128, Adam, batch 128, 10 epochs"
  [cnn-rnn]="the cnn's convs, LSTM-128, Adam, batch 128, 10 epochs"
)

tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
now() { date +%s.%N; }
rows=() ours_total=0 theirs_total=0 worse=0 n_ours=0 n_theirs=0
for entry in "${lineup[@]}"; do
  label=${entry%% *} theirs=${entry#* }
  if [[ -n $only && ",$only," != *",$label,"* ]]; then continue; fi
  echo "vs_python: fmnist $label" >&2
  t0=$(now)
  $bin --threads "$threads" --quiet bench --profile quick --models "$label" \
    --data "$data" --out "$tmp/ours-$label" --cache "$tmp/cache" --force >"$tmp/ours-$label.log"
  ours_s=$(awk -v a="$t0" -v b="$(now)" 'BEGIN {print b - a}')
  j="$tmp/ours-$label/results.json"
  ours_acc=$(jq -r '.models[0].test.accuracy // 0' "$j")
  ours_fit=$(jq -r '.models[0].fit_seconds // 0' "$j")
  err=$(jq -r '.models[0].error // empty' "$j")
  [[ -z $err ]] || { echo "vs_python.sh: fmnist $label failed: $err" >&2; exit 1; }
  ours_total=$(awk -v a="$ours_total" -v b="$ours_s" 'BEGIN {print a + b}')
  n_ours=$((n_ours + 1))
  if [[ $theirs == - ]]; then
    rows+=("$(awk -v l="$label" -v a="$ours_acc" -v f="$ours_fit" -v w="$ours_s" 'BEGIN {
      printf "| %s | %.2f%% | %.1f s | %.1f s | (no notebook model) | | | | |", l, 100*a, f, w }')")
    continue
  fi
  echo "vs_python: Python $label" >&2
  kind=${theirs%%:*} model=${theirs#*:}
  script=bench/py/sklearn_models.py
  [[ $kind == torch ]] && script=bench/py/notebook_nets.py
  t0=$(now)
  OMP_NUM_THREADS=$threads OPENBLAS_NUM_THREADS=$threads \
    $py "$script" "$model" "$data" --threads "$threads" >"$tmp/theirs-$label.json"
  theirs_s=$(awk -v a="$t0" -v b="$(now)" 'BEGIN {print b - a}')
  theirs_acc=$(jq -r .accuracy "$tmp/theirs-$label.json")
  theirs_fit=$(jq -r .fit_seconds "$tmp/theirs-$label.json")
  theirs_total=$(awk -v a="$theirs_total" -v b="$theirs_s" 'BEGIN {print a + b}')
  n_theirs=$((n_theirs + 1))
  worse=$(awk -v w="$worse" -v a="$ours_acc" -v b="$theirs_acc" 'BEGIN {print w + (a < b)}')
  rows+=("$(awk -v l="$label" -v a="$ours_acc" -v f="$ours_fit" -v w="$ours_s" \
      -v set="${settings[$label]}" -v ta="$theirs_acc" -v tf="$theirs_fit" -v tw="$theirs_s" 'BEGIN {
    printf "| %s | %.2f%% | %.1f s | %.1f s | %s | %.2f%% | %.1f s | %.1f s | %.1fx |",
      l, 100*a, f, w, set, 100*ta, tf, tw, tw/w }')")
done

# Our specs are the lineup's (src/bench/lineup.cpp; docs/BENCHMARKS.md lists them).
echo "| model | our accuracy | our fit | our wall | Python settings | Python accuracy | Python fit | Python wall | wall speed-up |"
echo "|---|---:|---:|---:|---|---:|---:|---:|---:|"
printf '%s\n' "${rows[@]}"
if [[ -z $only ]]; then
  awk -v o="$ours_total" -v t="$theirs_total" -v w="$worse" -v th="$threads" \
      -v no="$n_ours" -v nt="$n_theirs" 'BEGIN {
    printf "| **whole lineup** | | | **%.0f s** (%d models) | %d models | | | **%.0f s** | **%.1fx** |\n", o, no, nt, t, t/o
    printf "\n%d of the %d shared rows below Python'"'"'s accuracy; %d threads each; model by model, ours then Python.\n", w, nt, th
  }'
fi
