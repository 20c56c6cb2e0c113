#include "eval/train_run.hpp"

#include <chrono>
#include <cmath>

#include <fmt/format.h>

#include "core/progress.hpp"
#include "core/threads.hpp"
#include "data/split.hpp"
#include "eval/metrics.hpp"
#include "models/registry.hpp"

namespace fmnist {
namespace {
double since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
}  // namespace

SplitScore score_split(const Classifier& model, const Dataset& data) {
  SplitScore s;
  if (data.size() == 0) return s;
  const auto t0 = std::chrono::steady_clock::now();
  s.proba = model.predict_proba(data);
  s.seconds = since(t0);
  s.accuracy = accuracy(argmax_rows(s.proba), data.labels);
  s.log_loss = log_loss(s.proba, data.labels);
  return s;
}

nlohmann::json metrics_json(const Classifier& model, double fit_seconds, const SplitScore& train,
                            const SplitScore& val, const SplitScore& test) {
  auto split = [](const SplitScore& s, size_t n) {
    nlohmann::json j = {{"images", n}};
    if (n == 0) return j;
    j["accuracy"] = s.accuracy;
    j["log_loss"] = s.log_loss;
    j["predict_seconds"] = s.seconds;
    j["images_per_second"] = s.seconds > 0 ? n / s.seconds : 0.0;
    return j;
  };
  return {{"model", model.name()},
          {"spec", model.settings().canonical_spec()},
          {"parameters", model.num_parameters()},
          {"fit_seconds", fit_seconds},
          {"threads", threads()},
          {"train", split(train, train.proba.size() / kNumClasses)},
          {"validation", split(val, val.proba.size() / kNumClasses)},
          {"test", split(test, test.proba.size() / kNumClasses)},
          {"peak_memory_mib", peak_memory_mib()}};
}

ModelInfo training_info(const DataSplits& data, uint64_t seed, const nlohmann::json& metrics) {
  ModelInfo info;
  info.class_names = data.class_names;
  info.dataset_name = data.dataset_name;
  info.data_fingerprint = data.train.fingerprint();
  info.train_images = data.train.size();
  info.rows = data.train.rows;
  info.cols = data.train.cols;
  info.seed = seed;
  info.extra["metrics"] = metrics;
  return info;
}

TrainResult train_and_score(const std::string& spec, const DataSplits& data, FitContext ctx,
                            size_t train_score_images) {
  TrainResult r;
  reset_peak_memory();
  r.model = make_model(spec);
  if (data.val.size() > 0) ctx.val = &data.val;
  std::unique_ptr<Progress> bar;
  if (!ctx.progress) {
    // Progress counts in thousandths so models can report any unit.
    bar = std::make_unique<Progress>("fit " + r.model->name(), 1000);
    ctx.progress = [&bar](double done, double total, const std::string& status) {
      bar->update(total > 0 ? static_cast<uint64_t>(std::lround(1000 * done / total)) : 0, status);
    };
    ctx.note = [&bar](const std::string& line) { bar->note(line); };
  }
  const auto t0 = std::chrono::steady_clock::now();
  r.model->fit(data.train, ctx);
  r.fit_seconds = since(t0);
  if (bar) bar->finish();
  const bool sampled = train_score_images > 0 && train_score_images < data.train.size();
  if (sampled) {
    const auto sample = stratified_split(data.train.labels, train_score_images, ctx.seed).val;
    r.train = score_split(*r.model, data.train.subset(sample));
  } else {
    r.train = score_split(*r.model, data.train);
  }
  r.val = score_split(*r.model, data.val);
  r.test = score_split(*r.model, data.test);
  r.metrics = metrics_json(*r.model, r.fit_seconds, r.train, r.val, r.test);
  if (sampled) r.metrics["train"]["sampled_from"] = data.train.size();
  return r;
}

}  // namespace fmnist
