#pragma once
// Running a lineup: train and evaluate each model, or take it from the cache
// when its spec, data, seed and threads have not changed. A model that fails
// is recorded with its error and the run goes on.
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "bench/lineup.hpp"
#include "data/dataset.hpp"
#include "eval/model_result.hpp"

namespace fmnist::bench {

struct RunOptions {
  std::filesystem::path cache;  // one directory per trained model (and its checkpoint)
  bool force = false;           // retrain even what the cache has
  uint64_t seed = 0;
  // Training accuracy from a stratified sample of this many training images
  // (0: all of them); see train_and_score.
  size_t train_score_images = 10000;
  // Threads the models are trained with, part of the cache key (0: threads()).
  int train_threads = 0;
  // Entries that lanes failed to train (label -> why): reported, not retried.
  std::map<std::string, std::string> lane_errors;
  // Entries that lanes trained in this run (label -> wall seconds there): in
  // the cache, yet not "cached" results.
  std::map<std::string, double> lane_seconds;
};

struct EntryOutcome {
  ModelResult result;
  bool cached = false;
  double seconds = 0;  // wall time of this entry (training or reloading, and evaluation)
};

// Called before each entry (index, total, eta seconds for the rest of the
// run) and after it (with the outcome).
struct RunCallbacks {
  std::function<void(size_t index, size_t total, const LineupEntry& e, double eta)> start;
  std::function<void(size_t index, size_t total, const LineupEntry& e, const EntryOutcome& o,
                     double eta)>
      done;
};

// The cache directory of `entry` for this data, seed and thread count.
std::filesystem::path cache_dir(const RunOptions& opts, const LineupEntry& entry,
                                const DataSplits& data);

std::vector<EntryOutcome> run_lineup(const std::vector<LineupEntry>& entries,
                                     const DataSplits& data, const RunOptions& opts,
                                     const RunCallbacks& cb = {});

}  // namespace fmnist::bench
