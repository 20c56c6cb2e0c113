#include <gtest/gtest.h>

#include <cmath>

#include "models/lbfgs.hpp"

namespace fmnist {
namespace {

TEST(Lbfgs, MinimisesAnIllConditionedQuadratic) {
  // f = sum_i a_i (x_i - 1)^2 / 2 with curvatures spread over 1e3
  // (scipy's L-BFGS-B needs about as many iterations as this one).
  const size_t n = 20;
  auto fun = [&](const std::vector<double>& x, std::vector<double>& g) {
    double f = 0;
    for (size_t i = 0; i < n; ++i) {
      const double a = std::pow(1e3, double(i) / (n - 1));
      f += 0.5 * a * (x[i] - 1) * (x[i] - 1);
      g[i] = a * (x[i] - 1);
    }
    return f;
  };
  std::vector<double> x(n, 0.0);
  LbfgsOptions o;
  o.max_iter = 400;
  o.tol = 1e-9;
  o.ftol = 0;
  const auto r = lbfgs_minimize(fun, x, o);
  EXPECT_EQ(r.stop, "gradient");
  for (double v : x) EXPECT_NEAR(v, 1.0, 1e-6);
}

TEST(Lbfgs, FindsTheRosenbrockMinimum) {
  auto fun = [](const std::vector<double>& x, std::vector<double>& g) {
    const double a = 1 - x[0], b = x[1] - x[0] * x[0];
    g[0] = -2 * a - 400 * x[0] * b;
    g[1] = 200 * b;
    return a * a + 100 * b * b;
  };
  std::vector<double> x = {-1.2, 1.0};
  LbfgsOptions o;
  o.max_iter = 200;
  o.tol = 1e-10;
  o.ftol = 0;
  const auto r = lbfgs_minimize(fun, x, o);
  EXPECT_NEAR(x[0], 1.0, 1e-5) << r.stop;
  EXPECT_NEAR(x[1], 1.0, 1e-5);
}

TEST(Lbfgs, StopsAtMaxIterAndReportsEachIteration) {
  auto fun = [](const std::vector<double>& x, std::vector<double>& g) {
    double f = 0;
    for (size_t i = 0; i < x.size(); ++i) {
      f += std::exp(x[i]) - x[i] * (i + 2);  // minimum at log(i + 2)
      g[i] = std::exp(x[i]) - (i + 2);
    }
    return f;
  };
  std::vector<double> x(5, 5.0);
  LbfgsOptions o;
  o.max_iter = 3;
  o.tol = 0;
  std::vector<int> seen;
  double last_f = INFINITY;
  const auto r =
      lbfgs_minimize(fun, x, o, [&](int it, double f, double, const std::vector<double>&) {
        seen.push_back(it);
        EXPECT_LT(f, last_f);
        last_f = f;
      });
  EXPECT_EQ(r.stop, "max_iter");
  EXPECT_EQ(seen, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(r.iterations, 3);
  EXPECT_GE(r.evaluations, 4);
}

TEST(Lbfgs, ZeroGradientAtStartStopsAtOnce) {
  auto fun = [](const std::vector<double>& x, std::vector<double>& g) {
    g[0] = 2 * x[0];
    return x[0] * x[0];
  };
  std::vector<double> x = {0.0};
  const auto r = lbfgs_minimize(fun, x, LbfgsOptions{});
  EXPECT_EQ(r.iterations, 0);
  EXPECT_EQ(r.stop, "gradient");
  EXPECT_EQ(r.evaluations, 1);
}

}  // namespace
}  // namespace fmnist
