#pragma once
// Progress for long work: a redrawn bar with rate and ETA on a terminal, and
// a plain line every few seconds when stderr is a log file or a pipe.
#include <chrono>
#include <cstdint>
#include <string>

namespace fmnist {

class Progress {
 public:
  // `total` units of work (images, trees, epochs...); `unit` names them.
  Progress(std::string label, uint64_t total, std::string unit = "");
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // Sets the amount done so far, with an optional status such as "loss 0.31".
  void update(uint64_t done, const std::string& status = "");
  void advance(uint64_t by = 1, const std::string& status = "") { update(done_ + by, status); }
  // Prints `line` above the bar to stay (a log line when not on a terminal).
  void note(const std::string& line);
  // Ends the line; called by the destructor if not called before.
  void finish(const std::string& status = "");

  // Seconds between plain lines when not on a terminal (tests shorten it).
  static void set_log_interval(double seconds);

 private:
  void draw(bool final);
  std::string label_, unit_, status_;
  uint64_t total_, done_ = 0;
  bool tty_, finished_ = false, enabled_;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

// "1:02:03", "4:05", "12s": short human durations for ETAs and reports.
std::string format_duration(double seconds);
// "26.4 MB": decimal units, as download tools show them.
std::string format_bytes(double bytes);

}  // namespace fmnist
