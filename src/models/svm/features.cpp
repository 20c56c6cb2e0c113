#include "models/svm/features.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "core/error.hpp"

namespace fmnist::svm {
namespace {

struct Grid {  // cells of one size laid over the image, centred
  int cell, ny, nx, oy, ox;
};

Grid grid(int rows, int cols, int cell) {
  Grid g{cell, rows / cell, cols / cell, 0, 0};
  g.oy = (rows - g.ny * cell) / 2;
  g.ox = (cols - g.nx * cell) / 2;
  return g;
}

size_t hog_dim(int rows, int cols, const HogConfig& c) {
  size_t d = 0;
  for (int cell : c.cells) {
    const Grid g = grid(rows, cols, cell);
    const int by = g.ny - c.block + 1, bx = g.nx - c.block + 1;
    d += static_cast<size_t>(by) * bx * c.block * c.block * c.bins;
  }
  if (c.pixel_weight > 0) d += static_cast<size_t>(rows) * cols;
  return d;
}

}  // namespace

FeatureMap FeatureMap::pixels(int rows, int cols) {
  FeatureMap f;
  f.rows_ = rows;
  f.cols_ = cols;
  f.dim_ = static_cast<size_t>(rows) * cols;
  f.scale_ = 1.0 / 255;
  return f;
}

FeatureMap FeatureMap::hog(int rows, int cols, HogConfig config, const char* who) {
  if (config.cells.empty()) fail("{}: no cell sizes", who);
  for (int cell : config.cells) {
    if (cell < 2 || rows / cell < config.block || cols / cell < config.block) {
      fail("{}: cell size {} does not fit {} cells of {}x{} images in a block", who, cell,
           config.block, rows, cols);
    }
  }
  if (config.pixel_weight > kHogCap)
    fail("{}: pixel_weight {} is above the largest feature value {}", who, config.pixel_weight,
         kHogCap);
  FeatureMap f;
  f.hog_ = true;
  f.rows_ = rows;
  f.cols_ = cols;
  f.config_ = std::move(config);
  f.dim_ = hog_dim(rows, cols, f.config_);
  f.scale_ = kHogCap / 255;
  return f;
}

void FeatureMap::transform_one(const uint8_t* img, uint8_t* out) const {
  if (!hog_) {
    std::copy_n(img, dim_, out);
    return;
  }
  const int R = rows_, C = cols_, bins = config_.bins;
  // Centred differences (zero outside the image): magnitude and the two
  // orientation bins each pixel votes into, split linearly between them.
  std::vector<float> mag(static_cast<size_t>(R) * C), frac(mag.size());
  std::vector<int> bin(mag.size());
  auto px = [&](int y, int x) {
    return (y < 0 || y >= R || x < 0 || x >= C) ? 0.f : img[y * C + x] / 255.f;
  };
  const float per_bin = static_cast<float>(std::numbers::pi / bins);
  for (int y = 0; y < R; ++y)
    for (int x = 0; x < C; ++x) {
      const float gx = px(y, x + 1) - px(y, x - 1), gy = px(y + 1, x) - px(y - 1, x);
      const size_t i = static_cast<size_t>(y) * C + x;
      mag[i] = std::sqrt(gx * gx + gy * gy);
      float angle = std::atan2(gy, gx);
      if (angle < 0) angle += static_cast<float>(std::numbers::pi);
      float pos = angle / per_bin - 0.5f;
      const float lo = std::floor(pos);
      frac[i] = pos - lo;
      bin[i] = (static_cast<int>(lo) + bins) % bins;
    }
  size_t o = 0;
  std::vector<float> hist, v;
  for (int cell : config_.cells) {
    const Grid g = grid(R, C, cell);
    hist.assign(static_cast<size_t>(g.ny) * g.nx * bins, 0.f);
    // Each pixel votes into the four nearest cells, weighted bilinearly by
    // distance to their centres (Dalal & Triggs): a shape shifted by a pixel
    // changes the histograms smoothly. Measured on validation: fewer support
    // vectors and +0.4 points over voting into one cell only.
    for (int y = 0; y < R; ++y) {
      const float fy = (y - g.oy + 0.5f) / cell - 0.5f;
      const int y0 = static_cast<int>(std::floor(fy));
      const float wy = fy - y0;
      for (int x = 0; x < C; ++x) {
        const size_t i = static_cast<size_t>(y) * C + x;
        if (mag[i] == 0) continue;
        const float fx = (x - g.ox + 0.5f) / cell - 0.5f;
        const int x0 = static_cast<int>(std::floor(fx));
        const float wx = fx - x0;
        for (int dy = 0; dy < 2; ++dy) {
          const int cy = y0 + dy;
          if (cy < 0 || cy >= g.ny) continue;
          for (int dx = 0; dx < 2; ++dx) {
            const int cx = x0 + dx;
            if (cx < 0 || cx >= g.nx) continue;
            const float w = mag[i] * (dy ? wy : 1 - wy) * (dx ? wx : 1 - wx);
            float* h = hist.data() + (static_cast<size_t>(cy) * g.nx + cx) * bins;
            h[bin[i]] += w * (1 - frac[i]);
            h[(bin[i] + 1) % bins] += w * frac[i];
          }
        }
      }
    }
    const int B = config_.block;
    for (int by = 0; by + B <= g.ny; ++by)
      for (int bx = 0; bx + B <= g.nx; ++bx) {
        v.clear();
        for (int dy = 0; dy < B; ++dy)
          for (int dx = 0; dx < B; ++dx) {
            const float* h = hist.data() + (static_cast<size_t>(by + dy) * g.nx + bx + dx) * bins;
            v.insert(v.end(), h, h + bins);
          }
        // L2-Hys: normalise, clip, normalise again. The small constant
        // keeps empty blocks (black background) at zero.
        auto normalise = [&] {
          double ss = 0;
          for (float a : v) ss += static_cast<double>(a) * a;
          const float inv = static_cast<float>(1.0 / std::sqrt(ss + 1e-6));
          for (float& a : v) a *= inv;
        };
        normalise();
        for (float& a : v) a = std::min(a, static_cast<float>(config_.clip));
        normalise();
        const float to_byte = static_cast<float>(255 / kHogCap);
        for (float a : v)
          out[o++] = static_cast<uint8_t>(std::lround(std::min(a * to_byte, 255.f)));
      }
  }
  if (config_.pixel_weight > 0) {
    // Pixel feature value: pixel / 255 * weight, on the same byte grid.
    const double k = config_.pixel_weight / kHogCap;
    for (size_t i = 0; i < static_cast<size_t>(R) * C; ++i)
      out[o++] = static_cast<uint8_t>(std::lround(img[i] * k));
  }
}

std::vector<FeatureMap::Region> FeatureMap::hog_regions() const {
  std::vector<Region> out;
  if (!hog_) return out;
  const int B = config_.block;
  // The order transform_one writes: cell sizes, blocks row by row, then the
  // B x B cells of a block, then the bins of a cell.
  for (int cell : config_.cells) {
    const Grid g = grid(rows_, cols_, cell);
    for (int by = 0; by + B <= g.ny; ++by)
      for (int bx = 0; bx + B <= g.nx; ++bx)
        for (int i = 0; i < B * B * config_.bins; ++i)
          out.push_back({g.oy + by * cell, g.ox + bx * cell, B * cell, B * cell});
  }
  return out;
}

std::vector<uint8_t> FeatureMap::transform(const Dataset& data, const char* who,
                                           int threads) const {
  if (data.rows != rows_ || data.cols != cols_) {
    fail("{}: model expects {}x{} images ({} pixels), data has {}x{} ({} pixels)", who, rows_,
         cols_, rows_ * cols_, data.rows, data.cols, data.image_size());
  }
  const size_t n = data.size();
  std::vector<uint8_t> out(n * dim_);
  if (!hog_) {
    std::copy(data.pixels.begin(), data.pixels.begin() + static_cast<ptrdiff_t>(n * dim_),
              out.begin());
    return out;
  }
#pragma omp parallel for schedule(static) num_threads(std::max(1, threads))
  for (size_t i = 0; i < n; ++i) transform_one(data.image(i).data(), out.data() + i * dim_);
  return out;
}

nlohmann::json FeatureMap::to_json() const {
  nlohmann::json j = {{"kind", hog_ ? "hog" : "pixels"},
                      {"rows", rows_},
                      {"cols", cols_},
                      {"dim", dim_},
                      {"scale", scale_}};
  if (hog_) {
    j["hog"] = {{"cells", config_.cells},
                {"bins", config_.bins},
                {"block", config_.block},
                {"clip", config_.clip},
                {"pixel_weight", config_.pixel_weight},
                {"cap", kHogCap}};
  }
  return j;
}

FeatureMap FeatureMap::from_json(const nlohmann::json& j) {
  const std::string kind = j.at("kind").get<std::string>();
  const int rows = j.at("rows").get<int>(), cols = j.at("cols").get<int>();
  FeatureMap f;
  if (kind == "pixels") {
    f = pixels(rows, cols);
  } else if (kind == "hog") {
    const auto& h = j.at("hog");
    HogConfig c;
    c.cells = h.at("cells").get<std::vector<int>>();
    c.bins = h.at("bins").get<int>();
    c.block = h.at("block").get<int>();
    c.clip = h.at("clip").get<double>();
    c.pixel_weight = h.at("pixel_weight").get<double>();
    if (h.at("cap").get<double>() != kHogCap) fail("hog-svm: saved with a different HOG value cap");
    f = hog(rows, cols, c);
  } else {
    fail("svm: unknown feature kind '{}'", kind);
  }
  if (j.at("dim").get<size_t>() != f.dim())
    fail("svm: saved feature size {} does not match {}", j.at("dim").get<size_t>(), f.dim());
  return f;
}

}  // namespace fmnist::svm
