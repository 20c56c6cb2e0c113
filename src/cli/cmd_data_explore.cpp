// fmnist data explore: the pictures of a first look at the data, as PNG
// files, and the numbers behind them as explore.json.
#include <filesystem>

#include <fmt/format.h>

#include "cli/common.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "explore/explore.hpp"

namespace fmnist::cli {
namespace {

namespace fs = std::filesystem;

constexpr int kMaxPerClass = 50;  // wider grids stop being readable

struct ExploreCliOptions {
  DataOptions data;
  std::string out;
  int per_class = 10;
  std::string hist_y = "log";
};

// Checked before the data loads, so a typo does not cost a load first.
void check_options(const ExploreCliOptions& o) {
  if (o.per_class < 1 || o.per_class > kMaxPerClass)
    fail("--per-class must be between 1 and {}, got {}", kMaxPerClass, o.per_class);
  std::error_code ec;
  if (fs::exists(o.out, ec) && !fs::is_directory(o.out, ec))
    fail("--out {}: exists and is not a directory", o.out);
}

int run_explore(const ExploreCliOptions& o, const Globals& g) {
  check_options(o);
  DataOptions opts = o.data;
  opts.val = 0;  // show the training file whole; the hold-out is a modelling choice
  const DataSplits data = load_data_verbose(opts, g);
  ExploreOptions eo;
  eo.per_class = o.per_class;
  eo.seed = g.seed;
  eo.log_histogram = o.hist_y == "log";
  const Exploration e = explore(data, eo);
  for (const auto& path : write_exploration(e, o.out)) fmt::print("{}\n", path.string());
  log::info("explore: {} figures and explore.json in {}", e.figures.size(), o.out);
  return 0;
}

}  // namespace

void add_data_explore(CLI::App* data, Globals& g, Action& action) {
  auto o = std::make_shared<ExploreCliOptions>();
  auto* cmd = data->add_subcommand(
      "explore", "Sample grid, class balance, mean images and pixel histogram as PNG files");
  cmd->add_option("--out", o->out,
                  "Directory for the PNG files and explore.json (created if missing)")
      ->required();
  cmd->add_option("--per-class", o->per_class,
                  fmt::format("Training images per class in samples.png (1-{})", kMaxPerClass))
      ->capture_default_str();
  cmd->add_option("--hist-y", o->hist_y,
                  "Pixel histogram y axis: log (pixel 0 dominates) or linear")
      ->check(CLI::IsMember({"log", "linear"}))
      ->capture_default_str();
  add_data_options(cmd, o->data, /*with_val=*/false);
  cmd->footer(
      "Writes samples.png, class_balance.png, mean_images.png, pixel_histogram.png and\n"
      "explore.json; --seed (a global option) picks the samples.\n\n"
      "Examples:\n"
      "  fmnist data explore --out explore/\n"
      "  fmnist --seed 7 data explore --out explore/ --per-class 20 --data data/kaggle");
  cmd->callback([o, &g, &action] { action = [o, &g] { return run_explore(*o, g); }; });
}

}  // namespace fmnist::cli
