#include <gtest/gtest.h>

#include "core/files.hpp"
#include "data/csv.hpp"
#include "support/expect_error.hpp"
#include "support/fixtures.hpp"

namespace fmnist {
namespace {

using test::expect_error;

// A CSV text of `n` rows of 2x2 images (5 columns), header optional.
std::string tiny_csv(bool header) {
  std::string s = header ? "label,pixel1,pixel2,pixel3,pixel4\n" : "";
  s += "3,0,10,255,7\n";
  s += "9,1,2,3,4\n";
  return s;
}

TEST(Csv, ParsesWithHeader) {
  Dataset d = parse_csv(tiny_csv(true), "t.csv");
  EXPECT_EQ(d.rows, 2);
  EXPECT_EQ(d.cols, 2);
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d.labels, (std::vector<uint8_t>{3, 9}));
  EXPECT_EQ(d.pixels, (std::vector<uint8_t>{0, 10, 255, 7, 1, 2, 3, 4}));
}

TEST(Csv, ParsesWithoutHeader) {
  EXPECT_EQ(parse_csv(tiny_csv(false), "t.csv").size(), 2u);
}

TEST(Csv, AcceptsCrlfBomTrailingBlankLinesAndDotZero) {
  std::string s = "\xEF\xBB\xBFlabel,a,b,c,d\r\n3,0,10.0,255,7\r\n\r\n9,1,2,3,4\r\n\r\n";
  Dataset d = parse_csv(s, "t.csv");
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d.pixels[1], 10);
}

TEST(Csv, RoundTripsThroughFiles) {
  test::TempDir dir;
  Dataset d = test::make_dataset(12);
  save_csv(d, dir / "train.csv");
  Dataset back = load_csv(dir / "train.csv");
  EXPECT_EQ(back.rows, 28);
  EXPECT_EQ(back.pixels, d.pixels);
  EXPECT_EQ(back.labels, d.labels);
}

TEST(Csv, ReadsGzippedCsv) {
  test::TempDir dir;
  auto gz = gzip_compress(tiny_csv(true));
  test::write_bytes(dir / "t.csv.gz", gz);
  EXPECT_EQ(load_csv(dir / "t.csv.gz").size(), 2u);
}

TEST(Csv, MissingColumnNamesLineAndColumn) {
  expect_error([] { parse_csv("label,a,b,c,d\n3,0,10,255,7\n9,1,2,3\n", "t.csv"); },
               {"t.csv", "line 3", "4 columns, expected 5", "missing column 5"});
}

TEST(Csv, ExtraColumnNamesLineAndColumn) {
  expect_error([] { parse_csv("3,0,10,255,7\n9,1,2,3,4,5\n", "t.csv"); },
               {"t.csv", "line 2", "extra column 6"});
}

TEST(Csv, NonNumberNamesLineAndColumn) {
  expect_error([] { parse_csv("label,a,b,c,d\n3,0,1x,255,7\n", "t.csv"); },
               {"t.csv", "line 2", "column 3", "'1x' is not a number"});
}

TEST(Csv, EmptyFieldNamesLineAndColumn) {
  expect_error([] { parse_csv("3,0,,255,7\n", "t.csv"); }, {"line 1", "column 3", "empty field"});
}

TEST(Csv, PixelAbove255NamesLineAndColumn) {
  expect_error([] { parse_csv("3,0,10,256,7\n", "t.csv"); },
               {"t.csv", "line 1", "column 4", "256", "0-255"});
}

TEST(Csv, LabelAboveNineNamesLine) {
  expect_error([] { parse_csv("label,a,b,c,d\n3,0,1,2,7\n10,0,1,2,3\n", "t.csv"); },
               {"line 3", "column 1", "label 10"});
}

TEST(Csv, NonSquareRowIsRejected) {
  expect_error([] { parse_csv("3,0,10,255\n", "t.csv"); }, {"line 1: 4 columns", "square"});
}

TEST(Csv, EmptyFileIsRejected) {
  expect_error([] { parse_csv("", "t.csv"); }, {"t.csv", "empty file"});
  expect_error([] { parse_csv("\n\n", "t.csv"); }, {"empty file"});
}

TEST(Csv, HeaderOnlyIsRejected) {
  expect_error([] { parse_csv("label,a,b,c,d\n", "t.csv"); }, {"no data rows"});
}

TEST(Csv, BinaryGarbageIsRejectedWithShortMessage) {
  std::string junk = "3,\x01\x02\x03\xff\xfe more junk that goes on and on and on,1,2\n";
  try {
    parse_csv(junk, "t.csv");
    FAIL();
  } catch (const Error& e) {
    EXPECT_LT(std::string(e.what()).size(), 120u);
  }
}

}  // namespace
}  // namespace fmnist
