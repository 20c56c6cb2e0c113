#include "models/xgboost_features.hpp"

#include <algorithm>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/error.hpp"

namespace fmnist {
namespace {

constexpr const char* kParts[] = {"pixels", "pooled", "profiles", "hog"};

std::string joined(const std::vector<std::string>& parts) {
  std::string s;
  for (const auto& p : parts) s += (s.empty() ? "" : "+") + p;
  return s;
}

int pooled_rows(int rows) {
  return (rows + 1) / 2;
}

svm::HogConfig hog_config(int cell) {
  svm::HogConfig c;  // 9 bins, 2x2-cell blocks, L2-Hys at 0.2: hog-svm's
  c.cells = {cell};
  c.pixel_weight = 0;  // the pixels are their own part
  return c;
}

}  // namespace

BoostFeatures BoostFeatures::parse(const std::string& parts, int hog_cell) {
  BoostFeatures f;
  f.hog_cell_ = hog_cell;
  std::stringstream ss(parts);
  for (std::string part; std::getline(ss, part, '+');) {
    if (std::find(std::begin(kParts), std::end(kParts), part) == std::end(kParts)) {
      fail(
          "xgboost: setting features={} is invalid: '{}' is not a part (expected pixels, "
          "pooled, profiles or hog, joined by '+')",
          parts, part);
    }
    if (std::find(f.parts_.begin(), f.parts_.end(), part) != f.parts_.end())
      fail("xgboost: setting features={} is invalid: '{}' comes twice", parts, part);
    f.parts_.push_back(part);
  }
  if (f.parts_.empty() || parts.back() == '+')
    fail("xgboost: setting features={} is invalid: expected parts joined by '+'", parts);
  return f;
}

BoostFeatures BoostFeatures::for_images(int rows, int cols) const {
  BoostFeatures f = *this;
  f.rows_ = rows;
  f.cols_ = cols;
  f.hog_.reset();
  if (std::find(parts_.begin(), parts_.end(), "hog") != parts_.end())
    f.hog_ = svm::FeatureMap::hog(rows, cols, hog_config(hog_cell_), "xgboost");
  return f;
}

size_t BoostFeatures::dim() const {
  size_t d = 0;
  for (const auto& p : parts_) {
    if (p == "pixels") d += static_cast<size_t>(rows_) * cols_;
    if (p == "pooled") d += static_cast<size_t>(pooled_rows(rows_)) * pooled_rows(cols_);
    if (p == "profiles") d += rows_ + cols_;
    if (p == "hog") d += hog_->dim();
  }
  return d;
}

std::string BoostFeatures::spelled() const {
  return joined(parts_);
}

std::vector<uint8_t> BoostFeatures::transform(const Dataset& d, int threads) const {
  if (d.rows != rows_ || d.cols != cols_) {
    fail("xgboost: model expects {}x{} images (its features are {}), data has {}x{}", rows_, cols_,
         spelled(), d.rows, d.cols);
  }
  const size_t n = d.size(), dim = this->dim(), R = rows_, C = cols_, px = R * C;
  const size_t PR = pooled_rows(rows_), PC = pooled_rows(cols_);
  std::vector<uint8_t> out(n * dim);
#pragma omp parallel for schedule(static) num_threads(std::max(1, threads))
  for (size_t i = 0; i < n; ++i) {
    const uint8_t* img = d.pixels.data() + i * px;
    uint8_t* o = out.data() + i * dim;
    for (const auto& p : parts_) {
      if (p == "pixels") {
        o = std::copy(img, img + px, o);
      } else if (p == "pooled") {
        // Rounded means; an odd last row or column averages what it has.
        for (size_t r = 0; r < PR; ++r)
          for (size_t c = 0; c < PC; ++c) {
            uint32_t sum = 0, count = 0;
            for (size_t y = 2 * r; y < std::min(2 * r + 2, R); ++y)
              for (size_t x = 2 * c; x < std::min(2 * c + 2, C); ++x, ++count)
                sum += img[y * C + x];
            *o++ = static_cast<uint8_t>((sum + count / 2) / count);
          }
      } else if (p == "profiles") {
        // A profile sums a whole row in one value, so a tree can split on
        // "how wide is the garment at row 20" directly, where on pixels it
        // needs several levels (docs/DESIGN.md, "Gradient boosting").
        for (size_t r = 0; r < R; ++r) {
          uint32_t sum = 0;
          for (size_t c = 0; c < C; ++c) sum += img[r * C + c];
          *o++ = static_cast<uint8_t>((sum + C / 2) / C);
        }
        for (size_t c = 0; c < C; ++c) {
          uint32_t sum = 0;
          for (size_t r = 0; r < R; ++r) sum += img[r * C + c];
          *o++ = static_cast<uint8_t>((sum + R / 2) / R);
        }
      } else {
        hog_->transform_one(img, o);
        o += hog_->dim();
      }
    }
  }
  return out;
}

std::vector<double> BoostFeatures::onto_pixels(const std::vector<double>& per_feature) const {
  if (per_feature.size() != dim())
    fail("xgboost: {} feature importances for {} features", per_feature.size(), dim());
  const size_t R = rows_, C = cols_, PC = pooled_rows(cols_);
  std::vector<double> map(R * C, 0.0);
  size_t f = 0;
  auto spread = [&](double v, size_t y0, size_t x0, size_t h, size_t w) {
    const size_t y1 = std::min(y0 + h, R), x1 = std::min(x0 + w, C);
    const double share = v / static_cast<double>((y1 - y0) * (x1 - x0));
    for (size_t y = y0; y < y1; ++y)
      for (size_t x = x0; x < x1; ++x) map[y * C + x] += share;
  };
  for (const auto& p : parts_) {
    if (p == "pixels") {
      for (size_t i = 0; i < R * C; ++i) map[i] += per_feature[f++];
    } else if (p == "pooled") {
      for (size_t k = 0; k < pooled_rows(rows_) * PC; ++k)
        spread(per_feature[f++], 2 * (k / PC), 2 * (k % PC), 2, 2);
    } else if (p == "profiles") {
      for (size_t r = 0; r < R; ++r) spread(per_feature[f++], r, 0, 1, C);
      for (size_t c = 0; c < C; ++c) spread(per_feature[f++], 0, c, R, 1);
    } else {
      for (const auto& g : hog_->hog_regions()) spread(per_feature[f++], g.y, g.x, g.h, g.w);
    }
  }
  return map;
}

std::string BoostFeatures::attribute() const {
  nlohmann::json j = {{"parts", parts_}, {"rows", rows_}, {"cols", cols_}};
  if (hog_) j["hog"] = hog_->to_json();
  return j.dump();
}

BoostFeatures BoostFeatures::from_attribute(const std::string& text, const std::string& where) {
  try {
    const auto j = nlohmann::json::parse(text);
    const auto parts = j.at("parts").get<std::vector<std::string>>();
    int cell = 7;
    if (j.contains("hog") != (std::find(parts.begin(), parts.end(), "hog") != parts.end()))
      fail("HOG settings without a hog part, or the other way round");
    if (j.contains("hog")) {
      const auto saved = svm::FeatureMap::from_json(j.at("hog")).hog_config();
      const auto ours = hog_config(7);
      if (saved.cells.size() != 1 || saved.pixel_weight != 0 || saved.bins != ours.bins ||
          saved.block != ours.block || saved.clip != ours.clip)
        fail("a HOG other than one cell size with the default bins, blocks and clipping");
      cell = saved.cells[0];
    }
    const int rows = j.at("rows").get<int>(), cols = j.at("cols").get<int>();
    if (rows < 1 || cols < 1 || rows > 4096 || cols > 4096) fail("images of {}x{}", rows, cols);
    return parse(joined(parts), cell).for_images(rows, cols);
  } catch (const std::exception& e) {
    fail("{}: unreadable feature plan '{}': {}", where, text, e.what());
  }
}

BoostFeatures BoostFeatures::from_profiles(int rows, int cols) {
  return parse("pixels+profiles", 7).for_images(rows, cols);
}

}  // namespace fmnist
