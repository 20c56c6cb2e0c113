#!/usr/bin/env bash
# Installs every system package fmnist needs, from Debian's archive only.
# Idempotent and silent when everything is already there, so the README, CI
# and developers can all call it before every build.
#
#   scripts/deps.sh            build + test + runtime dependencies
#   scripts/deps.sh --bench    also the Python stack we benchmark against
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build pkg-config git
  # engine
  zlib1g-dev libdeflate-dev libstb-dev libcli11-dev nlohmann-json3-dev libfmt-dev
  libcurl4-openssl-dev libopenblas-dev
  # gradient boosting (XGBoost C API)
  libxgboost-dev
  # neural models (LibTorch, CPU build; a CUDA LibTorch can replace it)
  libtorch-dev
  # tests (the HTTP server for the download tests is cpp-httplib; metrics are
  # checked against scikit-learn's, the SVM against LIBSVM)
  libgtest-dev libcpp-httplib-dev python3 python3-numpy python3-sklearn libsvm-dev
  # the official data set, in /usr/share/datasets/fashion-mnist/
  dataset-fashion-mnist
  # the report's browser test (headless)
  chromium
)
bench_packages=(jq python3-xgboost python3-torch hyperfine liblinear-dev)

for arg in "$@"; do
  case "$arg" in
    --bench) packages+=("${bench_packages[@]}") ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "deps.sh: unknown option '$arg'" >&2; exit 2 ;;
  esac
done

# Node.js and npm fetch the charting library the report inlines (js/).
command -v npm >/dev/null || packages+=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [[ "$status" == installed ]] || missing+=("$p")
done
install_js() {
  # The versions pinned in js/package-lock.json; the build embeds them.
  local root
  root="$(cd "$(dirname "$0")/.." && pwd)"
  local stamp="$root/js/node_modules/.installed-lock.json"
  if ! cmp -s "$root/js/package-lock.json" "$stamp" 2>/dev/null; then
    echo "deps.sh: installing js/ (npm ci)" >&2
    npm ci --prefix "$root/js" --no-audit --no-fund --loglevel=error >/dev/null
    cp "$root/js/package-lock.json" "$stamp"
  fi
}

if [[ ${#missing[@]} -eq 0 ]]; then
  install_js
  exit 0
fi

echo "deps.sh: installing ${missing[*]}" >&2
sudo=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "deps.sh: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
# A stale or missing package list is the usual reason an install fails on a
# fresh machine; refresh it once, quietly.
"${sudo[@]}" apt-get update -qq >/dev/null
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
install_js
echo "deps.sh: done" >&2
