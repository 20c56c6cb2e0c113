// The optimiser step alone, LibTorch's AdamW against ours (FusedAdamW), on
// the parameters of three nets with random gradients: milliseconds per step
// (docs/BENCHMARKS.md, "2026-12-06: idle threads").
//
//   bench_optim [THREADS] [STEPS]
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "core/threads.hpp"
#include "models/nn/fused_optim.hpp"
#include "models/nn/net.hpp"

using namespace fmnist::nn;

namespace {

NetSpec spec(const char* arch) {
  NetSpec s;
  s.arch = arch;
  s.width_mult = 0.25;  // the quick mobilenetv2
  s.head = 320;
  s.channels = {32, 64};  // the cnn's defaults
  s.fc = 128;
  s.hidden = {400, 100};  // the mlp's
  return s;
}

template <class Optimizer>
double ms_per_step(const char* arch, int steps) {
  Net net(spec(arch), 28, 28);
  std::vector<torch::Tensor> ps;
  for (auto& p : net.parameters()) {
    p.mutable_grad() = torch::randn_like(p);
    ps.push_back(p);
  }
  Optimizer opt(ps, torch::optim::AdamWOptions(1e-3).weight_decay(5e-4));
  for (int i = 0; i < 20; ++i) opt.step();
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < steps; ++i) opt.step();
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() /
         steps;
}

}  // namespace

int main(int argc, char** argv) {
  fmnist::tame_idle_threads(argv);
  const int threads = argc > 1 ? std::atoi(argv[1]) : 2;
  const int steps = argc > 2 ? std::atoi(argv[2]) : 200;
  torch::set_num_threads(threads);
  std::printf("| net | LibTorch AdamW ms/step | FusedAdamW ms/step | ratio |\n|---|---|---|---|\n");
  for (const char* arch : {"mobilenetv2", "cnn", "mlp"}) {
    const double theirs = ms_per_step<torch::optim::AdamW>(arch, steps);
    const double ours = ms_per_step<FusedAdamW>(arch, steps);
    std::printf("| %s | %.3f | %.3f | %.1fx |\n", arch, theirs, ours, theirs / ours);
  }
}
