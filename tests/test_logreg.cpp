#include <gtest/gtest.h>

#include <cmath>

#include "core/threads.hpp"
#include "eval/metrics.hpp"
#include "models/npy.hpp"
#include "models/registry.hpp"
#include "support/expect_distributions.hpp"
#include "support/expect_error.hpp"
#include "support/fitted.hpp"
#include "support/fixtures.hpp"
#include "support/real_subset.hpp"

namespace fmnist {
namespace {

using test::expect_error;
using test::fitted;
using test::TempDir;

TEST(LogReg, ReachesAccuracyFloorOnRealSubset) {
  const Dataset train = test::real_subset("train", 10000),
                test_set = test::real_subset("t10k", 2000);
  auto model = fitted("logreg", train);
  const double acc = accuracy(model->predict(test_set), test_set.labels);
  // 85.3% when written (the first 2,000 test images are easier than the
  // rest: all 60,000 training images give 85.4% on the full test set).
  EXPECT_GE(acc, 0.84) << "test accuracy " << acc;
  EXPECT_LT(log_loss(model->predict_proba(test_set), test_set.labels), 0.55);
}

TEST(LogReg, ProbabilitiesAreDistributions) {
  const Dataset d = test::make_dataset(300);
  auto model = fitted("logreg:max_iter=20", d);
  test::expect_distributions(model->predict_proba(d), d.size());
  // The generated classes are separable: the fit must find them.
  EXPECT_EQ(accuracy(model->predict(d), d.labels), 1.0);
}

TEST(LogReg, SaveLoadGivesBitIdenticalProbabilities) {
  const Dataset train = test::real_subset("train", 2000), other = test::real_subset("t10k", 500);
  auto model = fitted("logreg:max_iter=30,C=0.1", train);
  TempDir dir;
  auto back = test::saved_and_reloaded(*model, dir.path());
  EXPECT_EQ(back->predict_proba(other), model->predict_proba(other));
  EXPECT_EQ(back->num_parameters(), 10 * 784 + 10);
}

TEST(LogReg, SavedFilesReproduceTheDocumentedFormula) {
  // coef @ ((sqrt(x / 255) - mean) / scale) + intercept, then softmax: what
  // linear.json tells readers outside fmnist.
  const Dataset train = test::real_subset("train", 1000);
  auto model = fitted("logreg:max_iter=20", train);
  TempDir dir;
  model->save(dir.path());
  const auto coef = load_npy(dir / "coef.npy", {10, 784}),
             intercept = load_npy(dir / "intercept.npy", {10}),
             mean = load_npy(dir / "mean.npy", {784}), scale = load_npy(dir / "scale.npy", {784});
  const auto p = model->predict_proba(train);
  for (size_t i = 0; i < 20; ++i) {
    double z[kNumClasses], total = 0;
    for (int c = 0; c < kNumClasses; ++c) {
      z[c] = intercept[c];
      for (size_t j = 0; j < 784; ++j) {
        const double x = std::sqrt(train.pixels[i * 784 + j] / 255.0);
        z[c] += coef[c * 784 + j] * (x - mean[j]) / scale[j];
      }
    }
    const double mx = *std::max_element(z, z + kNumClasses);
    for (double& v : z) total += v = std::exp(v - mx);
    for (int c = 0; c < kNumClasses; ++c) EXPECT_NEAR(p[i * kNumClasses + c], z[c] / total, 1e-4);
  }
}

TEST(LogReg, SameModelWithAnySeedAndThreadCount) {
  // The fit has no randomness (zero start, deterministic L-BFGS), and the
  // per-chunk sums do not depend on how many threads ran them.
  const Dataset train = test::real_subset("train", 3000);
  set_threads(1);
  auto one = fitted("logreg:max_iter=15", train, 1);
  set_threads(2);
  auto two = fitted("logreg:max_iter=15", train, 1);
  auto other_seed = fitted("logreg:max_iter=15", train, 99);
  set_threads(0);
  const auto p = one->predict_proba(train);
  EXPECT_EQ(two->predict_proba(train), p);
  EXPECT_EQ(other_seed->predict_proba(train), p);
}

TEST(LogReg, MoreIterationsLowerTheObjective) {
  const Dataset train = test::real_subset("train", 2000);
  auto model = fitted("logreg:max_iter=25,tol=0", train);
  const auto h = model->history();
  ASSERT_EQ(h.size(), 25u);
  EXPECT_LT(h.back()["objective"].get<double>(), h.front()["objective"].get<double>());
  for (size_t k = 1; k < h.size(); ++k)
    EXPECT_LE(h[k]["objective"].get<double>(), h[k - 1]["objective"].get<double>());
}

TEST(LogReg, FeatureImportanceHasOneMapPerClass) {
  const Dataset d = test::make_dataset(200);
  auto model = fitted("logreg:max_iter=10", d);
  const auto fi = model->feature_importance();
  ASSERT_TRUE(fi.has_value());
  ASSERT_EQ(fi->overall.size(), 784u);
  ASSERT_EQ(fi->per_class.size(), 10u);
  for (size_t j = 0; j < 784; ++j) {
    double mean_abs = 0;
    for (const auto& map : fi->per_class) mean_abs += std::abs(map[j]) / 10;
    EXPECT_NEAR(fi->overall[j], mean_abs, 1e-6);
  }
  // Generated class c lights image rows 10k + c: those pixels weigh most.
  EXPECT_GT(fi->per_class[3][3 * 28 + 5], 0.f);
}

TEST(LogReg, RejectsUnknownSetting) {
  expect_error([] { make_model("logreg:bogus=1"); }, {"logreg", "bogus", "known settings", "C"});
}

TEST(LogReg, RejectsBadValues) {
  expect_error([] { make_model("logreg:C=0"); }, {"C=0", "a number from"});
  expect_error([] { make_model("logreg:max_iter=0"); }, {"max_iter=0"});
  expect_error([] { make_model("logreg:transform=log"); }, {"transform=log", "sqrt, none"});
  expect_error([] { make_model("logreg:preprocessing=minmax"); }, {"scale, standardize"});
}

TEST(LogReg, PredictRejectsOtherImageSize) {
  auto model = fitted("logreg:max_iter=5", test::make_dataset(50));
  const Dataset small = test::make_dataset(5, 1, 20, 12);
  expect_error([&] { model->predict_proba(small); }, {"logreg", "28x28", "20x12"});
}

TEST(LogReg, LoadRejectsWeightsOfTheWrongShape) {
  auto model = fitted("logreg:max_iter=5", test::make_dataset(50));
  TempDir dir;
  model->save(dir.path());
  save_npy(dir / "coef.npy", std::vector<float>(9 * 784), {9, 784});
  auto back = make_model("logreg");
  expect_error([&] { back->load(dir.path()); }, {"coef.npy", "(10, 784)"});
}

TEST(LogReg, FitRejectsEmptyTrainingSet) {
  Dataset empty;
  auto model = make_model("logreg");
  expect_error([&] { model->fit(empty, FitContext{}); }, {"empty training set"});
}

}  // namespace
}  // namespace fmnist
