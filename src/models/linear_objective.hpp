#pragma once
// The regularised training loss of a linear model and its gradient, in one
// pass over the data: two float32 GEMMs per chunk of images, with the loss
// applied between them while the chunk is still in cache.
#include <vector>

#include "data/dataset.hpp"
#include "models/linear_model.hpp"

namespace fmnist {

enum class LinearLoss {
  softmax,        // multinomial logistic regression (cross-entropy of the softmax)
  squared_hinge,  // one-vs-rest L2-loss SVM: sum over classes of max(0, 1 - y z)^2
};

class LinearObjective {
 public:
  // f = (1/N) sum_i loss_i + |W|^2 / (2 C N): scikit-learn's C sum loss +
  // |W|^2 / 2 divided by C N, so C means what it means there. The
  // intercepts are not penalised. `model` supplies the pre-processing.
  LinearObjective(const Dataset& train, const LinearModel& model, LinearLoss loss, double C);

  // Variables: the weights (kNumClasses x dim, row-major), then the intercepts.
  size_t num_variables() const { return kNumClasses * (dim_ + 1); }
  double operator()(const std::vector<double>& theta, std::vector<double>& grad);
  // Copies variables into / out of a model's coef and intercept.
  static void to_model(const std::vector<double>& theta, LinearModel& model);
  static std::vector<double> from_model(const LinearModel& model);

 private:
  const Dataset& train_;
  LinearModel model_;  // the pre-processing, and the weights being evaluated
  LinearLoss loss_;
  double C_;
  size_t dim_;
  std::vector<float> chunk_grad_;   // per chunk: kNumClasses x (dim + 1)
  std::vector<double> chunk_loss_;  // per chunk
};

}  // namespace fmnist
