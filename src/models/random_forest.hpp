#pragma once
#include "models/classifier.hpp"
#include "models/trees/ensemble.hpp"
#include "models/trees/tree_settings.hpp"

namespace fmnist {

// A random forest as scikit-learn's RandomForestClassifier: trees on
// bootstrap samples, a random subset of features per node, probabilities
// averaged. Trees grow in parallel (see docs/DESIGN.md, "Trees and forests").
class RandomForest final : public Classifier {
 public:
  explicit RandomForest(Settings s);
  std::string name() const override { return "forest"; }
  void fit(const Dataset& train, const FitContext& ctx) override;
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

 private:
  int trees_ = 100;
  bool bootstrap_ = true;
  std::string max_samples_;
  trees::TreeSettings opts_;
  trees::Ensemble model_;
};

}  // namespace fmnist
