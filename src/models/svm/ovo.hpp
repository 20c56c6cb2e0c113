#pragma once
// One-vs-one multiclass kernel SVM, laid out as LIBSVM lays it out (so the
// model file is LIBSVM's): support vectors grouped by class, for class i's
// vectors the coefficient against class j in row j-1 (j > i) or j (j < i),
// biases in pair order (0,1), (0,2), ..., (k-2,k-1). Support vectors are the
// feature bytes themselves, with the feature scale folded into gamma (or into
// the coefficients for the linear kernel), so LIBSVM reads them as integers.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "models/svm/kernel.hpp"
#include "models/svm/smo.hpp"

namespace fmnist::svm {

struct OvoModel {
  Kernel kernel;             // in byte units: scale 1, gamma on bytes
  size_t dim = 0;            // bytes per feature vector
  std::vector<int> labels;   // the classes present, ascending
  std::vector<int> n_sv;     // support vectors per class (labels order)
  std::vector<uint8_t> sv;   // total_sv x dim, grouped by class
  std::vector<double> coef;  // (k - 1) x total_sv
  std::vector<double> rho;   // k (k - 1) / 2
  // Pairwise probability r_ij = 1 / (1 + exp(A dec_ij + B)), LIBSVM's probA/probB.
  std::vector<double> prob_a, prob_b;

  size_t num_classes() const { return labels.size(); }
  size_t total_sv() const { return sv.size() / (dim ? dim : 1); }
  size_t num_pairs() const { return num_classes() * (num_classes() - 1) / 2; }
  // Checks sizes agree with each other (after loading a file).
  void check() const;
};

struct TrainStats {
  size_t iterations = 0, rows_computed = 0;
};

// Trains the k (k - 1) / 2 pairwise problems over `threads` threads.
// `features` holds n vectors of `dim` bytes; `labels` their classes (0..9).
// `progress(done, total)` is called after each pair, from one thread at a time.
OvoModel train_ovo(const uint8_t* features, const uint8_t* labels, size_t n, size_t dim,
                   const Kernel& kernel, const SolverOptions& options, int threads,
                   const std::function<void(size_t, size_t)>& progress,
                   TrainStats* stats = nullptr);

// Decision values of m vectors: m x num_pairs, pair order as rho.
// Multi-threaded over blocks of vectors.
class OvoPredictor {
 public:
  explicit OvoPredictor(const OvoModel& model);
  void decision_values(const uint8_t* features, size_t m, float* out, int threads) const;
  // Class probabilities (m x 10, zero for classes absent from training) by
  // pairwise coupling of the pairwise probabilities (Wu, Lin & Weng 2004,
  // method 2, as LIBSVM's svm_predict_probability).
  void probabilities(const uint8_t* features, size_t m, float* out, int threads) const;

 private:
  const OvoModel& m_;
  PackedU8 packed_;
  std::vector<int32_t> sv_sq_;
  std::vector<size_t> start_;  // first support vector of each class
  std::vector<float> coef_;    // coef as float, the precision kernel values have
};

// Solves sum-to-one pairwise coupling for k classes; r is k x k with
// r[i][j] = P(i | i or j).
void couple(const double* r, int k, double* p);

}  // namespace fmnist::svm
