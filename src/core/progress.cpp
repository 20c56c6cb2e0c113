#include "core/progress.hpp"

#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstdio>

#include <fmt/format.h>

#include "core/log.hpp"

namespace fmnist {
namespace {
std::atomic<double> g_log_interval{10.0};
}

void Progress::set_log_interval(double seconds) {
  g_log_interval = seconds;
}

std::string format_duration(double s) {
  if (!std::isfinite(s) || s < 0) return "?";
  auto total = static_cast<long>(std::lround(s));
  if (total < 60) return s < 10 ? fmt::format("{:.1f}s", s) : fmt::format("{}s", total);
  long h = total / 3600, m = (total / 60) % 60, sec = total % 60;
  if (h > 0) return fmt::format("{}:{:02}:{:02}", h, m, sec);
  return fmt::format("{}:{:02}", m, sec);
}

std::string format_bytes(double bytes) {
  const char* units[] = {"B", "kB", "MB", "GB", "TB"};
  int u = 0;
  while (bytes >= 1000 && u < 4) {
    bytes /= 1000;
    ++u;
  }
  return u == 0 ? fmt::format("{:.0f} B", bytes) : fmt::format("{:.1f} {}", bytes, units[u]);
}

Progress::Progress(std::string label, uint64_t total, std::string unit)
    : label_(std::move(label)),
      unit_(std::move(unit)),
      total_(total),
      tty_(isatty(STDERR_FILENO) != 0),
      enabled_(log::level() >= log::Level::normal),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

Progress::~Progress() {
  if (!finished_) finish();
}

void Progress::update(uint64_t done, const std::string& status) {
  done_ = done;
  if (!status.empty()) status_ = status;
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  const double since = std::chrono::duration<double>(now - last_draw_).count();
  if (since < (tty_ ? 0.1 : g_log_interval.load())) return;
  last_draw_ = now;
  draw(false);
}

void Progress::note(const std::string& line) {
  if (!enabled_) return;
  if (tty_) {
    fmt::print(stderr, "\r\033[K{}\n", line);
    draw(false);
  } else {
    log::write("", line);
  }
}

void Progress::finish(const std::string& status) {
  if (finished_) return;
  finished_ = true;
  if (!status.empty()) status_ = status;
  if (enabled_) draw(true);
}

void Progress::draw(bool final) {
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double frac = total_ ? std::min(1.0, static_cast<double>(done_) / total_) : 1.0;
  const double rate = elapsed > 0 ? done_ / elapsed : 0;
  const double eta = rate > 0 && total_ > done_ ? (total_ - done_) / rate : 0;
  // Without a unit the total is only a scale (fractions of the work), so
  // counts and rates would mean nothing: show the percentage alone.
  const bool counted = !unit_.empty();
  std::string rate_text, count_text;
  if (unit_ == "B") {  // bytes read better as MB
    rate_text = rate > 0 ? fmt::format(" {}/s", format_bytes(rate)) : "";
    count_text = fmt::format(" {}/{}", format_bytes(static_cast<double>(done_)),
                             format_bytes(static_cast<double>(total_)));
  } else if (counted) {
    rate_text = rate > 0 ? fmt::format(" {:.4g} {}/s", rate, unit_) : "";
    count_text = fmt::format(" {}/{}", done_, total_);
  }
  std::string tail = final ? fmt::format("done in {}", format_duration(elapsed))
                           : fmt::format("ETA {}", format_duration(eta));
  std::string extra = status_.empty() ? "" : "  " + status_;
  if (tty_) {
    constexpr int width = 28;
    const int filled = static_cast<int>(frac * width);
    std::string bar(filled, '#');
    bar.resize(width, '.');
    fmt::print(stderr, "\r\033[K{} [{}] {:3.0f}%{}{} {}{}", label_, bar, frac * 100, count_text,
               rate_text, tail, extra);
    if (final) fmt::print(stderr, "\n");
    std::fflush(stderr);
  } else {
    log::write("", fmt::format("{}: {:.0f}%{}{} {}{}", label_, frac * 100, count_text, rate_text,
                               tail, extra));
  }
}

}  // namespace fmnist
