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
  register_model(model_entry<CnnRnn>(
      "cnn-rnn", "neural", "Conv blocks whose feature rows feed a bidirectional LSTM (LibTorch)"));
  register_model(model_entry<ResNet>("resnet", "neural",
                                     "Pre-activation ResNet-20, random erasing (LibTorch)"));
  register_model(model_entry<MobileNetV2>(
      "mobilenetv2", "neural", "MobileNetV2 inverted residuals, stride plan for 28x28 (LibTorch)"));
  register_model(model_entry<Vit>(
      "vit", "neural", "Vision transformer: 4x4 patches, 6 blocks of width 64 (LibTorch)"));
}

}  // namespace fmnist::nn
