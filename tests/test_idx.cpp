#include <gtest/gtest.h>

#include "core/error.hpp"
#include "core/files.hpp"
#include "data/idx.hpp"
#include "support/expect_error.hpp"
#include "support/fixtures.hpp"

namespace fmnist {
namespace {

using test::expect_error;
using test::TempDir;

TEST(Idx, RoundTripsRawAndGzip) {
  TempDir dir;
  Dataset d = test::make_dataset(37);
  for (std::string ext : {"", ".gz"}) {
    auto img = dir / ("train-images-idx3-ubyte" + ext), lab = dir / ("train-labels-idx1-ubyte" + ext);
    save_idx(d, img, lab);
    Dataset back = load_idx(img, lab);
    EXPECT_EQ(back.rows, 28);
    EXPECT_EQ(back.cols, 28);
    EXPECT_EQ(back.pixels, d.pixels);
    EXPECT_EQ(back.labels, d.labels);
  }
}

TEST(Idx, KeepsNonSquareImageSizes) {
  TempDir dir;
  Dataset d = test::make_dataset(5, 3, 20, 12);
  save_idx(d, dir / "i", dir / "l");
  Dataset back = load_idx(dir / "i", dir / "l");
  EXPECT_EQ(back.rows, 20);
  EXPECT_EQ(back.cols, 12);
  EXPECT_EQ(back.pixels, d.pixels);
}

TEST(Idx, RejectsWrongMagic) {
  TempDir dir;
  save_idx(test::make_dataset(3), dir / "i", dir / "l");
  auto bytes = read_file(dir / "i");
  bytes[0] = 0x12;
  test::write_bytes(dir / "i", bytes);
  expect_error([&] { load_idx(dir / "i", dir / "l"); }, {(dir / "i").string(), "wrong magic"});
}

TEST(Idx, RejectsLabelsFileGivenAsImages) {
  TempDir dir;
  save_idx(test::make_dataset(3), dir / "i", dir / "l");
  expect_error([&] { load_idx(dir / "l", dir / "l"); }, {"wrong magic", "dimension"});
}

TEST(Idx, RejectsNonByteDataType) {
  Dataset out;
  std::vector<uint8_t> b = {0, 0, 0x0D, 3, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0};
  expect_error([&] { parse_idx_images(b, "x", out); }, {"x:", "float"});
}

TEST(Idx, RejectsTruncatedImages) {
  TempDir dir;
  save_idx(test::make_dataset(10), dir / "i", dir / "l");
  auto bytes = read_file(dir / "i");
  bytes.resize(bytes.size() - 100);
  test::write_bytes(dir / "i", bytes);
  expect_error([&] { load_idx(dir / "i", dir / "l"); }, {"truncated", "10 images", "9 complete"});
}

TEST(Idx, RejectsTrailingBytes) {
  TempDir dir;
  save_idx(test::make_dataset(2), dir / "i", dir / "l");
  auto bytes = read_file(dir / "l");
  bytes.push_back(1);
  test::write_bytes(dir / "l", bytes);
  expect_error([&] { load_idx(dir / "i", dir / "l"); }, {"trailing"});
}

TEST(Idx, RejectsTruncatedGzipStream) {
  TempDir dir;
  save_idx(test::make_dataset(50), dir / "i.gz", dir / "l.gz");
  auto bytes = read_file(dir / "i.gz");
  bytes.resize(bytes.size() / 2);
  test::write_bytes(dir / "i.gz", bytes);
  expect_error([&] { load_idx(dir / "i.gz", dir / "l.gz"); }, {"i.gz", "truncated gzip"});
}

TEST(Idx, RejectsCorruptGzipStream) {
  TempDir dir;
  save_idx(test::make_dataset(50), dir / "i.gz", dir / "l.gz");
  auto bytes = read_file(dir / "i.gz");
  for (size_t k = 20; k < 60; ++k) bytes[k] ^= 0x5A;
  test::write_bytes(dir / "i.gz", bytes);
  expect_error([&] { load_idx(dir / "i.gz", dir / "l.gz"); }, {"i.gz", "gzip"});
}

TEST(Idx, RejectsCountMismatch) {
  TempDir dir;
  save_idx(test::make_dataset(10), dir / "i", dir / "l");
  save_idx(test::make_dataset(9), dir / "i9", dir / "l9");
  expect_error([&] { load_idx(dir / "i", dir / "l9"); }, {"10 images", "9 labels"});
}

TEST(Idx, RejectsLabelAboveNine) {
  TempDir dir;
  Dataset d = test::make_dataset(10);
  d.labels[7] = 12;
  save_idx(d, dir / "i", dir / "l");
  expect_error([&] { load_idx(dir / "i", dir / "l"); }, {"record 7", "label 12"});
}

TEST(Idx, RejectsEmptyFile) {
  TempDir dir;
  save_idx(test::make_dataset(3), dir / "i", dir / "l");
  test::write_text(dir / "i", "");
  expect_error([&] { load_idx(dir / "i", dir / "l"); }, {"empty file"});
}

TEST(Idx, RejectsDirectoryGivenAsFile) {
  TempDir dir;
  save_idx(test::make_dataset(3), dir / "i", dir / "l");
  expect_error([&] { load_idx(dir.path(), dir / "l"); }, {"is a directory"});
}

TEST(Idx, RejectsMissingFile) {
  TempDir dir;
  expect_error([&] { load_idx(dir / "nope", dir / "l"); }, {"nope", "no such file"});
}

TEST(Idx, ReadsConcatenatedGzipMembers) {
  TempDir dir;
  Dataset d = test::make_dataset(4);
  save_idx(d, dir / "i", dir / "l");
  auto raw = read_file(dir / "i");
  std::string_view all(reinterpret_cast<const char*>(raw.data()), raw.size());
  auto a = gzip_compress(all.substr(0, 100)), b = gzip_compress(all.substr(100));
  a.insert(a.end(), b.begin(), b.end());
  test::write_bytes(dir / "i.gz", a);
  EXPECT_EQ(load_idx(dir / "i.gz", dir / "l").pixels, d.pixels);
}

}  // namespace
}  // namespace fmnist
