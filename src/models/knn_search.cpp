#include "models/knn_search.hpp"

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "core/error.hpp"

namespace fmnist::knn {

Metric parse_metric(const std::string& name) {
  if (name == "l2") return Metric::l2;
  if (name == "l1") return Metric::l1;
  if (name == "cosine") return Metric::cosine;
  fail("knn: unknown metric '{}' (l2, l1, cosine)", name);
}

namespace {

// The k best (key, index) pairs seen so far, ascending. Training rows are
// scanned in increasing index order, so a new pair enters only if strictly
// better than the worst kept one: equal distances keep the smaller index.
template <typename Key>
struct TopK {
  size_t k;
  Key* key;
  uint32_t* idx;

  TopK(size_t k_, Key* key_, uint32_t* idx_) : k(k_), key(key_), idx(idx_) {
    std::fill(key, key + k, std::numeric_limits<Key>::max());
    std::fill(idx, idx + k, std::numeric_limits<uint32_t>::max());
  }
  Key worst() const { return key[k - 1]; }
  void push(Key d, uint32_t i) {
    size_t p = k - 1;
    for (; p > 0 && key[p - 1] > d; --p) {
      key[p] = key[p - 1];
      idx[p] = idx[p - 1];
    }
    key[p] = d;
    idx[p] = i;
  }
};

// Eight distances at a time against the current worst: after the first few
// hundred rows almost no block has a candidate, so the scan costs a compare.
__m256i less_mask(const int32_t* d, int32_t worst) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(worst),
                            _mm256_loadu_si256(reinterpret_cast<const __m256i*>(d)));
}
__m256i less_mask(const float* d, float worst) {
  return _mm256_castps_si256(_mm256_cmp_ps(_mm256_loadu_ps(d), _mm256_set1_ps(worst), _CMP_LT_OQ));
}

template <typename Key>
void scan(const Key* d, size_t m, uint32_t base, TopK<Key>& top) {
  size_t c = 0;
  for (; c + 8 <= m; c += 8) {
    unsigned mask = static_cast<unsigned>(
        _mm256_movemask_ps(_mm256_castsi256_ps(less_mask(d + c, top.worst()))));
    while (mask) {
      const unsigned b = static_cast<unsigned>(__builtin_ctz(mask));
      mask &= mask - 1;
      if (d[c + b] < top.worst()) top.push(d[c + b], base + static_cast<uint32_t>(c + b));
    }
  }
  for (; c < m; ++c)
    if (d[c] < top.worst()) top.push(d[c], base + static_cast<uint32_t>(c));
}

// Sums of absolute byte differences, R queries x C training rows, 32 bytes
// a step (rows are zero-padded to whole steps).
template <int R, int C>
void sad_tile(const uint8_t* const* q, const uint8_t* const* t, size_t steps, int32_t* out,
              size_t ld) {
  __m256i acc[R][C];
  for (int r = 0; r < R; ++r)
    for (int c = 0; c < C; ++c) acc[r][c] = _mm256_setzero_si256();
  for (size_t s = 0; s < steps; ++s) {
    __m256i tv[C];
    for (int c = 0; c < C; ++c)
      tv[c] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(t[c] + s * 32));
    for (int r = 0; r < R; ++r) {
      const __m256i qv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q[r] + s * 32));
      for (int c = 0; c < C; ++c)
        acc[r][c] = _mm256_add_epi64(acc[r][c], _mm256_sad_epu8(qv, tv[c]));
    }
  }
  for (int r = 0; r < R; ++r)
    for (int c = 0; c < C; ++c) {
      const __m128i h =
          _mm_add_epi64(_mm256_castsi256_si128(acc[r][c]), _mm256_extracti128_si256(acc[r][c], 1));
      out[r * ld + c] = static_cast<int32_t>(_mm_cvtsi128_si64(h) + _mm_extract_epi64(h, 1));
    }
}

