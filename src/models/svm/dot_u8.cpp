#include "models/svm/dot_u8.hpp"

#include <immintrin.h>

#include <algorithm>

#include "core/error.hpp"

namespace fmnist::svm {

PackedU8::PackedU8(std::span<const uint8_t* const> rows, size_t dim)
    : n_(rows.size()), dim_(dim), steps_((dim + 3) / 4) {
  n_pad_ = (n_ + kAlign - 1) / kAlign * kAlign;
  data_.assign(n_pad_ * steps_ * 4, 0);
  sums_.assign(n_pad_, 0);
  squares_.assign(n_pad_, 0);
  for (size_t i = 0; i < n_; ++i) {
    const uint8_t* src = rows[i];
    uint8_t* g = data_.data() + (i / kGroup) * steps_ * 64 + (i % kGroup) * 4;
    int32_t sum = 0, sq = 0;
    for (size_t k = 0; k < dim; ++k) {
      g[(k / 4) * 64 + k % 4] = src[k];
      sum += src[k];
      sq += src[k] * src[k];
    }
    sums_[i] = sum;
    squares_[i] = sq;
  }
}

bool have_vnni() {
  static const bool yes = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                          __builtin_cpu_supports("avx512vnni");
  return yes;
}

namespace {

// ---- AVX2 (the x86-64-v3 baseline): bytes widened to 16 bits, vpmaddwd. ----

// Each row is widened once per call to 16-bit values, so that a 4-byte step
// is one 64-bit broadcast from memory; building it from the bytes in every
// tile took more instructions than the multiply-adds themselves.
struct WideRows {
  std::vector<int16_t> data;
  size_t stride = 0;  // int16 values per row: steps * 4
  const int16_t* row(size_t r) const { return data.data() + r * stride; }
};

WideRows widen(std::span<const uint8_t* const> a, size_t dim, size_t steps) {
  WideRows w;
  w.stride = steps * 4;
  w.data.assign(a.size() * w.stride, 0);
  for (size_t r = 0; r < a.size(); ++r)
    for (size_t k = 0; k < dim; ++k) w.data[r * w.stride + k] = a[r][k];
  return w;
}

// R rows against one group of 16 columns. Each accumulator holds, for 4
// columns, two partial sums per column (vpmaddwd adds pairs).
template <int R>
void tile_avx2(const WideRows& w, size_t r0, const uint8_t* b, size_t steps, int32_t* out,
               size_t ld) {
  __m256i acc[R][4];
  for (int r = 0; r < R; ++r)
    for (int q = 0; q < 4; ++q) acc[r][q] = _mm256_setzero_si256();
  const int16_t* rows[R];
  for (int r = 0; r < R; ++r) rows[r] = w.row(r0 + r);
  for (size_t s = 0; s < steps; ++s) {
    __m256i bw[4];
    for (int q = 0; q < 4; ++q) {
      bw[q] = _mm256_cvtepu8_epi16(
          _mm_loadu_si128(reinterpret_cast<const __m128i*>(b + s * 64 + q * 16)));
    }
    for (int r = 0; r < R; ++r) {
      int64_t four;
      __builtin_memcpy(&four, rows[r] + s * 4, 8);
      const __m256i av = _mm256_set1_epi64x(four);
      for (int q = 0; q < 4; ++q)
        acc[r][q] = _mm256_add_epi32(acc[r][q], _mm256_madd_epi16(bw[q], av));
    }
  }
  // Pairs of partial sums to one sum per column: hadd gives, per 128-bit
  // lane, columns (q, q+1) interleaved; a permute puts them in order.
  for (int r = 0; r < R; ++r) {
    for (int q = 0; q < 4; q += 2) {
      const __m256i h = _mm256_hadd_epi32(acc[r][q], acc[r][q + 1]);
      const __m256i sums = _mm256_permute4x64_epi64(h, 0xD8);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + r * ld + q * 4), sums);
    }
  }
}

void dot_batch_avx2(std::span<const uint8_t* const> a, const PackedU8& cols, int32_t* out,
                    size_t ld) {
  const WideRows w = widen(a, cols.dim(), cols.steps());
  const size_t groups = cols.padded_size() / PackedU8::kGroup;
  for (size_t g = 0; g < groups; ++g) {
    size_t r = 0;
    for (; r + 2 <= a.size(); r += 2)
      tile_avx2<2>(w, r, cols.group(g), cols.steps(), out + r * ld + g * 16, ld);
    for (; r < a.size(); ++r)
      tile_avx2<1>(w, r, cols.group(g), cols.steps(), out + r * ld + g * 16, ld);
  }
}

