#pragma once
// The settings and the L-BFGS fit loop that logreg and linear-svm share.
#include <string>

#include <nlohmann/json.hpp>

#include "models/classifier.hpp"
#include "models/lbfgs.hpp"
#include "models/linear_model.hpp"
#include "models/linear_objective.hpp"

namespace fmnist {

struct LinearOptions {
  double C = 1;
  LbfgsOptions lbfgs;
  std::string transform, preprocessing;
};

// Declares C, max_iter, tol, memory, transform and preprocessing.
LinearOptions declare_linear_settings(Settings& s, double default_C, const std::string& C_help);

// Sets the pre-processing from `train`, then fits the weights from zero,
// reporting each iteration to ctx. Returns the per-iteration history.
nlohmann::json fit_linear(LinearModel& model, const Dataset& train, const FitContext& ctx,
                          LinearLoss loss, const LinearOptions& opts);

}  // namespace fmnist
