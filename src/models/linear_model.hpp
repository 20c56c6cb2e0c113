#pragma once
// What logreg and linear-svm share: pixel pre-processing, the weights, the
// decision function z = W (t(x / 255) - mean) / scale + b with t the pixel
// transform (sqrt or none), and their files.
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "data/dataset.hpp"
#include "models/classifier.hpp"

namespace fmnist {

struct LinearModel {
  int rows = 0, cols = 0;
  bool sqrt_pixels = false;        // t = sqrt, else the identity
  std::vector<float> mean, scale;  // per pixel: x~ = (t(x / 255) - mean) / scale
  std::vector<float> coef;         // kNumClasses x dim, on pre-processed pixels
  std::vector<float> intercept;    // kNumClasses
  // Probabilities are softmax(decision / temperature): 1 for logistic
  // regression, fitted to held-out data for the SVM.
  float temperature = 1.f;

  size_t dim() const { return static_cast<size_t>(rows) * cols; }
  // transform: "sqrt" or "none". preprocessing: "scale" (t(x / 255) as it
  // is) or "standardize" (each pixel to zero mean and unit variance over
  // `train`; constant pixels only centred).
  void fit_preprocessing(const Dataset& train, const std::string& transform,
                         const std::string& preprocessing);
  // Zero weights of the right shape, for a solver to start from.
  void zero_weights();
  // Fails, naming the model, unless `data` has this model's image size.
  void check_shape(const Dataset& data, const std::string& model) const;
  // N x kNumClasses decision values.
  void decision_function(const Dataset& data, float* out) const;
  // mean.npy, scale.npy, coef.npy, intercept.npy and linear.json (shape and
  // the formula, for readers outside fmnist).
  void save(const std::filesystem::path& dir, const std::string& model) const;
  void load(const std::filesystem::path& dir);
  int64_t num_parameters() const { return static_cast<int64_t>(coef.size() + intercept.size()); }
  // Per-class weight maps and their mean magnitude per pixel.
  FeatureImportance importance() const;
};

// Rows of `data` in chunks of a fixed size, pre-processed to float32
// (m x dim, row-major), spread over the --threads budget. `fn(chunk, start,
// m, x)` runs once per chunk, on any thread; BLAS calls inside run
// single-threaded. Chunks never depend on the thread count, so per-chunk
// results summed in chunk order are the same with any number of threads.
constexpr size_t kLinearChunk = 512;
size_t linear_chunks(size_t n);
void for_each_chunk(
    const LinearModel& model, const Dataset& data,
    const std::function<void(size_t chunk, size_t start, size_t m, const float* x)>& fn);

// In place, each row of an N x kNumClasses matrix to softmax(row / temperature).
void softmax_rows(float* z, size_t n, float temperature);

// The temperature T that minimises the log-loss of softmax(z / T) on
// `labels`: one convex problem in 1/T, solved by safeguarded Newton steps.
float fit_temperature(const std::vector<float>& z, const std::vector<uint8_t>& labels);

}  // namespace fmnist
