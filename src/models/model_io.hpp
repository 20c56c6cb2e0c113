#pragma once
// A saved model is a directory: model.json (name, settings, data
// fingerprint, class names, library versions) beside the model's own files
// in its library's native format. Saving is atomic: the directory appears
// complete or not at all.
#include <array>
#include <filesystem>
#include <memory>

#include <nlohmann/json.hpp>

#include "models/classifier.hpp"

namespace fmnist {

struct ModelInfo {
  std::array<std::string, kNumClasses> class_names;
  std::string dataset_name;
  uint64_t data_fingerprint = 0;  // of the training set it was fitted on
  size_t train_images = 0;
  int rows = 28, cols = 28;
  uint64_t seed = 0;
  nlohmann::json extra = nlohmann::json::object();  // e.g. metrics
};

void save_model(const Classifier& model, const ModelInfo& info, const std::filesystem::path& dir);

struct LoadedModel {
  std::unique_ptr<Classifier> model;
  ModelInfo info;
  nlohmann::json meta;  // model.json as read
};
LoadedModel load_model(const std::filesystem::path& dir);

}  // namespace fmnist
