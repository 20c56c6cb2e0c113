#pragma once
#include <gtest/gtest.h>

#include <vector>

#include "data/dataset.hpp"

namespace fmnist::test {

// `p` holds one row of kNumClasses probabilities per image for `n` images:
// each row is non-negative and sums to 1 within `tolerance`.
inline void expect_distributions(const std::vector<float>& p, size_t n, double tolerance = 1e-5) {
  ASSERT_EQ(p.size(), n * kNumClasses);
  for (size_t i = 0; i < n; ++i) {
    double total = 0;
    for (int c = 0; c < kNumClasses; ++c) {
      EXPECT_GE(p[i * kNumClasses + c], 0.f) << "image " << i << " class " << c;
      total += p[i * kNumClasses + c];
    }
    EXPECT_NEAR(total, 1.0, tolerance) << "image " << i;
  }
}

}  // namespace fmnist::test
