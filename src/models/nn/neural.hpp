#pragma once
// The neural models (LibTorch). This header keeps torch types out: the net
// is held through a forward-declared type, so only the files under nn/ that
// need LibTorch pay for its headers.
#include <memory>

#include "models/classifier.hpp"
#include "models/nn/batch.hpp"
#include "models/nn/config.hpp"

namespace fmnist::nn {

struct Net;  // a torch::nn::Module, defined in nn/net.hpp

// Everything nets share: the training loop, inference, save/load. A model
// only chooses its architecture settings and recipe defaults.
class NeuralClassifier : public Classifier {
 public:
  ~NeuralClassifier() override;
  void fit(const Dataset& train, const FitContext& ctx) override;
  void predict_proba(const Dataset& data, float* out) const override;
  void save(const std::filesystem::path& dir) const override;
  void load(const std::filesystem::path& dir) override;
  int64_t num_parameters() const override;
  std::optional<FeatureImportance> feature_importance() const override;
  std::vector<float> saliency(const Dataset& data,
                              const std::vector<uint8_t>& classes) const override;
  nlohmann::json history() const override { return history_; }

  // The network itself, for tests and tools that speak LibTorch (null
  // before fit or load).
  const std::shared_ptr<Net>& net() const { return net_; }
  const TrainConfig& train_config() const { return cfg_; }
  const NetSpec& net_spec() const { return spec_; }

 protected:
  explicit NeuralClassifier(Settings s);
  void set_spec(NetSpec spec) { spec_ = std::move(spec); }
  // Called by each model's constructor once its own settings are read, so
  // the architecture settings come first in the canonical spec.
  void read_recipe(const RecipeDefaults& defaults);

 private:
  void build(int rows, int cols);
  NetSpec spec_;
  TrainConfig cfg_;
  std::shared_ptr<Net> net_;
  Normalizer norm_;
  int rows_ = 0, cols_ = 0;
  nlohmann::json history_ = nlohmann::json::array();
};

// A multi-layer perceptron: 784-400-100-10 with ReLU by default.
class Mlp final : public NeuralClassifier {
 public:
  explicit Mlp(Settings s);
  std::string name() const override { return "mlp"; }
};

// A small convnet: conv32-BN-ReLU-pool, conv64-BN-ReLU-pool, dropout, FC128.
class Cnn final : public NeuralClassifier {
 public:
  explicit Cnn(Settings s);
  std::string name() const override { return "cnn"; }
};

// The cnn's conv blocks, whose feature rows feed a (bidirectional) LSTM or GRU.
class CnnRnn final : public NeuralClassifier {
 public:
  explicit CnnRnn(Settings s);
  std::string name() const override { return "cnn-rnn"; }
};

// Pre-activation ResNet, ResNet-20 by default.
class ResNet final : public NeuralClassifier {
 public:
  explicit ResNet(Settings s);
  std::string name() const override { return "resnet"; }
};

// MobileNetV2's inverted residual blocks with a stride plan for 28x28.
class MobileNetV2 final : public NeuralClassifier {
 public:
  explicit MobileNetV2(Settings s);
  std::string name() const override { return "mobilenetv2"; }
};

// A small vision transformer on 4x4 patches.
class Vit final : public NeuralClassifier {
 public:
  explicit Vit(Settings s);
  std::string name() const override { return "vit"; }
};

}  // namespace fmnist::nn
