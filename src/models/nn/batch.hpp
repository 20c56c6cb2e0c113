#pragma once
// Turning raw 8-bit images into the float batches a net sees: scaling,
// standardising and seeded on-the-fly augmentation. Plain C++ with our own
// Rng, so the same seed gives the same batches everywhere.
#include <cstdint>
#include <span>

#include "core/rng.hpp"
#include "data/dataset.hpp"
#include "models/nn/config.hpp"

namespace fmnist::nn {

// Pixel / 255 is standardised with one mean and standard deviation, measured
// on the training set and saved with the model.
struct Normalizer {
  float mean = 0, std = 1;
};
Normalizer measure_normalizer(const Dataset& data);

// Writes images `idx` of `data` as idx.size() x rows x cols floats into `out`,
// standardised; with `aug` and `rng`, each image is shifted, mirrored and
// erased at random. Pixels shifted in are background (raw 0).
void fill_batch(const Dataset& data, std::span<const uint32_t> idx, const Normalizer& norm,
                const AugmentConfig* aug, Rng* rng, float* out);

}  // namespace fmnist::nn
