#pragma once
// Training a lineup in parallel lanes: each model the cache lacks is trained
// by a child process (this program again, with fewer threads), `lanes` at a
// time, largest first; the bench then finds every model in the cache. In a
// short test on 2 cores, two 1-thread nets trained about 1.3x more per second
// than one 2-thread net (a step is many short ops that do not keep two
// threads busy); over the whole quick bench no gain is measured yet, so one
// lane is the default (docs/DESIGN.md, "Lanes").
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "bench/run.hpp"

namespace fmnist::bench {

// One child trains one model, or several small ones in a row.
struct LaneCallbacks {
  // `started` and `finished` count entries, over all children so far.
  std::function<void(const std::vector<const LineupEntry*>& entries, size_t started)> start;
  // errors[k]: why entries[k] left no model in the cache, or "".
  std::function<void(const std::vector<const LineupEntry*>& entries,
                     const std::vector<std::string>& errors, double seconds, size_t finished)>
      done;
};

// The command line that trains these entries into the cache (argv[0] included).
using ChildCommand =
    std::function<std::vector<std::string>(const std::vector<const LineupEntry*>&)>;

struct LaneOutcome {
  std::map<std::string, double> seconds;      // label -> wall time of its child
  std::map<std::string, std::string> errors;  // label -> why it left no model
};

// Trains what the cache (opts.cache, keyed with opts.train_threads) lacks.
LaneOutcome train_in_lanes(const std::vector<LineupEntry>& entries, const DataSplits& data,
                           const RunOptions& opts, int lanes, const ChildCommand& command,
                           const LaneCallbacks& cb = {});

// Where a child writes why its entry failed, beside the entry's cache directory.
std::filesystem::path error_file(const std::filesystem::path& cache_entry);

}  // namespace fmnist::bench
