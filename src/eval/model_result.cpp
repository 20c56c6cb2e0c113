#include "eval/model_result.hpp"

#include <cmath>

#include "core/error.hpp"
#include "eval/train_run.hpp"

namespace fmnist {

double ModelResult::number(const std::string& split, const std::string& key) const {
  if (!metrics.contains(split) || !metrics[split].is_object()) return NAN;
  const auto& s = metrics[split];
  return s.contains(key) && s[key].is_number() ? s[key].get<double>() : NAN;
}

double ModelResult::peak_memory_mib() const {
  return metrics.contains("peak_memory_mib") && metrics["peak_memory_mib"].is_number()
             ? metrics["peak_memory_mib"].get<double>()
             : NAN;
}

double ModelResult::parameters() const {
  return metrics.value("parameters", -1.0);
}

double ModelResult::fit_seconds() const {
  return metrics.contains("fit_seconds") && metrics["fit_seconds"].is_number()
             ? metrics["fit_seconds"].get<double>()
             : NAN;
}

ModelResult evaluate_model(const Classifier& model, const DataSplits& data, nlohmann::json metrics,
                           std::string label, const std::vector<uint32_t>& explain_images) {
  return evaluate_scored(model, data, std::move(metrics), std::move(label),
                         score_split(model, data.test), explain_images);
}

ModelResult evaluate_scored(const Classifier& model, const DataSplits& data, nlohmann::json metrics,
                            std::string label, const SplitScore& test,
                            const std::vector<uint32_t>& explain_images) {
  if (test.proba.size() != data.test.size() * kNumClasses)
    fail("evaluating {}: {} test probabilities for {} images", model.name(),
         test.proba.size() / kNumClasses, data.test.size());
  ModelResult r;
  r.label = std::move(label);
  if (!metrics.is_object()) metrics = nlohmann::json::object();
  if (!metrics.contains("model")) metrics["model"] = model.name();
  if (!metrics.contains("spec")) metrics["spec"] = model.settings().canonical_spec();
  if (!metrics.contains("parameters")) metrics["parameters"] = model.num_parameters();
  const size_t n = data.test.size();
  metrics["test"] = {{"images", n},
                     {"accuracy", test.accuracy},
                     {"log_loss", test.log_loss},
                     {"predict_seconds", test.seconds},
                     {"images_per_second", test.seconds > 0 ? n / test.seconds : 0.0}};
  r.metrics = std::move(metrics);
  r.test = evaluate(test.proba, data.test.labels);
  r.importance = model.feature_importance();
  r.explained = explain(model, data.test,
                        explain_images.empty() ? first_of_each_class(data.test) : explain_images);
  r.history = model.history();
  return r;
}

}  // namespace fmnist
