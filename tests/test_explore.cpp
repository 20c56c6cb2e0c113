// The raster library (canvas, text, PNG, charts) and `fmnist data explore`:
// figures decode to the sizes they claim, are not blank, follow the options,
// and bad options fail with one clear line.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <tuple>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "data/idx.hpp"
#include "data/source.hpp"
#include "explore/explore.hpp"
#include "explore/figures.hpp"
#include "report/chart.hpp"
#include "report/png.hpp"
#include "support/fixtures.hpp"

// Decoding is for the tests only; the engine writes PNGs but never reads them.
#define STB_IMAGE_IMPLEMENTATION
#define STB_IMAGE_STATIC
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#include <stb_image.h>
#pragma GCC diagnostic pop

namespace fmnist {
namespace {

using test::TempDir;
namespace fs = std::filesystem;

struct Decoded {
  int width = 0, height = 0;
  std::vector<uint8_t> rgb;
  size_t colours() const {
    std::set<std::tuple<uint8_t, uint8_t, uint8_t>> seen;
    for (size_t i = 0; i + 2 < rgb.size(); i += 3) seen.emplace(rgb[i], rgb[i + 1], rgb[i + 2]);
    return seen.size();
  }
};

Decoded decode_png(const std::string& bytes) {
  Decoded d;
  int channels = 0;
  unsigned char* px =
      stbi_load_from_memory(reinterpret_cast<const stbi_uc*>(bytes.data()),
                            static_cast<int>(bytes.size()), &d.width, &d.height, &channels, 3);
  if (!px) return d;
  d.rgb.assign(px, px + static_cast<size_t>(d.width) * d.height * 3);
  stbi_image_free(px);
  return d;
}

// A small IDX data directory: 200 training and 60 test images.
void write_small_data(const fs::path& dir) {
  save_idx(test::make_dataset(200, 1), dir / "train-images-idx3-ubyte",
           dir / "train-labels-idx1-ubyte");
  save_idx(test::make_dataset(60, 2), dir / "t10k-images-idx3-ubyte",
           dir / "t10k-labels-idx1-ubyte");
}

DataSplits small_splits() {
  DataSplits s;
  s.train = test::make_dataset(200, 1);
  s.test = test::make_dataset(60, 2);
  s.class_names = class_names_for("fashion-mnist");
  s.dataset_name = "fashion-mnist";
  s.origin = "generated";
  return s;
}

int error_lines(const std::string& err) {
  int n = 0;
  for (size_t at = err.find("fmnist: error:"); at != std::string::npos;
       at = err.find("fmnist: error:", at + 1))
    ++n;
  return n;
}

const char* kFiles[] = {"samples.png", "class_balance.png", "mean_images.png",
                        "pixel_histogram.png", "explore.json"};

// ---- canvas, text, PNG ----

TEST(Canvas, FillsAndClipsRectangles) {
  plot::Canvas c(10, 8, {255, 255, 255});
  c.fill_rect(-5, -5, 8, 7, {255, 0, 0});  // partly outside: clipped, no crash
  c.fill_rect(50, 50, 5, 5, {0, 0, 255});  // wholly outside: nothing
  EXPECT_EQ(c.at(0, 0), (plot::Rgb{255, 0, 0}));
  EXPECT_EQ(c.at(2, 1), (plot::Rgb{255, 0, 0}));
  EXPECT_EQ(c.at(3, 1), (plot::Rgb{255, 255, 255}));
  EXPECT_EQ(c.at(2, 2), (plot::Rgb{255, 255, 255}));
  EXPECT_THROW(c.at(10, 0), Error);
  EXPECT_THROW(plot::Canvas(0, 5), Error);
}

// The ink of a text falls inside the box its metrics promise.
TEST(Canvas, TextInkMatchesMetrics) {
  plot::Canvas c(300, 60, {255, 255, 255});
  const std::string s = "Ankle boot 1,000";
  c.text(10, 20, s, {2, {0, 0, 0}});
  int x0 = 1 << 30, x1 = -1, y0 = 1 << 30, y1 = -1;
  for (int y = 0; y < c.height(); ++y)
    for (int x = 0; x < c.width(); ++x)
      if (c.at(x, y) == plot::Rgb{0, 0, 0}) {
        x0 = std::min(x0, x), x1 = std::max(x1, x), y0 = std::min(y0, y), y1 = std::max(y1, y);
      }
  EXPECT_EQ(x0, 10);
  EXPECT_EQ(x1 - x0 + 1, plot::text_width(s, 2));
  EXPECT_EQ(y0, 20);  // capitals' top at y
  EXPECT_LE(y1 - y0 + 1, plot::line_height(2));
  EXPECT_GE(y1 - y0 + 1, plot::cap_height(2));
}

TEST(Canvas, VerticalTextIsTallAndNarrow) {
  plot::Canvas c(60, 300, {255, 255, 255});
  plot::TextStyle st{2, {0, 0, 0}};
  st.vertical = true;
  st.align = plot::Align::center;
  c.text(10, 150, "share of pixels", st);
  int x0 = 1 << 30, x1 = -1, y0 = 1 << 30, y1 = -1;
  for (int y = 0; y < c.height(); ++y)
    for (int x = 0; x < c.width(); ++x)
      if (c.at(x, y) == plot::Rgb{0, 0, 0}) {
        x0 = std::min(x0, x), x1 = std::max(x1, x), y0 = std::min(y0, y), y1 = std::max(y1, y);
      }
  EXPECT_EQ(x0, 10);
  EXPECT_LE(x1 - x0 + 1, plot::line_height(2));
  EXPECT_EQ(y1 - y0 + 1, plot::text_width("share of pixels", 2));
  EXPECT_NEAR((y0 + y1) / 2.0, 150, 2);  // centred along its length
}

TEST(Canvas, ReplacesNonAsciiWithQuestionMark) {
  EXPECT_EQ(plot::text_width("caf\xc3\xa9", 2), plot::text_width("caf??", 2));
}

TEST(Png, RoundTripsPixels) {
  plot::Canvas c(37, 23, {10, 20, 30});
  c.fill_rect(5, 5, 10, 3, {200, 100, 0});
  c.line(0, 22, 36, 0, {0, 255, 0}, 2);
  const std::string png = plot::encode_png(c);
  ASSERT_EQ(png.substr(1, 3), "PNG");
  const Decoded d = decode_png(png);
  ASSERT_EQ(d.width, 37);
  ASSERT_EQ(d.height, 23);
  EXPECT_EQ(d.rgb, c.rgb());
}

TEST(Colormap, InterpolatesAndClamps) {
  const auto& g = plot::Colormap::grey();
  EXPECT_EQ(g(0), (plot::Rgb{0, 0, 0}));
  EXPECT_EQ(g(1), (plot::Rgb{255, 255, 255}));
  EXPECT_EQ(g(0.5), (plot::Rgb{128, 128, 128}));
  EXPECT_EQ(g(-3), g(0));
  EXPECT_EQ(g(7), g(1));
  // The diverging map is white-ish in the middle: zero reads as "no difference".
  const plot::Rgb mid = plot::Colormap::diverging()(0.5);
  EXPECT_GT(std::min({mid.r, mid.g, mid.b}), 240);
}

// ---- scales and labels ----

TEST(Scale, LinearUsesRoundSteps) {
  const auto s = plot::Scale::linear(0, 6000, 6);
  EXPECT_DOUBLE_EQ(s.step, 1000);
  EXPECT_EQ(s.ticks(), (std::vector<double>{0, 1000, 2000, 3000, 4000, 5000, 6000}));
  const auto t = plot::Scale::linear(0, 0.37, 4);
  EXPECT_DOUBLE_EQ(t.step, 0.1);
  EXPECT_DOUBLE_EQ(t.hi, 0.4);
  EXPECT_DOUBLE_EQ(t.fraction(0.2), 0.5);
}

TEST(Scale, DecadesCoverTheRange) {
  const auto s = plot::Scale::decades(0.00083, 0.5);
  EXPECT_DOUBLE_EQ(s.lo, 0.0001);
  EXPECT_DOUBLE_EQ(s.hi, 1);
  EXPECT_EQ(s.ticks().size(), 5u);
  EXPECT_NEAR(s.fraction(0.01), 0.5, 1e-12);
  EXPECT_EQ(s.fraction(0), 0);  // zeros sit on the axis
  EXPECT_EQ(s.minor_ticks().size(), 4u * 8u);
  EXPECT_THROW(plot::Scale::decades(0, 1), Error);
}

TEST(Labels, FormatNumbers) {
  EXPECT_EQ(plot::with_thousands(0), "0");
  EXPECT_EQ(plot::with_thousands(999), "999");
  EXPECT_EQ(plot::with_thousands(60000), "60,000");
  EXPECT_EQ(plot::with_thousands(1234567), "1,234,567");
  EXPECT_EQ(plot::tick_label(2000), "2,000");
  EXPECT_EQ(plot::tick_label(0.25), "0.25");
  EXPECT_EQ(plot::tick_label(0.001), "0.001");
  EXPECT_EQ(plot::tick_label(-50), "-50");
  EXPECT_EQ(plot::tick_label(0), "0");
}

TEST(Charts, RejectMismatchedSeries) {
  plot::BarChart b;
  b.categories = {"a", "b"};
  b.series = {{"s", {1}, plot::style::palette(0)}};
  EXPECT_THROW(plot::render(b), Error);
  plot::StepChart s;
  EXPECT_THROW(plot::render(s), Error);
}

// ---- explore as a library ----

TEST(Explore, PicksSeededSamplesOfTheRightClass) {
  const Dataset d = test::make_dataset(200, 1);
  const SamplePicks a = pick_samples(d, 7, 42), b = pick_samples(d, 7, 42),
                    c = pick_samples(d, 7, 43);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  for (int k = 0; k < kNumClasses; ++k) {
    ASSERT_EQ(a[k].size(), 7u);
    for (uint32_t i : a[k]) EXPECT_EQ(d.labels[i], k);
    EXPECT_EQ(std::set<uint32_t>(a[k].begin(), a[k].end()).size(), 7u) << "repeats in class " << k;
  }
  // A class with fewer images than asked gives what it has.
  EXPECT_EQ(pick_samples(d, 50, 1)[3].size(), 20u);
}

TEST(Explore, FiguresDecodeToTheirSizesAndAreNotBlank) {
  const Exploration e = explore(small_splits(), {});
  ASSERT_EQ(e.figures.size(), 4u);
  for (const Figure& f : e.figures) {
    SCOPED_TRACE(f.file);
    const Decoded d = decode_png(f.png);
    EXPECT_EQ(d.width, f.width);
    EXPECT_EQ(d.height, f.height);
    EXPECT_GT(d.width, 300);
    EXPECT_GT(d.height, 300);
    EXPECT_GE(d.colours(), 5u);
    EXPECT_FALSE(f.caption.empty());
  }
  EXPECT_EQ(e.numbers["splits"]["train"]["images"], 200);
  EXPECT_EQ(e.numbers["splits"]["test"]["per_class"][4], 6);
}

TEST(Explore, SampleGridGrowsWithPerClass) {
  ExploreOptions a, b;
  a.per_class = 6;  // wide enough that the grid, not the title, sets the width
  b.per_class = 9;
  const auto fa = explore(small_splits(), a).figures[0], fb = explore(small_splits(), b).figures[0];
  ASSERT_EQ(fa.file, "samples.png");
  // Three more 28x28 tiles at 3x with 2-pixel gaps; same number of rows.
  EXPECT_EQ(fb.width - fa.width, 3 * (28 * 3 + 2));
  EXPECT_EQ(fb.height, fa.height);
}

TEST(Explore, WriteRefusesAFileAsDirectory) {
  TempDir dir;
  test::write_text(dir / "taken", "x");
  const Exploration e = explore(small_splits(), {});
  EXPECT_THROW(write_exploration(e, dir / "taken"), Error);
  const auto written = write_exploration(e, dir / "a" / "b");
  EXPECT_EQ(written.size(), 5u);
  for (const auto& p : written) EXPECT_TRUE(fs::is_regular_file(p)) << p;
}

// ---- the command ----

TEST(ExploreCli, WritesEveryFileOnGeneratedData) {
  TempDir data, out;
  write_small_data(data.path());
  const fs::path dir = out / "new" / "explore";  // created if missing
  auto r = test::run_fmnist({"data", "explore", "--out", dir.string(), "--data",
                             data.path().string(), "--per-class", "3", "--classes", "fashion"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* f : kFiles) {
    EXPECT_NE(r.out.find((dir / f).string()), std::string::npos) << f << " not printed";
    EXPECT_TRUE(fs::is_regular_file(dir / f)) << f;
  }
  // Atomic writes leave no temp files behind.
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 5);

  const auto j = nlohmann::json::parse(test::read_text(dir / "explore.json"));
  EXPECT_EQ(j["splits"]["train"]["images"], 200);
  EXPECT_EQ(j["splits"]["test"]["images"], 60);
  EXPECT_EQ(j["splits"]["train"]["per_class"], std::vector<int>(10, 20));
  EXPECT_EQ(j["splits"]["test"]["per_class"], std::vector<int>(10, 6));
  EXPECT_EQ(j["classes"][9], "Ankle boot");
  EXPECT_EQ(j["samples"]["per_class"], 3);
  EXPECT_EQ(j["splits"]["train"]["pixels"]["histogram"].size(), 256u);
  ASSERT_EQ(j["figures"].size(), 4u);
  for (const auto& f : j["figures"]) {
    SCOPED_TRACE(f["file"].get<std::string>());
    const Decoded d = decode_png(test::read_text(dir / f["file"].get<std::string>()));
    EXPECT_EQ(d.width, f["width"]);
    EXPECT_EQ(d.height, f["height"]);
    EXPECT_GE(d.colours(), 5u);
  }
}

TEST(ExploreCli, SamplesFollowPerClassAndSeed) {
  TempDir data, out;
  write_small_data(data.path());
  auto run = [&](const std::string& name, const std::string& per_class, const std::string& seed) {
    auto r = test::run_fmnist({"--seed", seed, "data", "explore", "--out", (out / name).string(),
                               "--data", data.path().string(), "--per-class", per_class});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return decode_png(test::read_text(out / name / "samples.png"));
  };
  const Decoded six = run("a", "6", "1"), nine = run("b", "9", "1"), other = run("c", "9", "2");
  EXPECT_EQ(nine.width - six.width, 3 * (28 * 3 + 2));
  EXPECT_EQ(nine.height, six.height);
  EXPECT_NE(nine.rgb, other.rgb);  // another seed, other samples
}

TEST(ExploreCli, OutThatIsAFileFails) {
  TempDir data, out;
  write_small_data(data.path());
  test::write_text(out / "file", "keep me");
  auto r = test::run_fmnist(
      {"data", "explore", "--out", (out / "file").string(), "--data", data.path().string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(error_lines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find("not a directory"), std::string::npos) << r.err;
  EXPECT_EQ(test::read_text(out / "file"), "keep me");
}

TEST(ExploreCli, PerClassOutOfRangeFails) {
  TempDir data, out;
  write_small_data(data.path());
  for (const char* n : {"0", "51", "-3"}) {
    SCOPED_TRACE(n);
    auto r = test::run_fmnist({"data", "explore", "--out", (out / "x").string(), "--data",
                               data.path().string(), "--per-class", n});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(error_lines(r.err), 1) << r.err;
    EXPECT_NE(r.err.find("--per-class"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(out / "x"));  // nothing written, not even the directory
  }
}

TEST(ExploreCli, MissingOutAndBadHistogramAxisFail) {
  auto r = test::run_fmnist({"data", "explore"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(error_lines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find("--out"), std::string::npos) << r.err;
  TempDir out;
  r = test::run_fmnist({"data", "explore", "--out", out.path().string(), "--hist-y", "sqrt"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(error_lines(r.err), 1) << r.err;
}

TEST(ExploreCli, RealFashionMnist) {
  const fs::path real = test::real_data_dir();
  TempDir out;
  auto r =
      test::run_fmnist({"data", "explore", "--out", out.path().string(), "--data", real.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(test::read_text(out / "explore.json"));
  EXPECT_EQ(j["dataset"], "fashion-mnist");
  EXPECT_EQ(j["splits"]["train"]["per_class"], std::vector<int>(10, 6000));
  EXPECT_EQ(j["splits"]["test"]["per_class"], std::vector<int>(10, 1000));
  EXPECT_NEAR(j["splits"]["train"]["pixels"]["mean"].get<double>(), 72.94, 0.01);
  for (const char* f : kFiles) EXPECT_TRUE(fs::is_regular_file(out / f)) << f;
  const Decoded samples = decode_png(test::read_text(out / "samples.png"));
  EXPECT_GT(samples.colours(), 100u);  // real images: many grey levels
}

}  // namespace
}  // namespace fmnist
