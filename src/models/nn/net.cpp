#include "models/nn/net.hpp"

#include <cmath>
#include <map>
#include <numeric>

#include "core/error.hpp"
#include "core/log.hpp"
#include "models/nn/arch/arch.hpp"
#include "models/nn/fused_bn.hpp"

namespace fmnist::nn {
namespace tnn = torch::nn;

Net::Net(const NetSpec& s, int rows, int cols) : spec(s) {
  using Builder = void (*)(tnn::Sequential&, const NetSpec&, int, int);
  static const std::map<std::string, Builder> builders = {{"mlp", arch::build_mlp},
                                                          {"cnn", arch::build_cnn},
                                                          {"cnn-rnn", arch::build_cnn_rnn},
                                                          {"resnet", arch::build_resnet},
                                                          {"mobilenetv2", arch::build_mobilenetv2},
                                                          {"vit", arch::build_vit}};
  auto it = builders.find(s.arch);
  if (it == builders.end()) fail("unknown architecture '{}'", s.arch);
  tnn::Sequential seq;
  it->second(seq, s, rows, cols);
  layers = register_module("layers", seq);
}

bool is_convnet(const NetSpec& spec) {
  return spec.arch == "cnn" || spec.arch == "cnn-rnn" || spec.arch == "resnet" ||
         spec.arch == "mobilenetv2";
}

namespace {
template <typename T>
T* layer_as(tnn::Sequential& seq, size_t i) {
  return i < seq->size() ? seq->ptr(i)->as<T>() : nullptr;
}

// MaxPool2d(2): 2x2 windows, stride 2, no padding, dilation or ceil mode.
bool is_pool2(const tnn::MaxPool2dImpl* pool) {
  if (!pool) return false;
  const auto& o = pool->options;
  for (int d = 0; d < 2; ++d) {
    if (o.kernel_size()->at(d) != 2 || o.stride()->at(d) != 2 || o.padding()->at(d) != 0 ||
        o.dilation()->at(d) != 1)
      return false;
  }
  return !o.ceil_mode();
}
}  // namespace

torch::Tensor Net::forward(torch::Tensor x) {
  // A BatchNorm2d followed by a ReLU (and in training a 2x2 max-pool) runs
  // as one fused op where it can, and in inference a conv followed by batch
  // norm as one conv; the modules stay separate so parameter names do not
  // change.
  for (size_t i = 0; i < layers->size(); ++i) {
    auto* conv = layer_as<tnn::Conv2dImpl>(layers, i);
    auto* next_bn = layer_as<tnn::BatchNorm2dImpl>(layers, i + 1);
    if (conv && next_bn && conv_batch_norm_foldable(*conv, *next_bn, x)) {
      x = conv_batch_norm_inference(*conv, *next_bn, x);
      ++i;
      if (layer_as<tnn::ReLUImpl>(layers, i + 1)) {
        ++i;
        // ReLU commutes with max-pooling: pool first, then ReLU a quarter
        // of the values, in place.
        if (layer_as<tnn::MaxPool2dImpl>(layers, i + 1)) x = (layers->begin() + ++i)->forward(x);
        x = torch::relu_(x);
      }
      continue;
    }
    auto* bn = layer_as<tnn::BatchNorm2dImpl>(layers, i);
    if (bn && fused_batch_norm_applies(*bn, x)) {
      const bool relu = layer_as<tnn::ReLUImpl>(layers, i + 1) != nullptr;
      if (relu && bn->is_training() && is_pool2(layer_as<tnn::MaxPool2dImpl>(layers, i + 2))) {
        x = batch_norm_act_pool2(*bn, x, Act::relu);
        i += 2;
        continue;
      }
      x = batch_norm_act(*bn, x, relu ? Act::relu : Act::none);
      i += relu;
      continue;
    }
    x = (layers->begin() + i)->forward(x);
  }
  return x;
}

void Net::place(torch::Device dev, bool nhwc) {
  device = dev;
  to(dev);
  // LibTorch 1.13's CPU convolution backward corrupts the heap for a
  // channels-last ResNet of width 4 (seen on an AVX2-only EPYC, "free():
  // invalid next size" inside convolution_backward; width 8 and the same net
  // in NCHW train fine), so such thin ResNets stay NCHW.
  const bool thin_resnet = spec.arch == "resnet" && spec.width < 8;
  channels_last = nhwc && is_convnet(spec) && !thin_resnet;
  if (!channels_last) return;
  for (auto& p : parameters()) {
    if (p.dim() == 4) p.set_data(channels_last_copy(p.data()));
  }
}

torch::Tensor channels_last_copy(const torch::Tensor& t) {
  // Not t.contiguous(ChannelsLast): a tensor with one channel, or 1x1
  // kernels, already counts as channels-last contiguous and comes back with
  // its NCHW strides, from which LibTorch's convolutions infer NCHW. The
  // first conv then writes NCHW and so does every layer after it (every
  // layer of a MobileNetV2, whose depthwise and 1x1 kernels are all such
  // tensors). Fresh channels-last strides are unambiguous.
  auto out = at::empty_like(t, t.options(), torch::MemoryFormat::ChannelsLast);
  out.copy_(t);
  return out;
}

std::vector<std::pair<std::string, torch::Tensor>> named_state(Net& net) {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  for (auto& p : net.named_parameters()) out.emplace_back(p.key(), p.value());
  for (auto& b : net.named_buffers()) out.emplace_back(b.key(), b.value());
  return out;
}

torch::Device pick_device(const std::string& asked) {
  if (asked == "cuda") {
    if (torch::cuda::is_available()) return torch::Device(torch::kCUDA);
    log::warn("device=cuda asked for but no usable GPU (or a CPU-only LibTorch): using the CPU");
  }
  return torch::Device(torch::kCPU);
}

torch::Tensor make_input(const Dataset& data, std::span<const uint32_t> idx, const Normalizer& norm,
                         const AugmentConfig* aug, Rng* rng, const Net& net) {
  auto x = torch::empty({static_cast<int64_t>(idx.size()), 1, data.rows, data.cols});
  fill_batch(data, idx, norm, aug, rng, x.data_ptr<float>());
  if (net.device != torch::kCPU) x = x.to(net.device);
  if (net.channels_last) x = channels_last_copy(x);
  return x;
}

void for_each_logits(Net& net, const Dataset& data, const Normalizer& norm,
                     const std::function<void(size_t start, const torch::Tensor& logits)>& fn,
                     bool mirror) {
  // A batch's activations should fit in a core's share of L2/L3: a conv
  // layer holds ~100 kB per 28x28 image, a dense layer far less.
  const size_t batch = net.spec.arch == "mlp" ? 1024 : 128;
  torch::InferenceMode guard;
  const bool was_training = net.is_training();
  net.eval();
  std::vector<uint32_t> idx;
  for (size_t start = 0; start < data.size(); start += batch) {
    const size_t n = std::min(batch, data.size() - start);
    idx.resize(n);
    std::iota(idx.begin(), idx.end(), static_cast<uint32_t>(start));
    auto x = make_input(data, idx, norm, nullptr, nullptr, net);
    auto logits = net.forward(x);
    if (mirror) {
      auto both = torch::stack(
          {torch::log_softmax(logits, 1), torch::log_softmax(net.forward(x.flip({3})), 1)});
      logits = torch::logsumexp(both, 0) - std::log(2.0);
    }
    fn(start, logits.to(torch::kCPU).to(torch::kFloat).contiguous());
  }
  net.train(was_training);
}

}  // namespace fmnist::nn
