// End-to-end: the fmnist binary on real files and on every kind of bad input.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/files.hpp"
#include "data/csv.hpp"
#include "data/idx.hpp"
#include "support/fixtures.hpp"

namespace fmnist {
namespace {

using test::run_fmnist;
namespace fs = std::filesystem;
using test::TempDir;

// A bad-input run: exit code 2 and exactly one line on stderr that starts
// with "fmnist: error:" and contains `needle`.
void expect_one_line_error(const test::RunResult& r, const std::string& needle) {
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(r.err.rfind("fmnist: error: ", 0), 0u) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
}

fs::path good_idx_dir(const TempDir& dir) {
  test::write_idx_fixture(dir.path(), 40, 20);
  return dir.path();
}

TEST(CliData, InfoOnRealDataReportsSixtyThousandAndTenThousand) {
  auto r = run_fmnist({"data", "info", "--data", test::real_data_dir().string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("60000 train, 10000 test"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("T-shirt/top      6000     1000"), std::string::npos) << r.out;
}

TEST(CliData, InfoJsonHasCountsPerClass) {
  auto r = run_fmnist({"data", "info", "--json", "--data", test::real_data_dir().string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["splits"]["train"]["images"], 60000);
  EXPECT_EQ(j["splits"]["test"]["images"], 10000);
  for (auto& c : j["splits"]["train"]["per_class"]) EXPECT_EQ(c, 6000);
  for (auto& c : j["splits"]["test"]["per_class"]) EXPECT_EQ(c, 1000);
  EXPECT_EQ(j["duplicates"]["test_in_train"], 0);
  EXPECT_NEAR(j["splits"]["train"]["pixels"]["mean"].get<double>(), 72.94, 0.01);
}

TEST(CliData, InfoSaysWhereTheDataCameFrom) {
  TempDir dir;
  good_idx_dir(dir);
  auto r = run_fmnist({"data", "info", "--val", "10"}, {"FMNIST_DATA=" + dir.path().string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("$FMNIST_DATA"), std::string::npos) << r.out;
}

TEST(CliData, HelpAndVersion) {
  auto r = run_fmnist({"--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("data"), std::string::npos);
  r = run_fmnist({"data", "info", "--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("Examples"), std::string::npos);
  r = run_fmnist({"--version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("zlib"), std::string::npos);
  EXPECT_NE(r.out.find("running on: "), std::string::npos);
}

TEST(CliData, UnknownOptionIsAUsageError) {
  auto r = run_fmnist({"data", "info", "--bogus"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err.rfind("fmnist: error: ", 0), 0u) << r.err;
}

// Each malformed input: a test of its own, as the users will meet them.
struct BadCase {
  const char* name;
  const char* needle;
};

// A case's name as a test name: GoogleTest allows no '-'.
std::string case_name(const ::testing::TestParamInfo<BadCase>& info) {
  std::string n = info.param.name;
  std::replace(n.begin(), n.end(), '-', '_');
  return n;
}

class BadIdxInput : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadIdxInput, GivesOneLineErrorAndExitTwo) {
  TempDir dir;
  good_idx_dir(dir);
  const std::string which = GetParam().name;
  auto images = dir / "train-images-idx3-ubyte.gz", labels = dir / "train-labels-idx1-ubyte.gz";
  auto raw = read_maybe_gzip(images);
  if (which == "wrong-magic") {
    raw[2] = 0x07;
    raw[3] = 0x77;
    auto gz = gzip_compress({reinterpret_cast<char*>(raw.data()), raw.size()});
    test::write_bytes(images, gz);
  } else if (which == "truncated-file") {
    raw.resize(raw.size() - 500);
    auto gz = gzip_compress({reinterpret_cast<char*>(raw.data()), raw.size()});
    test::write_bytes(images, gz);
  } else if (which == "truncated-gzip") {
    auto gz = read_file(images);
    gz.resize(gz.size() / 2);
    test::write_bytes(images, gz);
  } else if (which == "count-mismatch") {
    Dataset d = test::make_dataset(39, 1);
    save_idx(d, dir / "x.gz", labels);
  } else if (which == "label-too-big") {
    Dataset d = test::make_dataset(40, 1);
    d.labels[5] = 10;
    save_idx(d, images, labels);
  } else if (which == "empty-file") {
    test::write_text(images, "");
  } else if (which == "directory") {
    fs::remove(images);
    fs::create_directory(images);
  }
  auto r = run_fmnist({"data", "info", "--data", dir.path().string()});
  expect_one_line_error(r, GetParam().needle);
}

INSTANTIATE_TEST_SUITE_P(Cases, BadIdxInput,
                         ::testing::Values(BadCase{"wrong-magic", "wrong magic"},
                                           BadCase{"truncated-file", "truncated"},
                                           BadCase{"truncated-gzip", "truncated gzip"},
                                           BadCase{"count-mismatch", "must agree"},
                                           BadCase{"label-too-big", "label 10 is out of range"},
                                           BadCase{"empty-file", "empty file"},
                                           BadCase{"directory", "is a directory"}),
                         case_name);

class BadCsvInput : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadCsvInput, GivesOneLineErrorNamingTheLine) {
  TempDir dir;
  save_csv(test::make_dataset(20, 2), dir / "fashion-mnist_test.csv");
  std::string header = "label";
  for (int j = 1; j <= 784; ++j) header += ",pixel" + std::to_string(j);
  std::string row = "1";
  for (int j = 0; j < 784; ++j) row += ",0";
  std::string bad = row;
  const std::string which = GetParam().name;
  if (which == "missing-column") bad = bad.substr(0, bad.size() - 2);
  if (which == "extra-column") bad += ",0";
  if (which == "not-a-number") bad.replace(4, 1, "x");
  if (which == "pixel-too-big") bad.replace(bad.size() - 1, 1, "300");
  if (which == "label-too-big") bad.replace(0, 1, "11");
  test::write_text(dir / "fashion-mnist_train.csv", header + "\n" + row + "\n" + bad + "\n");
  auto r = run_fmnist({"data", "info", "--data", dir.path().string()});
  expect_one_line_error(r, GetParam().needle);
  EXPECT_NE(r.err.find("fashion-mnist_train.csv: line 3"), std::string::npos) << r.err;
}

INSTANTIATE_TEST_SUITE_P(Cases, BadCsvInput,
                         ::testing::Values(BadCase{"missing-column", "missing column 785"},
                                           BadCase{"extra-column", "extra column 786"},
                                           BadCase{"not-a-number", "column 3: 'x' is not a number"},
                                           BadCase{"pixel-too-big", "column 785: pixel value 300"},
                                           BadCase{"label-too-big", "column 1: label 11"}),
                         case_name);

TEST(CliData, EmptyCsvFile) {
  TempDir dir;
  test::write_text(dir / "a_train.csv", "");
  save_csv(test::make_dataset(5), dir / "a_test.csv");
  expect_one_line_error(run_fmnist({"data", "info", "--data", dir.path().string()}), "empty file");
}

TEST(CliData, MissingDataDirectory) {
  expect_one_line_error(run_fmnist({"data", "info", "--data", "/nonexistent/dir"}),
                        "no such directory");
}

TEST(CliData, ValTooLarge) {
  TempDir dir;
  good_idx_dir(dir);
  expect_one_line_error(run_fmnist({"data", "info", "--data", dir.path().string(), "--val", "40"}),
                        "--val 40");
}

}  // namespace
}  // namespace fmnist
