#include "models/linear_model.hpp"

#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <cmath>

#include "core/error.hpp"
#include "core/files.hpp"
#include "core/threads.hpp"
#include "models/npy.hpp"

namespace fmnist {
namespace {
// Our chunks already keep every core busy; OpenBLAS's own pool on top of
// them would only oversubscribe, so its calls run in the calling thread.
class BlasSingleThreaded {
 public:
  BlasSingleThreaded() : saved_(openblas_get_num_threads()) { openblas_set_num_threads(1); }
  ~BlasSingleThreaded() { openblas_set_num_threads(saved_); }
  BlasSingleThreaded(const BlasSingleThreaded&) = delete;
  BlasSingleThreaded& operator=(const BlasSingleThreaded&) = delete;

 private:
  int saved_;
};

// t(x / 255) of one row of pixels. Kept apart so the sqrt loop vectorises
// (this file is built with -fno-math-errno: the argument is never negative).
void transform_row(const uint8_t* p, size_t d, bool sqrt_pixels, float* out) {
  constexpr float k = 1.f / 255;
  if (sqrt_pixels) {
    for (size_t j = 0; j < d; ++j) out[j] = std::sqrt(p[j] * k);
  } else {
    for (size_t j = 0; j < d; ++j) out[j] = p[j] * k;
  }
}
}  // namespace

void LinearModel::fit_preprocessing(const Dataset& train, const std::string& transform,
                                    const std::string& preprocessing) {
  if (transform != "sqrt" && transform != "none")
    fail("linear model: unknown transform '{}'", transform);
  if (preprocessing != "scale" && preprocessing != "standardize") {
    fail("linear model: unknown preprocessing '{}'", preprocessing);
  }
  rows = train.rows;
  cols = train.cols;
  sqrt_pixels = transform == "sqrt";
  const size_t d = dim(), n = train.size();
  if (n == 0) fail("linear model: empty training set");
  mean.assign(d, 0.f);
  scale.assign(d, 1.f);
  if (preprocessing == "scale") return;
  std::vector<double> sum(d), sum2(d);
  std::vector<float> v(d);
  for (size_t i = 0; i < n; ++i) {
    transform_row(train.pixels.data() + i * d, d, sqrt_pixels, v.data());
    for (size_t j = 0; j < d; ++j) {
      sum[j] += v[j];
      sum2[j] += double(v[j]) * v[j];
    }
  }
  for (size_t j = 0; j < d; ++j) {
    const double m = sum[j] / n, var = std::max(0.0, sum2[j] / n - m * m);
    mean[j] = static_cast<float>(m);
    // A pixel that never varies would divide by zero; as in scikit-learn's
    // StandardScaler it is only centred.
    scale[j] = var > 1e-12 ? static_cast<float>(std::sqrt(var)) : 1.f;
  }
}

void LinearModel::zero_weights() {
  coef.assign(kNumClasses * dim(), 0.f);
  intercept.assign(kNumClasses, 0.f);
  temperature = 1.f;
}

void LinearModel::check_shape(const Dataset& data, const std::string& model) const {
  if (data.image_size() != dim()) {
    fail("{}: model expects {}x{} images ({} pixels), data has {}x{} ({} pixels)", model, rows,
         cols, dim(), data.rows, data.cols, data.image_size());
  }
}

size_t linear_chunks(size_t n) {
  return (n + kLinearChunk - 1) / kLinearChunk;
}

void for_each_chunk(const LinearModel& model, const Dataset& data,
                    const std::function<void(size_t, size_t, size_t, const float*)>& fn) {
  const size_t d = model.dim(), n = data.size(), chunks = linear_chunks(n);
  std::vector<float> inv(d);
  for (size_t j = 0; j < d; ++j) inv[j] = 1.f / model.scale[j];
  BlasSingleThreaded guard;
  const int nthreads = static_cast<int>(std::min<size_t>(threads(), std::max<size_t>(chunks, 1)));
#pragma omp parallel num_threads(nthreads)
  {
    std::vector<float> x(kLinearChunk * d);
#pragma omp for schedule(dynamic, 1)
    for (size_t c = 0; c < chunks; ++c) {
      const size_t start = c * kLinearChunk, m = std::min(kLinearChunk, n - start);
      for (size_t i = 0; i < m; ++i) {
        float* row = x.data() + i * d;
        transform_row(data.pixels.data() + (start + i) * d, d, model.sqrt_pixels, row);
        for (size_t j = 0; j < d; ++j) row[j] = (row[j] - model.mean[j]) * inv[j];
      }
      fn(c, start, m, x.data());
    }
  }
}

void LinearModel::decision_function(const Dataset& data, float* out) const {
  const int d = static_cast<int>(dim());
  for_each_chunk(*this, data, [&](size_t, size_t start, size_t m, const float* x) {
    float* z = out + start * kNumClasses;
    for (size_t i = 0; i < m; ++i)
      std::copy(intercept.begin(), intercept.end(), z + i * kNumClasses);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(m), kNumClasses, d, 1.f,
                x, d, coef.data(), d, 1.f, z, kNumClasses);
  });
}

void softmax_rows(float* z, size_t n, float temperature) {
  const float beta = 1.f / temperature;
  for (size_t i = 0; i < n; ++i) {
    float* row = z + i * kNumClasses;
    const float mx = *std::max_element(row, row + kNumClasses);
    float total = 0;
    for (int c = 0; c < kNumClasses; ++c) total += row[c] = std::exp(beta * (row[c] - mx));
    for (int c = 0; c < kNumClasses; ++c) row[c] /= total;
  }
}

