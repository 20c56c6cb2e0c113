#pragma once
// Exact dot products between 8-bit feature vectors, many at a time: the
// inner loop of kernel SVM training and prediction.
//
// Features are bytes (pixels, or quantised HOG values), so every dot product
// is an exact integer. On CPUs with AVX-512 VNNI one vpdpbusd does 64
// byte multiply-adds, about 8x the multiply-adds per instruction of the
// float GEMM OpenBLAS picks on this machine; the portable path gives the
// same integers, only slower.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace fmnist::svm {

// The right-hand side of a batch of dot products: n vectors of `dim` bytes,
// interleaved in groups of 16 vectors x 4 bytes (one 512-bit register per
// group and 4-byte step), padded with zero vectors to a multiple of 64.
class PackedU8 {
 public:
  static constexpr size_t kGroup = 16;  // vectors per group
  static constexpr size_t kAlign = 64;  // n is padded to a multiple of this

  PackedU8() = default;
  // Packs the vectors rows[0..n), each `dim` bytes.
  PackedU8(std::span<const uint8_t* const> rows, size_t dim);

  size_t size() const { return n_; }
  size_t padded_size() const { return n_pad_; }
  size_t dim() const { return dim_; }
  size_t steps() const { return steps_; }  // dim / 4, rounded up
  const uint8_t* group(size_t g) const { return data_.data() + g * steps_ * 64; }
  // Sum and sum of squares of each vector (padded entries are zero).
  const int32_t* sums() const { return sums_.data(); }
  const int32_t* squares() const { return squares_.data(); }

 private:
  size_t n_ = 0, n_pad_ = 0, dim_ = 0, steps_ = 0;
  std::vector<uint8_t> data_;
  std::vector<int32_t> sums_, squares_;
};

enum class DotBackend { automatic, portable, vnni };

// True where the CPU (and OS) run AVX-512 VNNI.
bool have_vnni();

// out[r * ld + c] = dot(a[r], cols[c]) for r < a.size() and c < cols.padded_size()
// (columns past size() are zero vectors). Each a[r] has cols.dim() bytes.
// Single-threaded: callers parallelise over rows or problems.
void dot_batch(std::span<const uint8_t* const> a, const PackedU8& cols, int32_t* out, size_t ld,
               DotBackend backend = DotBackend::automatic);

}  // namespace fmnist::svm
