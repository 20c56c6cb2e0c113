#pragma once
// LibTorch side of the neural models: the network module and batched
// inference. Only nn/*.cpp files that need torch include this.
#include <functional>

#include <torch/torch.h>

#include "data/dataset.hpp"
#include "models/nn/batch.hpp"
#include "models/nn/config.hpp"

namespace fmnist::nn {

// Every architecture is one Sequential, so parameter names ("layers.1.weight")
// match a PyTorch nn.Sequential built the same way, and a safetensors file of
// ours loads into it with load_state_dict.
struct Net : torch::nn::Module {
  Net(const NetSpec& spec, int rows, int cols);
  // N x 1 x rows x cols standardised images -> N x kNumClasses logits.
  torch::Tensor forward(torch::Tensor x);
  // Moves parameters to `device` and, for convnets, to NHWC when asked.
  void place(torch::Device device, bool channels_last);

  torch::nn::Sequential layers{nullptr};
  NetSpec spec;
  torch::Device device{torch::kCPU};
  bool channels_last = false;
};

// A copy of a 4-d tensor with channels-last strides that LibTorch reads as
// channels-last even where the shape makes the layout ambiguous.
torch::Tensor channels_last_copy(const torch::Tensor& t);

// Nets whose activations are images (channels-last pays off for them).
bool is_convnet(const NetSpec& spec);

// Parameters then buffers, by name, in the module's order: what checkpoints
// and weight files hold.
std::vector<std::pair<std::string, torch::Tensor>> named_state(Net& net);

// "cuda" when asked for and usable, else the CPU (with a warning if cuda was
// asked for).
torch::Device pick_device(const std::string& asked);

// Standardised images `idx` (or all of `data`) as a batch tensor on `device`.
torch::Tensor make_input(const Dataset& data, std::span<const uint32_t> idx, const Normalizer& norm,
                         const AugmentConfig* aug, Rng* rng, const Net& net);

// Runs the net in eval mode without autograd over `data` in batches small
// enough to stay in cache, handing each batch's logits (on the CPU) to `fn`.
// With `mirror`, the logits are log of the mean of the probabilities of each
// image and its left-right mirror (test-time augmentation).
void for_each_logits(Net& net, const Dataset& data, const Normalizer& norm,
                     const std::function<void(size_t start, const torch::Tensor& logits)>& fn,
                     bool mirror = false);

}  // namespace fmnist::nn