// ---- AVX-512 VNNI: vpdpbusd multiplies unsigned by signed bytes, so rows
// are stored as (a - 128) and 128 * sum(b) is added back at the end. ----
#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512vnni")

// R rows against V groups (16 columns each); R*V accumulators stay in
// registers for the whole length of the vectors.
template <int R, int V>
__attribute__((always_inline)) inline void tile_vnni(const int8_t* const* a,
                                                     const uint8_t* const* b, size_t steps,
                                                     const int32_t* sums, int32_t* out, size_t ld) {
  __m512i acc[R][V];
  for (int r = 0; r < R; ++r)
    for (int v = 0; v < V; ++v) acc[r][v] = _mm512_setzero_si512();
  for (size_t s = 0; s < steps; ++s) {
    __m512i bv[V];
    for (int v = 0; v < V; ++v) bv[v] = _mm512_loadu_si512(b[v] + s * 64);
    for (int r = 0; r < R; ++r) {
      int32_t four;
      __builtin_memcpy(&four, a[r] + s * 4, 4);
      const __m512i av = _mm512_set1_epi32(four);
      for (int v = 0; v < V; ++v) acc[r][v] = _mm512_dpbusd_epi32(acc[r][v], bv[v], av);
    }
  }
  for (int v = 0; v < V; ++v) {
    const __m512i fix =
        _mm512_mullo_epi32(_mm512_loadu_si512(sums + v * 16), _mm512_set1_epi32(128));
    for (int r = 0; r < R; ++r)
      _mm512_storeu_si512(out + r * ld + v * 16, _mm512_add_epi32(acc[r][v], fix));
  }
}

// Panel by panel (64 columns, about 50 KB for 784 bytes, kept in L1/L2),
// every block of rows against it: the columns are read from memory once
// per call however many rows there are.
__attribute__((noinline)) void panels_vnni(const int8_t* const* a, size_t na, const PackedU8& cols,
                                           int32_t* out, size_t ld) {
  constexpr int V = 4;  // 64 columns: padded_size() is a multiple of it
  const size_t groups = cols.padded_size() / PackedU8::kGroup;
  for (size_t g = 0; g < groups; g += V) {
    const uint8_t* b[V];
    for (int v = 0; v < V; ++v) b[v] = cols.group(g + v);
    const int32_t* sums = cols.sums() + g * 16;
    int32_t* o = out + g * 16;
    size_t r = 0;
    for (; r + 4 <= na; r += 4) tile_vnni<4, V>(a + r, b, cols.steps(), sums, o + r * ld, ld);
    switch (na - r) {
      case 3:
        tile_vnni<3, V>(a + r, b, cols.steps(), sums, o + r * ld, ld);
        break;
      case 2:
        tile_vnni<2, V>(a + r, b, cols.steps(), sums, o + r * ld, ld);
        break;
      case 1:
        tile_vnni<1, V>(a + r, b, cols.steps(), sums, o + r * ld, ld);
        break;
      default:
        break;
    }
  }
}

#pragma GCC pop_options

void dot_batch_vnni(std::span<const uint8_t* const> a, const PackedU8& cols, int32_t* out,
                    size_t ld) {
  const size_t width = cols.steps() * 4;
  std::vector<int8_t> buf(a.size() * width, 0);
  std::vector<const int8_t*> rows(a.size());
  for (size_t r = 0; r < a.size(); ++r) {
    int8_t* dst = buf.data() + r * width;
    for (size_t k = 0; k < cols.dim(); ++k) dst[k] = static_cast<int8_t>(a[r][k] - 128);
    // Padding bytes meet zero columns, so their value does not matter.
    rows[r] = dst;
  }
  panels_vnni(rows.data(), a.size(), cols, out, ld);
}

}  // namespace

void dot_batch(std::span<const uint8_t* const> a, const PackedU8& cols, int32_t* out, size_t ld,
               DotBackend backend) {
  if (backend == DotBackend::vnni && !have_vnni()) fail("svm: this CPU has no AVX-512 VNNI");
  if (backend == DotBackend::vnni || (backend == DotBackend::automatic && have_vnni())) {
    dot_batch_vnni(a, cols, out, ld);
  } else {
    dot_batch_avx2(a, cols, out, ld);
  }
}

}  // namespace fmnist::svm