template <int R>
void sad_rows(const uint8_t* const* q, const uint8_t* t0, size_t m, size_t stride, int32_t* out,
              size_t ld) {
  const size_t steps = stride / 32;
  size_t c = 0;
  for (; c + 4 <= m; c += 4) {
    const uint8_t* t[4] = {t0 + c * stride, t0 + (c + 1) * stride, t0 + (c + 2) * stride,
                           t0 + (c + 3) * stride};
    sad_tile<R, 4>(q, t, steps, out + c, ld);
  }
  for (; c < m; ++c) {
    const uint8_t* t[1] = {t0 + c * stride};
    sad_tile<R, 1>(q, t, steps, out + c, ld);
  }
}

}  // namespace

Index::Index(std::span<const uint8_t> pixels, size_t n, size_t dim, Metric metric, int threads)
    : metric_(metric), n_(n), dim_(dim) {
  if (pixels.size() != n * dim)
    fail("knn: {} bytes are not {} images of {}", pixels.size(), n, dim);
  if (n > std::numeric_limits<uint32_t>::max()) fail("knn: too many training images ({})", n);
  if (metric == Metric::l1) {
    padded_dim_ = (dim + 31) / 32 * 32;
    padded_.assign(n * padded_dim_, 0);
    for (size_t i = 0; i < n; ++i)
      std::memcpy(padded_.data() + i * padded_dim_, pixels.data() + i * dim, dim);
    return;
  }
  std::vector<const uint8_t*> rows(n);
  for (size_t i = 0; i < n; ++i) rows[i] = pixels.data() + i * dim;
  // Packing is all of fit's work (about half a second for 60,000 images on
  // one core); the chunks are independent.
  chunks_.resize((n + kChunk - 1) / kChunk);
  squares_.resize(n);
  inv_norm_.resize(n);
#pragma omp parallel for schedule(dynamic, 1) num_threads(std::max(1, threads))
  for (size_t j = 0; j < chunks_.size(); ++j) {
    const size_t start = j * kChunk, m = std::min(kChunk, n - start);
    chunks_[j] = svm::PackedU8(std::span<const uint8_t* const>(rows.data() + start, m), dim);
    for (size_t c = 0; c < m; ++c) {
      const int32_t sq = chunks_[j].squares()[c];
      squares_[start + c] = sq;
      inv_norm_[start + c] = sq > 0 ? 1.0 / std::sqrt(double(sq)) : 0.0;
    }
  }
}

Neighbours Index::search(const uint8_t* queries, size_t nq, size_t k, int threads) const {
  if (k == 0) fail("knn: k must be at least 1");
  if (k > n_) fail("knn: k={} is more than the {} training images", k, n_);
  Neighbours out;
  out.k = k;
  out.index.resize(nq * k);
  out.distance.resize(nq * k);
  const size_t blocks = (nq + kQueryBlock - 1) / kQueryBlock;
#pragma omp parallel for schedule(dynamic, 1) num_threads(std::max(1, threads))
  for (size_t b = 0; b < blocks; ++b) {
    const size_t q0 = b * kQueryBlock, m = std::min(kQueryBlock, nq - q0);
    search_block(queries + q0 * dim_, m, k, out.index.data() + q0 * k,
                 out.distance.data() + q0 * k);
  }
  return out;
}

