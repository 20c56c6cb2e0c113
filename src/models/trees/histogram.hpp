#pragma once
// The inner loops of the CART builder (cart.cpp): filling per-feature class
// histograms over 256 pixel values, and scanning them for the best split.
#include <immintrin.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <limits>

#include "data/dataset.hpp"

namespace fmnist::trees::detail {

constexpr int kC = kNumClasses;
constexpr int kBins = 256;
constexpr size_t kHist = static_cast<size_t>(kBins) * kC;  // counters per feature
// How many samples ahead rows are prefetched.
constexpr size_t kPrefetchAhead = 8;

struct Split {
  double score = -std::numeric_limits<double>::infinity();  // larger is better
  int feature = -1;
  int threshold = 0;
  uint32_t left[kC] = {};  // weighted class counts going left
  uint32_t left_weight = 0;
  bool valid() const { return feature >= 0; }
};

// What a scan needs to know of the node.
struct NodeStats {
  const uint32_t* counts = nullptr;  // weighted, per class
  uint32_t weight = 0;
  // The classes with a count: only their counters can be non-zero. Deep
  // nodes hold two or three, which is what makes their scans cheap.
  int present = 0;
  int cls[kC] = {};
  uint32_t min_leaf = 1;
  bool gini = true;
  const double* xlogx = nullptr;  // c log c for c = 0..weight, for entropy
};

// Counts every sample of a node into the histograms of nf features at once:
// one pass over the samples, each reading nf bytes (src[t][idx * stride])
// into dst[t]. kMark also marks occupied bins in seen[t * 256 + value]: a
// plain store, so repeated values do not chain read-modify-writes the way
// setting bits would. Rows are scattered over the training set, so the bytes
// of a row kPrefetchAhead samples on are requested early (at the `prefetch`
// offsets from prefetch_base + idx * stride).
template <bool kMark>
void accumulate(const uint32_t* idx, const uint8_t* y, const uint32_t* w, size_t m,
                const uint8_t* const* src, size_t stride, int nf, uint32_t* const* dst,
                uint8_t* seen, const uint8_t* prefetch_base, const int* prefetch, int nprefetch) {
  for (size_t k = 0; k < m; ++k) {
    if (k + kPrefetchAhead < m) {
      const uint8_t* ahead = prefetch_base + idx[k + kPrefetchAhead] * stride;
      for (int i = 0; i < nprefetch; ++i)
        _mm_prefetch(reinterpret_cast<const char*>(ahead + prefetch[i]), _MM_HINT_T0);
    }
    const size_t off = idx[k] * stride;
    const uint32_t yk = y[k], wk = w[k];
    for (int t = 0; t < nf; ++t) {
      const uint32_t v = src[t][off];
      dst[t][v * kC + yk] += wk;
      if constexpr (kMark) seen[t * kBins + v] = 1;
    }
  }
}

// The occupied bins of one `seen` row as four 64-bit masks; clears the row.
inline void take_marks(uint8_t* seen, uint64_t* mask) {
  const __m256i zero = _mm256_setzero_si256();
  for (int q = 0; q < kBins / 32; ++q) {
    auto* p = reinterpret_cast<__m256i*>(seen + 32 * q);
    const __m256i v = _mm256_loadu_si256(p);
    const auto empty = static_cast<uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, zero)));
    const uint64_t occupied = ~empty;
    if (q % 2 == 0) {
      mask[q / 2] = occupied;
    } else {
      mask[q / 2] |= occupied << 32;
    }
    _mm256_storeu_si256(p, zero);
  }
}

// The occupied bins of a histogram, from its counters.
inline void find_occupied(const uint32_t* h, const NodeStats& ns, uint64_t* mask) {
  for (int q = 0; q < 4; ++q) {
    mask[q] = 0;
    for (int b = 0; b < 64; ++b) {
      uint32_t any = 0;
      for (int i = 0; i < ns.present; ++i) any |= h[(q * 64 + b) * kC + ns.cls[i]];
      mask[q] |= uint64_t{any != 0} << b;
    }
  }
}

