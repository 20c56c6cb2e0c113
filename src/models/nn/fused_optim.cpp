#include "models/nn/fused_optim.hpp"

#include <cmath>

#include <ATen/Parallel.h>
#include <c10/util/string_utils.h>

namespace fmnist::nn {
namespace {
using torch::optim::OptimizerParamGroup;
using torch::optim::OptimizerParamState;
using StateMap = ska::flat_hash_map<std::string, std::unique_ptr<OptimizerParamState>>;

// Big enough that a thread's share outweighs waking it.
constexpr int64_t kGrain = 1 << 14;

bool fusable(const torch::Tensor& p) {
  const auto& g = p.grad();
  return p.device().is_cpu() && p.scalar_type() == torch::kFloat && p.layout() == torch::kStrided &&
         p.is_non_overlapping_and_dense() && g.layout() == torch::kStrided && g.device().is_cpu() &&
         g.scalar_type() == torch::kFloat && g.strides() == p.strides() && g.sizes() == p.sizes();
}

bool all_fusable(const std::vector<OptimizerParamGroup>& groups) {
  for (const auto& group : groups)
    for (const auto& p : group.params())
      if (p.grad().defined() && !fusable(p)) return false;
  return true;
}

// The loss of the optional closure, evaluated as LibTorch's optimisers do.
torch::Tensor run_closure(const torch::optim::Optimizer::LossClosure& closure) {
  if (!closure) return {};
  at::AutoGradMode enable_grad(true);
  return closure();
}

// The parameter's state, created on its first step as LibTorch does; the
// key is the one LibTorch's optimisers and their serialisation use.
template <class State>
State& state_of(StateMap& states, const torch::Tensor& p, bool& created) {
  auto& slot = states[c10::guts::to_string(p.unsafeGetTensorImpl())];
  created = !slot;
  if (created) slot = std::make_unique<State>();
  return static_cast<State&>(*slot);
}

torch::Tensor zeros_like_param(const torch::Tensor& p) {
  return torch::zeros_like(p, torch::MemoryFormat::Preserve);
}

// A state tensor laid out element for element as its parameter, which the
// loops assume. One we created always is; one loaded from a checkpoint
// written elsewhere may not be (an NCHW buffer for a channels-last kernel):
// it is copied by value into the parameter's layout.
const torch::Tensor& aligned(torch::Tensor& t, const torch::Tensor& p) {
  if (t.strides() != p.strides() || t.scalar_type() != torch::kFloat || !t.device().is_cpu())
    t = torch::empty_like(p, torch::MemoryFormat::Preserve).copy_(t);
  return t;
}

// f(begin, end) over ranges of p's elements, split between threads.
template <class F>
void for_ranges(const torch::Tensor& p, F f) {
  at::parallel_for(0, p.numel(), kGrain, f);
  // Written through raw pointers: tell autograd the tensor changed, as an
  // in-place op would.
  p.unsafeGetTensorImpl()->bump_version();
}

// f(i) for each of p's elements.
template <class F>
void for_elements(const torch::Tensor& p, F f) {
  for_ranges(p, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) f(i);
  });
}

// One Adam update over elements [b, e), in a loop the compiler vectorises
// (restrict pointers, and -fno-math-errno for the square root).
struct Moments {
  float* __restrict w;
  const float* __restrict g;
  float* __restrict m;
  float* __restrict v;
  float b1, b2, c1, c2, step_size, root_bc2, eps, keep, l2;

  void update(int64_t b, int64_t e) const {
    for (int64_t i = b; i < e; ++i) {
      const float wi = w[i] * keep;
      const float gi = g[i] + l2 * wi;
      const float mi = b1 * m[i] + c1 * gi;
      const float vi = b2 * v[i] + c2 * gi * gi;
      m[i] = mi;
      v[i] = vi;
      w[i] = wi - step_size * mi / (std::sqrt(vi) / root_bc2 + eps);
    }
  }
};

