#include "models/naive_bayes.hpp"

#include <cblas.h>

#include <cmath>
#include <fstream>

#include "core/error.hpp"
#include "core/files.hpp"

namespace fmnist {

NaiveBayes::NaiveBayes(Settings s) : Classifier(std::move(s)) {
  // scikit-learn adds 1e-9 x the largest variance; on images that leaves
  // near-zero variances at the borders that dominate the likelihood, and a
  // larger share (0.1) gains about ten points of accuracy on Fashion-MNIST.
  var_smoothing_ = settings_.get_double("var_smoothing", 0.1,
                                        "share of the largest pixel variance added to every variance",
                                        0.0, 10.0);
}

void NaiveBayes::fit(const Dataset& train, const FitContext& ctx) {
  dim_ = train.image_size();
  if (train.size() == 0) fail("naive-bayes: empty training set");
  std::vector<double> sum(kNumClasses * dim_), sum2(kNumClasses * dim_);
  auto counts = train.class_counts();
  for (size_t i = 0; i < train.size(); ++i) {
    const auto img = train.image(i);
    double* s = sum.data() + train.labels[i] * dim_;
    double* s2 = sum2.data() + train.labels[i] * dim_;
    for (size_t j = 0; j < dim_; ++j) {
      const double x = img[j] / 255.0;
      s[j] += x;
      s2[j] += x * x;
    }
  }
  mean_.assign(kNumClasses * dim_, 0.f);
  var_.assign(kNumClasses * dim_, 0.f);
  log_prior_.assign(kNumClasses, -INFINITY);
  double max_var = 0;
  // The largest variance over all data, as scikit-learn measures it.
  {
    std::vector<double> all(dim_), all2(dim_);
    for (int c = 0; c < kNumClasses; ++c)
      for (size_t j = 0; j < dim_; ++j) {
        all[j] += sum[c * dim_ + j];
        all2[j] += sum2[c * dim_ + j];
      }
    for (size_t j = 0; j < dim_; ++j) {
      const double m = all[j] / train.size();
      max_var = std::max(max_var, all2[j] / train.size() - m * m);
    }
  }
  const double eps = var_smoothing_ * max_var + 1e-9;
  for (int c = 0; c < kNumClasses; ++c) {
    if (counts[c] == 0) continue;
    log_prior_[c] = static_cast<float>(std::log(static_cast<double>(counts[c]) / train.size()));
    for (size_t j = 0; j < dim_; ++j) {
      const double m = sum[c * dim_ + j] / counts[c];
      mean_[c * dim_ + j] = static_cast<float>(m);
      var_[c * dim_ + j] = static_cast<float>(std::max(0.0, sum2[c * dim_ + j] / counts[c] - m * m) + eps);
    }
  }
  ctx.report(1, 1);
}

void NaiveBayes::predict_proba(const Dataset& data, float* out) const {
  if (data.image_size() != dim_) {
    fail("naive-bayes: model expects {} pixels per image, data has {}", dim_, data.image_size());
  }
  // log p(x|c) = sum_j x^2 a_cj + x b_cj + k_c with a = -1/(2 var),
  // b = mean/var: two small GEMMs instead of a loop over classes.
  std::vector<float> a(kNumClasses * dim_), b(kNumClasses * dim_), k(kNumClasses);
  for (int c = 0; c < kNumClasses; ++c) {
    double kc = log_prior_[c];
    for (size_t j = 0; j < dim_; ++j) {
      const double v = var_[c * dim_ + j], m = mean_[c * dim_ + j];
      a[c * dim_ + j] = static_cast<float>(-0.5 / v);
      b[c * dim_ + j] = static_cast<float>(m / v);
      kc += -0.5 * std::log(2 * M_PI * v) - 0.5 * m * m / v;
    }
    k[c] = static_cast<float>(kc);
  }
  const size_t n = data.size();
  constexpr size_t kChunk = 4096;  // bounds the float copies of the input
  std::vector<float> x(kChunk * dim_), x2(kChunk * dim_);
  for (size_t start = 0; start < n; start += kChunk) {
    const size_t m = std::min(kChunk, n - start);
    for (size_t i = 0; i < m * dim_; ++i) {
      const float v = data.pixels[start * dim_ + i] / 255.f;
      x[i] = v;
      x2[i] = v * v;
    }
    float* o = out + start * kNumClasses;
    for (size_t i = 0; i < m; ++i) std::copy(k.begin(), k.end(), o + i * kNumClasses);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(m), kNumClasses,
                static_cast<int>(dim_), 1.f, x2.data(), static_cast<int>(dim_), a.data(),
                static_cast<int>(dim_), 1.f, o, kNumClasses);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(m), kNumClasses,
                static_cast<int>(dim_), 1.f, x.data(), static_cast<int>(dim_), b.data(),
                static_cast<int>(dim_), 1.f, o, kNumClasses);
    for (size_t i = 0; i < m; ++i) {  // softmax of the log-likelihoods
      float* row = o + i * kNumClasses;
      const float mx = *std::max_element(row, row + kNumClasses);
      float total = 0;
      for (int c = 0; c < kNumClasses; ++c) total += row[c] = std::exp(row[c] - mx);
      for (int c = 0; c < kNumClasses; ++c) row[c] /= total;
    }
  }
}

void NaiveBayes::save(const std::filesystem::path& dir) const {
  nlohmann::json j = {{"dim", dim_}, {"mean", mean_}, {"var", var_}, {"log_prior", log_prior_}};
  for (auto& v : j["log_prior"]) {
    if (v.is_null()) v = -1e30;  // JSON has no -inf
  }
  write_file_atomic(dir / "naive_bayes.json", j.dump());
}

void NaiveBayes::load(const std::filesystem::path& dir) {
  const auto path = dir / "naive_bayes.json";
  auto bytes = read_file(path);
  try {
    auto j = nlohmann::json::parse(bytes.begin(), bytes.end());
    dim_ = j.at("dim").get<size_t>();
    mean_ = j.at("mean").get<std::vector<float>>();
    var_ = j.at("var").get<std::vector<float>>();
    log_prior_ = j.at("log_prior").get<std::vector<float>>();
  } catch (const nlohmann::json::exception& e) {
    fail("{}: {}", path.string(), e.what());
  }
  if (mean_.size() != kNumClasses * dim_ || var_.size() != mean_.size() ||
      log_prior_.size() != kNumClasses) {
    fail("{}: sizes do not match dim {}", path.string(), dim_);
  }
}

std::optional<FeatureImportance> NaiveBayes::feature_importance() const {
  // How far apart the class means are at each pixel, in pooled standard
  // deviations: the pixels the model can tell classes apart by.
  FeatureImportance fi;
  fi.kind = "mean separation";
  fi.overall.assign(dim_, 0.f);
  for (size_t j = 0; j < dim_; ++j) {
    double mu = 0, var = 0;
    for (int c = 0; c < kNumClasses; ++c) mu += mean_[c * dim_ + j] / kNumClasses;
    for (int c = 0; c < kNumClasses; ++c) {
      const double d = mean_[c * dim_ + j] - mu;
      var += d * d / kNumClasses;
    }
    double pooled = 0;
    for (int c = 0; c < kNumClasses; ++c) pooled += var_[c * dim_ + j] / kNumClasses;
    fi.overall[j] = static_cast<float>(std::sqrt(var / pooled));
  }
  return fi;
}

}  // namespace fmnist