namespace {
// Mean log-loss of softmax(beta z) and its first two derivatives in beta.
struct TemperatureLoss {
  double f = 0, d1 = 0, d2 = 0;
};
TemperatureLoss temperature_loss(const std::vector<float>& z, const std::vector<uint8_t>& labels,
                                 double beta) {
  TemperatureLoss t;
  const size_t n = labels.size();
  for (size_t i = 0; i < n; ++i) {
    const float* row = z.data() + i * kNumClasses;
    const double mx = *std::max_element(row, row + kNumClasses);
    double total = 0, mean_z = 0, mean_z2 = 0;
    for (int c = 0; c < kNumClasses; ++c) {
      const double e = std::exp(beta * (row[c] - mx));
      total += e;
      mean_z += e * row[c];
      mean_z2 += e * row[c] * row[c];
    }
    mean_z /= total;
    mean_z2 /= total;
    t.f += std::log(total) + beta * (mx - row[labels[i]]);
    t.d1 += mean_z - row[labels[i]];
    t.d2 += mean_z2 - mean_z * mean_z;  // the variance of z under p: >= 0
  }
  t.f /= n;
  t.d1 /= n;
  t.d2 /= n;
  return t;
}
}  // namespace

float fit_temperature(const std::vector<float>& z, const std::vector<uint8_t>& labels) {
  if (labels.empty()) return 1.f;
  double beta = 1;
  TemperatureLoss t = temperature_loss(z, labels, beta);
  for (int it = 0; it < 50 && std::abs(t.d1) > 1e-7; ++it) {
    // Newton step, halved until beta stays positive and the loss goes down.
    double step = t.d2 > 0 ? -t.d1 / t.d2 : -t.d1;
    bool moved = false;
    for (int k = 0; k < 40 && !moved; ++k, step /= 2) {
      if (beta + step <= 0) continue;
      const TemperatureLoss next = temperature_loss(z, labels, beta + step);
      if (next.f <= t.f) {
        beta += step;
        t = next;
        moved = true;
      }
    }
    if (!moved) break;
  }
  return static_cast<float>(1 / beta);
}

void LinearModel::save(const std::filesystem::path& dir, const std::string& model) const {
  const size_t d = dim();
  save_npy(dir / "coef.npy", coef, {kNumClasses, d});
  save_npy(dir / "intercept.npy", intercept, {kNumClasses});
  save_npy(dir / "mean.npy", mean, {d});
  save_npy(dir / "scale.npy", scale, {d});
  nlohmann::json j = {
      {"model", model},
      {"rows", rows},
      {"cols", cols},
      {"classes", kNumClasses},
      {"transform", sqrt_pixels ? "sqrt" : "none"},
      {"temperature", temperature},
      {"probabilities", "softmax(decision_function / temperature)"},
      {"decision_function",
       "coef @ ((t(x / 255) - mean) / scale) + intercept; x: the raw pixels (0..255) of an image, "
       "row-major; t: the transform (sqrt or none)"},
      {"files", {"coef.npy", "intercept.npy", "mean.npy", "scale.npy"}}};
  write_file_atomic(dir / "linear.json", j.dump(2) + "\n");
}

void LinearModel::load(const std::filesystem::path& dir) {
  const auto path = dir / "linear.json";
  const auto bytes = read_file(path);
  try {
    auto j = nlohmann::json::parse(bytes.begin(), bytes.end());
    rows = j.at("rows").get<int>();
    cols = j.at("cols").get<int>();
    const auto t = j.at("transform").get<std::string>();
    if (t != "sqrt" && t != "none") fail("{}: unknown transform '{}'", path.string(), t);
    sqrt_pixels = t == "sqrt";
    temperature = j.at("temperature").get<float>();
  } catch (const nlohmann::json::exception& e) {
    fail("{}: {}", path.string(), e.what());
  }
  if (rows <= 0 || cols <= 0 || rows > 4096 || cols > 4096) {
    fail("{}: bad image size {}x{}", path.string(), rows, cols);
  }
  if (!(temperature > 0) || !std::isfinite(temperature)) {
    fail("{}: temperature must be positive, found {}", path.string(), temperature);
  }
  const size_t d = dim();
  coef = load_npy(dir / "coef.npy", {kNumClasses, d});
  intercept = load_npy(dir / "intercept.npy", {kNumClasses});
  mean = load_npy(dir / "mean.npy", {d});
  scale = load_npy(dir / "scale.npy", {d});
  for (float s : scale)
    if (!(s > 0) || !std::isfinite(s))
      fail("{}: scale values must be positive", (dir / "scale.npy").string());
}

FeatureImportance LinearModel::importance() const {
  // On standardised pixels a weight is the effect of a one-standard-
  // deviation change, so maps are comparable across pixels.
  const size_t d = dim();
  FeatureImportance fi;
  fi.kind = "weights";
  fi.overall.assign(d, 0.f);
  fi.per_class.assign(kNumClasses, std::vector<float>(d));
  for (int c = 0; c < kNumClasses; ++c)
    for (size_t j = 0; j < d; ++j) {
      const float w = coef[c * d + j];
      fi.per_class[c][j] = w;
      fi.overall[j] += std::abs(w) / kNumClasses;
    }
  return fi;
}

}  // namespace fmnist
