// Fits an `svm` or `hog-svm` spec on the first N training images and scores
// it on the first M test images: fit and predict time, accuracy of the
// coupled probabilities and of LIBSVM-style one-vs-one voting, log-loss for
// a few probability slopes. For tuning the defaults on subsets.
//
//   bench_svm_fit SPEC [N_TRAIN] [N_TEST] [--threads N] [--val]
//
// --val scores on the last N_TEST training images instead of the test set
// (N_TRAIN + N_TEST <= 60,000): what the defaults were chosen on.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <numeric>
#include <string>
#include <vector>

#include "core/threads.hpp"
#include "data/idx.hpp"
#include "models/kernel_svm.hpp"
#include "models/registry.hpp"

namespace {
double since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
fmnist::Dataset range(const fmnist::Dataset& d, size_t from, size_t n) {
  std::vector<uint32_t> idx(std::min(n, d.size() - from));
  std::iota(idx.begin(), idx.end(), static_cast<uint32_t>(from));
  return d.subset(idx);
}
}  // namespace

int main(int argc, char** argv) {
  using namespace fmnist;
  if (argc < 2) {
    std::fprintf(stderr, "usage: bench_svm_fit SPEC [N_TRAIN] [N_TEST] [--threads N]\n");
    return 2;
  }
  std::string spec = argv[1];
  size_t n_train = 60000, n_test = 10000;
  int pos = 0;
  bool val = false;
  for (int a = 2; a < argc; ++a) {
    if (!std::strcmp(argv[a], "--threads") && a + 1 < argc)
      set_threads(std::atoi(argv[++a]));
    else if (!std::strcmp(argv[a], "--val"))
      val = true;
    else if (pos++ == 0)
      n_train = std::strtoul(argv[a], nullptr, 10);
    else
      n_test = std::strtoul(argv[a], nullptr, 10);
  }
  const std::string dir = "/usr/share/datasets/fashion-mnist";
  const Dataset all =
      load_idx(dir + "/train-images-idx3-ubyte.gz", dir + "/train-labels-idx1-ubyte.gz");
  const Dataset train = range(all, 0, val ? std::min(n_train, all.size() - n_test) : n_train);
  const Dataset test =
      val ? range(all, all.size() - n_test, n_test)
          : range(load_idx(dir + "/t10k-images-idx3-ubyte.gz", dir + "/t10k-labels-idx1-ubyte.gz"),
                  0, n_test);

  auto model = make_model(spec);
  auto* svm = dynamic_cast<KernelSvm*>(model.get());
  if (!svm) {
    std::fprintf(stderr, "not an svm spec\n");
    return 2;
  }
  FitContext ctx;
  auto t0 = std::chrono::steady_clock::now();
  model->fit(train, ctx);
  const double fit = since(t0);
  t0 = std::chrono::steady_clock::now();
  const auto dec = svm->decision_values(test);
  const double predict = since(t0);
  const auto& m = svm->model();
  const size_t k = m.num_classes(), pairs = m.num_pairs();

  // Voting, as LIBSVM's svm_predict (ties: the lower class).
  size_t vote_ok = 0;
  for (size_t i = 0; i < test.size(); ++i) {
    std::vector<int> votes(k, 0);
    size_t q = 0;
    for (size_t a = 0; a < k; ++a)
      for (size_t b = a + 1; b < k; ++b, ++q) ++votes[dec[i * pairs + q] > 0 ? a : b];
    size_t best = 0;
    for (size_t c = 1; c < k; ++c)
      if (votes[c] > votes[best]) best = c;
    vote_ok += m.labels[best] == test.labels[i];
  }
  std::printf("%s%s  n=%zu  fit %.2f s  decision values %.2f s  nSV %zu  vote accuracy %.2f%%\n",
              val ? "[val] " : "", spec.c_str(), train.size(), fit, predict, m.total_sv(),
              100.0 * vote_ok / test.size());
  std::printf("  %s\n", model->history().dump().c_str());
  // Coupled probabilities at several slopes: accuracy and log-loss.
  for (double slope : {0.5, 1.0, 1.5, 2.0, 3.0, 4.0}) {
    svm::OvoModel copy = m;
    copy.prob_a.assign(pairs, -slope);
    svm::OvoPredictor p(copy);
    std::vector<float> proba(test.size() * kNumClasses);
    p.probabilities(svm::FeatureMap(svm->features_map()).transform(test, "bench", threads()).data(),
                    test.size(), proba.data(), threads());
    double loss = 0;
    size_t ok = 0;
    for (size_t i = 0; i < test.size(); ++i) {
      const float* r = proba.data() + i * kNumClasses;
      loss -= std::log(std::max(1e-15f, r[test.labels[i]]));
      ok += std::max_element(r, r + kNumClasses) - r == test.labels[i];
    }
    std::printf("  slope %.1f  accuracy %.2f%%  log-loss %.4f\n", slope, 100.0 * ok / test.size(),
                loss / test.size());
  }
  return 0;
}
