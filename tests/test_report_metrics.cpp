// The metrics against scikit-learn's on the same predictions (Debian's
// python3-sklearn), to 1e-9: users will compare.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/rng.hpp"
#include "eval/metrics.hpp"
#include "eval/report_metrics.hpp"
#include "models/classifier.hpp"
#include "support/fixtures.hpp"

namespace fmnist {
namespace {

// Noisy probabilities that favour the true class, rounded to two decimals
// so that ties occur (tie handling is where implementations differ).
void make_predictions(size_t n, std::vector<float>& proba, std::vector<uint8_t>& labels) {
  Rng rng(42);
  labels.resize(n);
  proba.resize(n * kNumClasses);
  for (size_t i = 0; i < n; ++i) {
    labels[i] = static_cast<uint8_t>(rng.below(kNumClasses));
    double w[kNumClasses], total = 0;
    for (int c = 0; c < kNumClasses; ++c) {
      w[c] = rng.uniform() + (c == labels[i] ? 1.2 * rng.uniform() : 0.0);
      total += w[c];
    }
    for (int c = 0; c < kNumClasses; ++c)
      proba[i * kNumClasses + c] = static_cast<float>(std::round(100 * w[c] / total) / 100);
  }
}

nlohmann::json sklearn_on(const std::vector<float>& proba, const std::vector<uint8_t>& labels) {
  test::TempDir dir;
  std::string csv;
  for (size_t i = 0; i < labels.size(); ++i) {
    csv += std::to_string(labels[i]);
    for (int c = 0; c < kNumClasses; ++c) csv += fmt::format(",{:.9g}", proba[i * kNumClasses + c]);
    csv += '\n';
  }
  test::write_text(dir / "p.csv", csv);
  const std::string cmd = "/usr/bin/python3 " + std::string(FMNIST_SOURCE_DIR) +
                          "/tests/support/sklearn_metrics.py " + (dir / "p.csv").string();
  FILE* pipe = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  while (pipe && fgets(buf, sizeof buf, pipe)) out += buf;
  const int rc = pipe ? pclose(pipe) : -1;
  EXPECT_EQ(rc, 0) << "scikit-learn run failed (scripts/deps.sh installs python3-sklearn)";
  return out.empty() ? nlohmann::json() : nlohmann::json::parse(out);
}

TEST(ReportMetrics, MatchScikitLearn) {
  std::vector<float> proba;
  std::vector<uint8_t> labels;
  make_predictions(3000, proba, labels);
  // What scikit-learn sees is the float printed with 9 digits: the same
  // values as `proba` (floats round-trip at 9 significant digits).
  auto sk = sklearn_on(proba, labels);
  ASSERT_FALSE(sk.is_null());
  const double tol = 1e-9;
  auto pred = argmax_rows(proba);
  auto rep = classification_report(pred, labels);
  EXPECT_NEAR(rep.accuracy, sk["accuracy"].get<double>(), tol);
  for (int c = 0; c < kNumClasses; ++c) {
    EXPECT_NEAR(rep.per_class[c].precision, sk["precision"][c].get<double>(), tol) << c;
    EXPECT_NEAR(rep.per_class[c].recall, sk["recall"][c].get<double>(), tol) << c;
    EXPECT_NEAR(rep.per_class[c].f1, sk["f1"][c].get<double>(), tol) << c;
    EXPECT_EQ(rep.per_class[c].support, sk["support"][c].get<size_t>()) << c;
    EXPECT_NEAR(auc(roc_curve(proba, labels, c)), sk["auc"][c].get<double>(), tol) << c;
    EXPECT_NEAR(average_precision(proba, labels, c), sk["ap"][c].get<double>(), tol) << c;
  }
  EXPECT_NEAR(rep.macro.f1, sk["macro_f1"].get<double>(), tol);
  EXPECT_NEAR(rep.weighted.f1, sk["weighted_f1"].get<double>(), tol);
  EXPECT_NEAR(roc_auc_macro(proba, labels), sk["auc_macro"].get<double>(), tol);
  EXPECT_NEAR(roc_auc_micro(proba, labels), sk["auc_micro"].get<double>(), tol);
  EXPECT_NEAR(top_k_accuracy(proba, labels, 2), sk["top2"].get<double>(), tol);
  // scikit-learn renormalises rows that do not sum to one before its log
  // loss; ours takes them as given, so compare on normalised rows.
  std::vector<float> norm = proba;
  for (size_t i = 0; i < labels.size(); ++i) {
    double s = 0;
    for (int c = 0; c < kNumClasses; ++c) s += norm[i * kNumClasses + c];
    for (int c = 0; c < kNumClasses; ++c) norm[i * kNumClasses + c] = static_cast<float>(norm[i * kNumClasses + c] / s);
  }
  EXPECT_NEAR(log_loss(norm, labels), sk["log_loss"].get<double>(), 1e-6);
  auto roc = roc_curve(proba, labels, 3);
  ASSERT_EQ(roc.x.size(), sk["roc3"][0].size());
  for (size_t i = 0; i < roc.x.size(); ++i) {
    EXPECT_NEAR(roc.x[i], sk["roc3"][0][i].get<double>(), tol);
    EXPECT_NEAR(roc.y[i], sk["roc3"][1][i].get<double>(), tol);
  }
  auto pr = precision_recall_curve(proba, labels, 3);
  ASSERT_EQ(pr.x.size(), sk["pr3"][0].size());
  for (size_t i = 0; i < pr.x.size(); ++i) {
    EXPECT_NEAR(pr.x[i], sk["pr3"][0][i].get<double>(), tol);
    EXPECT_NEAR(pr.y[i], sk["pr3"][1][i].get<double>(), tol);
  }
}

TEST(ReportMetrics, PerfectPredictionsScoreOne) {
  std::vector<uint8_t> labels;
  std::vector<float> proba;
  for (int i = 0; i < 50; ++i) {
    labels.push_back(static_cast<uint8_t>(i % kNumClasses));
    for (int c = 0; c < kNumClasses; ++c) proba.push_back(c == i % kNumClasses ? 1.f : 0.f);
  }
  EXPECT_DOUBLE_EQ(classification_report(argmax_rows(proba), labels).macro.f1, 1.0);
  EXPECT_DOUBLE_EQ(roc_auc_macro(proba, labels), 1.0);
  EXPECT_DOUBLE_EQ(average_precision(proba, labels, 4), 1.0);
  auto cal = calibration(proba, labels);
  EXPECT_DOUBLE_EQ(cal.ece, 0.0);
}

TEST(ReportMetrics, CalibrationOfAnOverconfidentModel) {
  // Always 90% sure, right half the time: ECE 0.4.
  std::vector<uint8_t> labels;
  std::vector<float> proba;
  for (int i = 0; i < 100; ++i) {
    labels.push_back(i % 2 ? 0 : 1);
    for (int c = 0; c < kNumClasses; ++c) proba.push_back(c == 0 ? 0.9f : 0.1f / 9);
  }
  auto cal = calibration(proba, labels);
  ASSERT_EQ(cal.count.size(), 1u);
  EXPECT_NEAR(cal.ece, 0.4, 1e-6);
}

TEST(ReportMetrics, TextReportLooksLikeScikitLearns) {
  std::vector<uint8_t> labels = {0, 1, 1, 2};
  std::vector<uint8_t> pred = {0, 1, 2, 2};
  std::array<std::string, kNumClasses> names;
  for (int c = 0; c < kNumClasses; ++c) names[c] = "c" + std::to_string(c);
  auto text = classification_report(pred, labels).to_text(names);
  EXPECT_NE(text.find("precision    recall  f1-score   support"), std::string::npos) << text;
  EXPECT_NE(text.find("accuracy"), std::string::npos);
  EXPECT_NE(text.find("weighted avg"), std::string::npos);
}

}  // namespace
}  // namespace fmnist
