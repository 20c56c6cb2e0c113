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

void prefer_passive_openmp(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") || std::getenv("GOMP_SPINCOUNT")) return;
  setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
  execv("/proc/self/exe", argv);
  // Still here: no /proc (or no exec). Run with the runtime's default.
}

}  // namespace fmnist
