#include "models/linear_objective.hpp"

#include <cblas.h>

#include <algorithm>
#include <cmath>

namespace fmnist {
namespace {
// Each loss turns the decision values z (m x kNumClasses) into dloss/dz in
// place and returns the summed loss.
double softmax_head(float* z, const uint8_t* y, size_t m) {
  double loss = 0;
  for (size_t i = 0; i < m; ++i) {
    float* r = z + i * kNumClasses;
    const float zy = r[y[i]];
    const float mx = *std::max_element(r, r + kNumClasses);
    float total = 0;
    for (int c = 0; c < kNumClasses; ++c) total += r[c] = std::exp(r[c] - mx);
    loss += std::log(total) + mx - zy;
    for (int c = 0; c < kNumClasses; ++c) r[c] /= total;
    r[y[i]] -= 1;
  }
  return loss;
}

double squared_hinge_head(float* z, const uint8_t* y, size_t m) {
  double loss = 0;
  for (size_t i = 0; i < m; ++i) {
    float* r = z + i * kNumClasses;
    for (int c = 0; c < kNumClasses; ++c) {
      const float sign = c == y[i] ? 1.f : -1.f;
      const float margin = 1.f - sign * r[c];
      if (margin > 0) {
        loss += margin * margin;
        r[c] = -2.f * sign * margin;
      } else {
        r[c] = 0.f;
      }
    }
  }
  return loss;
}
}  // namespace

LinearObjective::LinearObjective(const Dataset& train, const LinearModel& model, LinearLoss loss,
                                 double C)
    : train_(train), model_(model), loss_(loss), C_(C), dim_(model.dim()) {
  model_.check_shape(train, "linear model");
  const size_t chunks = linear_chunks(train.size());
  chunk_grad_.resize(chunks * num_variables());
  chunk_loss_.resize(chunks);
}

void LinearObjective::to_model(const std::vector<double>& theta, LinearModel& model) {
  const size_t w = model.coef.size();
  for (size_t k = 0; k < w; ++k) model.coef[k] = static_cast<float>(theta[k]);
  for (int c = 0; c < kNumClasses; ++c) model.intercept[c] = static_cast<float>(theta[w + c]);
}

std::vector<double> LinearObjective::from_model(const LinearModel& model) {
  std::vector<double> theta(model.coef.begin(), model.coef.end());
  theta.insert(theta.end(), model.intercept.begin(), model.intercept.end());
  return theta;
}

double LinearObjective::operator()(const std::vector<double>& theta, std::vector<double>& grad) {
  to_model(theta, model_);
  const int d = static_cast<int>(dim_);
  const size_t nv = num_variables();
  const auto head = loss_ == LinearLoss::softmax ? softmax_head : squared_hinge_head;
  for_each_chunk(model_, train_, [&](size_t chunk, size_t start, size_t m, const float* x) {
    std::vector<float> z(m * kNumClasses);
    for (size_t i = 0; i < m; ++i)
      std::copy(model_.intercept.begin(), model_.intercept.end(), z.data() + i * kNumClasses);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(m), kNumClasses, d, 1.f,
                x, d, model_.coef.data(), d, 1.f, z.data(), kNumClasses);
    chunk_loss_[chunk] = head(z.data(), train_.labels.data() + start, m);
    float* g = chunk_grad_.data() + chunk * nv;
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, kNumClasses, d, static_cast<int>(m), 1.f,
                z.data(), kNumClasses, x, d, 0.f, g, d);
    float* gb = g + kNumClasses * dim_;
    std::fill(gb, gb + kNumClasses, 0.f);
    for (size_t i = 0; i < m; ++i)
      for (int c = 0; c < kNumClasses; ++c) gb[c] += z[i * kNumClasses + c];
  });
  // Chunk results in chunk order: the same sums with any thread count.
  const double n = static_cast<double>(train_.size());
  double loss = 0;
  std::fill(grad.begin(), grad.end(), 0.0);
  for (size_t c = 0; c < chunk_loss_.size(); ++c) {
    loss += chunk_loss_[c];
    const float* g = chunk_grad_.data() + c * nv;
    for (size_t k = 0; k < nv; ++k) grad[k] += g[k];
  }
  const double reg = 1.0 / (C_ * n);
  double wnorm2 = 0;
  for (size_t k = 0; k < nv; ++k) grad[k] /= n;
  for (size_t k = 0; k < kNumClasses * dim_; ++k) {
    wnorm2 += theta[k] * theta[k];
    grad[k] += reg * theta[k];
  }
  return loss / n + 0.5 * reg * wnorm2;
}

}  // namespace fmnist
