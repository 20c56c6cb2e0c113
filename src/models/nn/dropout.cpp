#include "models/nn/dropout.hpp"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <mutex>

#include "core/error.hpp"

namespace fmnist::nn {
namespace {
using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// Two rounds of a 32-bit integer mixer (Wellons' lowbias32) over the index,
// each keyed by half of the 64-bit key. 32-bit multiplies, so GCC vectorises
// the loop 8 wide on AVX2.
inline uint32_t mix(uint32_t v) {
  v ^= v >> 16;
  v *= 0x7feb352dU;
  v ^= v >> 15;
  v *= 0x846ca68bU;
  v ^= v >> 16;
  return v;
}

struct Mask {
  uint32_t key_lo, key_hi;
  uint32_t keep_below;  // a value is kept when its hash is below this
  float scale;          // 1 / (1 - p)
  float at(int64_t i) const {
    const uint32_t h = mix(mix(static_cast<uint32_t>(i) ^ key_lo) + key_hi);
    return h < keep_below ? scale : 0.f;
  }
};

// A function of its own with restrict parameters: inside the lambda below
// GCC did not vectorise the loop.
void mask_range(Mask mask, const float* __restrict in, float* __restrict out, int64_t first,
                int64_t last) {
  for (int64_t i = first; i < last; ++i) out[i] = in[i] * mask.at(i);
}

// out[i] = in[i] * mask(i), split over threads by index ranges (the mask
// depends on the index only, not on who computes it).
void apply_mask(const Mask& mask, const float* in, float* out, int64_t n) {
  at::parallel_for(0, n, 1 << 14,
                   [&](int64_t first, int64_t last) { mask_range(mask, in, out, first, last); });
}

Mask make_mask(double p, int64_t key) {
  Mask m;
  m.key_lo = static_cast<uint32_t>(static_cast<uint64_t>(key));
  m.key_hi = static_cast<uint32_t>(static_cast<uint64_t>(key) >> 32);
  const double keep = std::ldexp(1.0 - p, 32);
  m.keep_below = keep >= 4294967295.0 ? 4294967295U : static_cast<uint32_t>(keep);
  m.scale = static_cast<float>(1.0 / (1.0 - p));
  return m;
}

int64_t draw_key() {
  auto gen = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(gen.mutex());
  return static_cast<int64_t>(at::check_generator<at::CPUGeneratorImpl>(gen)->random64());
}

struct FastDropoutFn : torch::autograd::Function<FastDropoutFn> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x, double p) {
    const int64_t key = draw_key();
    auto in = x.contiguous();
    auto y = torch::empty_like(in);
    apply_mask(make_mask(p, key), in.data_ptr<float>(), y.data_ptr<float>(), in.numel());
    ctx->saved_data["p"] = p;
    ctx->saved_data["key"] = key;
    return y;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    auto dy = grads[0].contiguous();
    auto dx = torch::empty_like(dy);
    apply_mask(make_mask(ctx->saved_data["p"].toDouble(), ctx->saved_data["key"].toInt()),
               dy.data_ptr<float>(), dx.data_ptr<float>(), dy.numel());
    return {dx, {}};
  }
};

}  // namespace

torch::Tensor fast_dropout(const torch::Tensor& x, double p, bool training) {
  if (!(p >= 0 && p <= 1)) fail("dropout: probability {} is outside [0, 1]", p);
  if (!training || p == 0) return x;
  // The index is hashed as 32 bits: past 2^32 values the mask would repeat.
  const bool fusable = x.device().is_cpu() && x.scalar_type() == torch::kFloat && p < 1 &&
                       x.numel() <= std::numeric_limits<uint32_t>::max();
  if (!fusable) return torch::dropout(x, p, true);
  return FastDropoutFn::apply(x, p);
}

}  // namespace fmnist::nn
