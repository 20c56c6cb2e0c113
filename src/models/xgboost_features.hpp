#pragma once
// What XGBoost's trees split on: parts computed from each image, laid side
// by side, one byte each (so XGBoost reads the matrix in place).
//   pixels    the image itself
//   pooled    the mean of each 2x2 square of pixels
//   profiles  the mean ink of each row, then of each column
//   hog       histograms of oriented gradients (svm/features.hpp), one cell size
// The saved booster carries the plan as an attribute, so a reload (and
// Python) knows what to feed it.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "data/dataset.hpp"
#include "models/svm/features.hpp"

namespace fmnist {

class BoostFeatures {
 public:
  // `parts` as the `features` setting spells it ("hog+pooled+profiles");
  // fails naming the setting when a part is unknown or repeated.
  static BoostFeatures parse(const std::string& parts, int hog_cell);
  // The same plan fitted to images of rows x cols (pixels only: any size).
  BoostFeatures for_images(int rows, int cols) const;

  bool pixels_only() const { return parts_ == std::vector<std::string>{"pixels"}; }
  int rows() const { return rows_; }
  int cols() const { return cols_; }
  // Features per image, for images of rows() x cols().
  size_t dim() const;
  std::string spelled() const;  // "hog+pooled+profiles"

  // n x dim() bytes, row-major.
  std::vector<uint8_t> transform(const Dataset& d, int threads) const;
  // Each feature's importance shared evenly among the pixels it reads: a
  // rows x cols map.
  std::vector<double> onto_pixels(const std::vector<double>& per_feature) const;

  // The attribute kept in xgboost.json, and back. A model saved before
  // plans existed has only the "fmnist_profiles" attribute: from_profiles.
  std::string attribute() const;
  static BoostFeatures from_attribute(const std::string& text, const std::string& where);
  static BoostFeatures from_profiles(int rows, int cols);

 private:
  std::vector<std::string> parts_;
  int rows_ = 0, cols_ = 0;
  int hog_cell_ = 7;
  std::optional<svm::FeatureMap> hog_;
};

}  // namespace fmnist
