// A small vision transformer (Dosovitskiy et al.; sizes in the spirit of
// DeiT-tiny): non-overlapping patches embedded by one strided conv, a class
// token and learned position embeddings, pre-norm transformer blocks
// (multi-head self-attention, GELU MLP), and the class token's final state
// classified by one dense layer.
#include <cmath>

#include "core/error.hpp"
#include "models/classifier.hpp"
#include "models/nn/arch/arch.hpp"

namespace fmnist::nn::arch {
namespace tnn = torch::nn;
namespace {

struct PatchEmbedImpl : tnn::Module {
  PatchEmbedImpl(int patch, int dim, int tokens)
      : proj(
            register_module("proj", tnn::Conv2d(tnn::Conv2dOptions(1, dim, patch).stride(patch)))) {
    cls = register_parameter("cls", torch::randn({1, 1, dim}) * 0.02);
    pos = register_parameter("pos", torch::randn({1, tokens + 1, dim}) * 0.02);
  }
  // N x 1 x H x W -> N x (1 + patches) x dim.
  torch::Tensor forward(torch::Tensor x) {
    x = proj(x).flatten(2).transpose(1, 2);
    return torch::cat({cls.expand({x.size(0), 1, x.size(2)}), x}, 1) + pos;
  }
  tnn::Conv2d proj;
  torch::Tensor cls, pos;
};
TORCH_MODULE(PatchEmbed);

struct BlockImpl : tnn::Module {
  BlockImpl(int dim, int heads, int mlp, double dropout)
      : heads(heads),
        norm1(register_module("norm1", tnn::LayerNorm(tnn::LayerNormOptions({dim})))),
        qkv(register_module("qkv", tnn::Linear(dim, 3 * dim))),
        out(register_module("out", tnn::Linear(dim, dim))),
        norm2(register_module("norm2", tnn::LayerNorm(tnn::LayerNormOptions({dim})))),
        fc1(register_module("fc1", tnn::Linear(dim, mlp))),
        fc2(register_module("fc2", tnn::Linear(mlp, dim))),
        drop(register_module("drop", FastDropout(dropout))) {}

  torch::Tensor attention(const torch::Tensor& x) {
    const int64_t n = x.size(0), t = x.size(1), d = x.size(2), hd = d / heads;
    // N x T x 3D -> 3 x N x heads x T x hd
    auto qkv_ = qkv(x).reshape({n, t, 3, heads, hd}).permute({2, 0, 3, 1, 4});
    auto q = qkv_[0], k = qkv_[1], v = qkv_[2];
    auto att = torch::softmax(torch::matmul(q, k.transpose(-2, -1)) / std::sqrt(double(hd)), -1);
    auto o = torch::matmul(drop(att), v).transpose(1, 2).reshape({n, t, d});
    return drop(out(o));
  }

  torch::Tensor forward(torch::Tensor x) {
    x = x + attention(norm1(x));
    return x + drop(fc2(drop(torch::gelu(fc1(norm2(x))))));
  }

  int heads;
  tnn::LayerNorm norm1;
  tnn::Linear qkv, out;
  tnn::LayerNorm norm2;
  tnn::Linear fc1, fc2;
  FastDropout drop;
};
TORCH_MODULE(Block);

// The final norm, applied to the class token only.
struct ClassTokenImpl : tnn::Module {
  explicit ClassTokenImpl(int dim)
      : norm(register_module("norm", tnn::LayerNorm(tnn::LayerNormOptions({dim})))) {}
  torch::Tensor forward(torch::Tensor x) { return norm(x.select(1, 0)); }
  tnn::LayerNorm norm;
};
TORCH_MODULE(ClassToken);

}  // namespace

void build_vit(tnn::Sequential& seq, const NetSpec& s, int rows, int cols) {
  if (rows % s.patch != 0 || cols % s.patch != 0)
    fail("vit: patch={} does not tile {}x{} images (use a divisor of both, e.g. 4 or 7 for 28x28)",
         s.patch, rows, cols);
  if (s.dim % s.heads != 0) fail("vit: dim={} is not a multiple of heads={}", s.dim, s.heads);
  seq->push_back(PatchEmbed(s.patch, s.dim, (rows / s.patch) * (cols / s.patch)));
  if (s.dropout > 0) seq->push_back(FastDropout(s.dropout));
  for (int b = 0; b < s.blocks; ++b) seq->push_back(Block(s.dim, s.heads, s.mlp_dim, s.dropout));
  seq->push_back(ClassToken(s.dim));
  seq->push_back(tnn::Linear(s.dim, kNumClasses));
}

}  // namespace fmnist::nn::arch
