#include "eval/metrics.hpp"

#include <sys/resource.h>
#include <fstream>
#include <string>

#include <algorithm>
#include <cmath>

#include "core/error.hpp"

namespace fmnist {

double accuracy(const std::vector<uint8_t>& predicted, const std::vector<uint8_t>& labels) {
  if (predicted.size() != labels.size()) {
    fail("accuracy: {} predictions for {} labels", predicted.size(), labels.size());
  }
  if (labels.empty()) return 0;
  size_t right = 0;
  for (size_t i = 0; i < labels.size(); ++i) right += predicted[i] == labels[i];
  return static_cast<double>(right) / labels.size();
}

ConfusionMatrix confusion_matrix(const std::vector<uint8_t>& predicted,
                                 const std::vector<uint8_t>& labels) {
  ConfusionMatrix m{};
  for (size_t i = 0; i < std::min(predicted.size(), labels.size()); ++i) {
    if (labels[i] < kNumClasses && predicted[i] < kNumClasses) ++m[labels[i]][predicted[i]];
  }
  return m;
}

double log_loss(const std::vector<float>& proba, const std::vector<uint8_t>& labels) {
  if (labels.empty()) return 0;
  double total = 0;
  for (size_t i = 0; i < labels.size(); ++i) {
    const double p = std::clamp<double>(proba[i * kNumClasses + labels[i]], 1e-15, 1.0);
    total -= std::log(p);
  }
  return total / labels.size();
}

double peak_memory_mib() {
  // VmHWM, unlike getrusage's maxrss, can be reset (reset_peak_memory).
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::strtod(line.c_str() + 6, nullptr) / 1024.0;
  }
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss / 1024.0;  // Linux reports KiB
}

void reset_peak_memory() {
  // Linux >= 4.0: writing 5 to clear_refs sets the peak back to the current size.
  std::ofstream out("/proc/self/clear_refs");
  out << "5";
}

}  // namespace fmnist
