#!/usr/bin/env bash
# Loading the 60,000 training images from .gz: fmnist vs numpy, interleaved.
#   bench/load.sh [RUNS] [DATA_DIR]
# Needs a release build (cmake --workflow --preset release) and
# scripts/deps.sh --bench (Debian's python3-numpy).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-15}
dir=${2:-/usr/share/datasets/fashion-mnist}
bin=build/release/bench/bench_load
py=/usr/bin/python3  # Debian's, where python3-numpy lives
ours=() theirs=()
for ((i = 0; i < runs; i++)); do
  ours+=("$($bin "$dir" | cut -d' ' -f1)")
  theirs+=("$($py bench/load_numpy.py "$dir" | cut -d' ' -f1)")
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
m_ours=$(median "${ours[@]}") m_theirs=$(median "${theirs[@]}")
ratio=$(awk -v a="$m_theirs" -v b="$m_ours" 'BEGIN {printf "%.1f", a / b}')
cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -1)
echo "| load 60,000 training images + labels (.gz) | fmnist ${m_ours}s | numpy ${m_theirs}s | ${ratio}x | median of $runs, interleaved; $cpu, $(nproc) cores |"
