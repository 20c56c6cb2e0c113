// Inside the nets (LibTorch): output shapes, gradients against finite
// differences, and the --threads hook.
#include <gtest/gtest.h>

#include <cmath>

#include "core/error.hpp"
#include "core/threads.hpp"
#include "models/nn/fused_bn.hpp"
#include "models/nn/net.hpp"
#include "models/nn/neural.hpp"
#include "models/registry.hpp"
#include "support/nn_reference.hpp"

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
// A step of `h` can cross the kink of a ReLU or a max-pool (most likely what
// failed the cnn's check once in CI by 2e-3, on a machine other than the ones
// where it passes by 3e-10; not confirmed). The one-sided differences then
// disagree, and autograd's value must be the slope on the side without the
// kink; a wiring mistake matches neither. At most `max_kinks` entries may take
// that way out. Big nets have so many kinks that they also take a smaller h
// (and so a looser tolerance, for rounding).
void check_gradients(Net& net, int rows, int cols, int64_t sample = 0, double h = 1e-6,
                     double tolerance = 1e-6, int max_kinks = 2) {
  torch::manual_seed(7);
  net.to(torch::kDouble);
  net.train();  // batch norm uses the batch statistics, as in training
  auto x = torch::randn({3, 1, rows, cols}, torch::kDouble).requires_grad_(true);
  auto mix = torch::randn({3, 10}, torch::kDouble);
  auto loss_of = [&](const torch::Tensor& input) { return (net.forward(input) * mix).sum(); };
  net.zero_grad();
  auto loss = loss_of(x);
  loss.backward();
  const double at = loss.item<double>();
  int kinks = 0, tensor = 0;
  auto relative = [](double a, double b) { return std::abs(a - b) / std::max(1.0, std::abs(a)); };
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
      if (relative(numeric, analytic) < tolerance) continue;
      const double right = (up - at) / h, left = (at - down) / h;
      // One-sided differences are first-order: a looser match, still far
      // tighter than any wiring mistake.
      const bool kink = relative(right, left) > 100 * tolerance &&
                        std::min(relative(right, analytic), relative(left, analytic)) < 1e-4;
      if (kink && ++kinks <= max_kinks) continue;
      ADD_FAILURE() << "tensor " << tensor << " (of " << net.parameters().size()
                    << " parameters, then the input), entry " << i << " of " << n << ": autograd "
                    << analytic << ", central difference " << numeric << ", one-sided " << left
                    << " and " << right << (kink ? " (a kink, but too many)" : "");
      return;
    }
  };
  for (auto& p : net.parameters()) {
    check(p, p.grad().clone());
    ++tensor;
  }
  check(x, x.grad().clone());
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
  // The last 1x1 conv: 320 -> head channels, its batch norm, and the dense
  // layer's head x 10 + 10.
  s.width_mult = 1.0;
  s.head = 320;
  Net small_head(s, 28, 28);
  EXPECT_EQ(n_full - count_parameters(small_head), (1280 - 320) * (320 + 2 + 10));
  // The feature map the pooling averages: 28 -> 14 -> 7, and with the stem's
  // stride 28 -> 14 -> 7 -> 4.
  auto features = [](Net& net, torch::Tensor x) {
    for (size_t i = 0; i < net.layers->size(); ++i) {
      if (net.layers->ptr(i)->as<torch::nn::AdaptiveAvgPool2dImpl>()) break;
      x = (net.layers->begin() + i)->forward(x);
    }
    return x;
  };
  EXPECT_EQ(features(small_head, torch::randn({1, 1, 28, 28})).sizes(),
            (std::vector<int64_t>{1, 320, 7, 7}));
  s.stem_stride = 2;
  Net strided(s, 28, 28);
  EXPECT_EQ(count_parameters(strided), count_parameters(small_head));
  EXPECT_EQ(features(strided, torch::randn({1, 1, 28, 28})).sizes(),
            (std::vector<int64_t>{1, 320, 4, 4}));
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

