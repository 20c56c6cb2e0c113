// report.html opened in a real browser (Debian's headless Chromium): it
// loads without errors, every chart draws, the table has one row per model.
// A screenshot is kept in the build tree (test-artifacts/report.png).
#include <gtest/gtest.h>

#include <regex>

#include "support/report_input.hpp"

namespace fmnist {
namespace {

using test::count;

const char* kChromium = "/usr/bin/chromium";

std::vector<std::string> chromium_args(const test::TempDir& profile) {
  // A fresh profile; no network: the page must not need one.
  return {"--headless=new",
          "--no-sandbox",
          "--disable-gpu",
          "--no-first-run",
          "--disable-quic",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
          "--user-data-dir=" + (profile / "profile").string(),
          "--hide-scrollbars",
          "--virtual-time-budget=60000"};
}

std::string body_attribute(const std::string& dom, const std::string& name) {
  std::smatch m;
  const std::regex body("<body([^>]*)>");
  if (!std::regex_search(dom, m, body)) return "";
  const std::string attrs = m[1];
  const std::regex attr(name + "=\"([^\"]*)\"");
  return std::regex_search(attrs, m, attr) ? std::string(m[1]) : "";
}

TEST(ReportBrowser, PageLoadsWithoutErrorsAndDrawsEveryChart) {
  ASSERT_TRUE(std::filesystem::exists(kChromium))
      << kChromium << " is missing: run scripts/deps.sh (installs chromium)";
  const DataSplits data = test::generated_splits();
  // A classical model with importance maps, a tree, and a net with learning
  // curves and saliency maps; plus the failed one report_input adds.
  const auto in = test::report_input(data, {"logreg", "tree", "mlp:epochs=3,hidden=64"});
  const std::filesystem::path out = std::filesystem::path(FMNIST_ARTIFACT_DIR);
  report::write_report(in, out);
  const std::string url = "file://" + std::filesystem::absolute(out / "report.html").string();

  test::TempDir profile;
  auto args = chromium_args(profile);
  args.push_back("--enable-logging=stderr");
  args.push_back("--dump-dom");
  args.push_back(url);
  auto r = test::run_program(kChromium, args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string& dom = r.out;
  EXPECT_EQ(body_attribute(dom, "data-ready"), "1") << "the drawing script did not finish";
  EXPECT_EQ(body_attribute(dom, "data-errors"), "") << "JavaScript errors on the page";
  const std::string total = body_attribute(dom, "data-charts-total");
  ASSERT_FALSE(total.empty());
  EXPECT_GE(std::stoi(total), 2 + 3 * 4 + 2);  // comparison, per model, the net's curves
  EXPECT_EQ(body_attribute(dom, "data-charts-drawn"), total);
  // plotly marks every plot it drew; each has its SVG.
  EXPECT_EQ(count(dom, "class=\"chart js-plotly-plot\""), static_cast<size_t>(std::stoi(total)));
  EXPECT_EQ(count(dom, "class=\"model-row"), 4u);
  // The browser's own console: nothing the page logged as an error.
  for (const char* bad : {"Uncaught", "CONSOLE(", "Failed to load"}) {
    if (r.err.find(bad) != std::string::npos) {
      const size_t at = r.err.find(bad);
      ADD_FAILURE() << "browser console: " << r.err.substr(at, 300);
    }
  }

  // The screenshot a person looks at (kept in the build tree).
  test::TempDir profile2;
  auto shot = chromium_args(profile2);
  shot.push_back("--window-size=1400,2400");
  shot.push_back("--screenshot=" + (out / "report.png").string());
  shot.push_back(url);
  auto s = test::run_program(kChromium, shot);
  ASSERT_EQ(s.exit_code, 0) << s.err;
  ASSERT_TRUE(std::filesystem::exists(out / "report.png"));
  EXPECT_GT(std::filesystem::file_size(out / "report.png"), 50'000u);
}

}  // namespace
}  // namespace fmnist
