#pragma once
// Limited-memory BFGS for smooth unconstrained problems of a few thousand
// variables (the linear models' weights). Vectors are double: the objective
// may compute in float32, but the search directions need the precision.
#include <functional>
#include <string>
#include <vector>

namespace fmnist {

struct LbfgsOptions {
  int max_iter = 100;
  // Stops when the gradient norm falls to tol x its value at the start.
  double tol = 1e-4;
  // Stops when an iteration lowers f by less than ftol x |f|.
  double ftol = 1e-10;
  int memory = 10;  // correction pairs kept
};

struct LbfgsResult {
  int iterations = 0;
  int evaluations = 0;
  double f = 0;
  double grad_norm = 0;
  std::string stop;  // why it stopped: "gradient", "max_iter", "ftol", "line search"
};

// Returns f(x) and writes its gradient into `grad` (already sized like x).
using LbfgsObjective =
    std::function<double(const std::vector<double>& x, std::vector<double>& grad)>;
// Called after each iteration with its number, f, the gradient norm and x.
using LbfgsCallback =
    std::function<void(int iter, double f, double grad_norm, const std::vector<double>& x)>;

// Minimises from `x` in place. Deterministic: no randomness anywhere.
LbfgsResult lbfgs_minimize(const LbfgsObjective& fun, std::vector<double>& x,
                           const LbfgsOptions& opts, const LbfgsCallback& on_iter = {});

}  // namespace fmnist
