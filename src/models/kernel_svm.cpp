#include "models/kernel_svm.hpp"

#include <charconv>
#include <cmath>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/files.hpp"
#include "core/threads.hpp"
#include "models/svm/libsvm_format.hpp"

namespace fmnist {
namespace {

std::vector<int> parse_cells(const std::string& text, const char* who) {
  // "4" or "4-7": one HOG per cell size, concatenated.
  std::vector<int> cells;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t dash = std::min(text.find('-', start), text.size());
    int v = 0;
    auto [p, ec] = std::from_chars(text.data() + start, text.data() + dash, v);
    if (ec != std::errc() || p != text.data() + dash || v < 2 || v > 64) {
      fail(
          "{}: setting cells={} is invalid: expected cell sizes from 2 to 64 joined by '-' (e.g. "
          "4-7)",
          who, text);
    }
    cells.push_back(v);
    start = dash + 1;
  }
  return cells;
}

}  // namespace

KernelSvm::KernelSvm(Settings s, bool hog) : Classifier(std::move(s)), hog_(hog) {
  const char* who = hog ? "hog-svm" : "svm";
  C_ = settings_.get_double("C", 10, "penalty on margin violations (LIBSVM's C)", 1e-6, 1e6);
  gamma_ =
      settings_.get_string("gamma", "scale",
                           "RBF/poly width: 'scale' = 1/(features x variance) as scikit-learn, "
                           "'auto' = 1/features, or a positive number");
  if (gamma_ != "scale" && gamma_ != "auto") {
    double g = 0;
    auto [p, ec] = std::from_chars(gamma_.data(), gamma_.data() + gamma_.size(), g);
    if (ec != std::errc() || p != gamma_.data() + gamma_.size() || !(g > 0) || !std::isfinite(g)) {
      fail("{}: setting gamma={} is invalid: expected 'scale', 'auto' or a positive number", who,
           gamma_);
    }
  }
  kernel_ = svm::kernel_type_from(
      settings_.get_choice("kernel", "rbf", "kernel function", {"rbf", "poly", "linear"}));
  degree_ = settings_.get_int("degree", 3, "degree of the poly kernel", 1, 10);
  coef0_ = settings_.get_double("coef0", 0, "constant term of the poly kernel", -1e3, 1e3);
  tol_ = settings_.get_double(
      "tol", 1e-3, "stop when the largest KKT violation is below this (LIBSVM's eps)", 1e-6, 1.0);
  cache_bytes_ =
      static_cast<size_t>(settings_.get_int(
          "cache_mb", 1024, "kernel-row cache in MiB, shared by the training threads", 16, 1 << 20))
      << 20;
  settings_.get_choice("multiclass", "ovo",
                       "multiclass scheme: one-vs-one, 45 pairwise problems as LIBSVM", {"ovo"});
  prob_slope_ = settings_.get_double(
      "prob_slope", 3.0,
      "pairwise probability sigmoid(slope x decision value), coupled into class probabilities",
      0.01, 100);
  if (hog) {
    hog_config_.cells = parse_cells(
        settings_.get_string("cells", "4",
                             "HOG cell sizes in pixels, '-'-joined for several (e.g. 4-7)"),
        who);
    hog_config_.bins =
        settings_.get_int("bins", 9, "HOG orientation bins over 0-180 degrees", 2, 36);
    hog_config_.block =
        settings_.get_int("block", 2, "HOG block side in cells (L2-Hys normalised)", 1, 8);
    hog_config_.clip = settings_.get_double("clip", 0.2, "L2-Hys clipping value", 0.01, 1.0);
    hog_config_.pixel_weight = settings_.get_double(
        "pixel_weight", 0.3, "append the pixels (/255) times this weight; 0: HOG only", 0,
        svm::kHogCap);
  }
}

svm::FeatureMap KernelSvm::feature_map_for(const Dataset& train) const {
  return hog_ ? svm::FeatureMap::hog(train.rows, train.cols, hog_config_)
              : svm::FeatureMap::pixels(train.rows, train.cols);
}

