#pragma once
// Fitted trees with what predicting, explaining and saving them needs; a
// single decision tree is an ensemble of one.
#include <filesystem>
#include <string>
#include <vector>

#include "models/classifier.hpp"
#include "models/trees/cart.hpp"

namespace fmnist::trees {

struct Ensemble {
  int rows = 0, cols = 0;
  std::vector<Tree> trees;
  // Per feature, sums to 1 (all zero when no tree has a split).
  std::vector<double> importance;

  size_t dim() const { return static_cast<size_t>(rows) * cols; }
  // Mean of the trees' leaf distributions, summed in tree order in double:
  // the same bits with any thread count, and after a reload.
  void predict_proba(const Dataset& data, float* out, const std::string& model) const;
  // Importance as scikit-learn's feature_importances_: each tree's impurity
  // decreases normalised to sum 1, averaged over trees with a split,
  // normalised again.
  void set_importance();
  FeatureImportance feature_importance() const;
  int64_t nodes() const;
  // trees.bin.gz, described in docs/DESIGN.md ("Trees and forests").
  void save(const std::filesystem::path& dir) const;
  void load(const std::filesystem::path& dir);
};

}  // namespace fmnist::trees
