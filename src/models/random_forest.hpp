#pragma once
#include "models/trees/ensemble_classifier.hpp"

namespace fmnist {

// A random forest as scikit-learn's RandomForestClassifier: trees on
// bootstrap samples, a random subset of features per node, probabilities
// averaged. Trees grow in parallel (see docs/DESIGN.md, "Trees and forests").
class RandomForest final : public trees::EnsembleClassifier {
 public:
  explicit RandomForest(Settings s);
  std::string name() const override { return "forest"; }
  void fit(const Dataset& train, const FitContext& ctx) override;

 private:
  int trees_ = 100;
  bool bootstrap_ = true;
  std::string max_samples_;
};

}  // namespace fmnist
