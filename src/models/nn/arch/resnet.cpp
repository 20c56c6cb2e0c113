// Pre-activation ResNet (He et al., "Identity Mappings in Deep Residual
// Networks"), CIFAR layout: a 3x3 stem, three stages of n two-conv blocks
// at width, 2x and 4x channels (the last two halve the image), then
// BN-ReLU, global average pooling and one dense layer. depth = 6n + 2.
#include "core/error.hpp"
#include "models/classifier.hpp"
#include "models/nn/arch/arch.hpp"
#include "models/nn/fused_bn.hpp"

namespace fmnist::nn::arch {
namespace tnn = torch::nn;
namespace {

tnn::Conv2dOptions conv3(int in, int out, int stride) {
  return tnn::Conv2dOptions(in, out, 3).stride(stride).padding(1).bias(false);
}

struct PreActBlockImpl : tnn::Module {
  PreActBlockImpl(int in, int out, int stride)
      : bn1(register_module("bn1", tnn::BatchNorm2d(in))),
        conv1(register_module("conv1", tnn::Conv2d(conv3(in, out, stride)))),
        bn2(register_module("bn2", tnn::BatchNorm2d(out))),
        conv2(register_module("conv2", tnn::Conv2d(conv3(out, out, 1)))) {
    if (stride != 1 || in != out) {
      shortcut = register_module(
          "shortcut", tnn::Conv2d(tnn::Conv2dOptions(in, out, 1).stride(stride).bias(false)));
    }
  }

  torch::Tensor forward(torch::Tensor x) {
    auto o = batch_norm_act(*bn1, x, Act::relu);
    // A projection shortcut sees the normalised input, as in the paper.
    auto skip = shortcut ? shortcut(o) : x;
    o = conv1(o);
    o = conv2(batch_norm_act(*bn2, o, Act::relu));
    return o + skip;
  }

  tnn::BatchNorm2d bn1;
  tnn::Conv2d conv1;
  tnn::BatchNorm2d bn2;
  tnn::Conv2d conv2;
  tnn::Conv2d shortcut{nullptr};
};
TORCH_MODULE(PreActBlock);

}  // namespace

void build_resnet(tnn::Sequential& seq, const NetSpec& s, int rows, int cols) {
  if (s.depth < 8 || (s.depth - 2) % 6 != 0)
    fail("resnet: depth={} is invalid: expected 6n+2 (8, 14, 20, 32, 44, 56, 110, ...)", s.depth);
  if (rows < 4 || cols < 4) fail("resnet: {}x{} images are too small (4x4 at least)", rows, cols);
  const int n = (s.depth - 2) / 6;
  seq->push_back(tnn::Conv2d(conv3(1, s.width, 1)));
  int in = s.width;
  for (int stage = 0; stage < 3; ++stage) {
    const int out = s.width << stage;
    for (int b = 0; b < n; ++b) {
      seq->push_back(PreActBlock(in, out, stage > 0 && b == 0 ? 2 : 1));
      in = out;
    }
  }
  seq->push_back(tnn::BatchNorm2d(in));
  seq->push_back(tnn::ReLU());
  seq->push_back(tnn::AdaptiveAvgPool2d(1));
  seq->push_back(tnn::Flatten());
  if (s.dropout > 0) seq->push_back(FastDropout(s.dropout));
  seq->push_back(tnn::Linear(in, kNumClasses));
}

}  // namespace fmnist::nn::arch
