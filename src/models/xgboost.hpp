#pragma once
#include <map>
#include <string>

#include "models/classifier.hpp"
#include "models/xgboost_features.hpp"

namespace fmnist {

// Gradient-boosted trees through XGBoost's C API (multi:softprob, one tree
// per class and round). The model file is XGBoost's own JSON, xgboost.json,
// which Python's xgboost.Booster(model_file=...) opens as it is (see
// docs/DESIGN.md, "Gradient boosting").
class XgBoost final : public Classifier {
 public:
  explicit XgBoost(Settings s);
  ~XgBoost() override;
  XgBoost(const XgBoost&) = delete;
  XgBoost& operator=(const XgBoost&) = delete;

  std::string name() const override { return "xgboost"; }
  void fit(const Dataset& train, const FitContext& ctx) override;
  void predict_proba(const Dataset& data, float* out) const override;
  void save(const std::filesystem::path& dir) const override;
  void load(const std::filesystem::path& dir) override;
  // Tree nodes (splits and leaves) over all trees.
  int64_t num_parameters() const override;
  std::optional<FeatureImportance> feature_importance() const override;
  nlohmann::json history() const override { return history_; }

 private:
  // The attributes a reload needs, kept in xgboost.json.
  void set_attributes();

  void* booster_ = nullptr;  // BoosterHandle
  size_t dim_ = 0;           // pixels per image
  // What the trees split on; fitted to the training images' size by fit().
  BoostFeatures plan_;
  int rounds_, early_stopping_;
  bool zero_missing_;
  // XGBoost's own parameters, passed through by name as strings.
  std::map<std::string, std::string> params_;
  nlohmann::json history_ = nlohmann::json::array();
};

}  // namespace fmnist
