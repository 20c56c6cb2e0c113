#include "bench/lanes.hpp"

#include <algorithm>
#include <chrono>

#include <fmt/format.h>

#include "core/children.hpp"
#include "core/files.hpp"

namespace fmnist::bench {
namespace fs = std::filesystem;

namespace {

// Models expected to train in less than this share one child: starting a
// child and loading the data costs about 2 s.
constexpr double kSmallSeconds = 30;

struct Job {
  std::vector<const LineupEntry*> entries;
  std::vector<fs::path> dirs;
  double expected = 0;
};

// What a child wrote to say why its entry failed, or "".
std::string error_text(const fs::path& cache_entry) {
  const fs::path path = error_file(cache_entry);
  if (!fs::exists(path)) return "";
  const auto bytes = read_file(path);
  return std::string(bytes.begin(), bytes.end());
}

}  // namespace

fs::path error_file(const fs::path& cache_entry) {
  return cache_entry.string() + ".error";
}

LaneOutcome train_in_lanes(const std::vector<LineupEntry>& entries, const DataSplits& data,
                           const RunOptions& opts, int lanes, const ChildCommand& command,
                           const LaneCallbacks& cb) {
  std::vector<Job> jobs;
  Job small;
  for (const auto& e : entries) {
    const fs::path dir = cache_dir(opts, e, data);
    if (!opts.force && fs::exists(dir / "model.json")) continue;
    Job& job = e.expected_seconds < kSmallSeconds ? small : jobs.emplace_back();
    job.entries.push_back(&e);
    job.dirs.push_back(dir);
    job.expected += e.expected_seconds;
  }
  if (!small.entries.empty()) jobs.push_back(small);
  // Longest first: the last job to start is a short one, so the lanes end
  // close together.
  std::stable_sort(jobs.begin(), jobs.end(),
                   [](const Job& a, const Job& b) { return a.expected > b.expected; });
  std::error_code ec;
  fs::create_directories(opts.cache, ec);
  std::vector<ChildJob> children;
  for (const auto& job : jobs) {
    for (const auto& dir : job.dirs) fs::remove(error_file(dir), ec);
    children.push_back({command(job.entries), job.dirs.front().string() + ".log"});
  }

  LaneOutcome out;
  std::vector<std::chrono::steady_clock::time_point> t0(jobs.size());
  size_t started = 0, finished = 0;
  run_children(
      children, lanes,
      [&](size_t i) {
        t0[i] = std::chrono::steady_clock::now();
        started += jobs[i].entries.size();
        if (cb.start) cb.start(jobs[i].entries, started);
      },
      [&](size_t i, int status) {
        const double secs =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0[i]).count();
        const Job& job = jobs[i];
        std::vector<std::string> errors;
        for (size_t k = 0; k < job.entries.size(); ++k) {
          const LineupEntry& e = *job.entries[k];
          // A child that trained several models timed none of them alone.
          out.seconds[e.label] = job.expected > 0 ? secs * e.expected_seconds / job.expected : secs;
          if (fs::exists(job.dirs[k] / "model.json")) {
            errors.emplace_back();
            continue;
          }
          std::string why = error_text(job.dirs[k]);
          if (why.empty()) {
            const std::string last = last_line(children[i].log);
            why =
                status == 127 && last.empty()
                    ? fmt::format("could not start {}", children[i].argv[0])
                    : fmt::format("its training process ended with status {}{}{} (log: {})", status,
                                  last.empty() ? "" : ": ", last, children[i].log.string());
          }
          out.errors[e.label] = why;
          errors.push_back(why);
        }
        finished += job.entries.size();
        if (cb.done) cb.done(job.entries, errors, secs, finished);
      });
  return out;
}

}  // namespace fmnist::bench
