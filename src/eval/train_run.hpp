#pragma once
// Train one model on the splits and measure it: what `fmnist train` and
// `fmnist bench` both do.
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "data/dataset.hpp"
#include "models/classifier.hpp"
#include "models/model_io.hpp"

namespace fmnist {

struct SplitScore {
  double accuracy = 0, log_loss = 0, seconds = 0;
  std::vector<float> proba;  // size x kNumClasses
};
// Predicts a split and scores it against its labels.
SplitScore score_split(const Classifier& model, const Dataset& data);

struct TrainResult {
  std::unique_ptr<Classifier> model;
  double fit_seconds = 0;
  SplitScore train, val, test;
  nlohmann::json metrics;  // what metrics.json holds
};

// Builds `spec`, fits it with a progress bar (or `ctx.progress` if set),
// then scores train, validation and test. `train_score_images` > 0 scores
// the training split on a stratified, seeded sample of that many images
// instead of all of them: predicting 60,000 training images again costs a
// slow model (a kernel SVM, a MobileNet on a CPU) more than its test set.
TrainResult train_and_score(const std::string& spec, const DataSplits& data, FitContext ctx,
                            size_t train_score_images = 0);

// What a saved model records about its training run: the data it saw, the
// seed and the metrics.
ModelInfo training_info(const DataSplits& data, uint64_t seed, const nlohmann::json& metrics);

// metrics.json for a model scored on the three splits.
nlohmann::json metrics_json(const Classifier& model, double fit_seconds, const SplitScore& train,
                            const SplitScore& val, const SplitScore& test);

}  // namespace fmnist
