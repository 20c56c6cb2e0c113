#pragma once
#include "models/classifier.hpp"
#include "models/trees/ensemble.hpp"
#include "models/trees/tree_settings.hpp"

namespace fmnist {

// One CART decision tree on raw pixels, our histogram builder (see
// docs/DESIGN.md, "Trees and forests").
class DecisionTree final : public Classifier {
 public:
  explicit DecisionTree(Settings s);
  std::string name() const override { return "tree"; }
  void fit(const Dataset& train, const FitContext& ctx) override;
  void predict_proba(const Dataset& data, float* out) const override {
    model_.predict_proba(data, out, name());
  }
  void save(const std::filesystem::path& dir) const override { model_.save(dir); }
  void load(const std::filesystem::path& dir) override { model_.load(dir); }
  // Nodes, internal and leaves.
  int64_t num_parameters() const override { return model_.nodes(); }
  std::optional<FeatureImportance> feature_importance() const override {
    return model_.feature_importance();
  }

 private:
  trees::TreeSettings opts_;
  trees::Ensemble model_;
};

}  // namespace fmnist
