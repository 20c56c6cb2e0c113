#pragma once
// Kernel SVMs: `svm` on pixels / 255 and `hog-svm` on HOG features. Both are
// C-SVMs trained one-vs-one (45 two-class problems, as LIBSVM) by our SMO
// solver (models/svm/), saved in LIBSVM's model format.
#include <memory>

#include "models/classifier.hpp"
#include "models/svm/features.hpp"
#include "models/svm/ovo.hpp"

namespace fmnist {

class KernelSvm : public Classifier {
 public:
  void fit(const Dataset& train, const FitContext& ctx) override;
  void predict_proba(const Dataset& data, float* out) const override;
  void save(const std::filesystem::path& dir) const override;
  void load(const std::filesystem::path& dir) override;
  // Coefficients, biases and the stored support vectors' feature values.
  int64_t num_parameters() const override;
  nlohmann::json history() const override { return history_; }

  // Pairwise decision values (N x 45 for 10 classes, LIBSVM's pair order).
  std::vector<float> decision_values(const Dataset& data) const;
  const svm::OvoModel& model() const { return model_; }
  const svm::FeatureMap& features_map() const { return features_; }

 protected:
  KernelSvm(Settings s, bool hog);
  bool fitted() const { return predictor_ != nullptr; }
  svm::FeatureMap features_;
  svm::OvoModel model_;

 private:
  svm::FeatureMap feature_map_for(const Dataset& train) const;
  const char* who() const { return hog_ ? "hog-svm" : "svm"; }
  bool hog_;
  double C_, tol_, coef0_, prob_slope_;
  std::string gamma_;  // "scale", "auto" or a number
  svm::KernelType kernel_;
  int degree_;
  size_t cache_bytes_;
  svm::HogConfig hog_config_;
  nlohmann::json history_ = nlohmann::json::array();
  std::unique_ptr<svm::OvoPredictor> predictor_;
};

class Svm final : public KernelSvm {
 public:
  explicit Svm(Settings s) : KernelSvm(std::move(s), false) {}
  std::string name() const override { return "svm"; }
  std::optional<FeatureImportance> feature_importance() const override;
};

class HogSvm final : public KernelSvm {
 public:
  explicit HogSvm(Settings s) : KernelSvm(std::move(s), true) {}
  std::string name() const override { return "hog-svm"; }
};

}  // namespace fmnist
