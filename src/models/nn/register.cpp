#include "models/nn/register.hpp"

#include "models/nn/neural.hpp"
#include "models/registry.hpp"

namespace fmnist::nn {

void register_neural_models() {
  // One line per model.
  register_model(
      model_entry<Mlp>("mlp", "neural", "Multi-layer perceptron, 784-400-100-10 ReLU (LibTorch)"));
  register_model(model_entry<Cnn>("cnn", "neural",
                                  "Convnet: 2 x (conv-BN-ReLU-pool), dropout, FC128 (LibTorch)"));
}

}  // namespace fmnist::nn
