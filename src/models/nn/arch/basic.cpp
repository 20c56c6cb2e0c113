// The two plain stacks: the perceptron and the small convnet.
#include "core/error.hpp"
#include "models/classifier.hpp"
#include "models/nn/arch/arch.hpp"

namespace fmnist::nn::arch {
namespace tnn = torch::nn;

void build_mlp(tnn::Sequential& seq, const NetSpec& s, int rows, int cols) {
  int in = rows * cols;
  seq->push_back(tnn::Flatten());
  for (int width : s.hidden) {
    seq->push_back(tnn::Linear(in, width));
    seq->push_back(tnn::ReLU());
    if (s.dropout > 0) seq->push_back(FastDropout(s.dropout));
    in = width;
  }
  seq->push_back(tnn::Linear(in, kNumClasses));
}

Shape add_conv_blocks(tnn::Sequential& seq, const NetSpec& s, int rows, int cols) {
  int in = 1, h = rows, w = cols;
  for (int ch : s.channels) {
    if (h < 2 || w < 2)
      fail("{}: {} conv blocks shrink {}x{} images to nothing", s.arch, s.channels.size(), rows,
           cols);
    // The conv bias is redundant before batch norm, which has its own shift.
    seq->push_back(tnn::Conv2d(tnn::Conv2dOptions(in, ch, 3).padding(1).bias(!s.batch_norm)));
    if (s.batch_norm) seq->push_back(tnn::BatchNorm2d(ch));
    seq->push_back(tnn::ReLU());
    seq->push_back(tnn::MaxPool2d(2));
    in = ch;
    h /= 2;
    w /= 2;
  }
  return {in, h, w};
}

void build_cnn(tnn::Sequential& seq, const NetSpec& s, int rows, int cols) {
  const Shape out = add_conv_blocks(seq, s, rows, cols);
  seq->push_back(tnn::Flatten());
  int features = out.channels * out.rows * out.cols;
  if (s.dropout > 0) seq->push_back(FastDropout(s.dropout));
  if (s.fc > 0) {
    seq->push_back(tnn::Linear(features, s.fc));
    seq->push_back(tnn::ReLU());
    if (s.dropout > 0) seq->push_back(FastDropout(s.dropout));
    features = s.fc;
  }
  seq->push_back(tnn::Linear(features, kNumClasses));
}

}  // namespace fmnist::nn::arch
