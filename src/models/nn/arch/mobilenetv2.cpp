// MobileNetV2 (Sandler et al.): inverted residual blocks (1x1 expand,
// depthwise 3x3, linear 1x1 project) with ReLU6. Adapted to 28x28 inputs:
// the stem keeps full resolution and only two stages halve the image
// (28 -> 14 -> 7), where ImageNet's plan halves a 224 image five times. The
// first halving comes early (at the 24-channel stage): at 28x28 the 6x
// expanded activations cost more in memory traffic than in arithmetic on a
// CPU (docs/DESIGN.md). stem_stride=2 halves once more, in the stem.
#include <algorithm>
#include <cmath>

#include "core/error.hpp"
#include "models/classifier.hpp"
#include "models/nn/arch/arch.hpp"
#include "models/nn/fused_bn.hpp"

namespace fmnist::nn::arch {
namespace tnn = torch::nn;
namespace {

// Channel counts rounded to a multiple of 8 (never down by more than 10%),
// as the reference implementation does for its width multiplier.
int divisible8(double v) {
  int r = std::max(8, static_cast<int>(v + 4) / 8 * 8);
  if (r < 0.9 * v) r += 8;
  return r;
}

// Conv (no bias), batch norm and, except on the linear projection, ReLU6.
struct ConvBnImpl : tnn::Module {
  ConvBnImpl(int in, int out, int kernel, int stride, int groups, bool relu6)
      : conv(register_module("conv", tnn::Conv2d(tnn::Conv2dOptions(in, out, kernel)
                                                     .stride(stride)
                                                     .padding(kernel / 2)
                                                     .groups(groups)
                                                     .bias(false)))),
        bn(register_module("bn", tnn::BatchNorm2d(out))),
        relu6(relu6) {}
  torch::Tensor forward(torch::Tensor x) {
    if (conv_batch_norm_foldable(*conv, *bn, x)) {
      x = conv_batch_norm_inference(*conv, *bn, x);
      return relu6 ? torch::hardtanh_(x, 0, 6) : x;
    }
    return batch_norm_act(*bn, conv(x), relu6 ? Act::relu6 : Act::none);
  }
  tnn::Conv2d conv;
  tnn::BatchNorm2d bn;
  bool relu6;
};
TORCH_MODULE(ConvBn);

struct InvertedResidualImpl : tnn::Module {
  InvertedResidualImpl(int in, int out, int stride, int expand, bool zero_gamma)
      : residual(stride == 1 && in == out) {
    const int hidden = in * expand;
    tnn::Sequential s;
    if (expand != 1) s->push_back(ConvBn(in, hidden, 1, 1, 1, true));
    s->push_back(ConvBn(hidden, hidden, 3, stride, hidden, true));
    ConvBn project(hidden, out, 1, 1, 1, false);
    if (residual && zero_gamma) {
      torch::NoGradGuard no_grad;
      project->bn->weight.zero_();
    }
    s->push_back(project);
    body = register_module("body", s);
  }
  torch::Tensor forward(torch::Tensor x) {
    return residual ? x + body->forward(x) : body->forward(x);
  }

  bool residual;
  tnn::Sequential body{nullptr};
};
TORCH_MODULE(InvertedResidual);

struct Stage {
  int expand, channels, blocks, stride;
};
// ImageNet's table (expansion, channels, blocks, stride) with the strides of
// the 32- and 160-channel stages removed: 28 -> 14 at 24 channels, -> 7 at 64.
constexpr Stage kStages[] = {{1, 16, 1, 1}, {6, 24, 2, 2},  {6, 32, 3, 1}, {6, 64, 4, 2},
                             {6, 96, 3, 1}, {6, 160, 3, 1}, {6, 320, 1, 1}};

}  // namespace

void build_mobilenetv2(tnn::Sequential& seq, const NetSpec& s, int rows, int cols) {
  if (rows < 4 || cols < 4)
    fail("mobilenetv2: {}x{} images are too small (4x4 at least)", rows, cols);
  int in = divisible8(32 * s.width_mult);
  seq->push_back(ConvBn(1, in, 3, s.stem_stride, 1, true));
  for (const Stage& st : kStages) {
    const int out = divisible8(st.channels * s.width_mult);
    for (int b = 0; b < st.blocks; ++b) {
      seq->push_back(InvertedResidual(in, out, b == 0 ? st.stride : 1, st.expand, s.zero_gamma));
      in = out;
    }
  }
  const int last = divisible8(s.head * std::max(1.0, s.width_mult));
  seq->push_back(ConvBn(in, last, 1, 1, 1, true));
  seq->push_back(tnn::AdaptiveAvgPool2d(1));
  seq->push_back(tnn::Flatten());
  if (s.dropout > 0) seq->push_back(FastDropout(s.dropout));
  seq->push_back(tnn::Linear(last, kNumClasses));
}

}  // namespace fmnist::nn::arch
