#pragma once
// The settings `tree` and `forest` share, with scikit-learn's names and
// meanings, and the two that depend on the data's size (max_features,
// max_samples), checked once the image size and sample count are known.
#include <string>
#include <vector>

#include "models/settings.hpp"
#include "models/trees/cart.hpp"

namespace fmnist::trees {

struct TreeSettings {
  CartParams params;         // max_features filled in by resolve_max_features()
  std::string max_features;  // "all", "sqrt", "log2", a count or a fraction ("0.3")
};

// Declares criterion, max_depth, min_samples_split, min_samples_leaf,
// max_features and max_leaf_nodes.
TreeSettings declare_tree_settings(Settings& s, int default_min_samples_leaf,
                                   const std::string& default_max_features);

// Features per node for images of `dim` pixels; fails, naming `model`, when
// a count exceeds dim.
int resolve_max_features(const std::string& spec, size_t dim, const std::string& model);

// Bootstrap draws per tree for `n` training images from "all", a count or a
// fraction ("0.5"); fails, naming `model`, when a count exceeds n.
size_t resolve_max_samples(const std::string& spec, size_t n, const std::string& model);

// Checks the form of a count-or-fraction setting without the data (so a
// typo fails when the model is made, not after loading data).
void check_count_or_fraction(const std::string& model, const std::string& key,
                             const std::string& value, const std::vector<std::string>& words);

}  // namespace fmnist::trees
