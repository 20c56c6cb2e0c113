// bench_nn: trains one model spec on the first N training images and prints
// fit seconds, images per second and test accuracy: quick recipe and speed
// experiments without a full `fmnist train`.
//
//   bench_nn SPEC [IMAGES] [THREADS]
#include <chrono>
#include <cstdio>
#include <numeric>
#include <string>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/threads.hpp"
#include "data/source.hpp"
#include "eval/metrics.hpp"
#include "models/nn/register.hpp"
#include "models/registry.hpp"

int main(int argc, char** argv) {
  using namespace fmnist;
  prefer_passive_openmp(argv);
  nn::register_neural_models();
  if (argc < 2) {
    fmt::print(stderr, "usage: bench_nn SPEC [IMAGES] [THREADS]\n");
    return 2;
  }
  try {
    const std::string spec = argv[1];
    const size_t images = argc > 2 ? std::stoul(argv[2]) : 0;
    set_threads(argc > 3 ? std::stoi(argv[3]) : 0);
    DataOptions o;
    DataSplits s = load_data(o);
    if (images > 0 && images < s.train.size()) {
      std::vector<uint32_t> idx(images);
      std::iota(idx.begin(), idx.end(), 0u);
      s.train = s.train.subset(idx);
    }
    auto model = make_model(spec);
    FitContext ctx;
    ctx.val = &s.val;
    const auto t0 = std::chrono::steady_clock::now();
    model->fit(s.train, ctx);
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double acc = accuracy(model->predict(s.test), s.test.labels);
    fmt::print("{}  images {}  threads {}  fit {:.2f} s  test {:.2f}%\n", spec, s.train.size(),
               threads(), secs, 100 * acc);
    for (const auto& h : model->history()) fmt::print("  {}\n", h.dump());
  } catch (const Error& e) {
    fmt::print(stderr, "bench_nn: {}\n", e.what());
    return 2;
  }
  return 0;
}
