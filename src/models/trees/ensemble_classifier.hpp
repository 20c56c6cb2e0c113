#pragma once
#include "models/classifier.hpp"
#include "models/trees/ensemble.hpp"
#include "models/trees/tree_settings.hpp"

namespace fmnist::trees {

// What tree and forest share: predicting, saving and describing an
// Ensemble; each only chooses its settings and how it grows the trees.
class EnsembleClassifier : public Classifier {
 public:
  void predict_proba(const Dataset& data, float* out) const override {
    model_.predict_proba(data, out, name());
  }
  void save(const std::filesystem::path& dir) const override { model_.save(dir); }
  void load(const std::filesystem::path& dir) override { model_.load(dir); }
  // Nodes over all trees, internal and leaves.
  int64_t num_parameters() const override { return model_.nodes(); }
  std::optional<FeatureImportance> feature_importance() const override {
    return model_.feature_importance();
  }

 protected:
  explicit EnsembleClassifier(Settings s) : Classifier(std::move(s)) {}
  TreeSettings opts_;
  Ensemble model_;
};

}  // namespace fmnist::trees
