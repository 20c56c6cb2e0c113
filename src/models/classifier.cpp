#include "models/classifier.hpp"

namespace fmnist {

std::vector<float> Classifier::predict_proba(const Dataset& data) const {
  std::vector<float> out(data.size() * kNumClasses);
  if (!data.labels.empty()) predict_proba(data, out.data());
  return out;
}

std::vector<uint8_t> Classifier::predict(const Dataset& data) const {
  return argmax_rows(predict_proba(data));
}

std::vector<uint8_t> argmax_rows(const std::vector<float>& proba) {
  const size_t n = proba.size() / kNumClasses;
  std::vector<uint8_t> out(n);
  for (size_t i = 0; i < n; ++i) {
    const float* row = proba.data() + i * kNumClasses;
    int best = 0;
    for (int c = 1; c < kNumClasses; ++c)
      if (row[c] > row[best]) best = c;
    out[i] = static_cast<uint8_t>(best);
  }
  return out;
}

}  // namespace fmnist
