#include "eval/metrics.hpp"

#include <sys/resource.h>

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
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss / 1024.0;  // Linux reports KiB
}

}  // namespace fmnist
