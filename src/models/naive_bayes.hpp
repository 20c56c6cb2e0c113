#pragma once
#include "models/classifier.hpp"

namespace fmnist {

// Gaussian naive Bayes on pixels / 255: the floor every report shows.
class NaiveBayes final : public Classifier {
 public:
  explicit NaiveBayes(Settings s);
  std::string name() const override { return "naive-bayes"; }
  void fit(const Dataset& train, const FitContext& ctx) override;
  void predict_proba(const Dataset& data, float* out) const override;
  void save(const std::filesystem::path& dir) const override;
  void load(const std::filesystem::path& dir) override;
  int64_t num_parameters() const override { return static_cast<int64_t>(2 * mean_.size() + kNumClasses); }
  std::optional<FeatureImportance> feature_importance() const override;

 private:
  double var_smoothing_;
  size_t dim_ = 0;
  std::vector<float> mean_, var_;    // kNumClasses x dim
  std::vector<float> log_prior_;     // kNumClasses
};

}  // namespace fmnist