// Every threshold between two occupied bins (`mask`) of one feature's
// histogram, keeping the best in `best` (ties to the earlier); kClear zeroes
// the counters on the way. NP: the number of classes present, so the running
// counts live in registers. Returns whether the feature has two values.
template <int NP, bool kGini, bool kClear>
bool scan_fixed(uint32_t* h, const uint64_t* mask, int feature, const NodeStats& ns, Split& best) {
  int cls[NP];
  uint32_t left[NP], right[NP];
  for (int i = 0; i < NP; ++i) {
    cls[i] = ns.cls[i];
    left[i] = 0;
    right[i] = ns.counts[cls[i]];
  }
  // Minus the weighted impurity of one side, up to a constant shared by all
  // splits of the node: sum c^2 / w for Gini, sum c log c - w log w for
  // entropy.
  auto part = [&](const uint32_t* c, uint32_t w) {
    if constexpr (kGini) {
      uint64_t sq = 0;
      for (int i = 0; i < NP; ++i) sq += uint64_t{c[i]} * c[i];
      return static_cast<double>(sq) / w;
    } else {
      double e = -ns.xlogx[w];
      for (int i = 0; i < NP; ++i) e += ns.xlogx[c[i]];
      return e;
    }
  };
  uint32_t wl = 0;
  int prev = -1, occupied = 0;
  bool open = true;  // false once the right side is too small to split further
  for (int q = 0; q < 4; ++q) {
    for (uint64_t bits = mask[q]; bits; bits &= bits - 1) {
      const int b = q * 64 + std::countr_zero(bits);
      ++occupied;
      if (open && prev >= 0 && wl >= ns.min_leaf) {
        const uint32_t wr = ns.weight - wl;
        if (wr < ns.min_leaf) {
          open = false;
        } else {
          const double score = part(left, wl) + part(right, wr);
          if (score > best.score) {
            best.score = score;
            best.feature = feature;
            best.threshold = (prev + b) / 2;  // pixel <= threshold goes left
            std::fill(best.left, best.left + kC, 0u);
            for (int i = 0; i < NP; ++i) best.left[cls[i]] = left[i];
            best.left_weight = wl;
          }
        }
      }
      uint32_t* hb = h + b * kC;
      for (int i = 0; i < NP; ++i) {
        const uint32_t v = hb[cls[i]];
        if constexpr (kClear) hb[cls[i]] = 0;
        left[i] += v;
        right[i] -= v;
        wl += v;
      }
      prev = b;
    }
  }
  return occupied > 1;
}

template <bool kGini, bool kClear>
bool scan_classes(uint32_t* h, const uint64_t* mask, int feature, const NodeStats& ns,
                  Split& best) {
  switch (ns.present) {
#define FMNIST_SCAN_CASE(n) \
  case n:                   \
    return scan_fixed<n, kGini, kClear>(h, mask, feature, ns, best);
    FMNIST_SCAN_CASE(1)
    FMNIST_SCAN_CASE(2)
    FMNIST_SCAN_CASE(3)
    FMNIST_SCAN_CASE(4)
    FMNIST_SCAN_CASE(5)
    FMNIST_SCAN_CASE(6)
    FMNIST_SCAN_CASE(7)
    FMNIST_SCAN_CASE(8)
    FMNIST_SCAN_CASE(9)
#undef FMNIST_SCAN_CASE
    default:
      return scan_fixed<kC, kGini, kClear>(h, mask, feature, ns, best);
  }
}

// scan_fixed for the node's criterion and number of classes.
inline bool scan(uint32_t* h, const uint64_t* mask, int feature, const NodeStats& ns, bool clear,
                 Split& best) {
  if (ns.gini) {
    return clear ? scan_classes<true, true>(h, mask, feature, ns, best)
                 : scan_classes<true, false>(h, mask, feature, ns, best);
  }
  return clear ? scan_classes<false, true>(h, mask, feature, ns, best)
               : scan_classes<false, false>(h, mask, feature, ns, best);
}

}  // namespace fmnist::trees::detail
