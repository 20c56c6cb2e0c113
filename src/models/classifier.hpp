#pragma once
// The one interface every model implements, classical or neural.
//
// Models take raw 8-bit images (a Dataset) and own their pre-processing
// (scaling, standardising, HOG...), saving whatever it needs, so a reloaded
// model predicts from raw pixels with nothing else.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "data/dataset.hpp"
#include "models/settings.hpp"

namespace fmnist {

// What fit() gets besides the training set.
struct FitContext {
  const Dataset* val = nullptr;  // optional: early stopping, history
  uint64_t seed = 0;
  // Called now and then with work done and total (in the model's own units,
  // e.g. trees or epochs) and a short status ("loss 0.31"). May be empty.
  std::function<void(double done, double total, const std::string& status)> progress;
  // A line worth keeping on screen (a finished epoch's summary). May be empty.
  std::function<void(const std::string& line)> note;
  // Where a model may keep checkpoints between epochs (empty: none), and
  // whether to continue from the last one found there.
  std::filesystem::path checkpoint_dir;
  bool resume = false;

  void report(double done, double total, const std::string& status = "") const {
    if (progress) progress(done, total, status);
  }
  void keep(const std::string& line) const {
    if (note) note(line);
  }
};

// Importance of each input pixel, for the 28x28 maps of the report.
struct FeatureImportance {
  std::string kind;                           // "weights", "gain", "impurity"...
  std::vector<float> overall;                 // rows*cols values
  std::vector<std::vector<float>> per_class;  // optional: kNumClasses x rows*cols
};

class Classifier {
 public:
  virtual ~Classifier() = default;

  // The registry name ("forest") and the settings it was built with.
  virtual std::string name() const = 0;
  const Settings& settings() const { return settings_; }

  virtual void fit(const Dataset& train, const FitContext& ctx) = 0;
  // Writes size() x kNumClasses probabilities, row-major, into `out`.
  virtual void predict_proba(const Dataset& data, float* out) const = 0;

  // Writes the model's own files (weights in its library's native format)
  // into an existing directory; model.json is written by save_model().
  virtual void save(const std::filesystem::path& dir) const = 0;
  virtual void load(const std::filesystem::path& dir) = 0;

  // Learned parameters, where that means something (-1 otherwise).
  virtual int64_t num_parameters() const { return -1; }
  virtual std::optional<FeatureImportance> feature_importance() const { return std::nullopt; }
  // |d log p(classes[i]) / d pixel| of each image of `data`, as
  // data.size() x rows*cols values; empty for models without gradients.
  virtual std::vector<float> saliency(const Dataset& data,
                                      const std::vector<uint8_t>& classes) const {
    return {};
  }
  // Per-epoch or per-round training history (a JSON array), if any.
  virtual nlohmann::json history() const { return nlohmann::json::array(); }

  std::vector<float> predict_proba(const Dataset& data) const;
  std::vector<uint8_t> predict(const Dataset& data) const;

 protected:
  explicit Classifier(Settings settings) : settings_(std::move(settings)) {}
  Settings settings_;
};

// argmax of each row of an N x kNumClasses matrix (first maximum wins).
std::vector<uint8_t> argmax_rows(const std::vector<float>& proba);

}  // namespace fmnist
