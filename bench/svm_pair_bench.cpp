// One two-class RBF SVM problem of Fashion-MNIST (two classes, pixels/255),
// solved by our SMO and by LIBSVM with the same C, gamma and tolerance:
// time, iterations, support vectors, bias. Where the SVM code is ours rather
// than LIBSVM's, this is the measurement behind it.
//
//   bench_svm_pair CLASS_A CLASS_B [PER_CLASS] [--no-libsvm] [--cache-mb N] [--batch N]
#include <svm.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#include "data/idx.hpp"
#include "models/svm/smo.hpp"

namespace {
double since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
}  // namespace

int main(int argc, char** argv) {
  using namespace fmnist;
  if (argc < 3) {
    std::fprintf(stderr,
                 "usage: bench_svm_pair CLASS_A CLASS_B [PER_CLASS] [--no-libsvm] [--cache-mb N] "
                 "[--batch N]\n");
    return 2;
  }
  const int ca = std::atoi(argv[1]), cb = std::atoi(argv[2]);
  size_t per_class = 6000;
  bool libsvm = true;
  double cache_mb = 256;
  size_t batch = 8;
  for (int a = 3; a < argc; ++a) {
    if (!std::strcmp(argv[a], "--no-libsvm"))
      libsvm = false;
    else if (!std::strcmp(argv[a], "--cache-mb") && a + 1 < argc)
      cache_mb = std::atof(argv[++a]);
    else if (!std::strcmp(argv[a], "--batch") && a + 1 < argc)
      batch = std::strtoul(argv[++a], nullptr, 10);
    else
      per_class = std::strtoul(argv[a], nullptr, 10);
  }
  const std::string dir = "/usr/share/datasets/fashion-mnist";
  Dataset d = load_idx(dir + "/train-images-idx3-ubyte.gz", dir + "/train-labels-idx1-ubyte.gz");
  std::vector<const uint8_t*> x;
  std::vector<int32_t> sq;
  std::vector<int8_t> y;
  size_t na = 0, nb = 0;
  for (size_t i = 0; i < d.size(); ++i) {
    const int c = d.labels[i];
    if ((c == ca && na < per_class) || (c == cb && nb < per_class)) {
      (c == ca ? na : nb)++;
      x.push_back(d.image(i).data());
      y.push_back(c == ca ? 1 : -1);
      int32_t s = 0;
      for (uint8_t v : d.image(i)) s += v * v;
      sq.push_back(s);
    }
  }
  // gamma = 'scale' over the whole training set, as scikit-learn computes it.
  double sum = 0, sum2 = 0;
  for (uint8_t v : d.pixels) sum += v / 255.0, sum2 += (v / 255.0) * (v / 255.0);
  const double mean = sum / d.pixels.size(), var = sum2 / d.pixels.size() - mean * mean;
  const double gamma = 1.0 / (784 * var), C = 10;

  svm::Kernel k;
  k.gamma = gamma;
  k.scale = 1.0 / 255;
  svm::SolverOptions o;
  o.C = C;
  o.cache_bytes = static_cast<size_t>(cache_mb * (1 << 20));
  o.batch = batch;
  auto t0 = std::chrono::steady_clock::now();
  const std::clock_t c0 = std::clock();
  auto r = svm::solve_binary({x, 784, sq, y}, k, o);
  const double ours = since(t0), ours_cpu = double(std::clock() - c0) / CLOCKS_PER_SEC;
  size_t nsv = 0;
  for (double c : r.coef) nsv += c != 0;
  std::printf("ours    n=%zu  %.2f s (cpu %.2f s)  iter %zu  rows %zu  nSV %zu  rho %.6f\n",
              x.size(), ours, ours_cpu, r.iterations, r.rows_computed, nsv, r.rho);
  if (!libsvm) return 0;

  // LIBSVM on the same data, zero pixels left out (its sparse format; faster
  // for it than scikit-learn's dense copy).
  std::vector<std::vector<svm_node>> nodes(x.size());
  std::vector<svm_node*> rows(x.size());
  std::vector<double> labels(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    for (int j = 0; j < 784; ++j)
      if (x[i][j]) nodes[i].push_back({j + 1, x[i][j] / 255.0});
    nodes[i].push_back({-1, 0});
    rows[i] = nodes[i].data();
    labels[i] = y[i];
  }
  svm_problem prob{static_cast<int>(x.size()), labels.data(), rows.data()};
  svm_parameter par{};
  par.svm_type = C_SVC;
  par.kernel_type = RBF;
  par.gamma = gamma;
  par.C = C;
  par.eps = 1e-3;
  par.cache_size = cache_mb;
  par.shrinking = 1;
  svm_set_print_string_function([](const char*) {});
  t0 = std::chrono::steady_clock::now();
  const std::clock_t c1 = std::clock();
  svm_model* m = svm_train(&prob, &par);
  const double theirs = since(t0), theirs_cpu = double(std::clock() - c1) / CLOCKS_PER_SEC;
  // LIBSVM labels the first class it meets +1; ours is CLASS_A.
  const double sign = m->label[0] == 1 ? 1 : -1;
  std::printf(
      "libsvm  n=%zu  %.2f s (cpu %.2f s)  nSV %d  rho %.6f  (ours %.1fx faster in cpu time)\n",
      x.size(), theirs, theirs_cpu, m->l, sign * m->rho[0], theirs_cpu / ours_cpu);
  svm_free_and_destroy_model(&m);
  return 0;
}