// Adam's moments and update for one parameter; decoupled: AdamW's decay of
// the weights (multiplying them by 1 - lr * wd first), otherwise Adam's L2
// term added to the gradient.
template <class Options, class State>
void adam_step(StateMap& states, const torch::Tensor& p, const Options& o, bool decoupled) {
  bool created = false;
  auto& st = state_of<State>(states, p, created);
  if (created) {
    st.step(0);
    st.exp_avg(zeros_like_param(p));
    st.exp_avg_sq(zeros_like_param(p));
  }
  st.step(st.step() + 1);
  const auto [beta1, beta2] = o.betas();
  const float b1 = static_cast<float>(beta1), b2 = static_cast<float>(beta2);
  const float c1 = static_cast<float>(1 - beta1), c2 = static_cast<float>(1 - beta2);
  const double lr = o.lr(), wd = o.weight_decay();
  const float step_size = static_cast<float>(lr / (1 - std::pow(beta1, st.step())));
  const float root_bc2 = static_cast<float>(std::sqrt(1 - std::pow(beta2, st.step())));
  const float eps = static_cast<float>(o.eps());
  const float keep = decoupled ? static_cast<float>(1 - lr * wd) : 1.f;
  const float l2 = decoupled ? 0.f : static_cast<float>(wd);
  Moments k{p.data_ptr<float>(),
            p.grad().data_ptr<float>(),
            aligned(st.exp_avg(), p).template data_ptr<float>(),
            aligned(st.exp_avg_sq(), p).template data_ptr<float>(),
            b1,
            b2,
            c1,
            c2,
            step_size,
            root_bc2,
            eps,
            keep,
            l2};
  for_ranges(p, [&](int64_t b, int64_t e) { k.update(b, e); });
}

// Adam and AdamW share their loop and their fallback (amsgrad, or a
// parameter the loop cannot take); they differ in options, state and decay.
template <class Options>
bool adam_fusable(const std::vector<OptimizerParamGroup>& groups) {
  for (const auto& group : groups)
    if (static_cast<const Options&>(group.options()).amsgrad()) return false;
  return all_fusable(groups);
}

template <class Options, class State>
void adam_steps(std::vector<OptimizerParamGroup>& groups, StateMap& states, bool decoupled) {
  for (auto& group : groups) {
    const auto& o = static_cast<const Options&>(group.options());
    for (auto& p : group.params())
      if (p.grad().defined()) adam_step<Options, State>(states, p, o, decoupled);
  }
}

}  // namespace

torch::Tensor FusedSGD::step(LossClosure closure) {
  if (!all_fusable(param_groups_)) return SGD::step(std::move(closure));
  torch::NoGradGuard no_grad;
  torch::Tensor loss = run_closure(closure);
  for (auto& group : param_groups_) {
    const auto& o = static_cast<const torch::optim::SGDOptions&>(group.options());
    const float lr = static_cast<float>(o.lr()), wd = static_cast<float>(o.weight_decay());
    const float mom = static_cast<float>(o.momentum());
    const float damp = static_cast<float>(1 - o.dampening());
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      float* w = p.data_ptr<float>();
      const float* g = p.grad().data_ptr<float>();
      if (mom == 0) {
        for_elements(p, [&](int64_t i) { w[i] -= lr * (g[i] + wd * w[i]); });
        continue;
      }
      bool first = false;
      auto& st = state_of<torch::optim::SGDParamState>(state_, p, first);
      // LibTorch starts the buffer at the first gradient, undamped.
      if (first) st.momentum_buffer(zeros_like_param(p));
      float* buf = aligned(st.momentum_buffer(), p).data_ptr<float>();
      const bool nesterov = o.nesterov();
      for_elements(p, [&](int64_t i) {
        const float d = g[i] + wd * w[i];
        const float bi = first ? d : mom * buf[i] + damp * d;
        buf[i] = bi;
        w[i] -= lr * (nesterov ? d + mom * bi : bi);
      });
    }
  }
  return loss;
}

torch::Tensor FusedAdam::step(LossClosure closure) {
  if (!adam_fusable<torch::optim::AdamOptions>(param_groups_))
    return Adam::step(std::move(closure));
  torch::NoGradGuard no_grad;
  torch::Tensor loss = run_closure(closure);
  adam_steps<torch::optim::AdamOptions, torch::optim::AdamParamState>(param_groups_, state_, false);
  return loss;
}

torch::Tensor FusedAdamW::step(LossClosure closure) {
  if (!adam_fusable<torch::optim::AdamWOptions>(param_groups_))
    return AdamW::step(std::move(closure));
  torch::NoGradGuard no_grad;
  torch::Tensor loss = run_closure(closure);
  adam_steps<torch::optim::AdamWOptions, torch::optim::AdamWParamState>(param_groups_, state_,
                                                                        true);
  return loss;
}

}  // namespace fmnist::nn