// zero_gamma zeroes the last batch-norm scale of exactly the residual
// blocks (stride 1, as many channels out as in): 10 of the 17 at width 1.
TEST(NnNet, MobileNetV2ZeroGammaStartsEachResidualBlockAsTheIdentity) {
  auto zeroed = [](const NetSpec& s) {
    Net net(s, 28, 28);
    int n = 0;
    for (auto& m : net.modules(false))
      if (auto* bn = m->as<torch::nn::BatchNorm2dImpl>())
        n += bn->weight.abs().max().item<float>() == 0.f;
    return n;
  };
  NetSpec s = arch_spec("mobilenetv2");
  EXPECT_EQ(zeroed(s), 0);
  s.zero_gamma = true;
  EXPECT_EQ(zeroed(s), 10);
  // Still trainable: the zeroed scales get gradients (the layers inside
  // those blocks get theirs once the scales move), and they are right.
  s.width_mult = 0.1;
  Net net(s, 8, 8);
  net.train();
  net.forward(torch::randn({4, 1, 8, 8})).pow(2).sum().backward();
  int checked = 0;
  for (auto& m : net.modules(false)) {
    auto* bn = m->as<torch::nn::BatchNorm2dImpl>();
    if (!bn || bn->weight.abs().max().item<float>() != 0.f) continue;
    EXPECT_GT(bn->weight.grad().abs().sum().item<float>(), 0.f);
    ++checked;
  }
  // At width 0.1 the stages round to 8 or 16 channels: more blocks keep
  // their width, so 13 are residual.
  EXPECT_EQ(checked, 13);
  check_gradients(net, 8, 8, 2, 1e-9, 1e-4);
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

// The fused batch norm + activation against LibTorch's BatchNorm2d followed
// by relu / hardtanh: outputs, input and weight gradients, running
// statistics and the batch counter, in training and in inference.
struct BnPair {
  torch::nn::BatchNorm2d fused, plain;
  explicit BnPair(int c) : fused(c), plain(c) {
    torch::NoGradGuard no_grad;
    fused->weight.uniform_(0.5, 1.5);
    fused->bias.uniform_(-0.5, 0.5);
    plain->weight.copy_(fused->weight);
    plain->bias.copy_(fused->bias);
  }
};

using test::expect_close;

TEST(NnFusedBatchNorm, MatchesLibTorchInTrainingForEachActivation) {
  torch::manual_seed(3);
  for (Act act : {Act::none, Act::relu, Act::relu6}) {
    for (auto shape : {std::vector<int64_t>{4, 5, 3, 3}, std::vector<int64_t>{3, 37, 9, 11}}) {
      BnPair bn(static_cast<int>(shape[1]));
      // Scaled so that ReLU6's upper kink is crossed too.
      auto base = (torch::randn(shape) * 4 + 1).contiguous(torch::MemoryFormat::ChannelsLast);
      auto x1 = base.clone().requires_grad_(true), x2 = base.clone().requires_grad_(true);
      ASSERT_TRUE(fused_batch_norm_applies(*bn.fused, x1));
      auto mix = torch::randn(shape);
      for (int step = 0; step < 2; ++step) {
        auto y1 = batch_norm_act(*bn.fused, x1, act);
        auto y2 = test::bn_act_reference(bn.plain, x2, act);
        expect_close(y1, y2, 1e-5, "output");
        (y1 * mix).sum().backward();
        (y2 * mix).sum().backward();
      }
      expect_close(x1.grad(), x2.grad(), 1e-4, "input gradient");
      expect_close(bn.fused->weight.grad(), bn.plain->weight.grad(), 1e-3, "weight gradient");
      expect_close(bn.fused->bias.grad(), bn.plain->bias.grad(), 1e-3, "bias gradient");
      expect_close(bn.fused->running_mean, bn.plain->running_mean, 1e-5, "running mean");
      expect_close(bn.fused->running_var, bn.plain->running_var, 1e-5, "running variance");
      EXPECT_EQ(bn.fused->num_batches_tracked.item<int64_t>(), 2);
    }
  }
}

TEST(NnFusedBatchNorm, KeepsItsPrecisionForAMeanFarFromZero) {
  BnPair bn(3);
  torch::manual_seed(4);
  auto x = (torch::randn({8, 3, 5, 5}) * 0.01 + 1000).contiguous(torch::MemoryFormat::ChannelsLast);
  auto y = batch_norm_act(*bn.fused, x, Act::none).to(torch::kDouble);
  auto xd = x.to(torch::kDouble);
  auto mean = xd.mean({0, 2, 3}, true);
  auto var = (xd - mean).square().mean({0, 2, 3}, true);
  auto w = bn.fused->weight.to(torch::kDouble).view({1, 3, 1, 1});
  auto b = bn.fused->bias.to(torch::kDouble).view({1, 3, 1, 1});
  auto exact = (xd - mean) / torch::sqrt(var + 1e-5) * w + b;
  // The mean itself is a float (1000 to within 3e-5, times a scale of 100):
  // 3e-3 is float's limit here. LibTorch's own BatchNorm2d was 5e-2 off.
  expect_close(y, exact, 5e-3, "output");
}

TEST(NnFusedBatchNorm, MatchesLibTorchInInference) {
  BnPair bn(6);
  torch::manual_seed(5);
  for (int i = 0; i < 3; ++i) {  // running statistics away from 0 and 1
    auto x = (torch::randn({4, 6, 4, 4}) * 3 + 2).contiguous(torch::MemoryFormat::ChannelsLast);
    batch_norm_act(*bn.fused, x, Act::relu);
    test::bn_act_reference(bn.plain, x, Act::relu);
  }
  bn.fused->eval();
  bn.plain->eval();
  auto x = torch::randn({2, 6, 4, 4}).contiguous(torch::MemoryFormat::ChannelsLast);
  torch::InferenceMode guard;
  ASSERT_TRUE(fused_batch_norm_applies(*bn.fused, x));
  for (Act act : {Act::none, Act::relu, Act::relu6})
    expect_close(batch_norm_act(*bn.fused, x, act), test::bn_act_reference(bn.plain, x, act), 1e-5,
                 "output");
}

TEST(NnFusedBatchNorm, LeavesOtherLayoutsAndTypesToLibTorch) {
  torch::nn::BatchNorm2d bn(4);
  EXPECT_FALSE(fused_batch_norm_applies(*bn, torch::randn({2, 4, 3, 3})));
  EXPECT_FALSE(fused_batch_norm_applies(
      *bn,
      torch::randn({2, 4, 3, 3}, torch::kDouble).contiguous(torch::MemoryFormat::ChannelsLast)));
  // One value per channel: LibTorch's own error, not a division by zero.
  auto single = torch::randn({1, 4, 1, 1}).contiguous(torch::MemoryFormat::ChannelsLast);
  EXPECT_FALSE(fused_batch_norm_applies(*bn, single));
  EXPECT_THROW(batch_norm_act(*bn, single, Act::relu), c10::Error);
  bn->eval();  // eval with autograd on (saliency maps): LibTorch's ops
  EXPECT_FALSE(fused_batch_norm_applies(
      *bn, torch::randn({2, 4, 3, 3}).contiguous(torch::MemoryFormat::ChannelsLast)));
}

TEST(NnFusedBatchNorm, ChannelsLastNetsTrainLikeTheirNchwTwins) {
  torch::manual_seed(6);
  for (const char* arch : {"cnn", "resnet", "mobilenetv2"}) {
    NetSpec s = arch_spec(arch);
    s.channels = {4, 6};
    s.fc = 8;
    s.depth = 8;
    s.width = 8;
    s.width_mult = 0.25;
    Net fused(s, 12, 12), plain(s, 12, 12);
    {
      torch::NoGradGuard no_grad;
      auto from = plain.named_parameters();
      for (auto& p : fused.named_parameters()) p.value().copy_(from[p.key()]);
    }
    fused.place(torch::kCPU, true);
    plain.place(torch::kCPU, false);
    auto x = torch::randn({6, 1, 12, 12});
    auto y1 = fused.forward(x.contiguous(torch::MemoryFormat::ChannelsLast));
    auto y2 = plain.forward(x);
    expect_close(y1, y2, 1e-4, arch);
    y1.square().sum().backward();
    y2.square().sum().backward();
    auto grads = plain.named_parameters();
    for (auto& p : fused.named_parameters())
      expect_close(p.value().grad(), grads[p.key()].grad(), 2e-3, p.key().c_str());
  }
}

TEST(NnFusedBatchNorm, FoldedInferenceMatchesLayerByLayerInference) {
  torch::manual_seed(8);
  for (const char* arch : {"cnn", "cnn-rnn", "mobilenetv2"}) {
    for (bool nhwc : {true, false}) {
      NetSpec s = arch_spec(arch);
      s.channels = {4, 6};
      s.fc = 8;
      s.rnn_hidden = 5;
      s.width_mult = 0.25;
      Net net(s, 12, 12);
      net.place(torch::kCPU, nhwc);
      auto input = [&](torch::Tensor t) { return nhwc ? channels_last_copy(t) : t; };
      net.train();  // a few batches move the running statistics off 0 and 1
      for (int i = 0; i < 3; ++i) net.forward(input(torch::randn({8, 1, 12, 12}) * 2 + 1));
      net.eval();
      auto x = input(torch::randn({5, 1, 12, 12}));
      auto layer_by_layer = net.forward(x).detach();  // autograd on: nothing folded
      torch::InferenceMode guard;
      expect_close(net.forward(x), layer_by_layer, 1e-4, arch);
    }
  }
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
