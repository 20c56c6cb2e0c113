#pragma once
// One model's row in a comparison: its training metrics, the evaluation of
// its test predictions and what explains them. `fmnist report` builds these
// from saved models, `fmnist bench` from the models it has just trained.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "data/dataset.hpp"
#include "eval/evaluation.hpp"
#include "eval/explain.hpp"
#include "eval/train_run.hpp"
#include "models/classifier.hpp"

namespace fmnist {

struct ModelResult {
  std::string label;  // how the report names it ("forest", a directory name)
  nlohmann::json metrics =
      nlohmann::json::object();  // as metrics.json: spec, fit_seconds, train/validation/test...
  Evaluation test;
  std::optional<FeatureImportance> importance;
  std::vector<ExplainedImage> explained;  // from data.test
  nlohmann::json history = nlohmann::json::array();
  std::string error;  // why this model has no results (the others still do)

  bool ok() const { return error.empty(); }
  // A number from metrics, e.g. number("test", "accuracy"); NaN if absent.
  double number(const std::string& split, const std::string& key) const;
  double fit_seconds() const;
  double peak_memory_mib() const;  // NaN if not measured
  double parameters() const;       // -1 where it means nothing
  double macro_f1() const { return test.report.macro.f1; }
};

// Predicts data.test with `model` (timed: test images/s in metrics), then
// evaluates and explains it. `metrics` are the training run's (its train and
// validation scores are kept); the test entry is measured again here.
// `explain` picks the test images to explain (default: the first of each class).
ModelResult evaluate_model(const Classifier& model, const DataSplits& data, nlohmann::json metrics,
                           std::string label, const std::vector<uint32_t>& explain = {});
// The same from a test prediction already made (and timed) by the caller,
// e.g. the one train_and_score made right after fitting.
ModelResult evaluate_scored(const Classifier& model, const DataSplits& data, nlohmann::json metrics,
                            std::string label, const SplitScore& test,
                            const std::vector<uint32_t>& explain = {});

}  // namespace fmnist
