#pragma once
// The pictures a notebook's first look at the data shows: sample images per
// class, the class balance, mean images and the pixel histogram.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "data/dataset.hpp"
#include "explore/stats.hpp"
#include "report/canvas.hpp"

namespace fmnist {

// Indices into a Dataset, per class.
using SamplePicks = std::array<std::vector<uint32_t>, kNumClasses>;

// Up to `per_class` images of each class, drawn at random with `seed`; fewer
// where a class has fewer images.
SamplePicks pick_samples(const Dataset& data, int per_class, uint64_t seed);

// One row per class (name on the left), the picked images enlarged 2x or 3x.
plot::Canvas samples_figure(const Dataset& data, const SamplePicks& picks, const ClassNames& names,
                            uint64_t seed);

// Images per class in train and test, as grouped horizontal bars.
plot::Canvas class_balance_figure(const Dataset& train, const Dataset& test,
                                  const ClassNames& names);

// The mean image of each class and of all images together: the figure shows
// each class mean and, below it, how it differs from the overall mean.
struct MeanImages {
  std::array<std::vector<float>, kNumClasses> per_class;
  std::vector<float> overall;  // weighted by class size
  float max_abs_difference = 0;
};
MeanImages mean_images(const Dataset& data);
plot::Canvas mean_images_figure(const MeanImages& means, int rows, int cols,
                                const ClassNames& names);

// Share of pixels at each value 0-255, train against test.
plot::Canvas pixel_histogram_figure(const PixelStats& train, const PixelStats& test, bool log_y);

}  // namespace fmnist
