#include <gtest/gtest.h>

#include "data/csv.hpp"
#include "data/idx.hpp"
#include "data/source.hpp"
#include "support/expect_error.hpp"
#include "support/fixtures.hpp"

namespace fmnist {
namespace {

namespace fs = std::filesystem;
using test::TempDir;

void write_idx_dir(const fs::path& dir, const std::string& style, const std::string& ext,
                   const std::string& test_prefix = "t10k") {
  fs::create_directories(dir);
  auto name = [&](const std::string& split, const std::string& kind, int dims) {
    if (style == "dash") return split + "-" + kind + "-idx" + std::to_string(dims) + "-ubyte" + ext;
    return split + "-" + kind + ".idx" + std::to_string(dims) + "-ubyte" + ext;
  };
  save_idx(test::make_dataset(100, 1), dir / name("train", "images", 3), dir / name("train", "labels", 1));
  save_idx(test::make_dataset(30, 2), dir / name(test_prefix, "images", 3),
           dir / name(test_prefix, "labels", 1));
}

class IdxLayouts : public ::testing::TestWithParam<std::tuple<std::string, std::string>> {};

TEST_P(IdxLayouts, FindsAndLoadsEveryNamingStyle) {
  TempDir dir;
  auto [style, ext] = GetParam();
  write_idx_dir(dir.path(), style, ext);
  DataOptions o;
  o.data = dir.path().string();
  o.val = 10;
  DataSplits s = load_data(o);
  EXPECT_EQ(s.train.size(), 90u);
  EXPECT_EQ(s.val.size(), 10u);
  EXPECT_EQ(s.test.size(), 30u);
  EXPECT_NE(s.origin.find(dir.path().string()), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Styles, IdxLayouts,
                         ::testing::Combine(::testing::Values("dash", "dot"),
                                            ::testing::Values("", ".gz")));

TEST(Source, AcceptsTestAsSplitPrefix) {
  TempDir dir;
  write_idx_dir(dir.path(), "dash", ".gz", "test");
  DataOptions o;
  o.data = dir.path().string();
  o.val = 0;
  EXPECT_EQ(load_data(o).test.size(), 30u);
}

TEST(Source, FindsKaggleCsvPair) {
  TempDir dir;
  save_csv(test::make_dataset(50, 1), dir / "fashion-mnist_train.csv");
  save_csv(test::make_dataset(20, 2), dir / "fashion-mnist_test.csv");
  DataOptions o;
  o.data = dir.path().string();
  o.val = 5;
  DataSplits s = load_data(o);
  EXPECT_EQ(s.train.size(), 45u);
  EXPECT_EQ(s.test.size(), 20u);
  EXPECT_EQ(s.dataset_name, "fashion-mnist");
  EXPECT_EQ(s.class_names[9], "Ankle boot");
}

TEST(Source, TrainAndTestFilesByName) {
  TempDir dir;
  write_idx_dir(dir.path(), "dash", "");
  DataOptions o;
  o.train = (dir / "train-images-idx3-ubyte").string();
  o.test = (dir / "t10k-labels-idx1-ubyte").string();  // either twin names the pair
  o.val = 0;
  DataSplits s = load_data(o);
  EXPECT_EQ(s.train.size(), 100u);
  EXPECT_EQ(s.test.size(), 30u);
}

TEST(Source, MixedCsvAndIdxFiles) {
  TempDir dir;
  write_idx_dir(dir.path(), "dash", ".gz");
  save_csv(test::make_dataset(20, 2), dir / "extra.csv");
  DataOptions o;
  o.train = (dir / "train-images-idx3-ubyte.gz").string();
  o.test = (dir / "extra.csv").string();
  o.val = 0;
  EXPECT_EQ(load_data(o).test.size(), 20u);
}

TEST(Source, EnvironmentVariableIsSearchedFirst) {
  TempDir dir;
  write_idx_dir(dir.path(), "dash", ".gz");
  setenv("FMNIST_DATA", dir.path().c_str(), 1);
  DataOptions o;
  o.val = 0;
  DataSplits s = load_data(o);
  unsetenv("FMNIST_DATA");
  EXPECT_EQ(s.train.size(), 100u);
  EXPECT_NE(s.origin.find("$FMNIST_DATA"), std::string::npos);
}

TEST(Source, GenericClassNamesForUnknownData) {
  TempDir dir;
  write_idx_dir(dir.path(), "dash", "");
  DataOptions o;
  o.data = dir.path().string();
  o.val = 0;
  DataSplits s = load_data(o);
  EXPECT_EQ(s.dataset_name, "custom");
  EXPECT_EQ(s.class_names[3], "class 3");
  o.classes = "mnist";
  EXPECT_EQ(load_data(o).class_names[3], "3");
}

TEST(Source, EmptyDirectorySaysWhatItLookedFor) {
  TempDir dir;
  DataOptions o;
  o.data = dir.path().string();
  test::expect_error([&] { load_data(o); }, {dir.path().string(), "train-images-idx3-ubyte"});
}

TEST(Source, FileGivenAsDataDirectory) {
  TempDir dir;
  test::write_text(dir / "f", "x");
  DataOptions o;
  o.data = (dir / "f").string();
  test::expect_error([&] { load_data(o); }, {"--data takes a directory"});
}

TEST(Source, DirectoryGivenAsTrainFile) {
  TempDir dir;
  DataOptions o;
  o.train = dir.path().string();
  o.test = dir.path().string();
  test::expect_error([&] { load_data(o); }, {"is a directory"});
}

TEST(Source, TrainWithoutTestIsAnError) {
  DataOptions o;
  o.train = "x";
  test::expect_error([&] { load_data(o); }, {"--train and --test go together"});
}

TEST(Source, ShapeMismatchBetweenTrainAndTest) {
  TempDir dir;
  save_idx(test::make_dataset(10, 1, 28, 28), dir / "train-images-idx3-ubyte", dir / "train-labels-idx1-ubyte");
  save_idx(test::make_dataset(10, 1, 20, 20), dir / "t10k-images-idx3-ubyte", dir / "t10k-labels-idx1-ubyte");
  DataOptions o;
  o.data = dir.path().string();
  o.val = 0;
  test::expect_error([&] { load_data(o); }, {"28x28", "20x20"});
}

TEST(Source, RealFashionMnistHasSixtyThousandAndTenThousand) {
  DataOptions o;
  o.data = test::real_data_dir().string();
  DataSplits s = load_data(o);
  EXPECT_EQ(s.train.size() + s.val.size(), 60000u);
  EXPECT_EQ(s.val.size(), 5000u);
  EXPECT_EQ(s.test.size(), 10000u);
  for (size_t c : s.test.class_counts()) EXPECT_EQ(c, 1000u);
  for (size_t c : s.val.class_counts()) EXPECT_EQ(c, 500u);
  EXPECT_EQ(s.dataset_name, "fashion-mnist");
}

}  // namespace
}  // namespace fmnist
