#include "models/nn/net.hpp"

#include <numeric>

#include "core/error.hpp"
#include "core/log.hpp"

namespace fmnist::nn {
namespace tnn = torch::nn;

Net::Net(const NetSpec& s, int rows, int cols) : spec(s) {
  tnn::Sequential seq;
  if (s.arch == "mlp") {
    int in = rows * cols;
    seq->push_back(tnn::Flatten());
    for (int width : s.hidden) {
      seq->push_back(tnn::Linear(in, width));
      seq->push_back(tnn::ReLU());
      if (s.dropout > 0) seq->push_back(tnn::Dropout(s.dropout));
      in = width;
    }
    seq->push_back(tnn::Linear(in, kNumClasses));
  } else if (s.arch == "cnn") {
    int in = 1, h = rows, w = cols;
    for (int ch : s.channels) {
      if (h < 2 || w < 2)
        fail("cnn: {} conv blocks shrink {}x{} images to nothing", s.channels.size(), rows, cols);
      // The conv bias is redundant before batch norm, which has its own shift.
      seq->push_back(tnn::Conv2d(tnn::Conv2dOptions(in, ch, 3).padding(1).bias(!s.batch_norm)));
      if (s.batch_norm) seq->push_back(tnn::BatchNorm2d(ch));
      seq->push_back(tnn::ReLU());
      seq->push_back(tnn::MaxPool2d(2));
      in = ch;
      h /= 2;
      w /= 2;
    }
    seq->push_back(tnn::Flatten());
    int features = in * h * w;
    if (s.dropout > 0) seq->push_back(tnn::Dropout(s.dropout));
    if (s.fc > 0) {
      seq->push_back(tnn::Linear(features, s.fc));
      seq->push_back(tnn::ReLU());
      if (s.dropout > 0) seq->push_back(tnn::Dropout(s.dropout));
      features = s.fc;
    }
    seq->push_back(tnn::Linear(features, kNumClasses));
  } else {
    fail("unknown architecture '{}'", s.arch);
  }
  layers = register_module("layers", seq);
}

torch::Tensor Net::forward(torch::Tensor x) {
  return layers->forward(x);
}

void Net::place(torch::Device dev, bool nhwc) {
  device = dev;
  to(dev);
  channels_last = nhwc && spec.arch == "cnn";
  if (!channels_last) return;
  for (auto& p : parameters()) {
    if (p.dim() == 4) p.set_data(p.data().contiguous(torch::MemoryFormat::ChannelsLast));
  }
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
  if (net.channels_last) x = x.contiguous(torch::MemoryFormat::ChannelsLast);
  return x;
}

void for_each_logits(Net& net, const Dataset& data, const Normalizer& norm,
                     const std::function<void(size_t start, const torch::Tensor& logits)>& fn) {
  // A batch's activations should fit in a core's share of L2/L3: a conv
  // layer holds ~100 kB per 28x28 image, a dense layer far less.
  const size_t batch = net.spec.arch == "cnn" ? 128 : 1024;
  torch::InferenceMode guard;
  const bool was_training = net.is_training();
  net.eval();
  std::vector<uint32_t> idx;
  for (size_t start = 0; start < data.size(); start += batch) {
    const size_t n = std::min(batch, data.size() - start);
    idx.resize(n);
    std::iota(idx.begin(), idx.end(), static_cast<uint32_t>(start));
    auto logits = net.forward(make_input(data, idx, norm, nullptr, nullptr, net));
    fn(start, logits.to(torch::kCPU).to(torch::kFloat).contiguous());
  }
  net.train(was_training);
}

}  // namespace fmnist::nn
