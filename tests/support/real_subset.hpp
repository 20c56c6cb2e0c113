#pragma once
// The first n images of the real Fashion-MNIST files: big enough for an
// accuracy floor that means something, small enough for CI.
#include <numeric>
#include <string>
#include <vector>

#include "data/idx.hpp"
#include "support/fixtures.hpp"

namespace fmnist::test {

// split: "train" or "t10k".
inline Dataset real_subset(const std::string& split, size_t n) {
  const auto dir = real_data_dir();
  Dataset all =
      load_idx(dir / (split + "-images-idx3-ubyte.gz"), dir / (split + "-labels-idx1-ubyte.gz"));
  std::vector<uint32_t> first(std::min(n, all.size()));
  std::iota(first.begin(), first.end(), 0u);
  return all.subset(first);
}

}  // namespace fmnist::test
