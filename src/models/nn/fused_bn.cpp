#include "models/nn/fused_bn.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include <ATen/Parallel.h>

#include "models/nn/net.hpp"

namespace fmnist::nn {
namespace {
using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// Rows (pixels) per unit of work. Partial sums are kept per chunk, not per
// thread, so the result does not depend on how chunks fall to threads; 256
// rows keep a float partial sum accurate to ~1e-5 before it joins a double.
constexpr int64_t kChunk = 256;

// Whether the activation lets the gradient through at pre-activation z
// (what LibTorch's threshold and hardtanh backward test).
template <Act A>
inline bool passes(float z) {
  if constexpr (A == Act::relu) return z > 0.f;
  if constexpr (A == Act::relu6) return z > 0.f && z < 6.f;
  return true;
}

template <Act A>
inline float activate(float z) {
  if constexpr (A == Act::relu) return std::max(z, 0.f);
  if constexpr (A == Act::relu6) return std::min(std::max(z, 0.f), 6.f);
  return z;
}

// gamma / sqrt(running_var + eps): eval-mode batch norm's per-channel scale.
torch::Tensor inference_scale(const torch::nn::BatchNorm2dImpl& bn) {
  return bn.weight / torch::sqrt(bn.running_var + bn.options.eps());
}

int64_t chunks_of(int64_t rows) {
  return (rows + kChunk - 1) / kChunk;
}

// Per-channel sums over rows of two terms, chunk by chunk in float, then
// over chunks in double, in a fixed order.
template <typename Terms>
void channel_sums(int64_t rows, int64_t c, Terms terms, double* sum_a, double* sum_b) {
  const int64_t chunks = chunks_of(rows);
  std::vector<float> part(static_cast<size_t>(chunks * 2 * c));
  at::parallel_for(0, chunks, 1, [&](int64_t first, int64_t last) {
    for (int64_t k = first; k < last; ++k) {
      float* __restrict a = part.data() + k * 2 * c;
      float* __restrict b = a + c;
      std::fill(a, a + 2 * c, 0.f);
      for (int64_t r = k * kChunk, end = std::min(rows, r + kChunk); r < end; ++r) terms(r, a, b);
    }
  });
  std::fill(sum_a, sum_a + c, 0.0);
  std::fill(sum_b, sum_b + c, 0.0);
  for (int64_t k = 0; k < chunks; ++k) {
    const float* a = part.data() + k * 2 * c;
    for (int64_t j = 0; j < c; ++j) {
      sum_a[j] += a[j];
      sum_b[j] += a[c + j];
    }
  }
}

// Rows of `c` floats, `fn(row)` for each, spread over threads.
template <typename Fn>
void for_rows(int64_t rows, Fn fn) {
  at::parallel_for(0, chunks_of(rows), 1, [&](int64_t first, int64_t last) {
    for (int64_t r = first * kChunk, end = std::min(rows, last * kChunk); r < end; ++r) fn(r);
  });
}

// y = act((x - mean) * scale + beta). Subtracting the mean first, rather
// than folding it into the shift, keeps float precision when the mean is
// large against the spread.
template <Act A>
void normalize(const float* __restrict x, float* __restrict y, int64_t rows, int64_t c,
               const float* __restrict mean, const float* __restrict scale,
               const float* __restrict beta) {
  for_rows(rows, [&](int64_t r) {
    const float* __restrict in = x + r * c;
    float* __restrict out = y + r * c;
    for (int64_t j = 0; j < c; ++j) out[j] = activate<A>((in[j] - mean[j]) * scale[j] + beta[j]);
  });
}

// fn(std::integral_constant<Act, act>{}): one template instance per
// activation, chosen at run time.
template <typename Fn>
void with_act(Act act, Fn fn) {
  switch (act) {
    case Act::none:
      return fn(std::integral_constant<Act, Act::none>{});
    case Act::relu:
      return fn(std::integral_constant<Act, Act::relu>{});
    case Act::relu6:
      return fn(std::integral_constant<Act, Act::relu6>{});
  }
}

void normalize(Act act, const float* x, float* y, int64_t rows, int64_t c, const float* mean,
               const float* scale, const float* beta) {
  with_act(act, [&](auto a) { normalize<decltype(a)::value>(x, y, rows, c, mean, scale, beta); });
}

// Per-channel sums of g and g * (x - mean) -> dgamma, dbeta and the
// coefficients of dx = k1 g - k2 (x - mean) + k0, i.e.
// a (g - mean(g) - xhat mean(g xhat)) with a = gamma * invstd.
struct DxCoeffs {
  std::vector<float> k0, k1, k2;
};
DxCoeffs dx_coeffs(const double* sum_g, const double* sum_gx, int64_t rows, int64_t c,
                   const float* gamma, const float* invstd, float* dgamma, float* dbeta) {
  DxCoeffs k{std::vector<float>(c), std::vector<float>(c), std::vector<float>(c)};
  for (int64_t j = 0; j < c; ++j) {
    const double dg = invstd[j] * sum_gx[j];
    dgamma[j] = static_cast<float>(dg);
    dbeta[j] = static_cast<float>(sum_g[j]);
    const double a = double(gamma[j]) * invstd[j];
    k.k1[j] = static_cast<float>(a);
    k.k2[j] = static_cast<float>(a * invstd[j] * dg / rows);
    k.k0[j] = static_cast<float>(-a * sum_g[j] / rows);
  }
  return k;
}

// dx, dgamma, dbeta of y = act(gamma * (x - mean) * invstd + beta) with the
// batch's own mean and invstd. `stats` rows: mean, invstd, scale (gamma *
// invstd), beta.
template <Act A>
void backward_kernel(const float* __restrict x, const float* __restrict dy, float* __restrict dx,
                     int64_t rows, int64_t c, const float* __restrict gamma, const float* stats,
                     float* dgamma, float* dbeta) {
  const float* __restrict mean = stats;
  const float* __restrict scale = stats + 2 * c;
  const float* __restrict beta = stats + 3 * c;
  // The gradient through the activation, its mask recomputed from x.
  auto through = [&](const float* xr, const float* gr, int64_t j) {
    return passes<A>((xr[j] - mean[j]) * scale[j] + beta[j]) ? gr[j] : 0.f;
  };
  std::vector<double> sum_g(c), sum_gx(c);
  channel_sums(
      rows, c,
      [&](int64_t r, float* __restrict sg, float* __restrict sgx) {
        const float* __restrict xr = x + r * c;
        const float* __restrict gr = dy + r * c;
        for (int64_t j = 0; j < c; ++j) {
          const float g = through(xr, gr, j);
          sg[j] += g;
          sgx[j] += g * (xr[j] - mean[j]);
        }
      },
      sum_g.data(), sum_gx.data());
  const DxCoeffs k =
      dx_coeffs(sum_g.data(), sum_gx.data(), rows, c, gamma, stats + c, dgamma, dbeta);
  const float* __restrict c0 = k.k0.data();
  const float* __restrict c1 = k.k1.data();
  const float* __restrict c2 = k.k2.data();
  for_rows(rows, [&](int64_t r) {
    const float* __restrict xr = x + r * c;
    const float* __restrict gr = dy + r * c;
    float* __restrict out = dx + r * c;
    for (int64_t j = 0; j < c; ++j) {
      const float g = through(xr, gr, j);
      out[j] = c1[j] * g - c2[j] * (xr[j] - mean[j]) + c0[j];
    }
  });
}

// 2x2 max-pooling with stride 2 (rows and columns past the last whole
// window are dropped, as MaxPool2d(2) does) over an n x h x w grid of rows.
struct Pool2 {
  int64_t n, h, w, ho, wo;
  Pool2(int64_t n, int64_t h, int64_t w) : n(n), h(h), w(w), ho(h / 2), wo(w / 2) {}
  int64_t out_rows() const { return n * ho * wo; }
  // The first of the four input rows of output row `ro`; the others are
  // +1, +w and +w+1 (LibTorch's scan order, which decides ties).
  int64_t first(int64_t ro) const {
    const int64_t img = ro / (ho * wo), rem = ro % (ho * wo);
    return (img * h + 2 * (rem / wo)) * w + 2 * (rem % wo);
  }
  bool covered(int64_t r) const { return (r / w) % h < 2 * ho && r % w < 2 * wo; }
};

// The largest of a 2x2 window's four values, in one expression shared by
// the forward and backward passes, so both find the same maximum. Plain
// selects: std::max's references stopped GCC's vectoriser.
inline float max4(float z0, float z1, float z2, float z3) {
  const float a = z0 < z1 ? z1 : z0, b = z2 < z3 ? z3 : z2;
  return a < b ? b : a;
}

template <Act A>
void normalize_pool(const float* __restrict x, float* __restrict y, const Pool2& pool, int64_t c,
                    const float* __restrict stats) {
  const float* __restrict mean = stats;
  const float* __restrict scale = stats + 2 * c;
  const float* __restrict beta = stats + 3 * c;
  for_rows(pool.out_rows(), [&](int64_t ro) {
    const int64_t r = pool.first(ro);
    const float* __restrict x0 = x + r * c;
    const float* __restrict x1 = x0 + c;
    const float* __restrict x2 = x + (r + pool.w) * c;
    const float* __restrict x3 = x2 + c;
    float* __restrict out = y + ro * c;
    for (int64_t j = 0; j < c; ++j) {
      const float z0 = (x0[j] - mean[j]) * scale[j] + beta[j];
      const float z1 = (x1[j] - mean[j]) * scale[j] + beta[j];
      const float z2 = (x2[j] - mean[j]) * scale[j] + beta[j];
      const float z3 = (x3[j] - mean[j]) * scale[j] + beta[j];
      out[j] = activate<A>(max4(z0, z1, z2, z3));
    }
  });
}

// The gradient that act then 2x2 max-pooling sends to each of a window's
// four pre-activations z: all of gp to the first largest (LibTorch's choice
// on ties), if the activation lets it through there. The activation is
// monotonic, so its largest output sits where z is largest. Branch-free, so
// the channel loops vectorise.
template <Act A>
struct WindowGrad {
  float g0, g1, g2, g3;
  WindowGrad(float z0, float z1, float z2, float z3, float gp) {
    // Written as selects only, each passing on what the ones before left:
    // a chain of selects on an index, or g - g0, made GCC's vectoriser give
    // up on the loop ("control flow").
    const float m = max4(z0, z1, z2, z3);
    const float g = passes<A>(m) ? gp : 0.f;
    const bool e0 = z0 == m, e1 = z1 == m, e2 = z2 == m;
    const float r1 = e0 ? 0.f : g, r2 = e1 ? 0.f : r1;
    g0 = e0 ? g : 0.f;
    g1 = e1 ? r1 : 0.f;
    g2 = e2 ? r2 : 0.f;
    g3 = e2 ? 0.f : r2;
  }
};

// dx of one window row pair: x0/o0 the window's top input row, x2/o2 the one
// below (each 2 pixels x c channels), gp the pooled gradient. A function of
// its own with restrict parameters: inside the lambda GCC did not vectorise
// it ("evolution of base is not affine").
template <Act A>
void pool_dx_row(const float* __restrict x0, const float* __restrict x2, const float* __restrict gp,
                 float* __restrict o0, float* __restrict o2, int64_t c,
                 const float* __restrict mean, const float* __restrict scale,
                 const float* __restrict beta, const float* __restrict c0,
                 const float* __restrict c1, const float* __restrict c2) {
  for (int64_t j = 0; j < c; ++j) {
    const float d0 = x0[j] - mean[j], d1 = x0[c + j] - mean[j];
    const float d2 = x2[j] - mean[j], d3 = x2[c + j] - mean[j];
    const WindowGrad<A> w(d0 * scale[j] + beta[j], d1 * scale[j] + beta[j], d2 * scale[j] + beta[j],
                          d3 * scale[j] + beta[j], gp[j]);
    o0[j] = c1[j] * w.g0 - c2[j] * d0 + c0[j];
    o0[c + j] = c1[j] * w.g1 - c2[j] * d1 + c0[j];
    o2[j] = c1[j] * w.g2 - c2[j] * d2 + c0[j];
    o2[c + j] = c1[j] * w.g3 - c2[j] * d3 + c0[j];
  }
}

// backward_kernel for pool(act(bn(x))): the windows' maxima are found again
// from x, so neither the full-size activation nor pooling indices are ever
// stored.
template <Act A>
void pool_backward_kernel(const float* __restrict x, const float* __restrict dy,
                          float* __restrict dx, const Pool2& pool, int64_t c,
                          const float* __restrict gamma, const float* stats, float* dgamma,
                          float* dbeta) {
  const float* __restrict mean = stats;
  const float* __restrict scale = stats + 2 * c;
  const float* __restrict beta = stats + 3 * c;
  std::vector<double> sum_g(c), sum_gx(c);
  channel_sums(
      pool.out_rows(), c,
      [&](int64_t ro, float* __restrict sg, float* __restrict sgx) {
        const int64_t r = pool.first(ro);
        const float* __restrict x0 = x + r * c;
        const float* __restrict x2 = x + (r + pool.w) * c;
        const float* __restrict gr = dy + ro * c;
        for (int64_t j = 0; j < c; ++j) {
          const float d0 = x0[j] - mean[j], d1 = x0[c + j] - mean[j];
          const float d2 = x2[j] - mean[j], d3 = x2[c + j] - mean[j];
          const WindowGrad<A> w(d0 * scale[j] + beta[j], d1 * scale[j] + beta[j],
                                d2 * scale[j] + beta[j], d3 * scale[j] + beta[j], gr[j]);
          sg[j] += w.g0 + w.g1 + w.g2 + w.g3;
          sgx[j] += w.g0 * d0 + w.g1 * d1 + w.g2 * d2 + w.g3 * d3;
        }
      },
      sum_g.data(), sum_gx.data());
  const int64_t rows = pool.n * pool.h * pool.w;
  const DxCoeffs k =
      dx_coeffs(sum_g.data(), sum_gx.data(), rows, c, gamma, stats + c, dgamma, dbeta);
  const float* __restrict c0 = k.k0.data();
  const float* __restrict c1 = k.k1.data();
  const float* __restrict c2 = k.k2.data();
  for_rows(pool.out_rows(), [&](int64_t ro) {
    const int64_t r = pool.first(ro);
    pool_dx_row<A>(x + r * c, x + (r + pool.w) * c, dy + ro * c, dx + r * c, dx + (r + pool.w) * c,
                   c, mean, scale, beta, c0, c1, c2);
  });
  // Rows outside every window (an odd last row or column): no gradient
  // from the pooling, only through the batch statistics.
  if (pool.h % 2 == 0 && pool.w % 2 == 0) return;
  for_rows(rows, [&](int64_t r) {
    if (pool.covered(r)) return;
    const float* __restrict xr = x + r * c;
    float* __restrict out = dx + r * c;
    for (int64_t j = 0; j < c; ++j) out[j] = c0[j] - c2[j] * (xr[j] - mean[j]);
  });
}

int64_t rows_of(const torch::Tensor& x) {
  return x.size(0) * x.size(2) * x.size(3);
}

struct BatchNormActFn : torch::autograd::Function<BatchNormActFn> {
  static torch::Tensor forward(AutogradContext* ctx, torch::Tensor x, torch::Tensor gamma,
                               torch::Tensor beta, torch::Tensor running_mean,
                               torch::Tensor running_var, double momentum, double eps, int64_t act,
                               bool pool) {
    const int64_t c = x.size(1), rows = rows_of(x);
    const float* px = x.data_ptr<float>();
    std::vector<double> sum(c), sumsq(c);
    // Shifted by the first pixel's values: E[(x-k)^2] - E[x-k]^2 loses no
    // precision to a mean far from zero.
    channel_sums(
        rows, c,
        [&](int64_t r, float* __restrict s, float* __restrict q) {
          const float* __restrict xr = px + r * c;
          for (int64_t j = 0; j < c; ++j) {
            const float d = xr[j] - px[j];
            s[j] += d;
            q[j] += d * d;
          }
        },
        sum.data(), sumsq.data());
    auto stats = torch::empty({4, c}, x.options().memory_format(torch::MemoryFormat::Contiguous));
    auto moments = torch::empty({2, c}, torch::kDouble);  // batch mean, unbiased variance
    double* mo = moments.data_ptr<double>();
    float* st = stats.data_ptr<float>();
    const float* g = gamma.data_ptr<float>();
    const float* b = beta.data_ptr<float>();
    for (int64_t j = 0; j < c; ++j) {
      const double m = sum[j] / rows;
      const double var = std::max(0.0, sumsq[j] / rows - m * m);
      const double mean = px[j] + m;
      const double invstd = 1.0 / std::sqrt(var + eps);
      st[j] = static_cast<float>(mean);
      st[c + j] = static_cast<float>(invstd);
      st[2 * c + j] = static_cast<float>(g[j] * invstd);
      st[3 * c + j] = b[j];
      mo[j] = mean;
      mo[c + j] = var * rows / (rows - 1);  // running_var is unbiased, as in LibTorch
    }
    running_mean.mul_(1 - momentum).add_(moments[0].to(running_mean.dtype()), momentum);
    running_var.mul_(1 - momentum).add_(moments[1].to(running_var.dtype()), momentum);
    ctx->save_for_backward({x, gamma, stats});
    ctx->saved_data["act"] = act;
    ctx->saved_data["pool"] = pool;
    if (pool) {
      const Pool2 geom(x.size(0), x.size(2), x.size(3));
      auto y = torch::empty({x.size(0), c, geom.ho, geom.wo},
                            x.options().memory_format(torch::MemoryFormat::ChannelsLast));
      with_act(static_cast<Act>(act), [&](auto a) {
        normalize_pool<decltype(a)::value>(px, y.data_ptr<float>(), geom, c, st);
      });
      return y;
    }
    auto y = torch::empty_like(x);
    normalize(static_cast<Act>(act), px, y.data_ptr<float>(), rows, c, st, st + 2 * c, st + 3 * c);
    return y;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    auto saved = ctx->get_saved_variables();
    const auto& x = saved[0];
    const auto& gamma = saved[1];
    const auto& stats = saved[2];
    const int64_t c = x.size(1), rows = rows_of(x);
    auto dy = grads[0].contiguous(torch::MemoryFormat::ChannelsLast);
    auto dx = torch::empty_like(x);
    auto dgamma = torch::empty_like(gamma);
    auto dbeta = torch::empty_like(gamma);
    const auto act = static_cast<Act>(ctx->saved_data["act"].toInt());
    const float* px = x.data_ptr<float>();
    const float* pdy = dy.data_ptr<float>();
    float* pdx = dx.data_ptr<float>();
    const float* pg = gamma.data_ptr<float>();
    const float* st = stats.data_ptr<float>();
    float* dg = dgamma.data_ptr<float>();
    float* db = dbeta.data_ptr<float>();
    if (ctx->saved_data["pool"].toBool()) {
      const Pool2 geom(x.size(0), x.size(2), x.size(3));
      with_act(act, [&](auto a) {
        pool_backward_kernel<decltype(a)::value>(px, pdy, pdx, geom, c, pg, st, dg, db);
      });
    } else {
      with_act(act, [&](auto a) {
        backward_kernel<decltype(a)::value>(px, pdy, pdx, rows, c, pg, st, dg, db);
      });
    }
    return {dx, dgamma, dbeta, {}, {}, {}, {}, {}, {}};
  }
};

torch::Tensor unfused(torch::nn::BatchNorm2dImpl& bn, const torch::Tensor& x, Act act) {
  auto y = bn.forward(x);
  switch (act) {
    case Act::relu:
      return torch::relu(y);
    case Act::relu6:
      return torch::hardtanh(y, 0, 6);
    case Act::none:
      break;
  }
  return y;
}

torch::Tensor train_fused(torch::nn::BatchNorm2dImpl& bn, const torch::Tensor& x, Act act,
                          bool pool) {
  {
    torch::NoGradGuard no_grad;
    bn.num_batches_tracked.add_(1);
  }
  return BatchNormActFn::apply(x, bn.weight, bn.bias, bn.running_mean, bn.running_var,
                               *bn.options.momentum(), bn.options.eps(), static_cast<int64_t>(act),
                               pool);
}

}  // namespace

bool fused_batch_norm_applies(const torch::nn::BatchNorm2dImpl& bn, const torch::Tensor& x) {
  const auto& o = bn.options;
  if (!o.affine() || !o.track_running_stats() || !o.momentum().has_value()) return false;
  if (!x.device().is_cpu() || x.scalar_type() != torch::kFloat || x.dim() != 4) return false;
  if (!x.is_contiguous(torch::MemoryFormat::ChannelsLast)) return false;
  if (bn.weight.scalar_type() != torch::kFloat || bn.bias.scalar_type() != torch::kFloat)
    return false;
  if (bn.is_training()) return rows_of(x) > 1;  // else LibTorch's own error message
  return !torch::GradMode::is_enabled();
}

torch::Tensor batch_norm_act(torch::nn::BatchNorm2dImpl& bn, const torch::Tensor& x, Act act) {
  if (!fused_batch_norm_applies(bn, x)) return unfused(bn, x, act);
  const int64_t c = x.size(1);
  if (!bn.is_training()) {
    // Inference: one pass with the running statistics.
    auto mean = bn.running_mean.to(torch::kFloat).contiguous();
    auto scale = inference_scale(bn).contiguous();
    auto beta = bn.bias.contiguous();
    auto y = torch::empty_like(x);
    normalize(act, x.data_ptr<float>(), y.data_ptr<float>(), rows_of(x), c, mean.data_ptr<float>(),
              scale.data_ptr<float>(), beta.data_ptr<float>());
    return y;
  }
  return train_fused(bn, x, act, false);
}

torch::Tensor batch_norm_act_pool2(torch::nn::BatchNorm2dImpl& bn, const torch::Tensor& x,
                                   Act act) {
  if (!fused_batch_norm_applies(bn, x) || !bn.is_training() || x.size(2) < 2 || x.size(3) < 2)
    return torch::max_pool2d(batch_norm_act(bn, x, act), 2);
  return train_fused(bn, x, act, true);
}

bool conv_batch_norm_foldable(const torch::nn::Conv2dImpl& conv,
                              const torch::nn::BatchNorm2dImpl& bn, const torch::Tensor& x) {
  if (bn.is_training() || torch::GradMode::is_enabled()) return false;
  if (!bn.options.affine() || !bn.options.track_running_stats()) return false;
  // index 0 is kZeros (variant's index() is the same in LibTorch's c10::variant and std::variant)
  if (conv.options.padding_mode().index() != 0) return false;
  return x.dim() == 4 && conv.weight.size(0) == bn.weight.size(0);
}

torch::Tensor conv_batch_norm_inference(torch::nn::Conv2dImpl& conv, torch::nn::BatchNorm2dImpl& bn,
                                        const torch::Tensor& x) {
  const auto& o = conv.options;
  auto scale = inference_scale(bn);
  auto w = conv.weight * scale.view({-1, 1, 1, 1});
  if (conv.weight.is_contiguous(torch::MemoryFormat::ChannelsLast) &&
      x.is_contiguous(torch::MemoryFormat::ChannelsLast))
    w = channels_last_copy(w);
  auto b = bn.bias - bn.running_mean * scale;
  if (conv.bias.defined()) b = b + conv.bias * scale;
  namespace F = torch::nn::functional;
  return F::conv2d(x, w,
                   F::Conv2dFuncOptions()
                       .bias(b)
                       .stride(o.stride())
                       .padding(o.padding())
                       .dilation(o.dilation())
                       .groups(o.groups()));
}

}  // namespace fmnist::nn
