// Inside the nets (LibTorch): output shapes, gradients against finite
// differences, and the --threads hook.
#include <gtest/gtest.h>

#include <cmath>

#include "core/threads.hpp"
#include "models/nn/net.hpp"
#include "models/nn/neural.hpp"
#include "models/registry.hpp"

namespace fmnist::nn {
namespace {

NetSpec mlp_spec(std::vector<int> hidden, double dropout = 0) {
  NetSpec s;
  s.arch = "mlp";
  s.hidden = std::move(hidden);
  s.dropout = dropout;
  return s;
}

NetSpec cnn_spec(std::vector<int> channels, int fc, bool bn = true, double dropout = 0) {
  NetSpec s;
  s.arch = "cnn";
  s.channels = std::move(channels);
  s.fc = fc;
  s.batch_norm = bn;
  s.dropout = dropout;
  return s;
}

TEST(NnNet, OutputShapesAndParameterCounts) {
  Net mlp(mlp_spec({400, 100}, 0.2), 28, 28);
  EXPECT_EQ(mlp.forward(torch::randn({5, 1, 28, 28})).sizes(), (std::vector<int64_t>{5, 10}));
  int64_t n = 0;
  for (auto& p : mlp.parameters()) n += p.numel();
  EXPECT_EQ(n, 784 * 400 + 400 + 400 * 100 + 100 + 100 * 10 + 10);

  Net cnn(cnn_spec({32, 64}, 128, true, 0.25), 28, 28);
  EXPECT_EQ(cnn.forward(torch::randn({3, 1, 28, 28})).sizes(), (std::vector<int64_t>{3, 10}));
  // conv1 (no bias before BN) + BN, conv2 + BN, FC 64*7*7 -> 128, FC 128 -> 10.
  n = 0;
  for (auto& p : cnn.parameters()) n += p.numel();
  EXPECT_EQ(n, 9 * 32 + 64 + 9 * 32 * 64 + 128 + 3136 * 128 + 128 + 1290);

  // Odd sizes and three blocks: 20 -> 10 -> 5 -> 2.
  Net odd(cnn_spec({4, 8, 8}, 0, false), 20, 20);
  EXPECT_EQ(odd.forward(torch::randn({2, 1, 20, 20})).sizes(), (std::vector<int64_t>{2, 10}));
  Net linear(mlp_spec({}), 28, 28);  // no hidden layer: logistic regression
  EXPECT_EQ(linear.forward(torch::randn({1, 1, 28, 28})).sizes(), (std::vector<int64_t>{1, 10}));

  Net nhwc(cnn_spec({8, 16}, 32), 28, 28);
  nhwc.place(torch::kCPU, true);
  auto x = torch::randn({4, 1, 28, 28});
  auto a = nhwc.forward(x.contiguous(torch::MemoryFormat::ChannelsLast));
  EXPECT_EQ(a.sizes(), (std::vector<int64_t>{4, 10}));
}

// Central differences in double precision on every parameter entry and the
// input, against autograd, for a loss that mixes all outputs.
void check_gradients(Net& net, int rows, int cols) {
  torch::manual_seed(7);
  net.to(torch::kDouble);
  net.train();  // batch norm uses the batch statistics, as in training
  auto x = torch::randn({3, 1, rows, cols}, torch::kDouble).requires_grad_(true);
  auto mix = torch::randn({3, 10}, torch::kDouble);
  auto loss_of = [&](const torch::Tensor& input) { return (net.forward(input) * mix).sum(); };
  net.zero_grad();
  loss_of(x).backward();
  const double h = 1e-6;
  double worst = 0;
  auto check = [&](torch::Tensor t, torch::Tensor grad) {
    torch::NoGradGuard no_grad;
    auto flat = t.view({-1});
    auto g = grad.reshape({-1});
    for (int64_t i = 0; i < flat.numel(); ++i) {
      const double old = flat[i].item<double>();
      flat[i] = old + h;
      const double up = loss_of(x).item<double>();
      flat[i] = old - h;
      const double down = loss_of(x).item<double>();
      flat[i] = old;
      const double numeric = (up - down) / (2 * h), analytic = g[i].item<double>();
      worst = std::max(worst, std::abs(numeric - analytic) / std::max(1.0, std::abs(numeric)));
    }
  };
  for (auto& p : net.parameters()) check(p, p.grad().clone());
  check(x, x.grad().clone());
  EXPECT_LT(worst, 1e-6);
}

TEST(NnNet, MlpGradientsMatchFiniteDifferences) {
  Net net(mlp_spec({6, 5}), 4, 4);
  check_gradients(net, 4, 4);
}

TEST(NnNet, CnnGradientsMatchFiniteDifferences) {
  Net with_bn(cnn_spec({2, 3}, 4, true), 6, 6);
  check_gradients(with_bn, 6, 6);
  Net plain(cnn_spec({3}, 0, false), 4, 4);
  check_gradients(plain, 4, 4);
}

TEST(NnNet, ThreadsSettingReachesLibTorch) {
  make_model("mlp");  // registers the hook
  set_threads(1);
  EXPECT_EQ(torch::get_num_threads(), 1);
  set_threads(2);
  EXPECT_EQ(torch::get_num_threads(), 2);
  set_threads(0);
  EXPECT_EQ(torch::get_num_threads(), hardware_threads());
}

TEST(NnNet, CudaFallsBackToTheCpuWithoutAGpu) {
  if (torch::cuda::is_available()) GTEST_SKIP() << "a GPU is here";
  EXPECT_EQ(pick_device("cuda"), torch::Device(torch::kCPU));
}

}  // namespace
}  // namespace fmnist::nn