void Index::search_block(const uint8_t* queries, size_t nq, size_t k, uint32_t* index,
                         float* distance) const {
  if (metric_ == Metric::l1) {
    // Queries padded like the training rows; SAD per pair, no GEMM trick.
    std::vector<uint8_t> qpad(nq * padded_dim_, 0);
    std::vector<const uint8_t*> q(nq);
    for (size_t r = 0; r < nq; ++r) {
      std::memcpy(qpad.data() + r * padded_dim_, queries + r * dim_, dim_);
      q[r] = qpad.data() + r * padded_dim_;
    }
    std::vector<int32_t> keys(nq * k), sad(nq * kChunk);
    std::vector<TopK<int32_t>> top;
    for (size_t r = 0; r < nq; ++r) top.emplace_back(k, keys.data() + r * k, index + r * k);
    for (size_t start = 0; start < n_; start += kChunk) {
      const size_t m = std::min(kChunk, n_ - start);
      const uint8_t* t0 = padded_.data() + start * padded_dim_;
      size_t r = 0;
      for (; r + 2 <= nq; r += 2)
        sad_rows<2>(q.data() + r, t0, m, padded_dim_, sad.data() + r * kChunk, kChunk);
      if (r < nq) sad_rows<1>(q.data() + r, t0, m, padded_dim_, sad.data() + r * kChunk, kChunk);
      for (r = 0; r < nq; ++r)
        scan(sad.data() + r * kChunk, m, static_cast<uint32_t>(start), top[r]);
    }
    for (size_t i = 0; i < nq * k; ++i) distance[i] = static_cast<float>(keys[i]);
    return;
  }

  std::vector<const uint8_t*> rows(nq);
  std::vector<int32_t> qsq(nq, 0);
  std::vector<double> qinv(nq, 0.0);
  for (size_t r = 0; r < nq; ++r) {
    rows[r] = queries + r * dim_;
    for (size_t j = 0; j < dim_; ++j) qsq[r] += rows[r][j] * rows[r][j];
    qinv[r] = qsq[r] > 0 ? 1.0 / std::sqrt(double(qsq[r])) : 0.0;
  }
  const size_t ld =
      (kChunk + svm::PackedU8::kAlign - 1) / svm::PackedU8::kAlign * svm::PackedU8::kAlign;
  std::vector<int32_t> dots(nq * ld);
  // Both metrics scan the same dot products, chunk by chunk; `to_keys(r,
  // start, m, dots, out)` turns query r's row of them into distances.
  auto scan_dot_products = [&]<typename Key>(std::vector<Key>& keys, auto to_keys) {
    std::vector<Key> d(kChunk);
    std::vector<TopK<Key>> top;
    for (size_t r = 0; r < nq; ++r) top.emplace_back(k, keys.data() + r * k, index + r * k);
    for (size_t j = 0; j < chunks_.size(); ++j) {
      const auto& ch = chunks_[j];
      const size_t m = ch.size(), start = j * kChunk;
      svm::dot_batch(rows, ch, dots.data(), ld);
      for (size_t r = 0; r < nq; ++r) {
        to_keys(r, start, m, dots.data() + r * ld, d.data());
        scan(d.data(), m, static_cast<uint32_t>(start), top[r]);
      }
    }
  };
  if (metric_ == Metric::l2) {
    // |x - y|^2 = |x|^2 + |y|^2 - 2 x.y, all exact in 32-bit integers
    // (at most 2 x 784 x 255^2).
    std::vector<int32_t> keys(nq * k);
    scan_dot_products(keys, [&](size_t r, size_t start, size_t m, const int32_t* dr, int32_t* d) {
      const int32_t* sq = squares_.data() + start;
      for (size_t c = 0; c < m; ++c) d[c] = qsq[r] + sq[c] - 2 * dr[c];
    });
    for (size_t i = 0; i < nq * k; ++i)
      distance[i] = static_cast<float>(std::sqrt(double(keys[i])));
    return;
  }
  // Cosine: 1 - x.y / (|x| |y|) from the exact dot product; a blank image
  // is at distance 1 from everything, as scikit-learn has it. The similarity
  // is rounded to float before the subtraction so that an image's distance
  // to itself is exactly 0 (distance weights treat 0 specially).
  std::vector<float> keys(nq * k);
  scan_dot_products(keys, [&](size_t r, size_t start, size_t m, const int32_t* dr, float* d) {
    const double* inv = inv_norm_.data() + start;
    for (size_t c = 0; c < m; ++c)
      d[c] = std::max(0.f, 1.f - static_cast<float>(dr[c] * qinv[r] * inv[c]));
  });
  std::copy(keys.begin(), keys.end(), distance);
}

}  // namespace fmnist::knn