void KernelSvm::fit(const Dataset& train, const FitContext& ctx) {
  if (train.size() == 0) fail("{}: empty training set", who());
  features_ = feature_map_for(train);
  const int nthreads = threads();
  const auto x = features_.transform(train, who(), nthreads);
  const size_t dim = features_.dim();

  svm::Kernel kernel;
  kernel.type = kernel_;
  kernel.scale = features_.scale();
  kernel.degree = degree_;
  kernel.coef0 = coef0_;
  if (gamma_ == "scale") {
    // scikit-learn: 1 / (n_features * X.var()), over every value of X.
    double sum = 0, sum2 = 0;
    for (uint8_t v : x) sum += v, sum2 += static_cast<double>(v) * v;
    const double n = static_cast<double>(x.size()), mean = sum / n;
    const double var = (sum2 / n - mean * mean) * kernel.scale * kernel.scale;
    kernel.gamma = var > 0 ? 1.0 / (static_cast<double>(dim) * var) : 1.0;
  } else if (gamma_ == "auto") {
    kernel.gamma = 1.0 / static_cast<double>(dim);
  } else {
    kernel.gamma = std::stod(gamma_);
  }

  svm::SolverOptions opt;
  opt.C = C_;
  opt.eps = tol_;
  opt.cache_bytes = cache_bytes_;
  svm::TrainStats stats;
  predictor_.reset();
  model_ = svm::train_ovo(
      x.data(), train.labels.data(), train.size(), dim, kernel, opt, nthreads,
      [&](size_t done, size_t total) {
        ctx.report(static_cast<double>(done), static_cast<double>(total),
                   fmt::format("pair {}/{}", done, total));
      },
      &stats);
  // LIBSVM's pairwise probability 1 / (1 + exp(A f + B)) with A = -slope, B = 0.
  model_.prob_a.assign(model_.num_pairs(), -prob_slope_);
  model_.prob_b.assign(model_.num_pairs(), 0.0);
  predictor_ = std::make_unique<svm::OvoPredictor>(model_);
  history_ = nlohmann::json::array();
  history_.push_back({{"support_vectors", model_.total_sv()},
                      {"gamma", kernel.gamma},
                      {"smo_iterations", stats.iterations},
                      {"kernel_rows", stats.rows_computed}});
}

std::vector<float> KernelSvm::decision_values(const Dataset& data) const {
  if (!fitted()) fail("{}: model is not trained", who());
  const auto x = features_.transform(data, who(), threads());
  std::vector<float> out(data.size() * model_.num_pairs());
  predictor_->decision_values(x.data(), data.size(), out.data(), threads());
  return out;
}

void KernelSvm::predict_proba(const Dataset& data, float* out) const {
  if (!fitted()) fail("{}: model is not trained", who());
  const auto x = features_.transform(data, who(), threads());
  predictor_->probabilities(x.data(), data.size(), out, threads());
}

void KernelSvm::save(const std::filesystem::path& dir) const {
  if (!fitted()) fail("{}: model is not trained", who());
  svm::write_libsvm_model(model_, dir / "svm.model");
  write_file_atomic(dir / "features.json", features_.to_json().dump(2) + "\n");
}

void KernelSvm::load(const std::filesystem::path& dir) {
  const auto path = dir / "features.json";
  const auto bytes = read_file(path);
  try {
    features_ = svm::FeatureMap::from_json(nlohmann::json::parse(bytes.begin(), bytes.end()));
  } catch (const nlohmann::json::exception& e) {
    fail("{}: {}", path.string(), e.what());
  }
  if (features_.is_hog() != hog_) {
    fail("{}: holds {} features, not what {} uses", path.string(),
         features_.is_hog() ? "HOG" : "pixel", who());
  }
  predictor_.reset();
  model_ = svm::read_libsvm_model(dir / "svm.model", features_.dim());
  predictor_ = std::make_unique<svm::OvoPredictor>(model_);
}

int64_t KernelSvm::num_parameters() const {
  if (!fitted()) return -1;
  const auto l = static_cast<int64_t>(model_.total_sv());
  return l * static_cast<int64_t>(model_.num_classes() - 1 + model_.dim) +
         static_cast<int64_t>(model_.num_pairs());
}

std::optional<FeatureImportance> Svm::feature_importance() const {
  if (!fitted()) return std::nullopt;
  // The linear part of each pairwise decision function, w = sum_s coef_s x_s
  // (exactly its gradient for the linear kernel; for RBF the direction the
  // support vectors pull in). Per class: the pairs against it, signed
  // towards it; overall: the size of w summed over pairs.
  const auto& m = model_;
  const size_t k = m.num_classes(), l = m.total_sv(), dim = m.dim;
  std::vector<size_t> start(k + 1, 0);
  for (size_t c = 0; c < k; ++c) start[c + 1] = start[c] + static_cast<size_t>(m.n_sv[c]);
  FeatureImportance fi;
  fi.kind = "support-vector weights";
  fi.overall.assign(dim, 0.f);
  fi.per_class.assign(kNumClasses, std::vector<float>(dim, 0.f));
  std::vector<double> w(dim);
  for (size_t a = 0; a < k; ++a)
    for (size_t b = a + 1; b < k; ++b) {
      std::fill(w.begin(), w.end(), 0.0);
      for (size_t c : {a, b}) {
        const double* coef = m.coef.data() + (c == a ? b - 1 : a) * l;
        for (size_t s = start[c]; s < start[c + 1]; ++s)
          for (size_t d = 0; d < dim; ++d) w[d] += coef[s] * m.sv[s * dim + d];
      }
      for (size_t d = 0; d < dim; ++d) {
        fi.overall[d] += static_cast<float>(std::fabs(w[d]));
        fi.per_class[m.labels[a]][d] += static_cast<float>(w[d]);
        fi.per_class[m.labels[b]][d] -= static_cast<float>(w[d]);
      }
    }
  return fi;
}

}  // namespace fmnist
