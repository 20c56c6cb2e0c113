#!/usr/bin/env bash
# Two builds of bench_nn on the same spec, in turn (A, B, A, B, ...), to
# measure a change to the nets' code: prints the medians of training and
# inference images/s for each and the median of the per-pair ratios (B/A).
#
#   bench/ab_nn.sh A_BENCH_NN B_BENCH_NN SPEC IMAGES [RUNS] [THREADS]
#
# e.g. build the old commit into /tmp/old, then
#   bench/ab_nn.sh /tmp/old/bench/bench_nn build/release/bench/bench_nn "cnn:epochs=1" 10000
set -euo pipefail
if [[ $# -lt 4 ]]; then
  sed -n '6p' "$0" | sed 's/^# *//' >&2
  exit 2
fi
a=$1 b=$2 spec=$3 images=$4 runs=${5:-3} threads=${6:-$(nproc)}
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }
at=() ap=() bt=() bp=() rt=() rp=()
for ((i = 0; i < runs; i++)); do
  ja=$("$a" "$spec" "$images" "$threads" --val 0 --json)
  jb=$("$b" "$spec" "$images" "$threads" --val 0 --json)
  at+=("$(jq -r .train_images_per_second <<<"$ja")")
  ap+=("$(jq -r .predict_images_per_second <<<"$ja")")
  bt+=("$(jq -r .train_images_per_second <<<"$jb")")
  bp+=("$(jq -r .predict_images_per_second <<<"$jb")")
  rt+=("$(awk -v x="${bt[-1]}" -v y="${at[-1]}" 'BEGIN {print x / y}')")
  rp+=("$(awk -v x="${bp[-1]}" -v y="${ap[-1]}" 'BEGIN {print x / y}')")
done
printf '| %s | %s | %.0f | %.0f | %.2fx | %.0f | %.0f | %.2fx | median of %d pairs, %d threads |\n' \
  "$spec" "$images" "$(median "${at[@]}")" "$(median "${bt[@]}")" "$(median "${rt[@]}")" \
  "$(median "${ap[@]}")" "$(median "${bp[@]}")" "$(median "${rp[@]}")" "$runs" "$threads"
