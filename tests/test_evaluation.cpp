// The evaluation of one model's predictions (galleries, confused pairs,
// curves for drawing) and the occlusion maps of eval/explain.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "core/error.hpp"
#include "eval/evaluation.hpp"
#include "eval/explain.hpp"
#include "models/classifier.hpp"
#include "support/fixtures.hpp"

namespace fmnist {
namespace {

// Row i: a confident `pred[i]` with the rest shared evenly.
std::vector<float> confident(const std::vector<uint8_t>& pred, const std::vector<float>& conf) {
  std::vector<float> p(pred.size() * kNumClasses);
  for (size_t i = 0; i < pred.size(); ++i)
    for (int c = 0; c < kNumClasses; ++c)
      p[i * kNumClasses + c] = c == pred[i] ? conf[i] : (1 - conf[i]) / (kNumClasses - 1);
  return p;
}

TEST(Evaluation, GalleriesHoldTheMostConfidentRightAndWrongPerClass) {
  // Class 0: four right (0.6, 0.9, 0.7, 0.8) and two taken for class 6.
  std::vector<uint8_t> labels = {0, 0, 0, 0, 0, 0, 6, 6};
  std::vector<uint8_t> pred = {0, 0, 0, 0, 6, 6, 0, 6};
  std::vector<float> conf = {0.6f, 0.9f, 0.7f, 0.8f, 0.5f, 0.95f, 0.4f, 0.7f};
  EvaluationOptions opts;
  opts.gallery_size = 3;
  Evaluation e = evaluate(confident(pred, conf), labels, opts);
  ASSERT_EQ(e.best_right[0].size(), 3u);
  EXPECT_EQ(e.best_right[0][0].index, 1u);
  EXPECT_EQ(e.best_right[0][1].index, 3u);
  EXPECT_EQ(e.best_right[0][2].index, 2u);
  ASSERT_EQ(e.worst_wrong[0].size(), 2u);
  EXPECT_EQ(e.worst_wrong[0][0].index, 5u);
  EXPECT_EQ(e.worst_wrong[0][0].predicted, 6);
  EXPECT_FLOAT_EQ(e.worst_wrong[0][0].confidence, 0.95f);
  EXPECT_TRUE(e.worst_wrong[3].empty());
  // The one confused pair: 0 -> 6 twice, 6 -> 0 once, mistakes only.
  ASSERT_EQ(e.confused_pairs.size(), 1u);
  EXPECT_EQ(e.confused_pairs[0].a, 0);
  EXPECT_EQ(e.confused_pairs[0].b, 6);
  EXPECT_EQ(e.confused_pairs[0].a_as_b, 2u);
  EXPECT_EQ(e.confused_pairs[0].b_as_a, 1u);
  EXPECT_EQ(e.confused_pairs[0].examples.size(), 3u);
  EXPECT_DOUBLE_EQ(e.accuracy, 5.0 / 8);
}

TEST(Evaluation, JsonHasNoNanWhenAClassIsAbsent) {
  // Only classes 0 and 1 in the labels: the other ROC curves are undefined.
  std::vector<uint8_t> labels = {0, 1, 0, 1};
  std::vector<uint8_t> pred = {0, 1, 1, 1};
  Evaluation e = evaluate(confident(pred, {0.9f, 0.8f, 0.6f, 0.7f}), labels);
  ClassNames names;
  for (int c = 0; c < kNumClasses; ++c) names[c] = fmt::format("c{}", c);
  const std::string text = e.to_json(names).dump();
  EXPECT_EQ(text.find("NaN"), std::string::npos);
  EXPECT_EQ(text.find("nan"), std::string::npos);
  auto j = nlohmann::json::parse(text);
  EXPECT_TRUE(j["roc"]["per_class"][5]["auc"].is_null());
  EXPECT_EQ(j["confusion_matrix"]["counts"][0][1], 1);
  EXPECT_DOUBLE_EQ(j["confusion_matrix"]["row_normalised"][0][0].get<double>(), 0.5);
}

TEST(Evaluation, ThinnedCurveKeepsItsEndsAndShape) {
  Curve c;
  for (int i = 0; i <= 10000; ++i) {
    c.x.push_back(i / 10000.0);
    c.y.push_back(std::sqrt(i / 10000.0));
  }
  Curve t = thin_curve(c, 100);
  EXPECT_LE(t.x.size(), 250u);
  EXPECT_GE(t.x.size(), 50u);
  EXPECT_EQ(t.x.front(), 0.0);
  EXPECT_EQ(t.x.back(), 1.0);
  for (size_t i = 0; i < t.x.size(); ++i) EXPECT_NEAR(t.y[i], std::sqrt(t.x[i]), 1e-12);
  for (size_t i = 1; i < t.x.size(); ++i) EXPECT_LE(t.x[i] - t.x[i - 1], 0.011);
}

TEST(Evaluation, RejectsMismatchedSizes) {
  EXPECT_THROW(evaluate(std::vector<float>(15), {0, 1}), Error);
}

// Says class 1 in proportion to the brightness of the image's top-left
// 7x7 corner, class 0 otherwise: its occlusion map must light up there.
class CornerModel final : public Classifier {
 public:
  CornerModel() : Classifier(Settings()) {}
  std::string name() const override { return "corner"; }
  void fit(const Dataset&, const FitContext&) override {}
  void predict_proba(const Dataset& data, float* out) const override {
    for (size_t i = 0; i < data.size(); ++i) {
      double s = 0;
      for (int y = 0; y < 7; ++y)
        for (int x = 0; x < 7; ++x) s += data.image(i)[y * data.cols + x];
      const float p1 = static_cast<float>(s / (49 * 255.0));
      std::fill_n(out + i * kNumClasses, kNumClasses, 0.f);
      out[i * kNumClasses + 1] = p1;
      out[i * kNumClasses] = 1 - p1;
    }
  }
  void save(const std::filesystem::path&) const override {}
  void load(const std::filesystem::path&) override {}
};

TEST(Explain, OcclusionMapPointsAtThePixelsTheModelUses) {
  Dataset d;
  d.pixels.assign(28 * 28, 255);  // all white: the corner says class 1
  d.labels = {1};
  CornerModel model;
  auto maps = explain(model, d, {0});
  ASSERT_EQ(maps.size(), 1u);
  const auto& e = maps[0];
  EXPECT_EQ(e.predicted, 1);
  EXPECT_FLOAT_EQ(e.confidence, 1.f);
  EXPECT_TRUE(e.saliency.empty());  // no gradients for this model
  ASSERT_EQ(e.occlusion.size(), 28u * 28);
  EXPECT_GT(e.occlusion[0], 0.3f);                  // inside the corner
  EXPECT_FLOAT_EQ(e.occlusion[27 * 28 + 27], 0.f);  // far from it
  EXPECT_FLOAT_EQ(e.occlusion[14 * 28 + 14], 0.f);
}

TEST(Explain, FirstOfEachClassIsOrderedByClass) {
  Dataset d = test::make_dataset(40);
  std::reverse(d.labels.begin(), d.labels.end());
  auto picks = first_of_each_class(d);
  ASSERT_EQ(picks.size(), 10u);
  for (int c = 0; c < kNumClasses; ++c) EXPECT_EQ(d.labels[picks[c]], c);
  EXPECT_THROW(explain(CornerModel(), d, {99}), Error);
}

TEST(PeakMemory, ResetStartsANewPeakSoEachModelGetsItsOwn) {
  reset_peak_memory();
  const double base = peak_memory_mib();
  {
    std::vector<char> big(300u << 20);
    std::memset(big.data(), 1, big.size());
    EXPECT_GE(peak_memory_mib(), base + 250);
  }
  const double high = peak_memory_mib();
  reset_peak_memory();
  EXPECT_LT(peak_memory_mib(), high - 200);
}

}  // namespace
}  // namespace fmnist
