#pragma once
#include "models/classifier.hpp"
#include "models/linear_fit.hpp"

namespace fmnist {

// Multinomial (softmax) logistic regression with an L2 penalty, fitted by
// L-BFGS on float32 GEMMs (see docs/DESIGN.md, "logreg and linear-svm").
class LogReg final : public Classifier {
 public:
  explicit LogReg(Settings s);
  std::string name() const override { return "logreg"; }
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
  LinearModel model_;
  nlohmann::json history_ = nlohmann::json::array();
};

}  // namespace fmnist
