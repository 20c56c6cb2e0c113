#pragma once
// Models by name. Adding a model is one new file and one line in
// registry.cpp; the spec string's settings reach the model's constructor.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "models/classifier.hpp"

namespace fmnist {

struct ModelEntry {
  std::string name;
  std::string family;       // "classical" or "neural"
  std::string description;  // one line, for `fmnist models`
  std::function<std::unique_ptr<Classifier>(Settings)> make;
};

const std::vector<ModelEntry>& model_registry();
const ModelEntry* find_model(const std::string& name);
// Builds a model from "name:key=value,...": unknown names and settings are
// errors that list what is known.
std::unique_ptr<Classifier> make_model(const std::string& spec);

}  // namespace fmnist
