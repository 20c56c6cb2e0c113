#pragma once
// Dropout whose mask comes from a counter-based hash instead of LibTorch
// 1.13's bernoulli_, which draws each value from a locked mt19937 on one
// thread: 12% of an mlp's training step and 10% of the cnn's
// (docs/DESIGN.md, "Fast dropout").
#include <torch/torch.h>

namespace fmnist::nn {

// In training, x with each value zeroed with probability p and the rest
// scaled by 1/(1-p); x itself otherwise. The mask is a hash of the value's
// index and a 64-bit key drawn from LibTorch's default CPU generator, so it
// follows torch::manual_seed and does not depend on the thread count; the
// backward pass recomputes it instead of storing it. Float CPU tensors take
// this path; others, and p of 0 or 1, LibTorch's dropout.
torch::Tensor fast_dropout(const torch::Tensor& x, double p, bool training);

// A drop-in for torch::nn::Dropout (no parameters or buffers, so module
// names and saved weights are unchanged).
struct FastDropoutImpl : torch::nn::Cloneable<FastDropoutImpl> {
  explicit FastDropoutImpl(double p = 0.5) : p(p) {}
  void reset() override {}
  torch::Tensor forward(const torch::Tensor& x) { return fast_dropout(x, p, is_training()); }
  void pretty_print(std::ostream& os) const override { os << "Dropout(p=" << p << ")"; }
  double p;
};
TORCH_MODULE(FastDropout);

}  // namespace fmnist::nn
