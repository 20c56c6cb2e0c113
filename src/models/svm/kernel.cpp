#include "models/svm/kernel.hpp"

#include <immintrin.h>

#include <cmath>

#include "core/error.hpp"

namespace fmnist::svm {

KernelType kernel_type_from(const std::string& name) {
  if (name == "rbf") return KernelType::rbf;
  if (name == "linear") return KernelType::linear;
  if (name == "poly") return KernelType::poly;
  fail("svm: unknown kernel '{}' (rbf, linear or poly)", name);
}

const char* kernel_name(KernelType t) {
  switch (t) {
    case KernelType::rbf:
      return "rbf";
    case KernelType::linear:
      return "linear";
    case KernelType::poly:
      return "poly";
  }
  return "?";
}

double Kernel::self(int32_t square) const {
  const double s2 = scale * scale;
  switch (type) {
    case KernelType::rbf:
      return 1.0;
    case KernelType::linear:
      return s2 * square;
    case KernelType::poly:
      return std::pow(gamma * s2 * square + coef0, degree);
  }
  return 0;
}

void exp_inplace(float* x, size_t n) {
  const __m256 hi = _mm256_set1_ps(88.3762626647949f), lo = _mm256_set1_ps(-87.3365478515625f);
  const __m256 log2e = _mm256_set1_ps(1.44269504088896341f);
  const __m256 c1 = _mm256_set1_ps(0.693359375f), c2 = _mm256_set1_ps(-2.12194440e-4f);
  const __m256 p0 = _mm256_set1_ps(1.9875691500e-4f), p1 = _mm256_set1_ps(1.3981999507e-3f),
               p2 = _mm256_set1_ps(8.3334519073e-3f), p3 = _mm256_set1_ps(4.1665795894e-2f),
               p4 = _mm256_set1_ps(1.6666665459e-1f), p5 = _mm256_set1_ps(5.0000001201e-1f);
  const __m256 one = _mm256_set1_ps(1.f);
  auto exp8 = [&](__m256 v) {
    v = _mm256_max_ps(_mm256_min_ps(v, hi), lo);
    const __m256 k =
        _mm256_round_ps(_mm256_mul_ps(v, log2e), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    v = _mm256_fnmadd_ps(k, c1, v);
    v = _mm256_fnmadd_ps(k, c2, v);
    __m256 y = _mm256_fmadd_ps(p0, v, p1);
    y = _mm256_fmadd_ps(y, v, p2);
    y = _mm256_fmadd_ps(y, v, p3);
    y = _mm256_fmadd_ps(y, v, p4);
    y = _mm256_fmadd_ps(y, v, p5);
    y = _mm256_fmadd_ps(y, _mm256_mul_ps(v, v), _mm256_add_ps(v, one));
    const __m256i e =
        _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(k), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(y, _mm256_castsi256_ps(e));
  };
  size_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(x + i, exp8(_mm256_loadu_ps(x + i)));
  if (i < n) {
    alignas(32) float tail[8] = {};
    for (size_t j = i; j < n; ++j) tail[j - i] = x[j];
    _mm256_store_ps(tail, exp8(_mm256_load_ps(tail)));
    for (size_t j = i; j < n; ++j) x[j] = tail[j - i];
  }
}

void Kernel::rows(std::span<const uint8_t* const> a, std::span<const int32_t> a_squares,
                  const PackedU8& cols, float* out, size_t ld, std::vector<int32_t>& scratch,
                  DotBackend backend) const {
  const size_t n = cols.padded_size();
  if (scratch.size() < a.size() * n) scratch.resize(a.size() * n);
  dot_batch(a, cols, scratch.data(), n, backend);
  const float s2 = static_cast<float>(scale * scale);
  const int32_t* sq = cols.squares();
  for (size_t r = 0; r < a.size(); ++r) {
    const int32_t* d = scratch.data() + r * n;
    float* o = out + r * ld;
    switch (type) {
      case KernelType::rbf: {
        // The squared distance is an exact integer; one rounding to float.
        const float g = static_cast<float>(-gamma * scale * scale);
        const int32_t ar = a_squares[r];
        for (size_t c = 0; c < n; ++c) o[c] = g * static_cast<float>(ar + sq[c] - 2 * d[c]);
        exp_inplace(o, n);
        break;
      }
      case KernelType::linear:
        for (size_t c = 0; c < n; ++c) o[c] = s2 * static_cast<float>(d[c]);
        break;
      case KernelType::poly: {
        const float g = static_cast<float>(gamma * scale * scale), c0 = static_cast<float>(coef0);
        for (size_t c = 0; c < n; ++c) {
          const float base = g * static_cast<float>(d[c]) + c0;
          float p = 1;
          for (int k = 0; k < degree; ++k) p *= base;
          o[c] = p;
        }
        break;
      }
    }
  }
}

}  // namespace fmnist::svm
