#include "data/split.hpp"

#include <algorithm>
#include <numeric>

#include "core/error.hpp"
#include "core/rng.hpp"

namespace fmnist {

SplitIndices stratified_split(const std::vector<uint8_t>& labels, size_t n_val, uint64_t seed) {
  const size_t n = labels.size();
  if (n_val >= n && n_val > 0) {
    fail("--val {}: the training set has only {} images; the validation hold-out must leave some",
         n_val, n);
  }
  std::array<std::vector<uint32_t>, kNumClasses> by_class;
  for (size_t i = 0; i < n; ++i) by_class[labels[i]].push_back(static_cast<uint32_t>(i));

  // Largest-remainder apportionment of n_val over the classes.
  std::array<size_t, kNumClasses> take{};
  std::array<double, kNumClasses> remainder{};
  size_t assigned = 0;
  for (int c = 0; c < kNumClasses; ++c) {
    const double exact = static_cast<double>(n_val) * by_class[c].size() / std::max<size_t>(n, 1);
    take[c] = static_cast<size_t>(exact);
    remainder[c] = exact - take[c];
    assigned += take[c];
  }
  std::array<int, kNumClasses> order;
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int a, int b) { return remainder[a] > remainder[b]; });
  for (int k = 0; assigned < n_val; k = (k + 1) % kNumClasses) {
    const int c = order[k];
    if (take[c] < by_class[c].size()) {
      ++take[c];
      ++assigned;
    }
  }

  Rng rng(seed ^ 0x5eed5eedULL);
  SplitIndices out;
  out.val.reserve(n_val);
  out.train.reserve(n - n_val);
  for (int c = 0; c < kNumClasses; ++c) {
    auto& idx = by_class[c];
    rng.shuffle(idx.begin(), idx.end());
    out.val.insert(out.val.end(), idx.begin(), idx.begin() + static_cast<long>(take[c]));
    out.train.insert(out.train.end(), idx.begin() + static_cast<long>(take[c]), idx.end());
  }
  std::sort(out.val.begin(), out.val.end());
  std::sort(out.train.begin(), out.train.end());
  return out;
}

std::pair<Dataset, Dataset> split_validation(const Dataset& full, size_t n_val, uint64_t seed) {
  auto idx = stratified_split(full.labels, n_val, seed);
  return {full.subset(idx.train), full.subset(idx.val)};
}

}  // namespace fmnist

namespace fmnist {
std::array<size_t, kNumClasses> stratified_split_counts(const std::vector<uint8_t>& labels,
                                                        size_t n_val, uint64_t seed) {
  auto idx = stratified_split(labels, n_val, seed);
  std::array<size_t, kNumClasses> counts{};
  for (uint32_t i : idx.val) ++counts[labels[i]];
  return counts;
}
}  // namespace fmnist
