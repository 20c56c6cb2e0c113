#include "core/threads.hpp"

#include <omp.h>
#include <unistd.h>

#include <cstdlib>

#include <mutex>
#include <thread>
#include <vector>

extern "C" void openblas_set_num_threads(int);

namespace fmnist {
namespace {
int g_threads = 0;
std::mutex g_mutex;
std::vector<std::function<void(int)>>& hooks() {
  static std::vector<std::function<void(int)>> h;
  return h;
}
}  // namespace

int hardware_threads() {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

void set_threads(int n) {
  std::lock_guard lock(g_mutex);
  g_threads = n <= 0 ? hardware_threads() : n;
  omp_set_num_threads(g_threads);
  openblas_set_num_threads(g_threads);
  for (auto& hook : hooks()) hook(g_threads);
}

int threads() {
  std::lock_guard lock(g_mutex);
  return g_threads == 0 ? hardware_threads() : g_threads;
}

void on_threads_changed(std::function<void(int)> hook) {
  std::lock_guard lock(g_mutex);
  if (g_threads != 0) hook(g_threads);
  hooks().push_back(std::move(hook));
}

void tame_idle_threads(char** argv) {
  bool changed = false;
  auto prefer = [&](const char* name, const char* value) {
    if (std::getenv(name)) return;
    setenv(name, value, 1);
    changed = true;
  };
  // About 0.2 ms of spinning (libgomp counts ~100,000 spins a millisecond).
  if (!std::getenv("OMP_WAIT_POLICY")) prefer("GOMP_SPINCOUNT", "20000");
  // 2^4 cycles, OpenBLAS's smallest; its default, 2^28 (~0.1 s), kept a
  // worker in a sched_yield loop after every matrix product of a net's
  // linear layers: a quarter of a 2-core machine's time.
  prefer("OPENBLAS_THREAD_TIMEOUT", "4");
  if (!changed) return;
  execv("/proc/self/exe", argv);
  // Still here: no /proc (or no exec). Run with the runtimes' defaults.
}

}  // namespace fmnist
