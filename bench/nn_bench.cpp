// bench_nn: trains one model spec on the first N training images and prints
// fit seconds, images per second, test accuracy and prediction speed on the
// test set: quick recipe and speed experiments without a full `fmnist train`.
//
//   bench_nn SPEC [IMAGES] [THREADS] [--val N] [--data DIR] [--json] [--profile FILE]
//
// --val N: validation hold-out taken from the training file first (default
// 5,000; 0 for none, as bench/vs_pytorch.sh does). --json: one JSON line.
// --profile FILE: LibTorch's profiler over the fit, as a Chrome trace
// (bench/py/profile_summary.py FILE sums it by operator).
#include <chrono>
#include <cstdio>
#include <cstring>
#include <numeric>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <torch/csrc/autograd/profiler_legacy.h>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/memory.hpp"
#include "core/threads.hpp"
#include "data/source.hpp"
#include "eval/metrics.hpp"
#include "models/nn/register.hpp"
#include "models/registry.hpp"

int main(int argc, char** argv) {
  using namespace fmnist;
  tame_idle_threads(argv);
  keep_freed_memory_for_reuse();
  nn::register_neural_models();
  std::vector<std::string> pos;
  bool json = false;
  std::string profile;
  DataOptions o;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--json") == 0) {
      json = true;
    } else if (std::strcmp(argv[i], "--val") == 0 && i + 1 < argc) {
      o.val = std::stoul(argv[++i]);
    } else if (std::strcmp(argv[i], "--profile") == 0 && i + 1 < argc) {
      profile = argv[++i];
    } else if (std::strcmp(argv[i], "--data") == 0 && i + 1 < argc) {
      o.data = argv[++i];
    } else {
      pos.emplace_back(argv[i]);
    }
  }
  if (pos.empty()) {
    fmt::print(stderr,
               "usage: bench_nn SPEC [IMAGES] [THREADS] [--val N] [--data DIR] [--json] "
               "[--profile FILE]\n");
    return 2;
  }
  try {
    const std::string spec = pos[0];
    const size_t images = pos.size() > 1 ? std::stoul(pos[1]) : 0;
    set_threads(pos.size() > 2 ? std::stoi(pos[2]) : 0);
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
    if (profile.empty()) {
      model->fit(s.train, ctx);
    } else {
      torch::autograd::profiler::RecordProfile guard(profile);
      model->fit(s.train, ctx);
    }
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const auto t1 = std::chrono::steady_clock::now();
    const auto pred = model->predict(s.test);
    const double predict_secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
    const double acc = accuracy(pred, s.test.labels);
    // Training speed: images over the epochs' own time (no validation passes).
    double train_secs = 0;
    size_t epochs = 0;
    for (const auto& h : model->history()) {
      if (h.contains("images_per_second") && h["images_per_second"].get<double>() > 0) {
        train_secs += s.train.size() / h["images_per_second"].get<double>();
        ++epochs;
      }
    }
    const double train_ips = train_secs > 0 ? epochs * s.train.size() / train_secs : 0;
    const double predict_ips = predict_secs > 0 ? s.test.size() / predict_secs : 0;
    if (json) {
      nlohmann::json j = {{"spec", spec},
                          {"images", s.train.size()},
                          {"threads", threads()},
                          {"fit_seconds", secs},
                          {"train_images_per_second", train_ips},
                          {"test_accuracy", acc},
                          {"predict_seconds", predict_secs},
                          {"predict_images_per_second", predict_ips}};
      fmt::print("{}\n", j.dump());
      return 0;
    }
    fmt::print(
        "{}  images {}  threads {}  fit {:.2f} s ({:.0f} img/s)  test {:.2f}%  predict {:.0f} "
        "img/s\n",
        spec, s.train.size(), threads(), secs, train_ips, 100 * acc, predict_ips);
    for (const auto& h : model->history()) fmt::print("  {}\n", h.dump());
  } catch (const Error& e) {
    fmt::print(stderr, "bench_nn: {}\n", e.what());
    return 2;
  }
  return 0;
}
