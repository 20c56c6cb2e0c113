#pragma once
#include "models/trees/ensemble_classifier.hpp"

namespace fmnist {

// One CART decision tree on raw pixels, our histogram builder (see
// docs/DESIGN.md, "Trees and forests").
class DecisionTree final : public trees::EnsembleClassifier {
 public:
  explicit DecisionTree(Settings s);
  std::string name() const override { return "tree"; }
  void fit(const Dataset& train, const FitContext& ctx) override;
};

}  // namespace fmnist
