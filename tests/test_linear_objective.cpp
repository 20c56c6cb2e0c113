#include <gtest/gtest.h>

#include <cmath>

#include "core/rng.hpp"
#include "models/linear_model.hpp"
#include "models/linear_objective.hpp"
#include "support/fixtures.hpp"

namespace fmnist {
namespace {

// Central differences against the analytic gradient at a random point, for
// a handful of weights and every intercept.
void check_gradient(LinearLoss loss, const std::string& transform, const std::string& prep) {
  const Dataset d = test::make_dataset(120, 3, 6, 5);
  LinearModel model;
  model.fit_preprocessing(d, transform, prep);
  model.zero_weights();
  LinearObjective objective(d, model, loss, 0.5);
  Rng rng(11);
  std::vector<double> theta(objective.num_variables());
  for (double& v : theta) v = 0.2 * (rng.uniform() - 0.5);
  std::vector<double> grad(theta.size()), scratch(theta.size());
  objective(theta, grad);
  std::vector<size_t> probe = {0, 7, 29, 31, 150, 299};
  for (size_t k = 300; k < theta.size(); ++k) probe.push_back(k);  // the intercepts
  for (size_t k : probe) {
    const double h = 1e-3, saved = theta[k];
    theta[k] = saved + h;
    const double up = objective(theta, scratch);
    theta[k] = saved - h;
    const double down = objective(theta, scratch);
    theta[k] = saved;
    // float32 GEMMs: agreement to a few parts in 1e4 of the gradient's size.
    EXPECT_NEAR(grad[k], (up - down) / (2 * h), 2e-3 + 1e-2 * std::abs(grad[k]))
        << "variable " << k;
  }
}

TEST(LinearObjective, SoftmaxGradientMatchesFiniteDifferences) {
  check_gradient(LinearLoss::softmax, "sqrt", "standardize");
  check_gradient(LinearLoss::softmax, "none", "scale");
}

TEST(LinearObjective, SquaredHingeGradientMatchesFiniteDifferences) {
  check_gradient(LinearLoss::squared_hinge, "sqrt", "standardize");
  check_gradient(LinearLoss::squared_hinge, "none", "scale");
}

TEST(LinearObjective, AtZeroWeightsSoftmaxLossIsLogOfTen) {
  const Dataset d = test::make_dataset(1100);  // spans several chunks
  LinearModel model;
  model.fit_preprocessing(d, "sqrt", "standardize");
  model.zero_weights();
  LinearObjective objective(d, model, LinearLoss::softmax, 1.0);
  std::vector<double> theta(objective.num_variables(), 0.0), grad(theta.size());
  EXPECT_NEAR(objective(theta, grad), std::log(10.0), 1e-6);
  // Balanced classes: the intercepts' gradient is zero.
  for (size_t c = 0; c < 10; ++c) EXPECT_NEAR(grad[10 * 784 + c], 0.0, 1e-6);
}

TEST(LinearObjective, AtZeroWeightsSquaredHingeLossIsTen) {
  // Every class margin is 1 - y * 0 = 1, so each image adds 10 x 1^2.
  const Dataset d = test::make_dataset(700);
  LinearModel model;
  model.fit_preprocessing(d, "none", "scale");
  model.zero_weights();
  LinearObjective objective(d, model, LinearLoss::squared_hinge, 1.0);
  std::vector<double> theta(objective.num_variables(), 0.0), grad(theta.size());
  EXPECT_NEAR(objective(theta, grad), 10.0, 1e-6);
}

TEST(LinearModel, StandardizeGivesZeroMeanUnitVariance) {
  const Dataset d = test::make_dataset(500, 2, 4, 4);
  LinearModel model;
  model.fit_preprocessing(d, "sqrt", "standardize");
  for (size_t j = 0; j < 16; ++j) {
    double sum = 0, sum2 = 0;
    for (size_t i = 0; i < d.size(); ++i) {
      const double x = (std::sqrt(d.pixels[i * 16 + j] / 255.0) - model.mean[j]) / model.scale[j];
      sum += x;
      sum2 += x * x;
    }
    EXPECT_NEAR(sum / d.size(), 0.0, 1e-4);
    EXPECT_NEAR(sum2 / d.size(), 1.0, 1e-3);
  }
}

TEST(LinearModel, ConstantPixelsAreOnlyCentred) {
  Dataset d = test::make_dataset(50, 2, 4, 4);
  for (size_t i = 0; i < d.size(); ++i) d.pixels[i * 16 + 5] = 77;
  LinearModel model;
  model.fit_preprocessing(d, "none", "standardize");
  EXPECT_EQ(model.scale[5], 1.f);
  EXPECT_NEAR(model.mean[5], 77 / 255.0, 1e-6);
}

TEST(LinearModel, FitTemperatureRecoversAKnownTemperature) {
  // Labels drawn from softmax(z / 2): the fitted T should be near 2.
  Rng rng(5);
  const size_t n = 20000;
  std::vector<float> z(n * 10);
  std::vector<uint8_t> labels(n);
  for (size_t i = 0; i < n; ++i) {
    double p[10], total = 0;
    for (int c = 0; c < 10; ++c) {
      z[i * 10 + c] = static_cast<float>(6 * (rng.uniform() - 0.5));
      total += p[c] = std::exp(z[i * 10 + c] / 2.0);
    }
    double u = rng.uniform() * total;
    int c = 0;
    while (c < 9 && (u -= p[c]) > 0) ++c;
    labels[i] = static_cast<uint8_t>(c);
  }
  EXPECT_NEAR(fit_temperature(z, labels), 2.0, 0.1);
}

}  // namespace
}  // namespace fmnist
