#pragma once
// Exact k-nearest-neighbour search over 8-bit images, brute force.
//
// L2 and cosine come from exact integer dot products (models/svm/dot_u8:
// AVX-512 VNNI where the CPU has it), L1 from byte sums of absolute
// differences (vpsadbw). Distances between integer pixels are then exact, so
// the neighbours do not depend on rounding: ties go to the smaller training
// index, whatever the thread count or block sizes.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "models/svm/dot_u8.hpp"

namespace fmnist::knn {

enum class Metric { l2, l1, cosine };
Metric parse_metric(const std::string& name);

struct Neighbours {
  size_t k = 0;
  std::vector<uint32_t> index;  // queries x k training indices, nearest first
  std::vector<float> distance;  // queries x k: Euclidean (0-255 pixels), L1, or 1 - cosine
};

class Index {
 public:
  // Block sizes: queries searched together (their rows stay in cache while
  // the training set streams past) and training rows per packed chunk.
  static constexpr size_t kQueryBlock = 128;
  static constexpr size_t kChunk = 1024;

  Index() = default;
  // `pixels` holds n images of `dim` bytes; the index keeps its own copy,
  // packed with up to `threads` threads.
  Index(std::span<const uint8_t> pixels, size_t n, size_t dim, Metric metric, int threads);

  size_t size() const { return n_; }
  size_t dim() const { return dim_; }
  Metric metric() const { return metric_; }

  // The k nearest training images of each of the nq queries (dim bytes
  // each), with up to `threads` threads. k must not exceed size().
  Neighbours search(const uint8_t* queries, size_t nq, size_t k, int threads) const;

 private:
  void search_block(const uint8_t* queries, size_t nq, size_t k, uint32_t* index,
                    float* distance) const;

  Metric metric_ = Metric::l2;
  size_t n_ = 0, dim_ = 0, padded_dim_ = 0;
  std::vector<svm::PackedU8> chunks_;  // L2, cosine: kChunk rows each
  std::vector<int32_t> squares_;       // L2: |y|^2 per training row
  std::vector<double> inv_norm_;       // cosine: 1 / |y| (0 for a blank image)
  std::vector<uint8_t> padded_;        // L1: rows padded with zeros to padded_dim_
};

}  // namespace fmnist::knn
