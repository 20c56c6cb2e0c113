#pragma once
// Minimal levelled logging to stderr. --quiet keeps only errors and warnings,
// --verbose adds debug lines. Results go to stdout; everything else here.
#include <cstdio>
#include <string_view>

#include <fmt/format.h>

namespace fmnist::log {

enum class Level { quiet = 0, normal = 1, verbose = 2 };

void set_level(Level level);
Level level();
void write(std::string_view prefix, std::string_view message);

template <typename... Args>
void info(fmt::format_string<Args...> f, Args&&... args) {
  if (level() >= Level::normal) write("", fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void debug(fmt::format_string<Args...> f, Args&&... args) {
  if (level() >= Level::verbose) write("debug: ", fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void warn(fmt::format_string<Args...> f, Args&&... args) {
  write("warning: ", fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace fmnist::log
