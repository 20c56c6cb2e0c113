#pragma once
// Kernel functions on byte features: feature k of a vector is scale * byte k,
// so with dot products and squared norms as exact integers
//   rbf     exp(-gamma * scale^2 * (|a|^2 + |b|^2 - 2 a.b))
//   linear  scale^2 * a.b
//   poly    (gamma * scale^2 * a.b + coef0)^degree
#include <span>
#include <string>

#include "models/svm/dot_u8.hpp"

namespace fmnist::svm {

enum class KernelType { rbf, linear, poly };
KernelType kernel_type_from(const std::string& name);
const char* kernel_name(KernelType t);

struct Kernel {
  KernelType type = KernelType::rbf;
  double gamma = 0;  // on the scaled features
  double scale = 1;  // value of one byte step
  int degree = 3;
  double coef0 = 0;

  // K(x, x) of a vector with squared norm `square` (in bytes^2).
  double self(int32_t square) const;
  // out[r * ld + c] = K(a[r], cols[c]) for c < cols.padded_size().
  // a_squares[r] is the squared norm of a[r]. `scratch` holds the integer
  // dot products (resized as needed).
  void rows(std::span<const uint8_t* const> a, std::span<const int32_t> a_squares,
            const PackedU8& cols, float* out, size_t ld, std::vector<int32_t>& scratch,
            DotBackend backend = DotBackend::automatic) const;
};

// e^x for each x in [-87, 88] in place: Cephes' float polynomial after range
// reduction by ln 2, relative error under 2e-7, the same on every AVX2 CPU.
void exp_inplace(float* x, size_t n);

}  // namespace fmnist::svm
