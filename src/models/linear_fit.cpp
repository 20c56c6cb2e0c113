#include "models/linear_fit.hpp"

#include <fmt/format.h>

#include "core/error.hpp"

namespace fmnist {

LinearOptions declare_linear_settings(Settings& s, double default_C, const std::string& C_help) {
  LinearOptions o;
  o.C = s.get_double("C", default_C, C_help, 1e-6, 1e6);
  o.lbfgs.max_iter = s.get_int("max_iter", 100, "L-BFGS iterations at most", 1, 100000);
  o.lbfgs.tol =
      s.get_double("tol", 1e-4, "stop when the gradient norm falls to tol x its start", 0.0, 1.0);
  o.lbfgs.memory = s.get_int("memory", 20, "L-BFGS correction pairs kept", 1, 200);
  o.transform = s.get_choice("transform", "sqrt",
                             "pixel transform t(x/255): sqrt evens out dark and bright pixels",
                             {"sqrt", "none"});
  o.preprocessing =
      s.get_choice("preprocessing", "standardize",
                   "use t(x/255) as it is (scale), or each pixel to zero mean and unit variance",
                   {"scale", "standardize"});
  return o;
}

nlohmann::json fit_linear(LinearModel& model, const Dataset& train, const FitContext& ctx,
                          LinearLoss loss, const LinearOptions& opts) {
  if (train.size() == 0) fail("linear model: empty training set");
  model.fit_preprocessing(train, opts.transform, opts.preprocessing);
  model.zero_weights();
  LinearObjective objective(train, model, loss, opts.C);
  std::vector<double> theta = LinearObjective::from_model(model);
  nlohmann::json history = nlohmann::json::array();
  const int max_iter = opts.lbfgs.max_iter;
  auto result = lbfgs_minimize(
      [&](const std::vector<double>& x, std::vector<double>& g) { return objective(x, g); }, theta,
      opts.lbfgs,
      [&](int it, double f, double gnorm, const std::vector<double>&) {
        history.push_back({{"iteration", it}, {"objective", f}, {"grad_norm", gnorm}});
        ctx.report(it, max_iter, fmt::format("objective {:.5f}", f));
      });
  LinearObjective::to_model(theta, model);
  ctx.report(max_iter, max_iter,
             fmt::format("objective {:.5f}, stopped on {}", result.f, result.stop));
  if (!history.empty()) {
    history.back()["stop"] = result.stop;
    history.back()["evaluations"] = result.evaluations;
  }
  return history;
}

}  // namespace fmnist
