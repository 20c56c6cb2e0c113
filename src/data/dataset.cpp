#include "data/dataset.hpp"

#include <algorithm>

#include "core/error.hpp"

namespace fmnist {

std::array<size_t, kNumClasses> Dataset::class_counts() const {
  std::array<size_t, kNumClasses> counts{};
  for (uint8_t y : labels) {
    if (y < kNumClasses) ++counts[y];
  }
  return counts;
}

Dataset Dataset::subset(std::span<const uint32_t> indices) const {
  Dataset out;
  out.rows = rows;
  out.cols = cols;
  out.source = source;
  const size_t sz = image_size();
  out.pixels.resize(indices.size() * sz);
  out.labels.resize(indices.size());
  for (size_t k = 0; k < indices.size(); ++k) {
    const size_t i = indices[k];
    if (i >= size()) fail("subset: index {} out of range ({} images)", i, size());
    std::copy_n(pixels.data() + i * sz, sz, out.pixels.data() + k * sz);
    out.labels[k] = labels[i];
  }
  return out;
}

namespace {
// FNV-1a over 64-bit words with a final avalanche: fast (memory-bound) and
// stable across builds, which is all a data fingerprint needs.
uint64_t mix(uint64_t h, const uint8_t* p, size_t n) {
  constexpr uint64_t prime = 0x100000001b3ULL;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    __builtin_memcpy(&w, p + i, 8);
    h = (h ^ w) * prime;
    h ^= h >> 29;
  }
  for (; i < n; ++i) h = (h ^ p[i]) * prime;
  return h;
}
}  // namespace

uint64_t Dataset::fingerprint() const {
  uint64_t h = 0xcbf29ce484222325ULL;
  const uint64_t shape[3] = {static_cast<uint64_t>(rows), static_cast<uint64_t>(cols), size()};
  h = mix(h, reinterpret_cast<const uint8_t*>(shape), sizeof shape);
  h = mix(h, pixels.data(), pixels.size());
  h = mix(h, labels.data(), labels.size());
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  return h;
}

}  // namespace fmnist
