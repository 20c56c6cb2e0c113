#pragma once
#include "models/classifier.hpp"
#include "models/linear_fit.hpp"

namespace fmnist {

// Linear SVM, one-vs-rest with the squared hinge loss (scikit-learn's
// LinearSVC), fitted in the primal by L-BFGS on float32 GEMMs. Its
// probabilities are a softmax of the decision values, optionally with a
// temperature fitted to held-out data (see docs/DESIGN.md).
class LinearSvm final : public Classifier {
 public:
  explicit LinearSvm(Settings s);
  std::string name() const override { return "linear-svm"; }
  void fit(const Dataset& train, const FitContext& ctx) override;
  void predict_proba(const Dataset& data, float* out) const override;
  void save(const std::filesystem::path& dir) const override { model_.save(dir, name()); }
  void load(const std::filesystem::path& dir) override { model_.load(dir); }
  int64_t num_parameters() const override { return model_.num_parameters(); }
  std::optional<FeatureImportance> feature_importance() const override {
    return model_.importance();
  }
  nlohmann::json history() const override { return history_; }

 private:
  LinearOptions opts_;
  bool calibrate_;
  LinearModel model_;
  nlohmann::json history_ = nlohmann::json::array();
};

}  // namespace fmnist
