#include "explore/stats.hpp"

#include <cmath>
#include <cstring>
#include <unordered_map>

#include <omp.h>

namespace fmnist {

PixelStats pixel_stats(const Dataset& data) {
  PixelStats s;
  const size_t n = data.pixels.size();
  if (n == 0) return s;
  // A histogram is exact and gives mean, std, min and max for free.
  const int nt = omp_get_max_threads();
  std::vector<std::array<uint64_t, 256>> local(nt);
#pragma omp parallel
  {
    auto& h = local[omp_get_thread_num()];
    h.fill(0);
#pragma omp for schedule(static)
    for (size_t i = 0; i < n; ++i) ++h[data.pixels[i]];
  }
  for (const auto& h : local)
    for (int v = 0; v < 256; ++v) s.histogram[v] += h[v];
  double sum = 0, sum2 = 0;
  s.min = 255;
  s.max = 0;
  for (int v = 0; v < 256; ++v) {
    if (!s.histogram[v]) continue;
    s.min = std::min(s.min, v);
    s.max = std::max(s.max, v);
    sum += static_cast<double>(s.histogram[v]) * v;
    sum2 += static_cast<double>(s.histogram[v]) * v * v;
  }
  s.mean = sum / n;
  s.std = std::sqrt(std::max(0.0, sum2 / n - s.mean * s.mean));
  return s;
}

std::array<std::vector<float>, kNumClasses> class_mean_images(const Dataset& data) {
  const size_t sz = data.image_size();
  std::array<std::vector<double>, kNumClasses> sums;
  for (auto& v : sums) v.assign(sz, 0.0);
  auto counts = data.class_counts();
  for (size_t i = 0; i < data.size(); ++i) {
    auto img = data.image(i);
    auto& acc = sums[data.labels[i]];
    for (size_t j = 0; j < sz; ++j) acc[j] += img[j];
  }
  std::array<std::vector<float>, kNumClasses> out;
  for (int c = 0; c < kNumClasses; ++c) {
    out[c].resize(sz);
    for (size_t j = 0; j < sz; ++j)
      out[c][j] = counts[c] ? static_cast<float>(sums[c][j] / counts[c]) : 0.f;
  }
  return out;
}

namespace {
uint64_t image_hash(std::span<const uint8_t> img) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (uint8_t b : img) h = (h ^ b) * 0x100000001b3ULL;
  return h;
}
}  // namespace

DuplicateStats find_duplicates(const Dataset& train, const Dataset& test) {
  DuplicateStats d;
  // hash -> first training index with that hash; collisions are resolved by
  // comparing bytes, so the counts are exact.
  std::unordered_multimap<uint64_t, uint32_t> seen;
  seen.reserve(train.size() * 2);
  auto same = [](std::span<const uint8_t> a, std::span<const uint8_t> b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size()) == 0;
  };
  for (size_t i = 0; i < train.size(); ++i) {
    auto img = train.image(i);
    uint64_t h = image_hash(img);
    bool dup = false;
    auto [lo, hi] = seen.equal_range(h);
    for (auto it = lo; it != hi && !dup; ++it) dup = same(train.image(it->second), img);
    if (dup) ++d.within_train;
    else seen.emplace(h, static_cast<uint32_t>(i));
  }
  std::unordered_multimap<uint64_t, uint32_t> seen_test;
  for (size_t i = 0; i < test.size(); ++i) {
    auto img = test.image(i);
    uint64_t h = image_hash(img);
    auto [lo, hi] = seen.equal_range(h);
    for (auto it = lo; it != hi; ++it) {
      if (same(train.image(it->second), img)) {
        ++d.test_in_train;
        if (train.labels[it->second] != test.labels[i]) ++d.test_in_train_label_differs;
        break;
      }
    }
    bool dup = false;
    auto [tlo, thi] = seen_test.equal_range(h);
    for (auto it = tlo; it != thi && !dup; ++it) dup = same(test.image(it->second), img);
    if (dup) ++d.within_test;
    else seen_test.emplace(h, static_cast<uint32_t>(i));
  }
  return d;
}

}  // namespace fmnist
