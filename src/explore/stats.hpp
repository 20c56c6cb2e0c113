#pragma once
// The numbers of a data set that the notebooks' first section shows.
#include <array>
#include <cstdint>

#include "data/dataset.hpp"

namespace fmnist {

struct PixelStats {
  double mean = 0, std = 0;  // over every pixel of every image, on the 0-255 scale
  int min = 0, max = 0;
  std::array<uint64_t, 256> histogram{};
};
PixelStats pixel_stats(const Dataset& data);

// Per-class mean image (rows*cols floats, 0-255) for each of the ten classes.
std::array<std::vector<float>, kNumClasses> class_mean_images(const Dataset& data);

struct DuplicateStats {
  size_t test_in_train = 0;        // test images with an identical training image
  size_t test_in_train_label_differs = 0;  // ... whose label differs
  size_t within_train = 0;         // training images identical to an earlier one
  size_t within_test = 0;
};
DuplicateStats find_duplicates(const Dataset& train, const Dataset& test);

}  // namespace fmnist
