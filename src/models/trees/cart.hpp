#pragma once
// CART on 8-bit pixels: the tree builder `tree` and `forest` share.
//
// Pixels are uint8, so a histogram of 256 bins per feature holds every
// distinct value: split search over histograms is exact, not an
// approximation. See docs/DESIGN.md, "Trees and forests".
#include <cstdint>
#include <span>
#include <vector>

#include "data/dataset.hpp"

namespace fmnist::trees {

enum class Criterion { gini, entropy };

struct CartParams {
  Criterion criterion = Criterion::gini;
  int max_depth = 0;  // 0: unlimited
  // In drawn samples (a bootstrap sample drawn twice counts twice).
  int min_samples_split = 2;
  int min_samples_leaf = 1;
  // Features tried per node, drawn without replacement; >= the image size:
  // all of them, and the tree has no randomness. As in scikit-learn, the
  // search goes on past max_features until one non-constant feature is met.
  int max_features = 0;
  int max_leaf_nodes = 0;  // 0: unlimited, depth-first; else best-first growth
  // Nodes that may hold the histograms of every feature at once for the
  // subtraction (cart.cpp); the tree is the same with any number, 0 included.
  int kept_histograms = 8;
};

// The training images in the two layouts the builder reads: as rows (the
// Dataset's own pixels: small nodes, whose rows stay in cache) and as
// columns (large nodes, which read a few columns nearly end to end).
struct TrainMatrix {
  explicit TrainMatrix(const Dataset& data);
  size_t n = 0, dim = 0;
  const uint8_t* rows = nullptr;  // n x dim
  const uint8_t* labels = nullptr;
  std::vector<uint8_t> cols;  // dim x n
};

// One fitted tree. Node 0 is the root; an internal node sends an image to
// `child` when pixel[feature] <= threshold, else to `child + 1`. A leaf has
// feature -1 and `child` is its row in `proba`.
struct Tree {
  struct Node {
    int32_t child = 0;
    int16_t feature = -1;
    uint8_t threshold = 0;
  };
  std::vector<Node> nodes;
  std::vector<float> proba;        // leaves x kNumClasses, each row sums to 1
  std::vector<double> importance;  // per feature, impurity decrease weighted by samples

  size_t leaves() const { return proba.size() / kNumClasses; }
  // The leaf distribution `row` (dim pixels) lands in.
  const float* leaf(const uint8_t* row) const {
    const Node* nd = nodes.data();
    int i = 0;
    while (nd[i].feature >= 0) i = nd[i].child + (row[nd[i].feature] > nd[i].threshold);
    return proba.data() + static_cast<size_t>(nd[i].child) * kNumClasses;
  }
};

// Grows one tree on the samples with a non-zero weight (weights: empty =
// every sample once; else one per sample, e.g. bootstrap counts). `rng_seed`
// drives feature sampling only. With `parallel`, large nodes spread their
// features over the --threads budget; the tree is the same either way.
Tree build_tree(const TrainMatrix& data, std::span<const uint32_t> weights,
                const CartParams& params, uint64_t rng_seed, bool parallel);

}  // namespace fmnist::trees
