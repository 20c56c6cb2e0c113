#include "models/registry.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/error.hpp"
#include "models/decision_tree.hpp"
#include "models/kernel_svm.hpp"
#include "models/knn.hpp"
#include "models/linear_svm.hpp"
#include "models/logreg.hpp"
#include "models/naive_bayes.hpp"
#include "models/random_forest.hpp"
#include "models/xgboost.hpp"

namespace fmnist {
namespace {
std::vector<ModelEntry>& registry() {
  // One line per model (the neural ones are in nn/register.cpp).
  static std::vector<ModelEntry> all = {
      model_entry<NaiveBayes>("naive-bayes", "classical",
                              "Gaussian naive Bayes on pixels: the floor"),
      model_entry<Svm>("svm", "classical",
                       "RBF kernel SVM on pixels/255, one-vs-one, our SMO (LIBSVM format)"),
      model_entry<HogSvm>("hog-svm", "classical",
                          "RBF kernel SVM on HOG features, one-vs-one, our SMO"),
      model_entry<LogReg>("logreg", "classical", "Multinomial logistic regression, L2, L-BFGS"),
      model_entry<LinearSvm>("linear-svm", "classical",
                             "Linear SVM, one-vs-rest squared hinge, L-BFGS"),
      model_entry<DecisionTree>("tree", "classical",
                                "CART decision tree on pixels, our histogram builder"),
      model_entry<RandomForest>(
          "forest", "classical",
          "Random forest, 100 CART trees on bootstrap samples, sqrt(784) pixels per node"),
      model_entry<Knn>("knn", "classical",
                       "k nearest neighbours on pixels, exact search (k=5, L2)"),
      model_entry<XgBoost>(
          "xgboost", "classical",
          "Gradient-boosted trees, XGBoost hist, 200 rounds x 10 (XGBoost's JSON)"),
  };
  return all;
}
}  // namespace

const std::vector<ModelEntry>& model_registry() {
  return registry();
}

void register_model(ModelEntry e) {
  if (!find_model(e.name)) registry().push_back(std::move(e));
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
