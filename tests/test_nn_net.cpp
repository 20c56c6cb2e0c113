// Inside the nets (LibTorch): output shapes, gradients against finite
// differences, and the --threads hook.
#include <gtest/gtest.h>

#include <cmath>

#include "core/error.hpp"
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

int64_t count_parameters(Net& net) {
  int64_t n = 0;
  for (auto& p : net.parameters()) n += p.numel();
  return n;
}

TEST(NnNet, OutputShapesAndParameterCounts) {
  Net mlp(mlp_spec({400, 100}, 0.2), 28, 28);
  EXPECT_EQ(mlp.forward(torch::randn({5, 1, 28, 28})).sizes(), (std::vector<int64_t>{5, 10}));
  int64_t n = count_parameters(mlp);
  EXPECT_EQ(n, 784 * 400 + 400 + 400 * 100 + 100 + 100 * 10 + 10);

  Net cnn(cnn_spec({32, 64}, 128, true, 0.25), 28, 28);
  EXPECT_EQ(cnn.forward(torch::randn({3, 1, 28, 28})).sizes(), (std::vector<int64_t>{3, 10}));
  // conv1 (no bias before BN) + BN, conv2 + BN, FC 64*7*7 -> 128, FC 128 -> 10.
  n = count_parameters(cnn);
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

// Central differences in double precision against autograd, for a loss that
// mixes all outputs: on every entry of every parameter and of the input, or
// on `sample` entries of each (first, last and evenly spaced) for big nets.
// A big net has so many ReLU inputs that one is usually within 1e-5 of the
// kink, where a step of `h` crosses it: those nets take a smaller h (and so
// a looser tolerance, for rounding); a wiring mistake is off by far more.
void check_gradients(Net& net, int rows, int cols, int64_t sample = 0, double h = 1e-6,
                     double tolerance = 1e-6) {
  torch::manual_seed(7);
  net.to(torch::kDouble);
  net.train();  // batch norm uses the batch statistics, as in training
  auto x = torch::randn({3, 1, rows, cols}, torch::kDouble).requires_grad_(true);
  auto mix = torch::randn({3, 10}, torch::kDouble);
  auto loss_of = [&](const torch::Tensor& input) { return (net.forward(input) * mix).sum(); };
  net.zero_grad();
  loss_of(x).backward();
  double worst = 0;
  auto check = [&](torch::Tensor t, torch::Tensor grad) {
    torch::NoGradGuard no_grad;
    auto flat = t.view({-1});
    auto g = grad.reshape({-1});
    const int64_t n = flat.numel();
    const int64_t count = sample > 0 ? std::min(sample, n) : n;
    for (int64_t j = 0; j < count; ++j) {
      const int64_t i = count == n ? j : j * (n - 1) / std::max<int64_t>(1, count - 1);
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
  EXPECT_LT(worst, tolerance);
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

NetSpec arch_spec(const std::string& arch) {
  NetSpec s;
  s.arch = arch;
  return s;
}

TEST(NnNet, CnnRnnReadsFeatureRowsWithAnLstmOrAGru) {
  NetSpec s = arch_spec("cnn-rnn");
  s.channels = {32, 64};
  s.rnn_hidden = 128;
  Net lstm(s, 28, 28);
  EXPECT_EQ(lstm.forward(torch::randn({3, 1, 28, 28})).sizes(), (std::vector<int64_t>{3, 10}));
  // 7 rows of 64 x 7 = 448 features; per direction an LSTM has 4 gates of
  // input and recurrent weights and two biases.
  int64_t n = count_parameters(lstm);
  const int64_t convs = 9 * 32 + 64 + 9 * 32 * 64 + 128;
  EXPECT_EQ(n, convs + 2 * 4 * 128 * (448 + 128 + 2) + 256 * 10 + 10);

  s.rnn = "gru";
  s.bidirectional = false;
  Net gru(s, 28, 28);
  n = count_parameters(gru);
  EXPECT_EQ(n, convs + 3 * 128 * (448 + 128 + 2) + 128 * 10 + 10);
  gru.place(torch::kCPU, true);  // channels-last input
  EXPECT_EQ(gru.forward(torch::randn({2, 1, 28, 28}).contiguous(torch::MemoryFormat::ChannelsLast))
                .sizes(),
            (std::vector<int64_t>{2, 10}));
}

TEST(NnNet, ResNetHasSixNPlusTwoLayersAndProjectionShortcuts) {
  NetSpec s = arch_spec("resnet");
  s.depth = 8;
  Net net(s, 28, 28);
  EXPECT_EQ(net.forward(torch::randn({2, 1, 28, 28})).sizes(), (std::vector<int64_t>{2, 10}));
  int64_t n = count_parameters(net);
  // stem; 16->16 block; 16->32 and 32->64 blocks with 1x1 shortcuts; BN; FC.
  EXPECT_EQ(n, 144 + 4672 + 14432 + 57536 + 128 + 650);
  s.depth = 20;
  Net r20(s, 28, 28);
  n = count_parameters(r20);
  // ResNet-20, the 0.27M-parameter net: 3 blocks a stage, two shortcuts.
  EXPECT_EQ(n, 144 + 14016 + 51552 + 205504 + 128 + 650);
  s.depth = 21;
  EXPECT_THROW(Net(s, 28, 28), Error);
}

TEST(NnNet, MobileNetV2HalvesTwiceAndScalesItsWidth) {
  NetSpec s = arch_spec("mobilenetv2");
  Net full(s, 28, 28);
  EXPECT_EQ(full.forward(torch::randn({2, 1, 28, 28})).sizes(), (std::vector<int64_t>{2, 10}));
  int64_t n_full = count_parameters(full);
  // ImageNet's MobileNetV2 has 3.5M parameters, 1.28M of them in its
  // 1000-class head; ours has a 10-class one (and a 1-channel stem).
  EXPECT_GT(n_full, 2150000);
  EXPECT_LT(n_full, 2300000);
  s.width_mult = 0.5;
  Net half(s, 28, 28);
  int64_t n_half = count_parameters(half);
  EXPECT_LT(n_half, n_full / 2);
  EXPECT_EQ(half.forward(torch::randn({1, 1, 20, 20})).sizes(), (std::vector<int64_t>{1, 10}));
}

TEST(NnNet, VitTokensAndParameterCount) {
  NetSpec s = arch_spec("vit");
  s.patch = 7;
  s.dim = 16;
  s.heads = 2;
  s.blocks = 1;
  s.mlp_dim = 32;
  Net net(s, 28, 28);
  EXPECT_EQ(net.forward(torch::randn({3, 1, 28, 28})).sizes(), (std::vector<int64_t>{3, 10}));
  int64_t n = count_parameters(net);
  // patch conv, class token, 17 positions, one block, final norm, head.
  EXPECT_EQ(n, 800 + 16 + 272 + 2224 + 32 + 170);
  s.patch = 5;
  EXPECT_THROW(Net(s, 28, 28), Error);
  s.patch = 7;
  s.heads = 3;
  EXPECT_THROW(Net(s, 28, 28), Error);
}

TEST(NnNet, CnnRnnGradientsMatchFiniteDifferences) {
  NetSpec s = arch_spec("cnn-rnn");
  s.channels = {2};
  s.rnn_hidden = 3;
  Net lstm(s, 6, 6);
  check_gradients(lstm, 6, 6);
  s.rnn = "gru";
  Net gru(s, 6, 6);
  check_gradients(gru, 6, 6);
}

TEST(NnNet, ResNetGradientsMatchFiniteDifferences) {
  NetSpec s = arch_spec("resnet");
  s.depth = 8;
  s.width = 2;
  Net net(s, 8, 8);
  check_gradients(net, 8, 8, 12);
}

TEST(NnNet, MobileNetV2GradientsMatchFiniteDifferences) {
  NetSpec s = arch_spec("mobilenetv2");
  s.width_mult = 0.1;
  Net net(s, 8, 8);
  check_gradients(net, 8, 8, 2, 1e-9, 1e-4);
}

TEST(NnNet, VitGradientsMatchFiniteDifferences) {
  NetSpec s = arch_spec("vit");
  s.patch = 2;
  s.dim = 8;
  s.heads = 2;
  s.blocks = 2;
  s.mlp_dim = 12;
  Net net(s, 4, 4);
  check_gradients(net, 4, 4);
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
