// The fused optimiser steps against LibTorch's own SGD, Adam and AdamW: same
// parameters after several steps, same state under the same keys (so a
// checkpoint of ours loads into theirs), and LibTorch's path for
// what the fused loop does not cover.
#include <gtest/gtest.h>

#include "models/nn/fused_optim.hpp"

namespace fmnist::nn {
namespace {

// Parameters shaped like a net's: a channels-last conv kernel (large enough
// to be split between threads), a depthwise kernel, a bias, a matrix.
std::vector<torch::Tensor> make_params(uint64_t seed) {
  torch::manual_seed(seed);
  std::vector<torch::Tensor> ps = {
      torch::randn({64, 32, 3, 3}).contiguous(torch::MemoryFormat::ChannelsLast),
      torch::randn({48, 1, 3, 3}), torch::randn({48}), torch::randn({10, 80})};
  for (auto& p : ps) p.set_requires_grad(true);
  return ps;
}

// The same gradients on both sets: a fixed function of the step and of the
// weights, so the two trajectories stay comparable.
void set_grads(std::vector<torch::Tensor>& ps, int step) {
  torch::NoGradGuard no_grad;
  for (auto& p : ps) {
    auto g = torch::sin(p * (step + 1)) + 0.1 * p;
    p.mutable_grad() = g.contiguous(p.suggest_memory_format());
  }
}

std::vector<torch::optim::OptimizerParamGroup> groups(
    std::vector<torch::Tensor>& ps, std::unique_ptr<torch::optim::OptimizerOptions> decayed,
    std::unique_ptr<torch::optim::OptimizerOptions> plain) {
  std::vector<torch::optim::OptimizerParamGroup> g;
  g.emplace_back(std::vector<torch::Tensor>{ps[0], ps[1], ps[3]}, std::move(decayed));
  g.emplace_back(std::vector<torch::Tensor>{ps[2]}, std::move(plain));
  return g;
}

template <class Ours, class Theirs, class Options>
void expect_same_trajectory(Options decayed, Options plain, int steps = 6) {
  auto a = make_params(1), b = make_params(1);
  Ours ours(groups(a, std::make_unique<Options>(decayed), std::make_unique<Options>(plain)), plain);
  Theirs theirs(groups(b, std::make_unique<Options>(decayed), std::make_unique<Options>(plain)),
                plain);
  for (int s = 0; s < steps; ++s) {
    set_grads(a, s);
    set_grads(b, s);
    ours.step();
    theirs.step();
  }
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].strides(), b[i].strides()) << "parameter " << i;
    EXPECT_TRUE(torch::allclose(a[i], b[i], 1e-5, 1e-6))
        << "parameter " << i << ": max difference "
        << (a[i] - b[i]).abs().max().template item<float>();
  }
  // A checkpoint of ours loads into LibTorch's optimiser, which then steps
  // as ours does.
  std::stringstream buf;
  {
    torch::serialize::OutputArchive out;
    ours.save(out);
    out.save_to(buf);
  }
  torch::serialize::InputArchive in;
  in.load_from(buf);
  theirs.load(in);
  set_grads(a, steps);
  set_grads(b, steps);
  ours.step();
  theirs.step();
  for (size_t i = 0; i < a.size(); ++i)
    EXPECT_TRUE(torch::allclose(a[i], b[i], 1e-5, 1e-6)) << "after reload, parameter " << i;
}

TEST(NnFusedOptimizer, SgdWithNesterovMomentumAndDecayMatchesLibTorch) {
  using O = torch::optim::SGDOptions;
  expect_same_trajectory<FusedSGD, torch::optim::SGD>(
      O(0.05).momentum(0.9).nesterov(true).weight_decay(5e-4),
      O(0.05).momentum(0.9).nesterov(true));
}

TEST(NnFusedOptimizer, SgdWithDampenedMomentumAndPlainSgdMatchLibTorch) {
  using O = torch::optim::SGDOptions;
  expect_same_trajectory<FusedSGD, torch::optim::SGD>(O(0.1).momentum(0.8).dampening(0.3),
                                                      O(0.1).weight_decay(1e-3));
}

