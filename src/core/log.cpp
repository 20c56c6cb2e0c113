#include "core/log.hpp"

#include <atomic>
#include <mutex>

namespace fmnist::log {
namespace {
std::atomic<Level> g_level{Level::normal};
std::mutex g_mutex;
}  // namespace

void set_level(Level level) { g_level = level; }
Level level() { return g_level; }

void write(std::string_view prefix, std::string_view message) {
  std::lock_guard lock(g_mutex);
  fmt::print(stderr, "{}{}\n", prefix, message);
  std::fflush(stderr);
}

}  // namespace fmnist::log
