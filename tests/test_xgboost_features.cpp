#include <gtest/gtest.h>

#include <numeric>

#include "models/xgboost_features.hpp"
#include "support/expect_error.hpp"
#include "support/fixtures.hpp"

namespace fmnist {
namespace {

using test::expect_error;

// One 3x5 image (odd sides: the last pooled row and column average what
// they have) with pixels 10 * row + column.
Dataset ramp() {
  Dataset d = test::make_dataset(1, 1, 3, 5);
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 5; ++c) d.pixels[r * 5 + c] = static_cast<uint8_t>(10 * r + c);
  return d;
}

TEST(XgBoostFeatures, PartsAreLaidOutInTheOrderGiven) {
  const Dataset d = ramp();
  const auto plan = BoostFeatures::parse("profiles+pooled+pixels", 7).for_images(3, 5);
  EXPECT_EQ(plan.dim(), 8u + 6u + 15u);
  const auto x = plan.transform(d, 1);
  ASSERT_EQ(x.size(), plan.dim());
  // Row means 2, 12, 22; column means 10..14 (rounded).
  const std::vector<uint8_t> profiles = {2, 12, 22, 10, 11, 12, 13, 14};
  EXPECT_EQ(std::vector<uint8_t>(x.begin(), x.begin() + 8), profiles);
  // 2x2 means: (0+1+10+11)/4 = 5.5 -> 6, ..., the last column of two pixels
  // (4+14)/2 = 9, the last row of two (20+21)/2 = 20.5 -> 21, the corner 24.
  const std::vector<uint8_t> pooled = {6, 8, 9, 21, 23, 24};
  EXPECT_EQ(std::vector<uint8_t>(x.begin() + 8, x.begin() + 14), pooled);
  EXPECT_EQ(std::vector<uint8_t>(x.begin() + 14, x.end()), d.pixels);
}

TEST(XgBoostFeatures, HogPartIsHogSvmsHogOfOneCellSize) {
  const Dataset d = test::make_dataset(3);
  const auto plan = BoostFeatures::parse("hog", 7).for_images(28, 28);
  svm::HogConfig c;
  c.cells = {7};
  c.pixel_weight = 0;
  const auto hog = svm::FeatureMap::hog(28, 28, c);
  EXPECT_EQ(plan.dim(), 324u);
  EXPECT_EQ(plan.transform(d, 2), hog.transform(d, "test", 1));
}

// Each feature's importance lands on the pixels it reads, so the map keeps
// the total and puts a profile's share on its row only.
TEST(XgBoostFeatures, ImportanceSpreadsOverThePixelsAFeatureReads) {
  const auto plan = BoostFeatures::parse("pixels+profiles+pooled", 7).for_images(3, 5);
  std::vector<double> gain(plan.dim(), 0.0);
  gain[15 + 1] = 5.0;      // the profile of row 1
  gain[15 + 8 + 5] = 2.0;  // the pooled corner: pixel (2, 4) alone
  const auto map = plan.onto_pixels(gain);
  ASSERT_EQ(map.size(), 15u);
  EXPECT_DOUBLE_EQ(std::accumulate(map.begin(), map.end(), 0.0), 7.0);
  for (int c = 0; c < 5; ++c) EXPECT_DOUBLE_EQ(map[5 + c], 1.0);
  EXPECT_DOUBLE_EQ(map[14], 2.0);
  EXPECT_DOUBLE_EQ(map[0], 0.0);

  const auto hog = BoostFeatures::parse("hog", 7).for_images(28, 28);
  std::vector<double> ones(hog.dim(), 1.0);
  const auto hog_map = hog.onto_pixels(ones);
  EXPECT_NEAR(std::accumulate(hog_map.begin(), hog_map.end(), 0.0), 324.0, 1e-9);
  expect_error([&] { hog.onto_pixels(gain); }, {"29 feature importances", "324"});
}

TEST(XgBoostFeatures, AttributeRebuildsThePlan) {
  for (const char* parts : {"pixels+profiles", "hog+pooled+profiles", "pooled"}) {
    SCOPED_TRACE(parts);
    const auto plan = BoostFeatures::parse(parts, 4).for_images(28, 28);
    const auto back = BoostFeatures::from_attribute(plan.attribute(), "m/xgboost.json");
    EXPECT_EQ(back.spelled(), parts);
    EXPECT_EQ(back.dim(), plan.dim());
    const Dataset d = test::make_dataset(4);
    EXPECT_EQ(back.transform(d, 1), plan.transform(d, 1));
  }
  EXPECT_EQ(BoostFeatures::from_profiles(28, 28).attribute(),
            BoostFeatures::parse("pixels+profiles", 7).for_images(28, 28).attribute());
}

TEST(XgBoostFeatures, TransformRejectsOtherImageSizes) {
  const auto plan = BoostFeatures::parse("pooled", 7).for_images(28, 28);
  expect_error([&] { plan.transform(test::make_dataset(2, 1, 14, 56), 1); },
               {"xgboost", "28x28", "14x56", "pooled"});
}

}  // namespace
}  // namespace fmnist
