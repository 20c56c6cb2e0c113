// Fits a `tree` or `forest` spec on the first N training images and scores
// it on the test set: fit wall and CPU seconds, predict seconds, accuracy,
// nodes. For tuning the builder and the defaults.
//
//   bench_tree_fit SPEC [N_TRAIN] [--threads N] [--val M] [--seed S]
//
// --val M scores on the last M training images instead of the test set (the
// first N_TRAIN must not reach them): what the defaults were chosen on.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <numeric>
#include <string>
#include <vector>

#include "core/threads.hpp"
#include "data/idx.hpp"
#include "eval/metrics.hpp"
#include "models/registry.hpp"

namespace {
double since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + 1e-6 * (u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}
fmnist::Dataset range(const fmnist::Dataset& d, size_t from, size_t n) {
  std::vector<uint32_t> idx(std::min(n, d.size() - from));
  std::iota(idx.begin(), idx.end(), static_cast<uint32_t>(from));
  return d.subset(idx);
}
}  // namespace

int main(int argc, char** argv) {
  using namespace fmnist;
  fmnist::tame_idle_threads(argv);
  if (argc < 2) {
    std::fprintf(stderr,
                 "usage: bench_tree_fit SPEC [N_TRAIN] [--threads N] [--val M] [--seed S]\n");
    return 2;
  }
  const std::string spec = argv[1];
  size_t n_train = 60000, n_val = 0;
  uint64_t seed = 0;
  for (int a = 2; a < argc; ++a) {
    if (!std::strcmp(argv[a], "--threads") && a + 1 < argc) {
      set_threads(std::atoi(argv[++a]));
    } else if (!std::strcmp(argv[a], "--val") && a + 1 < argc) {
      n_val = std::strtoul(argv[++a], nullptr, 10);
    } else if (!std::strcmp(argv[a], "--seed") && a + 1 < argc) {
      seed = std::strtoull(argv[++a], nullptr, 10);
    } else {
      n_train = std::strtoul(argv[a], nullptr, 10);
    }
  }
  const std::string dir = "/usr/share/datasets/fashion-mnist/";
  const Dataset all =
      load_idx(dir + "train-images-idx3-ubyte.gz", dir + "train-labels-idx1-ubyte.gz");
  Dataset train, test;
  if (n_val > 0) {
    train = range(all, 0, std::min(n_train, all.size() - n_val));
    test = range(all, all.size() - n_val, n_val);
  } else {
    train = range(all, 0, n_train);
    test = load_idx(dir + "t10k-images-idx3-ubyte.gz", dir + "t10k-labels-idx1-ubyte.gz");
  }
  auto model = make_model(spec);
  FitContext ctx;
  ctx.seed = seed;
  const double c0 = cpu_seconds();
  auto t0 = std::chrono::steady_clock::now();
  model->fit(train, ctx);
  const double fit = since(t0), fit_cpu = cpu_seconds() - c0;
  t0 = std::chrono::steady_clock::now();
  const auto pred = model->predict(test);
  const double predict = since(t0);
  std::printf(
      "%s  train %zu  %s %zu  acc %.4f  fit %.2f s (cpu %.2f s)  predict %.3f s  nodes %lld  "
      "threads %d\n",
      spec.c_str(), train.size(), n_val ? "val" : "test", test.size(), accuracy(pred, test.labels),
      fit, fit_cpu, predict, static_cast<long long>(model->num_parameters()), threads());
  return 0;
}
