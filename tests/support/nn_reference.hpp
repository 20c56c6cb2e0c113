#pragma once
// What the fused neural ops are checked against: LibTorch's own layers, and
// a tensor comparison that says where it failed.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <string>

#include "models/nn/fused_bn.hpp"

namespace fmnist::test {

// Same shape, and every value within tol (absolute and relative).
inline void expect_close(const torch::Tensor& a, const torch::Tensor& b, double tol,
                         const std::string& what) {
  ASSERT_EQ(a.sizes(), b.sizes()) << what;
  EXPECT_TRUE(torch::allclose(a, b, tol, tol))
      << what << ": largest difference " << (a - b).abs().max().item<double>();
}

// BatchNorm2d followed by relu or hardtanh(0, 6), as LibTorch's ops.
inline torch::Tensor bn_act_reference(torch::nn::BatchNorm2d& bn, const torch::Tensor& x,
                                      nn::Act act) {
  auto y = bn(x);
  if (act == nn::Act::relu) return torch::relu(y);
  if (act == nn::Act::relu6) return torch::hardtanh(y, 0, 6);
  return y;
}

}  // namespace fmnist::test
