#include "eval/explain.hpp"

#include <algorithm>

#include "core/error.hpp"

namespace fmnist {
namespace {

// Patch origins along one side: every `stride` pixels, plus the last one
// that fits, so the far edge is covered too.
std::vector<int> origins(int side, int patch, int stride) {
  std::vector<int> o;
  for (int x = 0; x + patch <= side; x += stride) o.push_back(x);
  if (o.empty() || o.back() + patch < side) o.push_back(std::max(0, side - patch));
  return o;
}

}  // namespace

std::vector<uint32_t> first_of_each_class(const Dataset& data) {
  std::vector<uint32_t> picks;
  std::array<bool, kNumClasses> seen{};
  for (size_t i = 0; i < data.size() && picks.size() < kNumClasses; ++i) {
    if (data.labels[i] < kNumClasses && !seen[data.labels[i]]) {
      seen[data.labels[i]] = true;
      picks.push_back(static_cast<uint32_t>(i));
    }
  }
  std::sort(picks.begin(), picks.end(),
            [&](uint32_t a, uint32_t b) { return data.labels[a] < data.labels[b]; });
  return picks;
}

std::vector<ExplainedImage> explain(const Classifier& model, const Dataset& data,
                                    const std::vector<uint32_t>& indices,
                                    const ExplainOptions& opts) {
  if (opts.patch < 1 || opts.stride < 1) fail("explain: patch and stride must be >= 1");
  const int rows = data.rows, cols = data.cols;
  const size_t pixels = data.image_size();
  const int patch = std::min({opts.patch, rows, cols});
  const auto ys = origins(rows, patch, opts.stride), xs = origins(cols, patch, opts.stride);
  const size_t variants = ys.size() * xs.size();

  // One batch holds every image followed by all its occluded copies, so a
  // model predicts them in one call.
  Dataset batch;
  batch.rows = rows;
  batch.cols = cols;
  batch.pixels.reserve(indices.size() * (variants + 1) * pixels);
  for (uint32_t i : indices) {
    if (i >= data.size()) fail("explain: image {} is out of range ({} images)", i, data.size());
    auto img = data.image(i);
    batch.pixels.insert(batch.pixels.end(), img.begin(), img.end());
    batch.labels.push_back(data.labels[i]);
    for (int y0 : ys)
      for (int x0 : xs) {
        const size_t at = batch.pixels.size();
        batch.pixels.insert(batch.pixels.end(), img.begin(), img.end());
        for (int y = y0; y < y0 + patch; ++y)
          std::fill_n(batch.pixels.begin() + at + static_cast<size_t>(y) * cols + x0, patch, 0);
        batch.labels.push_back(data.labels[i]);
      }
  }
  const auto proba = model.predict_proba(batch);

  std::vector<ExplainedImage> out;
  std::vector<uint8_t> predicted;
  for (size_t k = 0; k < indices.size(); ++k) {
    const float* base = proba.data() + k * (variants + 1) * kNumClasses;
    ExplainedImage e;
    e.index = indices[k];
    e.truth = data.labels[e.index];
    e.predicted = static_cast<uint8_t>(std::max_element(base, base + kNumClasses) - base);
    e.confidence = base[e.predicted];
    std::vector<float> sum(pixels, 0.f), covered(pixels, 0.f);
    size_t v = 1;
    for (int y0 : ys)
      for (int x0 : xs) {
        const float drop = e.confidence - base[v++ * kNumClasses + e.predicted];
        for (int y = y0; y < y0 + patch; ++y)
          for (int x = x0; x < x0 + patch; ++x) {
            sum[static_cast<size_t>(y) * cols + x] += drop;
            covered[static_cast<size_t>(y) * cols + x] += 1;
          }
      }
    e.occlusion.resize(pixels);
    for (size_t p = 0; p < pixels; ++p) e.occlusion[p] = covered[p] > 0 ? sum[p] / covered[p] : 0;
    predicted.push_back(e.predicted);
    out.push_back(std::move(e));
  }

  Dataset originals = data.subset(indices);
  auto grads = model.saliency(originals, predicted);
  if (grads.size() == indices.size() * pixels) {
    for (size_t k = 0; k < out.size(); ++k)
      out[k].saliency.assign(grads.begin() + k * pixels, grads.begin() + (k + 1) * pixels);
  }
  return out;
}

}  // namespace fmnist
