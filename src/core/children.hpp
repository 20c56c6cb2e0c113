#pragma once
// Running copies of this program side by side: the bench trains models in
// parallel lanes as separate processes, because LibTorch's thread pool and
// random generator are per process (docs/DESIGN.md, "Lanes").
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace fmnist {

struct ChildJob {
  std::vector<std::string> argv;  // argv[0] is the program to run
  std::filesystem::path log;      // its stdout and stderr (truncated first)
};

// Runs the jobs in order, at most `parallel` at once, and returns when all
// have ended. `started(i)` is called as job i starts; `finished(i, status)`
// as it ends: its exit code, 128 + the signal if a signal ended it, or 127
// if it could not be started at all.
void run_children(const std::vector<ChildJob>& jobs, int parallel,
                  const std::function<void(size_t)>& started,
                  const std::function<void(size_t, int)>& finished);

// The running program's own file (Linux: /proc/self/exe).
std::filesystem::path self_executable();

// The last non-empty line of a text file, or "" (a failed child's last word).
std::string last_line(const std::filesystem::path& path);

}  // namespace fmnist
