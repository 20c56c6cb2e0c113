#include <gtest/gtest.h>

#include <set>

#include "data/split.hpp"
#include "support/expect_error.hpp"
#include "support/fixtures.hpp"

namespace fmnist {
namespace {

TEST(Split, HoldsOutExactlyNStratified) {
  Dataset d = test::make_dataset(1000);
  auto idx = stratified_split(d.labels, 100, 7);
  EXPECT_EQ(idx.val.size(), 100u);
  EXPECT_EQ(idx.train.size(), 900u);
  auto counts = stratified_split_counts(d.labels, 100, 7);
  for (size_t c : counts) EXPECT_EQ(c, 10u);
}

TEST(Split, PartitionsWithoutOverlap) {
  Dataset d = test::make_dataset(537);
  auto idx = stratified_split(d.labels, 53, 3);
  std::set<uint32_t> all(idx.train.begin(), idx.train.end());
  for (uint32_t i : idx.val) EXPECT_TRUE(all.insert(i).second) << i;
  EXPECT_EQ(all.size(), 537u);
}

TEST(Split, UnevenClassesGetProportionalShares) {
  std::vector<uint8_t> labels;
  for (int i = 0; i < 900; ++i) labels.push_back(0);
  for (int i = 0; i < 100; ++i) labels.push_back(1);
  auto counts = stratified_split_counts(labels, 101, 1);
  EXPECT_EQ(counts[0] + counts[1], 101u);
  EXPECT_NEAR(static_cast<double>(counts[0]), 90.9, 1.0);
  EXPECT_NEAR(static_cast<double>(counts[1]), 10.1, 1.0);
}

TEST(Split, SameSeedSameSplitOtherSeedOtherSplit) {
  Dataset d = test::make_dataset(500);
  auto a = stratified_split(d.labels, 50, 11), b = stratified_split(d.labels, 50, 11);
  auto c = stratified_split(d.labels, 50, 12);
  EXPECT_EQ(a.val, b.val);
  EXPECT_NE(a.val, c.val);
}

TEST(Split, ZeroValKeepsEverything) {
  Dataset d = test::make_dataset(20);
  auto idx = stratified_split(d.labels, 0, 1);
  EXPECT_TRUE(idx.val.empty());
  EXPECT_EQ(idx.train.size(), 20u);
}

TEST(Split, TooLargeValIsAnError) {
  Dataset d = test::make_dataset(20);
  test::expect_error([&] { stratified_split(d.labels, 20, 1); }, {"--val 20", "only 20"});
}

TEST(Split, SplitValidationCopiesTheRightRows) {
  Dataset d = test::make_dataset(60);
  auto [train, val] = split_validation(d, 10, 5);
  auto idx = stratified_split(d.labels, 10, 5);
  ASSERT_EQ(val.size(), 10u);
  for (size_t k = 0; k < val.size(); ++k) {
    EXPECT_EQ(val.labels[k], d.labels[idx.val[k]]);
    EXPECT_TRUE(std::equal(val.image(k).begin(), val.image(k).end(), d.image(idx.val[k]).begin()));
  }
}

}  // namespace
}  // namespace fmnist
