#pragma once
// Batch norm and the activation after it (none, ReLU or ReLU6) as one
// operation on channels-last CPU tensors. LibTorch 1.13 runs them as two or
// three passes over memory each way, and on 28x28 feature maps they cost
// more than the convolutions (docs/DESIGN.md, "Fused batch norm").
#include <torch/torch.h>

namespace fmnist::nn {

enum class Act { none, relu, relu6 };

// act(bn(x)), with bn's weights, running statistics and batch counter used
// and updated exactly as torch::nn::BatchNorm2d does. Fused for channels-last
// float CPU tensors (in training, and in eval without autograd); any other
// case runs LibTorch's own ops.
torch::Tensor batch_norm_act(torch::nn::BatchNorm2dImpl& bn, const torch::Tensor& x, Act act);

// max_pool2d(act(bn(x)), 2) as one operation in training, where
// batch_norm_act is fused: the full-size activation and the pooling indices
// are never stored, and the backward pass finds each window's maximum again
// from x (docs/DESIGN.md, "Fused pooling"). Elsewhere batch_norm_act, then
// LibTorch's pooling.
torch::Tensor batch_norm_act_pool2(torch::nn::BatchNorm2dImpl& bn, const torch::Tensor& x, Act act);

// Whether batch_norm_act takes its fused path for this input.
bool fused_batch_norm_applies(const torch::nn::BatchNorm2dImpl& bn, const torch::Tensor& x);

// Inference only (no autograd, bn in eval mode): whether conv followed by
// bn can run as one convolution with bn folded into its weights and bias.
bool conv_batch_norm_foldable(const torch::nn::Conv2dImpl& conv,
                              const torch::nn::BatchNorm2dImpl& bn, const torch::Tensor& x);
// bn(conv(x)) as one convolution: weights scaled by gamma / sqrt(var + eps)
// per output channel, bias (b - mean) * that + beta. Saves a pass over the
// conv's output, the largest tensor of a small convnet.
torch::Tensor conv_batch_norm_inference(torch::nn::Conv2dImpl& conv, torch::nn::BatchNorm2dImpl& bn,
                                        const torch::Tensor& x);

}  // namespace fmnist::nn
