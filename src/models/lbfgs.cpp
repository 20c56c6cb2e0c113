#include "models/lbfgs.hpp"

#include <algorithm>
#include <cmath>
#include <deque>

namespace fmnist {
namespace {
double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

struct Pair {
  std::vector<double> s, y;
  double rho;
};

// The two-loop recursion: d = -H g with H the L-BFGS inverse Hessian estimate.
std::vector<double> direction(const std::deque<Pair>& mem, const std::vector<double>& g) {
  std::vector<double> q(g.size());
  for (size_t i = 0; i < g.size(); ++i) q[i] = -g[i];
  std::vector<double> alpha(mem.size());
  for (size_t k = mem.size(); k-- > 0;) {
    alpha[k] = mem[k].rho * dot(mem[k].s, q);
    for (size_t i = 0; i < q.size(); ++i) q[i] -= alpha[k] * mem[k].y[i];
  }
  if (!mem.empty()) {  // initial H: the usual s'y / y'y scaling
    const auto& last = mem.back();
    const double gamma = 1.0 / (last.rho * dot(last.y, last.y));
    for (double& v : q) v *= gamma;
  }
  for (size_t k = 0; k < mem.size(); ++k) {
    const double beta = mem[k].rho * dot(mem[k].y, q);
    for (size_t i = 0; i < q.size(); ++i) q[i] += (alpha[k] - beta) * mem[k].s[i];
  }
  return q;
}
}  // namespace

LbfgsResult lbfgs_minimize(const LbfgsObjective& fun, std::vector<double>& x,
                           const LbfgsOptions& opts, const LbfgsCallback& on_iter) {
  constexpr double c1 = 1e-4, c2 = 0.9;  // weak Wolfe conditions
  constexpr int kMaxSearch = 20;
  LbfgsResult r;
  const size_t n = x.size();
  std::vector<double> g(n), g_new(n), x_new(n);
  double f = fun(x, g);
  r.evaluations = 1;
  const double g0 = std::sqrt(dot(g, g));
  std::deque<Pair> mem;
  r.stop = "max_iter";
  for (int it = 0; it < opts.max_iter; ++it) {
    const double gnorm = std::sqrt(dot(g, g));
    if (gnorm <= opts.tol * g0 || gnorm == 0) {
      r.stop = "gradient";
      break;
    }
    std::vector<double> d = direction(mem, g);
    double gd = dot(g, d);
    if (!(gd < 0)) {  // not a descent direction (curvature lost to rounding): restart
      mem.clear();
      d = direction(mem, g);
      gd = -gnorm * gnorm;
    }
    // Without curvature information yet, a first step of unit length.
    double t = mem.empty() ? 1.0 / gnorm : 1.0;
    double lo = 0, hi = INFINITY, f_new = 0;
    bool found = false;
    for (int k = 0; k < kMaxSearch; ++k) {
      for (size_t i = 0; i < n; ++i) x_new[i] = x[i] + t * d[i];
      f_new = fun(x_new, g_new);
      ++r.evaluations;
      if (!(f_new <= f + c1 * t * gd)) {
        hi = t;
        // Minimum of the quadratic through f, f'(0) and f(t), kept inside
        // the bracket so a bad fit cannot stall the search.
        const double quad = -gd * t * t / (2 * (f_new - f - gd * t));
        t = std::isfinite(quad) ? std::clamp(quad, lo + 0.1 * (hi - lo), lo + 0.5 * (hi - lo))
                                : 0.5 * (lo + hi);
      } else if (dot(g_new, d) < c2 * gd) {
        lo = t;
        t = std::isinf(hi) ? 2 * t : 0.5 * (lo + hi);
      } else {
        found = true;
        break;
      }
    }
    if (!found && !(f_new < f)) {
      r.stop = "line search";
      break;
    }
    Pair p{std::vector<double>(n), std::vector<double>(n), 0};
    for (size_t i = 0; i < n; ++i) {
      p.s[i] = x_new[i] - x[i];
      p.y[i] = g_new[i] - g[i];
    }
    const double sy = dot(p.s, p.y);
    if (sy > 1e-12 * dot(p.y, p.y)) {  // keep H positive definite
      p.rho = 1.0 / sy;
      mem.push_back(std::move(p));
      if (static_cast<int>(mem.size()) > opts.memory) mem.pop_front();
    }
    const double f_old = f;
    x.swap(x_new);
    g.swap(g_new);
    f = f_new;
    r.iterations = it + 1;
    if (on_iter) on_iter(r.iterations, f, std::sqrt(dot(g, g)), x);
    if (f_old - f <= opts.ftol * std::max({std::abs(f_old), std::abs(f), 1.0})) {
      r.stop = "ftol";
      break;
    }
  }
  r.f = f;
  r.grad_norm = std::sqrt(dot(g, g));
  return r;
}

}  // namespace fmnist
