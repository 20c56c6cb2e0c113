// End-to-end: fmnist report (and eval --report) through the binary.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/fixtures.hpp"

namespace fmnist {
namespace {

using test::run_fmnist;
using test::TempDir;
namespace fs = std::filesystem;

void write_data(const TempDir& dir) {
  test::write_idx_fixture(dir.path(), 400, 200);
}

void train(const TempDir& dir, const std::string& spec, const std::string& name) {
  auto r = run_fmnist({"train", "--model", spec, "--data", dir.path().string(), "--val", "50",
                       "--out", (dir / name).string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
}

TEST(CliReport, WritesTheReportOfSavedModelsAndReportsABrokenOne) {
  TempDir dir;
  write_data(dir);
  train(dir, "naive-bayes", "nb");
  train(dir, "logreg", "logreg");
  fs::create_directories(dir / "broken");
  test::write_text(dir / "broken" / "model.json", "{ not json");
  const std::string out = (dir / "report").string();
  auto r = run_fmnist({"report", "--out", out, "--data", dir.path().string(), (dir / "nb").string(),
                       (dir / "logreg/").string(), (dir / "broken").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("report.html"), std::string::npos);
  EXPECT_NE(r.err.find("broken"), std::string::npos) << "the broken model is warned about";
  auto j = nlohmann::json::parse(test::read_text(fs::path(out) / "results.json"));
  ASSERT_EQ(j["models"].size(), 3u);
  EXPECT_EQ(j["models"][2]["label"], "broken");
  EXPECT_FALSE(j["models"][2]["error"].is_null());
  // Train and validation come from the training run, test is measured again.
  for (int i = 0; i < 2; ++i) {
    const auto& m = j["models"][i];
    EXPECT_EQ(m["train"]["images"], 350);
    EXPECT_EQ(m["validation"]["images"], 50);
    EXPECT_EQ(m["test"]["images"], 200);
    EXPECT_TRUE(m["label"] == "nb" || m["label"] == "logreg") << m["label"];
  }
  const std::string md = test::read_text(fs::path(out) / "results.md");
  EXPECT_NE(md.find("| `logreg` |"), std::string::npos);
  EXPECT_GT(fs::file_size(fs::path(out) / "report.html"), 1'000'000u);  // plotly is inline
}

TEST(CliReport, ExplainsTheImagesAskedFor) {
  TempDir dir;
  write_data(dir);
  train(dir, "naive-bayes", "nb");
  const std::string out = (dir / "report").string();
  auto r = run_fmnist({"report", "--out", out, "--data", dir.path().string(), "--explain", "3,7",
                       (dir / "nb").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(test::read_text(fs::path(out) / "results.json"));
  EXPECT_EQ(j["models"][0]["explained_images"], nlohmann::json({3, 7}));
  auto bad = run_fmnist({"report", "--out", out, "--data", dir.path().string(), "--explain", "200",
                         (dir / "nb").string()});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--explain 200: the test set has 200 images"), std::string::npos)
      << bad.err;
}

TEST(CliReport, NoUsableModelIsAnErrorAndWritesNothing) {
  TempDir dir;
  write_data(dir);
  auto r = run_fmnist({"report", "--out", (dir / "report").string(), "--data", dir.path().string(),
                       (dir / "missing").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("none of the 1 models could be loaded"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir / "report" / "report.html"));
}

TEST(CliReport, EvalPrintsAClassificationReport) {
  TempDir dir;
  write_data(dir);
  train(dir, "naive-bayes", "nb");
  auto r = run_fmnist(
      {"eval", "--model", (dir / "nb").string(), "--data", dir.path().string(), "--report"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("precision    recall  f1-score   support"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("confusion matrix"), std::string::npos);
  auto j = run_fmnist({"eval", "--model", (dir / "nb").string(), "--data", dir.path().string(),
                       "--report", "--json"});
  ASSERT_EQ(j.exit_code, 0) << j.err;
  auto m = nlohmann::json::parse(j.out);
  EXPECT_EQ(m["test_evaluation"]["classification_report"]["classes"].size(), 10u);
}

}  // namespace
}  // namespace fmnist
