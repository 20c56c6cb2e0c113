#include "bench/run.hpp"

#include <chrono>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/files.hpp"
#include "core/hash.hpp"
#include "core/log.hpp"
#include "core/threads.hpp"
#include "core/version.hpp"
#include "eval/train_run.hpp"
#include "models/model_io.hpp"
#include "models/registry.hpp"

namespace fmnist::bench {
namespace fs = std::filesystem;

namespace {

double since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Everything that changes a trained model or its timings.
std::string cache_key(const std::string& canonical_spec, const DataSplits& data, uint64_t seed,
                      int train_threads) {
  Sha256 h;
  h.update(fmt::format("{}|{:016x}|{:016x}|{:016x}|{}|{}|{}", canonical_spec,
                       data.train.fingerprint(), data.val.fingerprint(), data.test.fingerprint(),
                       seed, train_threads, version()));
  return h.hex_final().substr(0, 16);
}

ModelResult train_entry(const LineupEntry& entry, const DataSplits& data, const RunOptions& opts,
                        const fs::path& dir) {
  FitContext ctx;
  ctx.seed = opts.seed;
  // Nets checkpoint beside their cache entry, so an interrupted bench
  // continues the epoch it was in.
  ctx.checkpoint_dir = dir.string() + ".checkpoint";
  ctx.resume = true;
  TrainResult r = train_and_score(entry.spec, data, ctx, opts.train_score_images);
  save_model(*r.model, training_info(data, opts.seed, r.metrics), dir);
  std::error_code ec;
  fs::remove_all(ctx.checkpoint_dir, ec);
  // The test set was just predicted (and timed) after fitting: evaluating
  // reuses that prediction instead of making it twice.
  return evaluate_scored(*r.model, data, r.metrics, entry.label, r.test);
}

}  // namespace

fs::path cache_dir(const RunOptions& opts, const LineupEntry& entry, const DataSplits& data) {
  const std::string canonical = make_model(entry.spec)->settings().canonical_spec();
  const int t = opts.train_threads > 0 ? opts.train_threads : threads();
  return opts.cache / fmt::format("{}-{}", entry.label, cache_key(canonical, data, opts.seed, t));
}

std::vector<EntryOutcome> run_lineup(const std::vector<LineupEntry>& entries,
                                     const DataSplits& data, const RunOptions& opts,
                                     const RunCallbacks& cb) {
  std::vector<EntryOutcome> out;
  // The ETA scales the expected seconds of what is left by how the finished
  // entries compared with theirs (cached entries say nothing about speed).
  double expected_done = 0, actual_done = 0;
  auto eta = [&](size_t next) {
    double rest = 0;
    for (size_t i = next; i < entries.size(); ++i) rest += entries[i].expected_seconds;
    // Damped: a few fast small models say little about the big ones.
    constexpr double kPrior = 120;
    const double pace = (actual_done + kPrior) / (expected_done + kPrior);
    return rest * pace;
  };
  for (size_t i = 0; i < entries.size(); ++i) {
    const LineupEntry& entry = entries[i];
    if (cb.start) cb.start(i, entries.size(), entry, eta(i));
    EntryOutcome o;
    const auto t0 = std::chrono::steady_clock::now();
    try {
      const fs::path dir = cache_dir(opts, entry, data);
      const auto lane_error = opts.lane_errors.find(entry.label);
      if (lane_error != opts.lane_errors.end()) throw Error(lane_error->second);
      if (!opts.force && fs::exists(dir / "model.json")) {
        LoadedModel lm = load_model(dir);
        const nlohmann::json metrics =
            lm.meta.contains("metrics") ? lm.meta["metrics"] : nlohmann::json::object();
        o.result = evaluate_model(*lm.model, data, metrics, entry.label);
        o.cached = !opts.lane_seconds.count(entry.label);
      } else {
        o.result = train_entry(entry, data, opts, dir);
      }
    } catch (const Error& e) {
      o.result = ModelResult();
      o.result.label = entry.label;
      o.result.metrics = {{"spec", entry.spec}};
      o.result.error = e.what();
    } catch (const std::exception& e) {
      // A library's own exception (LibTorch, XGBoost) or running out of
      // memory must not end the whole bench either.
      o.result = ModelResult();
      o.result.label = entry.label;
      o.result.metrics = {{"spec", entry.spec}};
      o.result.error = fmt::format("unexpected error: {}", e.what());
    }
    o.seconds = since(t0);
    if (const auto lane = opts.lane_seconds.find(entry.label); lane != opts.lane_seconds.end())
      o.seconds += lane->second;
    if (o.result.ok()) {
      o.result.metrics["notebook_accuracy"] = entry.notebook_accuracy;
      o.result.metrics["cached"] = o.cached;
    }
    if (!o.cached) {
      expected_done += entry.expected_seconds;
      actual_done += o.seconds;
    }
    if (cb.done) cb.done(i, entries.size(), entry, o, eta(i + 1));
    out.push_back(std::move(o));
  }
  return out;
}

}  // namespace fmnist::bench
