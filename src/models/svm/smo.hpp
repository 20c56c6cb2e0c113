#pragma once
// One two-class C-SVM dual problem, solved exactly by SMO as LIBSVM does
// (Fan, Chen & Lin 2005: second-order working-set selection), with
// float kernel rows in an LRU cache, computed several at a time.
#include <cstdint>
#include <span>
#include <vector>

#include "models/svm/kernel.hpp"

namespace fmnist::svm {

struct BinaryProblem {
  std::span<const uint8_t* const> x;  // n feature vectors of `dim` bytes
  size_t dim = 0;
  std::span<const int32_t> squares;  // their squared norms
  std::span<const int8_t> y;         // +1 or -1
};

struct SolverOptions {
  double C = 10;
  double eps = 1e-3;  // stop when the maximal KKT violation is below this
  size_t cache_bytes = size_t{256} << 20;
  size_t batch = 8;  // kernel rows computed per cache miss (the missing row + likely next ones)
  DotBackend backend = DotBackend::automatic;
};

struct BinaryResult {
  std::vector<double> coef;  // alpha_i * y_i (zero: not a support vector)
  double rho = 0;            // decision value f(x) = sum coef_i K(x_i, x) - rho
  size_t iterations = 0;
  size_t rows_computed = 0;  // kernel rows evaluated (cache misses)
};

BinaryResult solve_binary(const BinaryProblem& problem, const Kernel& kernel,
                          const SolverOptions& options);

}  // namespace fmnist::svm