TEST(NnFusedOptimizer, AdamWithL2MatchesLibTorch) {
  using O = torch::optim::AdamOptions;
  expect_same_trajectory<FusedAdam, torch::optim::Adam>(
      O(3e-3).betas({0.85, 0.99}).weight_decay(1e-2), O(3e-3).betas({0.85, 0.99}));
}

TEST(NnFusedOptimizer, AdamWWithDecoupledDecayMatchesLibTorch) {
  using O = torch::optim::AdamWOptions;
  expect_same_trajectory<FusedAdamW, torch::optim::AdamW>(O(4e-3).weight_decay(5e-4),
                                                          O(4e-3).weight_decay(0).eps(1e-6));
}

TEST(NnFusedOptimizer, AmsgradAndDoubleParametersTakeLibTorchsStep) {
  using O = torch::optim::AdamWOptions;
  expect_same_trajectory<FusedAdamW, torch::optim::AdamW>(O(1e-3).amsgrad(true),
                                                          O(1e-3).amsgrad(true));
  auto a = torch::randn({5, 7}, torch::kDouble).set_requires_grad(true);
  auto b = a.detach().clone().set_requires_grad(true);
  FusedAdamW ours({a}, O(1e-2));
  torch::optim::AdamW theirs({b}, O(1e-2));
  for (int s = 0; s < 3; ++s) {
    a.mutable_grad() = torch::cos(a.detach());
    b.mutable_grad() = torch::cos(b.detach());
    ours.step();
    theirs.step();
  }
  EXPECT_TRUE(torch::equal(a, b));
}

TEST(NnFusedOptimizer, StateLoadedInAnotherLayoutIsReadByValue) {
  using O = torch::optim::SGDOptions;
  auto a = make_params(1), b = make_params(1);
  FusedSGD ours(a, O(0.05).momentum(0.9).nesterov(true));
  torch::optim::SGD theirs(b, O(0.05).momentum(0.9).nesterov(true));
  for (int s = 0; s < 3; ++s) {
    set_grads(a, s);
    set_grads(b, s);
    ours.step();
    theirs.step();
  }
  // As a checkpoint written by other code may hold them: every buffer
  // contiguous, so NCHW for the channels-last kernel.
  for (auto& [key, state] : ours.state()) {
    auto& st = static_cast<torch::optim::SGDParamState&>(*state);
    st.momentum_buffer(st.momentum_buffer().contiguous());
  }
  ASSERT_NE(a[0].strides(), a[0].contiguous().strides());
  set_grads(a, 3);
  set_grads(b, 3);
  ours.step();
  theirs.step();
  for (size_t i = 0; i < a.size(); ++i)
    EXPECT_TRUE(torch::allclose(a[i], b[i], 1e-5, 1e-6)) << "parameter " << i;
}

TEST(NnFusedOptimizer, SparseGradientsTakeLibTorchsStep) {
  auto a = torch::randn({6, 4}).set_requires_grad(true);
  auto b = a.detach().clone().set_requires_grad(true);
  FusedSGD ours({a}, torch::optim::SGDOptions(0.1));
  torch::optim::SGD theirs({b}, torch::optim::SGDOptions(0.1));
  const auto g = torch::eye(6).narrow(1, 0, 4).to_sparse();
  a.mutable_grad() = g;
  b.mutable_grad() = g;
  ours.step();
  theirs.step();
  EXPECT_TRUE(torch::equal(a, b));
}

TEST(NnFusedOptimizer, ParametersWithoutGradientsAreLeftAlone) {
  auto p = torch::randn({100}).set_requires_grad(true);
  auto q = torch::randn({100}).set_requires_grad(true);
  const auto q0 = q.detach().clone();
  FusedAdamW opt({p, q}, torch::optim::AdamWOptions(1e-2).weight_decay(0.1));
  p.mutable_grad() = torch::ones({100});
  opt.step();
  EXPECT_TRUE(torch::equal(q, q0));
  EXPECT_FALSE(q.grad().defined());
}

}  // namespace
}  // namespace fmnist::nn
