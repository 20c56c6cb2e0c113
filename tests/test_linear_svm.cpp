#include <gtest/gtest.h>

#include "core/threads.hpp"
#include "eval/metrics.hpp"
#include "models/registry.hpp"
#include "support/expect_error.hpp"
#include "support/fitted.hpp"
#include "support/fixtures.hpp"
#include "support/real_subset.hpp"

namespace fmnist {
namespace {

using test::expect_error;
using test::fitted;
using test::TempDir;

TEST(LinearSvm, ReachesAccuracyFloorOnRealSubset) {
  const Dataset train = test::real_subset("train", 10000),
                test_set = test::real_subset("t10k", 2000);
  auto model = fitted("linear-svm", train);
  const double acc = accuracy(model->predict(test_set), test_set.labels);
  // 85.3% when written; all 60,000 training images give 85.2% on the full
  // test set.
  EXPECT_GE(acc, 0.84) << "test accuracy " << acc;
}

TEST(LinearSvm, CalibratedTemperatureLowersLogLossNotAccuracy) {
  // softmax(decision / T) with T fitted on held-out images against T = 1:
  // same argmax, better probabilities on other images.
  const Dataset all = test::real_subset("train", 6000), test_set = test::real_subset("t10k", 2000);
  std::vector<uint32_t> first(5000), rest(1000);
  std::iota(first.begin(), first.end(), 0u);
  std::iota(rest.begin(), rest.end(), 5000u);
  const Dataset train = all.subset(first), val = all.subset(rest);
  auto calibrated = fitted("linear-svm:max_iter=50", train, 0, &val);
  auto plain = fitted("linear-svm:max_iter=50,proba=softmax", train, 0, &val);
  EXPECT_EQ(calibrated->predict(test_set), plain->predict(test_set));
  const double ll_cal = log_loss(calibrated->predict_proba(test_set), test_set.labels);
  const double ll_plain = log_loss(plain->predict_proba(test_set), test_set.labels);
  // 0.49 against 0.92 when written.
  EXPECT_LT(ll_cal, 0.7 * ll_plain) << "calibrated " << ll_cal << " softmax " << ll_plain;
}

TEST(LinearSvm, SaveLoadGivesBitIdenticalProbabilities) {
  const Dataset train = test::real_subset("train", 2000), other = test::real_subset("t10k", 500);
  auto model = fitted("linear-svm:max_iter=30", train);
  TempDir dir;
  auto back = test::saved_and_reloaded(*model, dir.path());
  // The fitted temperature travels with the weights.
  EXPECT_EQ(back->predict_proba(other), model->predict_proba(other));
  EXPECT_NE(test::read_text(dir / "linear.json").find("\"temperature\""), std::string::npos);
}

TEST(LinearSvm, SameModelWithAnySeedAndThreadCount) {
  const Dataset train = test::real_subset("train", 3000);
  set_threads(1);
  auto one = fitted("linear-svm:max_iter=15", train, 1);
  set_threads(2);
  auto two = fitted("linear-svm:max_iter=15", train, 1);
  auto other_seed = fitted("linear-svm:max_iter=15", train, 7);
  set_threads(0);
  const auto p = one->predict_proba(train);
  EXPECT_EQ(two->predict_proba(train), p);
  EXPECT_EQ(other_seed->predict_proba(train), p);
}

TEST(LinearSvm, SeparatesGeneratedClasses) {
  const Dataset d = test::make_dataset(300);
  auto model = fitted("linear-svm:max_iter=20,preprocessing=scale,transform=none", d);
  EXPECT_EQ(accuracy(model->predict(d), d.labels), 1.0);
  const auto fi = model->feature_importance();
  ASSERT_TRUE(fi.has_value());
  EXPECT_EQ(fi->per_class.size(), 10u);
}

TEST(LinearSvm, RejectsUnknownSetting) {
  expect_error([] { make_model("linear-svm:bogus=1"); },
               {"linear-svm", "bogus", "known settings", "proba"});
}

TEST(LinearSvm, RejectsBadValues) {
  expect_error([] { make_model("linear-svm:C=-1"); }, {"C=-1", "a number from"});
  expect_error([] { make_model("linear-svm:proba=platt"); },
               {"proba=platt", "calibrated, softmax"});
  expect_error([] { make_model("linear-svm:memory=0"); }, {"memory=0"});
}

TEST(LinearSvm, PredictRejectsOtherImageSize) {
  auto model = fitted("linear-svm:max_iter=5", test::make_dataset(50));
  const Dataset wide = test::make_dataset(5, 1, 28, 30);
  expect_error([&] { model->predict_proba(wide); }, {"linear-svm", "28x28", "28x30"});
}

}  // namespace
}  // namespace fmnist
