// fmnist bench: the whole comparison in one command. Trains (or takes from
// the cache) every model of a profile, evaluates them, writes the report.
#include <chrono>
#include <filesystem>

#include <fmt/format.h>

#include "bench/run.hpp"
#include "cli/common.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "core/machine.hpp"
#include "core/progress.hpp"
#include "report/report.hpp"

namespace fmnist::cli {
namespace {

namespace fs = std::filesystem;

struct BenchOptions {
  DataOptions data;
  std::string profile = "quick";
  std::string models;
  std::string out;
  std::string cache = "fmnist-results/cache";
  bool force = false;
  bool val_given = false;
  size_t train_score = bench::RunOptions{}.train_score_images;
};

std::string timestamp() {
  const auto t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%d-%H%M%S", &tm);
  return buf;
}

int run_bench(BenchOptions o, const Globals& g) {
  auto entries = bench::select(bench::lineup(o.profile), o.models);
  if (entries.empty()) fail("--models '{}': no model of the '{}' profile", o.models, o.profile);
  const fs::path out = o.out.empty() ? fs::path("fmnist-results") / timestamp() : fs::path(o.out);
  std::error_code ec;
  if (fs::exists(out, ec) && !fs::is_directory(out, ec))
    fail("--out {}: exists and is not a directory", out.string());
  // Like the notebooks, every training image is used for training unless
  // --val asks for a hold-out.
  if (!o.val_given) o.data.val = 0;
  const DataSplits data = load_data_verbose(o.data, g);

  bench::RunOptions ro;
  ro.cache = o.cache;
  ro.force = o.force;
  ro.seed = g.seed;
  ro.train_score_images = o.train_score;
  bench::RunCallbacks cb;
  cb.start = [](size_t i, size_t n, const bench::LineupEntry& e, double eta) {
    log::info("[{}/{}] {} ({})  ETA for the run {}", i + 1, n, e.label, e.spec,
              format_duration(eta));
  };
  cb.done = [](size_t i, size_t n, const bench::LineupEntry& e, const bench::EntryOutcome& r,
               double eta) {
    if (!r.result.ok()) {
      log::warn("[{}/{}] {} failed: {}", i + 1, n, e.label, r.result.error);
      return;
    }
    std::string bar;
    if (e.notebook_accuracy > 0)
      bar = fmt::format(" (notebook {:.1f}%{})", 100 * e.notebook_accuracy,
                        r.result.test.accuracy >= e.notebook_accuracy ? ", met" : ", NOT met");
    log::info(
        "[{}/{}] {}: test accuracy {:.2f}%{}, fit {:.1f} s{}, {:.1f} s with evaluation  ETA {}",
        i + 1, n, e.label, 100 * r.result.test.accuracy, bar, r.result.fit_seconds(),
        r.cached ? " (cached)" : "", r.seconds, format_duration(eta));
  };
  const auto t0 = std::chrono::steady_clock::now();
  auto outcomes = bench::run_lineup(entries, data, ro, cb);
  const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  report::ReportInput in;
  in.data = &data;
  in.title = fmt::format("fmnist bench ({} profile)", o.profile);
  in.machine = machine_info();
  in.machine["bench_profile"] = o.profile;
  in.machine["bench_seconds"] = total;
  ExploreOptions eo;
  eo.seed = g.seed;
  in.exploration = explore(data, eo);
  size_t failed = 0;
  for (auto& r : outcomes) {
    failed += !r.result.ok();
    in.models.push_back(std::move(r.result));
  }
  const auto paths = report::write_report(in, out);
  fmt::print("{}\n", report::results_markdown(in));
  fmt::print("{} models in {} ({} failed). Report: {}\n", in.models.size(), format_duration(total),
             failed, paths[0].string());
  return failed == in.models.size() ? 1 : 0;
}

}  // namespace

void add_bench_command(CLI::App& app, Globals& g, Action& action) {
  auto o = std::make_shared<BenchOptions>();
  auto* cmd = app.add_subcommand(
      "bench",
      "Train and evaluate the whole model zoo, then write the report (report.html, "
      "results.json, results.md)");
  cmd->add_option("--profile", o->profile,
                  "quick: every model in minutes; full: each model's best recipe (hours on 2 "
                  "cores)")
      ->check(CLI::IsMember({"quick", "full"}))
      ->capture_default_str();
  cmd->add_option("--models", o->models,
                  "Only these (comma-separated labels or model names, e.g. logreg,forest,cnn)");
  cmd->add_option("-o,--out", o->out,
                  "Directory for the report (default: fmnist-results/<date>-<time>)");
  cmd->add_option("--cache", o->cache,
                  "Trained models, reused while spec, data, seed and threads are unchanged")
      ->capture_default_str();
  cmd->add_flag("--force", o->force, "Retrain every model, even those in the cache");
  cmd->add_option("--train-score", o->train_score,
                  "Training accuracy from a stratified sample of this many training images "
                  "(0: all of them; slow models spend longer on 60,000 than on the test set)")
      ->capture_default_str();
  add_data_options(cmd, o->data);
  cmd->footer(
      "Trains on the whole training file, as the notebooks do, unless --val N holds out N images.\n"
      "Interrupted? Run the same command again: finished models come from the cache and a net\n"
      "continues from its last finished epoch.\n\n"
      "Examples:\n"
      "  fmnist bench\n"
      "  fmnist --threads 8 bench --profile full --out results/full\n"
      "  fmnist bench --models logreg,forest,cnn --data data/kaggle");
  cmd->callback([o, cmd, &g, &action] {
    o->val_given = cmd->count("--val") > 0;
    action = [o, &g] { return run_bench(*o, g); };
  });
}

}  // namespace fmnist::cli
