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

template <typename Model>
ModelEntry model_entry(std::string name, std::string family, std::string description) {
  return {std::move(name), std::move(family), std::move(description),
          [](Settings s) -> std::unique_ptr<Classifier> {
            return std::make_unique<Model>(std::move(s));
          }};
}

const std::vector<ModelEntry>& model_registry();
// Models outside the engine library (the neural ones, which need LibTorch)
// join through this: the fmnist binary calls nn::register_neural_models(),
// so programs that never train a net do not load LibTorch. A second entry
// with a known name is ignored.
void register_model(ModelEntry entry);
const ModelEntry* find_model(const std::string& name);
// Builds a model from "name:key=value,...": unknown names and settings are
// errors that list what is known.
std::unique_ptr<Classifier> make_model(const std::string& spec);

}  // namespace fmnist
