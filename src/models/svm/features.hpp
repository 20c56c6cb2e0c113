#pragma once
// What the SVM sees of an image: one byte per feature, and the value of one
// byte step (`scale`), shared by all features so kernels work on integers.
//   pixels  the image itself, scale 1/255 (scikit-learn's X / 255)
//   hog     histograms of oriented gradients (Dalal & Triggs 2005) at one or
//           more cell sizes, votes interpolated between orientation bins and
//           between cells, L2-Hys-normalised over blocks of cells, each
//           value in [0, hog_cap] quantised to a byte; optionally followed by
//           the pixels scaled by pixel_weight.
#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

#include "data/dataset.hpp"

namespace fmnist::svm {

struct HogConfig {
  std::vector<int> cells = {4};  // cell sizes in pixels (square cells)
  int bins = 9;                  // unsigned orientations, 0 to 180 degrees
  int block = 2;                 // cells per block side; blocks step one cell
  double clip = 0.2;             // L2-Hys clipping
  double pixel_weight = 0;       // 0: no pixels; else pixels/255 times this
};

class FeatureMap {
 public:
  static FeatureMap pixels(int rows, int cols);
  // `who` names the model in errors.
  static FeatureMap hog(int rows, int cols, HogConfig config, const char* who = "hog-svm");

  bool is_hog() const { return hog_; }
  int rows() const { return rows_; }
  int cols() const { return cols_; }
  size_t dim() const { return dim_; }
  double scale() const { return scale_; }
  const HogConfig& hog_config() const { return config_; }

  // n x dim bytes; fails naming `who` if the images are not rows x cols.
  std::vector<uint8_t> transform(const Dataset& data, const char* who, int threads) const;
  void transform_one(const uint8_t* image, uint8_t* out) const;

  // The pixels each HOG value reads (its block of cells), in feature order;
  // the appended pixels, if any, are not listed.
  struct Region {
    int y, x, h, w;
  };
  std::vector<Region> hog_regions() const;

  nlohmann::json to_json() const;
  static FeatureMap from_json(const nlohmann::json& j);

 private:
  bool hog_ = false;
  int rows_ = 28, cols_ = 28;
  size_t dim_ = 0;
  double scale_ = 1.0 / 255;
  HogConfig config_;
};

// The largest HOG value kept (values above it, rare, are clipped): one
// byte step is hog_cap / 255.
constexpr double kHogCap = 0.5;

}  // namespace fmnist::svm
