#include "models/registry.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/error.hpp"
#include "models/kernel_svm.hpp"
#include "models/knn.hpp"
#include "models/linear_svm.hpp"
#include "models/logreg.hpp"
#include "models/naive_bayes.hpp"
#include "models/nn/neural.hpp"
#include "models/xgboost.hpp"

namespace fmnist {
namespace {
template <typename Model>
ModelEntry entry(std::string name, std::string family, std::string description) {
  return {std::move(name), std::move(family), std::move(description),
          [](Settings s) -> std::unique_ptr<Classifier> {
            return std::make_unique<Model>(std::move(s));
          }};
}
}  // namespace

const std::vector<ModelEntry>& model_registry() {
  // One line per model.
  static const std::vector<ModelEntry> all = {
      entry<NaiveBayes>("naive-bayes", "classical", "Gaussian naive Bayes on pixels: the floor"),
      entry<Svm>("svm", "classical",
                 "RBF kernel SVM on pixels/255, one-vs-one, our SMO (LIBSVM format)"),
      entry<HogSvm>("hog-svm", "classical", "RBF kernel SVM on HOG features, one-vs-one, our SMO"),
      entry<LogReg>("logreg", "classical", "Multinomial logistic regression, L2, L-BFGS"),
      entry<LinearSvm>("linear-svm", "classical", "Linear SVM, one-vs-rest squared hinge, L-BFGS"),
      entry<Knn>("knn", "classical", "k nearest neighbours on pixels, exact search (k=5, L2)"),
      entry<XgBoost>("xgboost", "classical",
                     "Gradient-boosted trees, XGBoost hist, 200 rounds x 10 (XGBoost's JSON)"),
      entry<nn::Mlp>("mlp", "neural", "Multi-layer perceptron, 784-400-100-10 ReLU (LibTorch)"),
      entry<nn::Cnn>("cnn", "neural",
                     "Convnet: 2 x (conv-BN-ReLU-pool), dropout, FC128 (LibTorch)"),
  };
  return all;
}

const ModelEntry* find_model(const std::string& name) {
  for (const auto& e : model_registry())
    if (e.name == name) return &e;
  return nullptr;
}

std::unique_ptr<Classifier> make_model(const std::string& spec_text) {
  ModelSpec spec = ModelSpec::parse(spec_text);
  const ModelEntry* e = find_model(spec.name);
  if (!e) {
    std::vector<std::string> names;
    for (const auto& m : model_registry()) names.push_back(m.name);
    fail("unknown model '{}'; known models: {} (see 'fmnist models')", spec.name,
         fmt::join(names, ", "));
  }
  auto model = e->make(Settings(spec.name, spec.values));
  model->settings().check_all_used();
  return model;
}

}  // namespace fmnist
