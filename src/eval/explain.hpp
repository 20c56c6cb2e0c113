#pragma once
// Why a model says what it says about one image: an occlusion map for any
// model (how much the predicted class loses when a patch is blanked) and,
// for models with gradients, a saliency map.
#include <cstdint>
#include <vector>

#include "data/dataset.hpp"
#include "models/classifier.hpp"

namespace fmnist {

struct ExplainedImage {
  uint32_t index = 0;  // into the data set explained
  uint8_t truth = 0, predicted = 0;
  float confidence = 0;
  std::vector<float> occlusion;  // rows*cols: mean drop in p(predicted), may be negative
  std::vector<float> saliency;   // rows*cols: |d log p(predicted) / d pixel|; empty if none
};

struct ExplainOptions {
  int patch = 6;   // side of the blanked square, in pixels
  int stride = 2;  // between patch positions
};

// The first image of each class in `data` (the same images for every model,
// so their maps compare), explained.
std::vector<uint32_t> first_of_each_class(const Dataset& data);
std::vector<ExplainedImage> explain(const Classifier& model, const Dataset& data,
                                    const std::vector<uint32_t>& indices,
                                    const ExplainOptions& opts = {});

}  // namespace fmnist
