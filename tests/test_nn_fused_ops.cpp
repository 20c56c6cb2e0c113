// The fused batch norm + ReLU + 2x2 max-pool and the hashed dropout against
// LibTorch's own layers: values, gradients, statistics and seeding.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include "models/nn/dropout.hpp"
#include "models/nn/fused_bn.hpp"
#include "models/nn/net.hpp"
#include "support/nn_reference.hpp"

namespace fmnist::nn {
namespace {

using test::expect_close;

torch::Tensor reference_pool(torch::nn::BatchNorm2d& bn, const torch::Tensor& x, Act act) {
  return torch::max_pool2d(test::bn_act_reference(bn, x, act), 2);
}

TEST(NnFusedPool, MatchesBatchNormActivationThenMaxPoolInTraining) {
  torch::manual_seed(11);
  // Even sizes, and odd ones whose last row and column no window covers.
  for (auto shape : {std::vector<int64_t>{4, 5, 6, 6}, std::vector<int64_t>{3, 37, 7, 9},
                     std::vector<int64_t>{2, 8, 3, 2}}) {
    for (Act act : {Act::none, Act::relu, Act::relu6}) {
      const std::string what = "shape " + std::to_string(shape[2]) + "x" +
                               std::to_string(shape[3]) + ", act " +
                               std::to_string(static_cast<int>(act));
      torch::nn::BatchNorm2d fused(shape[1]), plain(shape[1]);
      {
        torch::NoGradGuard no_grad;
        // Some negative scales: the window's maximum of bn(x) is then at
        // the minimum of x.
        fused->weight.uniform_(-1.5, 1.5);
        fused->bias.uniform_(-0.5, 0.5);
        plain->weight.copy_(fused->weight);
        plain->bias.copy_(fused->bias);
      }
      auto base = (torch::randn(shape) * 4 + 1).contiguous(torch::MemoryFormat::ChannelsLast);
      auto x1 = base.clone().requires_grad_(true), x2 = base.clone().requires_grad_(true);
      auto mix = torch::randn({shape[0], shape[1], shape[2] / 2, shape[3] / 2});
      for (int step = 0; step < 2; ++step) {
        auto y1 = batch_norm_act_pool2(*fused, x1, act);
        auto y2 = reference_pool(plain, x2, act);
        EXPECT_TRUE(y1.is_contiguous(torch::MemoryFormat::ChannelsLast)) << what;
        expect_close(y1, y2, 1e-5, what + ": output");
        (y1 * mix).sum().backward();
        (y2 * mix).sum().backward();
      }
      expect_close(x1.grad(), x2.grad(), 1e-4, what + ": input gradient");
      expect_close(fused->weight.grad(), plain->weight.grad(), 1e-3, what + ": weight gradient");
      expect_close(fused->bias.grad(), plain->bias.grad(), 1e-3, what + ": bias gradient");
      expect_close(fused->running_mean, plain->running_mean, 1e-5, what + ": running mean");
      expect_close(fused->running_var, plain->running_var, 1e-5, what + ": running variance");
      EXPECT_EQ(fused->num_batches_tracked.item<int64_t>(), 2) << what;
    }
  }
}

TEST(NnFusedPool, TiesSendTheGradientToTheFirstMaximumAsLibTorchDoes) {
  torch::nn::BatchNorm2d fused(2), plain(2);
  // Three windows whose largest value comes twice (first and last, second
  // and third) or four times.
  auto base = torch::tensor({3.f, 1.f, 2.f, 2.f, 0.f, 5.f, 0.f, 3.f, 2.f, 2.f, 5.f, 1.f})
                  .view({1, 1, 2, 6})
                  .repeat({2, 2, 1, 1})
                  .contiguous(torch::MemoryFormat::ChannelsLast);
  auto x1 = base.clone().requires_grad_(true), x2 = base.clone().requires_grad_(true);
  auto y1 = batch_norm_act_pool2(*fused, x1, Act::none);
  auto y2 = reference_pool(plain, x2, Act::none);
  expect_close(y1, y2, 1e-5, "output");
  auto mix = torch::randn(y1.sizes());
  (y1 * mix).sum().backward();
  (y2 * mix).sum().backward();
  expect_close(x1.grad(), x2.grad(), 1e-4, "input gradient");
}

TEST(NnFusedPool, InferenceAndOtherLayoutsTakeTheUnfusedPath) {
  torch::nn::BatchNorm2d bn(3);
  auto nchw = torch::randn({2, 3, 4, 4});
  torch::nn::BatchNorm2d plain(3);
  expect_close(batch_norm_act_pool2(*bn, nchw, Act::relu), reference_pool(plain, nchw, Act::relu),
               1e-5, "NCHW");
  bn->eval();
  plain->eval();
  torch::InferenceMode guard;
  auto x = torch::randn({2, 3, 5, 5}).contiguous(torch::MemoryFormat::ChannelsLast);
  expect_close(batch_norm_act_pool2(*bn, x, Act::relu), reference_pool(plain, x, Act::relu), 1e-5,
               "inference");
}

TEST(NnFastDropout, DropsAboutPAndScalesTheRest) {
  torch::manual_seed(1);
  auto x = torch::rand({1000, 1000}) + 1;  // no zeros of its own
  for (double p : {0.1, 0.25, 0.5, 0.9}) {
    auto y = fast_dropout(x, p, true);
    auto kept = y != 0;
    const double share = 1.0 - kept.to(torch::kDouble).mean().item<double>();
    EXPECT_NEAR(share, p, 0.002) << "p " << p;
    expect_close(y.masked_select(kept), x.masked_select(kept) / (1 - p), 1e-6, "kept values");
  }
  EXPECT_TRUE(torch::equal(fast_dropout(x, 0.5, false), x));
  EXPECT_TRUE(torch::equal(fast_dropout(x, 0, true), x));
  EXPECT_EQ(fast_dropout(x, 1, true).count_nonzero().item<int64_t>(), 0);
}

TEST(NnFastDropout, MasksAreIndependentAcrossCallsAndPositions) {
  torch::manual_seed(2);
  auto x = torch::ones({200000});
  auto a = fast_dropout(x, 0.5, true) != 0, b = fast_dropout(x, 0.5, true) != 0;
  // Two masks of p = 0.5 agree on half the positions when independent, and
  // neighbouring positions likewise.
  const double same = (a == b).to(torch::kDouble).mean().item<double>();
  EXPECT_NEAR(same, 0.5, 0.01);
  const double next = (a.slice(0, 1) == a.slice(0, 0, -1)).to(torch::kDouble).mean().item<double>();
  EXPECT_NEAR(next, 0.5, 0.01);
}

TEST(NnFastDropout, FollowsTheTorchSeedAndNotTheThreadCount) {
  auto x = torch::ones({300000});
  const int threads = torch::get_num_threads();
  torch::manual_seed(7);
  torch::set_num_threads(1);
  auto one = fast_dropout(x, 0.3, true);
  torch::manual_seed(7);
  torch::set_num_threads(2);
  auto two = fast_dropout(x, 0.3, true);
  torch::set_num_threads(threads);
  EXPECT_TRUE(torch::equal(one, two));
  torch::manual_seed(8);
  EXPECT_FALSE(torch::equal(fast_dropout(x, 0.3, true), one));
}

TEST(NnFastDropout, GradientGoesThroughTheSameMask) {
  torch::manual_seed(3);
  auto x = (torch::rand({64, 33}) + 1).requires_grad_(true);
  auto y = fast_dropout(x, 0.4, true);
  auto g = torch::randn({64, 33});
  (y * g).sum().backward();
  // y = x * m with m in {0, 1/0.6}: the gradient is g * m = g * y / x.
  expect_close(x.grad(), g * y.detach() / x.detach(), 1e-5, "input gradient");
  // Non-contiguous input and other types take LibTorch's dropout.
  auto t = torch::rand({8, 6}).t();
  EXPECT_EQ(fast_dropout(t, 0.5, true).sizes(), t.sizes());
  auto d = torch::rand({100}, torch::kDouble) + 1;
  EXPECT_NEAR((fast_dropout(d, 0.5, true) == 0).to(torch::kDouble).mean().item<double>(), 0.5, 0.2);
  EXPECT_THROW(fast_dropout(x, 1.5, true), std::exception);
}

}  // namespace
}  // namespace fmnist::nn
