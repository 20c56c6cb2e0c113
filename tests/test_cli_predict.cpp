// End-to-end: fmnist predict on data files and photos.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "data/image.hpp"
#include "support/fixtures.hpp"

namespace fmnist {
namespace {

namespace fs = std::filesystem;
using test::run_fmnist;
using test::TempDir;

class CliPredict : public ::testing::Test {
 protected:
  void SetUp() override {
    test::write_idx_fixture(dir_.path(), 300, 100);
    auto r = run_fmnist({"--quiet", "train", "--model", "naive-bayes", "--data",
                         dir_.path().string(), "--val", "0", "--out", model()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  std::string model() const { return (dir_ / "model").string(); }
  TempDir dir_;
};

TEST_F(CliPredict, ScoresAWholeIdxFileAndWritesCsv) {
  auto csv = (dir_ / "preds.csv").string();
  auto r = run_fmnist(
      {"predict", "--model", model(), (dir_ / "t10k-images-idx3-ubyte.gz").string(), "--out", csv});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("100 labelled images: accuracy 100.00%"), std::string::npos) << r.out;
  auto text = test::read_text(csv);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 101);
}

TEST_F(CliPredict, PredictsAPhotoAsJson) {
  // A light-background "photo" of class 3's pattern: band rows 3, 13, 23 lit.
  GreyImage img;
  img.width = img.height = 28;
  img.pixels.assign(28 * 28, 0);
  // Keep the dataset alive: image() is a view into it.
  auto data = test::make_dataset(4, 9);
  auto sample = data.image(3);
  std::copy(sample.begin(), sample.end(), img.pixels.begin());
  auto png = encode_png(img);
  test::write_bytes(dir_ / "item.png", png);
  auto r = run_fmnist(
      {"predict", "--model", model(), (dir_ / "item.png").string(), "--json", "--top", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0]["predicted"], 3);
  EXPECT_EQ(j[0]["top"].size(), 2u);
}

TEST_F(CliPredict, CorruptPhotoIsAOneLineErrorAndNoCsv) {
  test::write_text(dir_ / "bad.png", "\x89PNG\r\n\x1a\n garbage");
  auto csv = dir_ / "preds.csv";
  auto r = run_fmnist(
      {"predict", "--model", model(), (dir_ / "bad.png").string(), "--out", csv.string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("bad.png"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(csv));
}

}  // namespace
}  // namespace fmnist
