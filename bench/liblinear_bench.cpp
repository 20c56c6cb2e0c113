// LIBLINEAR on the same features and penalty as our linear models, to
// measure whether our own L-BFGS beats the library (docs/DESIGN.md).
//
//   bench_liblinear SOLVER C [--features sqrt-std|scale] [--eps E] [--data DIR]
//
// SOLVER: "svm" (L2R_L2LOSS_SVC, primal trust-region Newton, what
// LinearSVC(dual=False) runs) or "lr" (L2R_LR, one-vs-rest). Trains on the
// 60,000 training images, scores the 10,000 test images, prints one JSON line.
#include <linear.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "data/idx.hpp"
#include "models/linear_model.hpp"

namespace {
double since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Dense rows as LIBLINEAR's sparse nodes (every pixel, then the bias term).
struct Problem {
  std::vector<feature_node> nodes;
  std::vector<feature_node*> rows;
  std::vector<double> y;
  problem prob{};
};

void build(const fmnist::LinearModel& prep, const fmnist::Dataset& d, Problem& p) {
  const size_t dim = d.image_size(), n = d.size();
  p.nodes.resize(n * (dim + 2));
  p.rows.resize(n);
  p.y.resize(n);
  for (size_t i = 0; i < n; ++i) {
    feature_node* row = p.nodes.data() + i * (dim + 2);
    for (size_t j = 0; j < dim; ++j) {
      const double u = d.pixels[i * dim + j] / 255.0;
      const double v = prep.sqrt_pixels ? std::sqrt(u) : u;
      row[j] = {static_cast<int>(j + 1), (v - prep.mean[j]) / prep.scale[j]};
    }
    row[dim] = {static_cast<int>(dim + 1), 1.0};  // bias
    row[dim + 1] = {-1, 0.0};
    p.rows[i] = row;
    p.y[i] = d.labels[i];
  }
  p.prob.l = static_cast<int>(n);
  p.prob.n = static_cast<int>(dim + 1);
  p.prob.y = p.y.data();
  p.prob.x = p.rows.data();
  p.prob.bias = -1;  // the bias column is already in the rows
}
}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(
        stderr,
        "usage: bench_liblinear svm|lr C [--features sqrt-std|scale] [--eps E] [--data DIR]\n");
    return 2;
  }
  const std::string solver = argv[1];
  const double C = std::atof(argv[2]);
  std::string features = "sqrt-std", dir = "/usr/share/datasets/fashion-mnist";
  double eps = 0.01;
  for (int i = 3; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--features"))
      features = argv[i + 1];
    else if (!std::strcmp(argv[i], "--eps"))
      eps = std::atof(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--data"))
      dir = argv[i + 1];
  }
  auto train =
      fmnist::load_idx(dir + "/train-images-idx3-ubyte.gz", dir + "/train-labels-idx1-ubyte.gz");
  auto test =
      fmnist::load_idx(dir + "/t10k-images-idx3-ubyte.gz", dir + "/t10k-labels-idx1-ubyte.gz");
  fmnist::LinearModel prep;
  if (features == "sqrt-std")
    prep.fit_preprocessing(train, "sqrt", "standardize");
  else
    prep.fit_preprocessing(train, "none", "scale");
  Problem tr, te;
  build(prep, train, tr);
  build(prep, test, te);
  parameter param{};
  param.solver_type = solver == "lr" ? L2R_LR : L2R_L2LOSS_SVC;
  param.C = C;
  param.eps = eps;
  set_print_string_function([](const char*) {});
  if (const char* err = check_parameter(&tr.prob, &param)) {
    std::fprintf(stderr, "liblinear: %s\n", err);
    return 2;
  }
  const auto t0 = std::chrono::steady_clock::now();
  model* m = ::train(&tr.prob, &param);
  const double fit = since(t0);
  size_t right = 0;
  const auto t1 = std::chrono::steady_clock::now();
  for (int i = 0; i < te.prob.l; ++i) right += predict(m, te.rows[i]) == te.y[i];
  const double pred = since(t1);
  std::printf(
      "{\"solver\": \"%s\", \"C\": %g, \"eps\": %g, \"features\": \"%s\", \"accuracy\": %.4f, "
      "\"fit_seconds\": %.2f, \"predict_seconds\": %.3f}\n",
      solver.c_str(), C, eps, features.c_str(), double(right) / te.prob.l, fit, pred);
  free_and_destroy_model(&m);
  return 0;
}
