#include "models/nn/batch.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include "core/error.hpp"

namespace fmnist::nn {

Normalizer measure_normalizer(const Dataset& data) {
  // Integer histogram: exact and independent of summation order.
  std::array<uint64_t, 256> hist{};
  for (uint8_t p : data.pixels) ++hist[p];
  double n = 0, sum = 0, sum2 = 0;
  for (int v = 0; v < 256; ++v) {
    const double x = v / 255.0, c = static_cast<double>(hist[v]);
    n += c;
    sum += c * x;
    sum2 += c * x * x;
  }
  Normalizer norm;
  if (n == 0) return norm;
  const double mean = sum / n, var = sum2 / n - mean * mean;
  norm.mean = static_cast<float>(mean);
  norm.std = static_cast<float>(var > 1e-12 ? std::sqrt(var) : 1.0);
  return norm;
}

namespace {
struct Draw {
  int dx = 0, dy = 0;
  bool flip = false;
  int er0 = 0, er1 = 0, ec0 = 0, ec1 = 0;  // erased rows [er0, er1) x cols [ec0, ec1)
};

// Random erasing as Zhong et al. (2017) and torchvision do it: 2-33% of the
// image, aspect ratio 0.3-3.3 (log-uniform), ten tries to fit it.
void draw_erase(Rng& rng, int rows, int cols, Draw& d) {
  for (int attempt = 0; attempt < 10; ++attempt) {
    const double area = (0.02 + 0.31 * rng.uniform()) * rows * cols;
    const double ratio = std::exp(std::log(0.3) + (std::log(3.3) - std::log(0.3)) * rng.uniform());
    const int h = static_cast<int>(std::lround(std::sqrt(area * ratio)));
    const int w = static_cast<int>(std::lround(std::sqrt(area / ratio)));
    if (h < 1 || w < 1 || h > rows || w > cols) continue;
    d.er0 = static_cast<int>(rng.below(rows - h + 1));
    d.ec0 = static_cast<int>(rng.below(cols - w + 1));
    d.er1 = d.er0 + h;
    d.ec1 = d.ec0 + w;
    return;
  }
}
}  // namespace

void fill_batch(const Dataset& data, std::span<const uint32_t> idx, const Normalizer& norm,
                const AugmentConfig* aug, Rng* rng, float* out) {
  const int rows = data.rows, cols = data.cols;
  const size_t dim = data.image_size();
  std::array<float, 256> lut;
  for (int v = 0; v < 256; ++v) lut[v] = (v / 255.f - norm.mean) / norm.std;
  const bool augment = aug && rng && aug->any();
  for (size_t b = 0; b < idx.size(); ++b) {
    if (idx[b] >= data.size()) fail("batch: image {} of {}", idx[b], data.size());
    const uint8_t* src = data.pixels.data() + static_cast<size_t>(idx[b]) * dim;
    float* dst = out + b * dim;
    if (!augment) {
      for (size_t j = 0; j < dim; ++j) dst[j] = lut[src[j]];
      continue;
    }
    Draw d;
    const int t = aug->translate;
    d.dx = t > 0 ? static_cast<int>(rng->below(2 * t + 1)) - t : 0;
    d.dy = t > 0 ? static_cast<int>(rng->below(2 * t + 1)) - t : 0;
    d.flip = aug->flip && (rng->next() >> 63);
    if (aug->erase > 0 && rng->uniform() < aug->erase) draw_erase(*rng, rows, cols, d);
    for (int r = 0; r < rows; ++r) {
      const int sr = r - d.dy;
      float* row = dst + static_cast<size_t>(r) * cols;
      if (sr < 0 || sr >= rows) {
        std::fill(row, row + cols, lut[0]);
        continue;
      }
      const uint8_t* srow = src + static_cast<size_t>(sr) * cols;
      for (int c = 0; c < cols; ++c) {
        int sc = c - d.dx;
        if (sc < 0 || sc >= cols) {
          row[c] = lut[0];
          continue;
        }
        if (d.flip) sc = cols - 1 - sc;
        row[c] = lut[srow[sc]];
      }
      if (r >= d.er0 && r < d.er1) std::fill(row + d.ec0, row + d.ec1, 0.f);
    }
  }
}

}  // namespace fmnist::nn
