#pragma once
// One builder per architecture: each turns a NetSpec into the layers of a
// torch::nn::Sequential, so every net has the same module tree shape
// ("layers.N....") and the same save/load, placement and inference code.
#include <torch/torch.h>

#include "models/nn/config.hpp"
#include "models/nn/dropout.hpp"

namespace fmnist::nn::arch {

void build_mlp(torch::nn::Sequential& seq, const NetSpec& s, int rows, int cols);
void build_cnn(torch::nn::Sequential& seq, const NetSpec& s, int rows, int cols);
void build_cnn_rnn(torch::nn::Sequential& seq, const NetSpec& s, int rows, int cols);
void build_resnet(torch::nn::Sequential& seq, const NetSpec& s, int rows, int cols);
void build_mobilenetv2(torch::nn::Sequential& seq, const NetSpec& s, int rows, int cols);
void build_vit(torch::nn::Sequential& seq, const NetSpec& s, int rows, int cols);

// The conv-BN-ReLU-maxpool blocks of the cnn (also cnn-rnn's feature
// extractor). Returns the output's channels, rows and cols.
struct Shape {
  int channels, rows, cols;
};
Shape add_conv_blocks(torch::nn::Sequential& seq, const NetSpec& s, int rows, int cols);

}  // namespace fmnist::nn::arch
