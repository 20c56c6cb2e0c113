#pragma once
// LibTorch's SGD, Adam and AdamW with a step that is one pass over each
// parameter's memory. LibTorch 1.13's step is about ten tensor operations per
// parameter, each wrapping its scalars in tensors of their own: on a
// MobileNetV2 (158 parameter tensors, most of them a few hundred floats)
// that is ~2,000 dispatched operations per step and about a tenth of the
// step's time (docs/DESIGN.md, "Fused optimiser step").
//
// Same options, same per-parameter state objects under the same keys, so
// checkpoints and save/load are LibTorch's own. The fused loop runs when every
// parameter with a gradient is a dense float CPU tensor whose gradient has
// its strides (always, for our nets); otherwise the step is LibTorch's.
#include <torch/torch.h>

namespace fmnist::nn {

class FusedSGD : public torch::optim::SGD {
 public:
  using SGD::SGD;
  torch::Tensor step(LossClosure closure = nullptr) override;
};

class FusedAdam : public torch::optim::Adam {
 public:
  using Adam::Adam;
  torch::Tensor step(LossClosure closure = nullptr) override;
};

class FusedAdamW : public torch::optim::AdamW {
 public:
  using AdamW::AdamW;
  torch::Tensor step(LossClosure closure = nullptr) override;
};

}  // namespace fmnist::nn
