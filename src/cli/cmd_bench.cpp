// fmnist bench: the whole comparison in one command. Trains (or takes from
// the cache) every model of a profile, evaluates them, writes the report.
#include <chrono>
#include <filesystem>

#include <fmt/format.h>

#include "bench/lanes.hpp"
#include "bench/run.hpp"
#include "cli/common.hpp"
#include "core/children.hpp"
#include "core/error.hpp"
#include "core/files.hpp"
#include "core/log.hpp"
#include "core/machine.hpp"
#include "core/progress.hpp"
#include "core/threads.hpp"
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
  int lanes = 1;            // models trained at once, each in a child process
  bool train_only = false;  // a lane's child: fill the cache, no report
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

// The command that trains `entries` into the cache in a lane: this program
// again, with the lane's threads and the same data, seed and cache.
std::vector<std::string> lane_command(const BenchOptions& o, const Globals& g, int threads,
                                      const std::vector<const bench::LineupEntry*>& entries) {
  std::string labels;
  for (const auto* e : entries) labels += (labels.empty() ? "" : ",") + e->label;
  std::vector<std::string> a = {self_executable().string(),
                                "--threads",
                                std::to_string(threads),
                                "--seed",
                                std::to_string(g.seed),
                                "bench",
                                "--train-only",
                                "--profile",
                                o.profile,
                                "--models",
                                labels,
                                "--cache",
                                o.cache,
                                "--train-score",
                                std::to_string(o.train_score),
                                "--val",
                                std::to_string(o.data.val),
                                "--classes",
                                o.data.classes};
  if (g.verbose) a.insert(a.begin() + 1, "--verbose");
  if (o.force) a.push_back("--force");
  for (const auto& [flag, value] :
       {std::pair{"--data", o.data.data}, {"--train", o.data.train}, {"--test", o.data.test}}) {
    if (!value.empty()) {
      a.push_back(flag);
      a.push_back(value);
    }
  }
  return a;
}

// Trains the models the cache lacks in parallel lanes (child processes);
// the caller then finds them all in the cache.
void run_lanes(const BenchOptions& o, const Globals& g,
               const std::vector<bench::LineupEntry>& entries, const DataSplits& data, int lanes,
               bench::RunOptions& ro) {
  const int per_lane = std::max(1, threads() / lanes);
  ro.train_threads = per_lane;
  auto names = [](const std::vector<const bench::LineupEntry*>& es) {
    std::string s;
    for (const auto* e : es) s += (s.empty() ? "" : ", ") + e->label;
    return s;
  };
  const size_t total = entries.size();
  bench::LaneCallbacks cb;
  cb.start = [&](const std::vector<const bench::LineupEntry*>& es, size_t started) {
    // Said at the first start only: with everything cached there is none.
    if (started == es.size())
      log::info("training in {} lanes of {} thread{}", lanes, per_lane, per_lane == 1 ? "" : "s");
    log::info("[{}/{}] training {}", started, total, names(es));
  };
  cb.done = [&](const std::vector<const bench::LineupEntry*>& es,
                const std::vector<std::string>& errors, double secs, size_t finished) {
    for (size_t k = 0; k < es.size(); ++k) {
      if (!errors[k].empty()) log::warn("{} failed: {}", es[k]->label, errors[k]);
    }
    log::info("[{}/{} done] {} in {}", finished, total, names(es), format_duration(secs));
  };
  auto out = bench::train_in_lanes(
      entries, data, ro, lanes,
      [&](const std::vector<const bench::LineupEntry*>& es) {
        return lane_command(o, g, per_lane, es);
      },
      cb);
  ro.lane_errors = std::move(out.errors);
  ro.lane_seconds = std::move(out.seconds);
  // The lanes did what --force asked; now the cache is to be read.
  ro.force = false;
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
  const size_t training_images = data.train.size() + data.val.size();
  if (!bench::notebook_comparable(data.dataset_name, training_images, data.test.size())) {
    for (auto& e : entries) e.notebook_accuracy = 0;
    if (!o.train_only)
      log::info(
          "the notebooks' accuracies are for the whole Fashion-MNIST (60,000 + 10,000 images), "
          "not {} ({} + {}): not compared",
          data.dataset_name, training_images, data.test.size());
  }

  bench::RunOptions ro;
  ro.cache = o.cache;
  ro.force = o.force;
  ro.seed = g.seed;
  ro.train_score_images = o.train_score;
  if (o.train_only) {
    // A lane's child: train into the cache; the parent reports.
    bench::RunCallbacks said;
    said.done = [](size_t, size_t, const bench::LineupEntry& e, const bench::EntryOutcome& r,
                   double) {
      if (r.result.ok())
        log::info("{}: test accuracy {:.2f}%, fit {:.1f} s", e.label, 100 * r.result.test.accuracy,
                  r.result.fit_seconds());
    };
    const auto outcomes = bench::run_lineup(entries, data, ro, said);
    int failed = 0;
    for (size_t i = 0; i < entries.size(); ++i) {
      if (outcomes[i].result.ok()) continue;
      ++failed;
      write_file_atomic(bench::error_file(bench::cache_dir(ro, entries[i], data)),
                        outcomes[i].result.error);
    }
    return failed > 0 ? 1 : 0;
  }
  const int lanes = o.lanes;
  const auto t0 = std::chrono::steady_clock::now();
  if (lanes > 1) run_lanes(o, g, entries, data, lanes, ro);
  // After lanes every model is in the cache: what is left is evaluation,
  // which the training ETA would overestimate.
  const bool eta = ro.lane_seconds.empty();
  bench::RunCallbacks cb;
  cb.start = [eta](size_t i, size_t n, const bench::LineupEntry& e, double left) {
    log::info("[{}/{}] {} ({}){}", i + 1, n, e.label, e.spec,
              eta ? "  ETA for the run " + format_duration(left) : std::string());
  };
  cb.done = [eta](size_t i, size_t n, const bench::LineupEntry& e, const bench::EntryOutcome& r,
                  double left) {
    if (!r.result.ok()) {
      log::warn("[{}/{}] {} failed: {}", i + 1, n, e.label, r.result.error);
      return;
    }
    std::string bar;
    if (e.notebook_accuracy > 0)
      bar = fmt::format(" (notebook {:.1f}%{})", 100 * e.notebook_accuracy,
                        r.result.test.accuracy >= e.notebook_accuracy ? ", met" : ", NOT met");
    log::info("[{}/{}] {}: test accuracy {:.2f}%{}, fit {:.1f} s{}, {:.1f} s with evaluation{}",
              i + 1, n, e.label, 100 * r.result.test.accuracy, bar, r.result.fit_seconds(),
              r.cached ? " (cached)" : "", r.seconds,
              eta ? "  ETA " + format_duration(left) : std::string());
  };
  auto outcomes = bench::run_lineup(entries, data, ro, cb);
  const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  report::ReportInput in;
  in.data = &data;
  in.title = fmt::format("fmnist bench ({} profile)", o.profile);
  in.machine = machine_info();
  in.machine["bench_profile"] = o.profile;
  in.machine["bench_seconds"] = total;
  in.machine["bench_lanes"] = lanes;
  in.machine["bench_threads_per_model"] = ro.train_threads > 0 ? ro.train_threads : threads();
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
  cmd->add_option("--lanes", o->lanes,
                  "Models trained at once, each in its own process with threads/lanes threads "
                  "(1: one after another, with all threads)")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  cmd->add_flag("--train-only", o->train_only, "Fill the cache, write no report (a lane's work)")
      ->group("");
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
