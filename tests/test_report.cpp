// report.html, results.json and results.md from a few fitted models: what
// each file holds, and that a failed model is shown without stopping the rest.
#include <gtest/gtest.h>

#include <regex>

#include "support/report_input.hpp"

namespace fmnist {
namespace {

using test::count;

class Report : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    data_ = new DataSplits(test::generated_splits());
    input_ = new report::ReportInput(test::report_input(*data_, {"naive-bayes", "logreg", "tree"}));
  }
  static void TearDownTestSuite() {
    delete input_;
    delete data_;
  }
  static DataSplits* data_;
  static report::ReportInput* input_;
};
DataSplits* Report::data_ = nullptr;
report::ReportInput* Report::input_ = nullptr;

TEST_F(Report, WritesThreeFilesAtomically) {
  test::TempDir dir;
  auto paths = report::write_report(*input_, dir / "out");
  ASSERT_EQ(paths.size(), 3u);
  for (const auto& p : paths) EXPECT_TRUE(std::filesystem::exists(p)) << p;
  size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir / "out")) {
    ++files;
    EXPECT_EQ(e.path().filename().string().find(".tmp"), std::string::npos) << e.path();
  }
  EXPECT_EQ(files, 3u);
}

TEST_F(Report, PageIsSelfContainedWithOneRowPerModel) {
  const std::string html = report::render_html(*input_);
  EXPECT_EQ(count(html, "class=\"model-row"), 4u);
  EXPECT_EQ(count(html, "class=\"model-row failed\""), 1u);
  EXPECT_NE(html.find("plotly.js"), std::string::npos);  // the library, inline
  // Nothing fetched from anywhere: no external scripts, styles or images in
  // the markup (the inlined library's own strings do not count).
  std::string markup;
  for (size_t at = 0; at < html.size();) {
    const size_t open = html.find("<script", at);
    markup += html.substr(at, open == std::string::npos ? std::string::npos : open - at);
    if (open == std::string::npos) break;
    const size_t close = html.find("</script>", open);
    ASSERT_NE(close, std::string::npos);
    at = close + 9;
  }
  EXPECT_FALSE(std::regex_search(markup, std::regex("(src|href)=\"(https?:)?//")));
  EXPECT_EQ(count(html, "<script src"), 0u);
  EXPECT_GT(count(html, "data:image/png;base64,"), 100u);  // figures, tiles, maps
  // Per model: confusion, ROC, PR, calibration; plus the two comparison charts.
  EXPECT_GE(count(html, "class=\"chart\""), 2u + 3 * 4);
  for (const char* section :
       {"id=\"data\"", "id=\"comparison\"", "id=\"summary\"", "id=\"model-logreg\"",
        "Feature importance", "Galleries", "Classification report", "Why it says what it says"})
    EXPECT_NE(html.find(section), std::string::npos) << section;
  EXPECT_NE(html.find("failed: models/broken/model.json"), std::string::npos);
}

TEST_F(Report, ResultsJsonFollowsItsSchema) {
  auto j = report::results_json(*input_);
  EXPECT_EQ(j["schema"], "fmnist-results/1");
  EXPECT_TRUE(j["machine"].contains("cpu"));
  EXPECT_TRUE(j["machine"].contains("logical_cores"));
  EXPECT_EQ(j["dataset"]["test_images"], 600);
  ASSERT_EQ(j["models"].size(), 4u);
  // Ranked by test accuracy, the failure last.
  double previous = 2;
  for (size_t i = 0; i < 3; ++i) {
    const auto& m = j["models"][i];
    EXPECT_TRUE(m["error"].is_null());
    const double acc = m["test"]["accuracy"].get<double>();
    EXPECT_LE(acc, previous);
    previous = acc;
    EXPECT_DOUBLE_EQ(acc, m["evaluation"]["accuracy"].get<double>());
    EXPECT_EQ(m["evaluation"]["confusion_matrix"]["counts"].size(), 10u);
    EXPECT_TRUE(m["train"].contains("accuracy"));
    EXPECT_TRUE(m["validation"].contains("accuracy"));
    EXPECT_GT(m["fit_seconds"].get<double>(), 0);
  }
  EXPECT_EQ(j["models"][3]["label"], "broken");
  EXPECT_FALSE(j["models"][3]["error"].is_null());
  EXPECT_FALSE(j["summary"]["paragraphs"].empty());
}

TEST_F(Report, MarkdownTableHasOneRowPerModel) {
  const std::string md = report::results_markdown(*input_);
  EXPECT_EQ(count(md, "\n| "), 1u + 4);  // header + models
  EXPECT_NE(md.find("| `logreg` |"), std::string::npos);
  EXPECT_NE(md.find("failed:"), std::string::npos);
}

TEST_F(Report, SummaryNamesTheBestModelAndTheHardestClasses) {
  auto f = report::analyse(*input_);
  const auto best = report::ranked(input_->models).front();
  ASSERT_FALSE(f.paragraphs.empty());
  EXPECT_EQ(f.paragraphs.front().rfind(best->label + " has the best test accuracy", 0), 0u)
      << f.paragraphs.front();
  EXPECT_EQ(f.facts["best"]["label"], best->label);
  EXPECT_EQ(f.facts["hardest_classes"].size(), 3u);
  bool recommends = false, mentions_failure = false;
  for (const auto& p : f.paragraphs) {
    recommends |= p.rfind("Recommendation: deploy " + best->label, 0) == 0;
    mentions_failure |= p.find("broken") != std::string::npos;
  }
  EXPECT_TRUE(recommends);
  EXPECT_TRUE(mentions_failure);
}

TEST_F(Report, UntrustedTextIsEscaped) {
  report::ReportInput in = *input_;
  in.title = "<script>alert(1)</script>";
  in.models.back().error = "</script><b>x";
  const std::string html = report::render_html(in);
  EXPECT_EQ(html.find("<script>alert(1)"), std::string::npos);
  EXPECT_EQ(html.find("</script><b>x"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)"), std::string::npos);
}

}  // namespace
}  // namespace fmnist
