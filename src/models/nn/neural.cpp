#include "models/nn/neural.hpp"

#include <cstring>
#include <mutex>
#include <numeric>

#include "core/error.hpp"
#include "core/files.hpp"
#include "core/threads.hpp"
#include "models/nn/net.hpp"
#include "models/nn/safetensors.hpp"
#include "models/nn/trainer.hpp"

namespace fmnist::nn {
namespace fs = std::filesystem;

namespace {
// Initial weights come from their own stream, apart from the per-epoch ones.
constexpr uint64_t kInitStream = 3;

// safetensors dtypes of the tensor types a net holds.
std::string dtype_name(torch::ScalarType t) {
  switch (t) {
    case torch::kFloat:
      return "F32";
    case torch::kDouble:
      return "F64";
    case torch::kLong:
      return "I64";
    case torch::kInt:
      return "I32";
    case torch::kUInt8:
      return "U8";
    default:
      fail("safetensors: no dtype for torch type {}", static_cast<int>(t));
  }
}
torch::ScalarType scalar_type(const std::string& dtype) {
  if (dtype == "F32") return torch::kFloat;
  if (dtype == "F64") return torch::kDouble;
  if (dtype == "I64") return torch::kLong;
  if (dtype == "I32") return torch::kInt;
  if (dtype == "U8") return torch::kUInt8;
  fail("safetensors: dtype {} is not one a net holds", dtype);
}
}  // namespace

NeuralClassifier::NeuralClassifier(Settings s) : Classifier(std::move(s)) {
  // --threads reaches LibTorch's intra-op pool through the shared hook.
  static std::once_flag once;
  std::call_once(once, [] { on_threads_changed([](int n) { torch::set_num_threads(n); }); });
}

NeuralClassifier::~NeuralClassifier() = default;

void NeuralClassifier::read_recipe(const RecipeDefaults& defaults) {
  cfg_ = read_train_config(settings_, defaults);
}

void NeuralClassifier::build(int rows, int cols) {
  rows_ = rows;
  cols_ = cols;
  net_ = std::make_shared<Net>(spec_, rows, cols);
  net_->place(pick_device(cfg_.device), cfg_.channels_last);
}

void NeuralClassifier::fit(const Dataset& train, const FitContext& ctx) {
  if (train.size() == 0) fail("{}: empty training set", name());
  norm_ = measure_normalizer(train);
  torch::manual_seed(stream_seed(ctx.seed, kInitStream, 0));
  build(train.rows, train.cols);
  history_ = train_net(*net_, cfg_, train, ctx, norm_, settings_.canonical_spec());
}

void NeuralClassifier::predict_proba(const Dataset& data, float* out) const {
  if (!net_) fail("{}: predict before fit or load", name());
  if (data.rows != rows_ || data.cols != cols_) {
    fail("{}: model expects {}x{} images ({} pixels), data has {}x{} ({} pixels)", name(), rows_,
         cols_, rows_ * cols_, data.rows, data.cols, data.image_size());
  }
  for_each_logits(
      *net_, data, norm_,
      [&](size_t start, const torch::Tensor& logits) {
        auto p = torch::softmax(logits, 1).contiguous();
        std::memcpy(out + start * kNumClasses, p.data_ptr<float>(), p.numel() * sizeof(float));
      },
      cfg_.tta);
}

// weights.pt is LibTorch's own archive; weights.safetensors holds the same
// tensors for Python; nn.json the input size and normalisation.
void NeuralClassifier::save(const fs::path& dir) const {
  if (!net_) fail("{}: save before fit", name());
  nlohmann::json meta = {
      {"rows", rows_}, {"cols", cols_}, {"mean", norm_.mean}, {"std", norm_.std}};
  write_file_atomic(dir / "nn.json", meta.dump(2) + "\n");

  torch::serialize::OutputArchive archive;
  net_->save(archive);
  archive.save_to((dir / "weights.pt").string());

  SafetensorsFile st;
  st.metadata = {
      {"format", "pt"},
      {"fmnist_spec", settings_.canonical_spec()},
      {"input", fmt::format("N x 1 x {} x {}, (pixel / 255 - mean) / std", rows_, cols_)},
      {"mean", fmt::format("{}", norm_.mean)},
      {"std", fmt::format("{}", norm_.std)}};
  for (auto& [key, t] : named_state(*net_)) {
    // Row-major NCHW on the CPU, whatever the layout or device in use.
    auto c = t.detach().to(torch::kCPU).contiguous();
    NamedTensor nt{key, dtype_name(c.scalar_type()), c.sizes().vec(), {}};
    const auto* bytes = static_cast<const uint8_t*>(c.data_ptr());
    nt.data.assign(bytes, bytes + c.numel() * c.element_size());
    st.tensors.push_back(std::move(nt));
  }
  write_safetensors(dir / "weights.safetensors", st);
}

void NeuralClassifier::load(const fs::path& dir) {
  const fs::path meta_path = dir / "nn.json";
  const auto bytes = read_file(meta_path);
  try {
    auto meta = nlohmann::json::parse(bytes.begin(), bytes.end());
    norm_.mean = meta.at("mean").get<float>();
    norm_.std = meta.at("std").get<float>();
    build(meta.at("rows").get<int>(), meta.at("cols").get<int>());
  } catch (const nlohmann::json::exception& e) {
    fail("{}: {}", meta_path.string(), e.what());
  }
  // The native archive when there is one, else the safetensors file (e.g.
  // weights edited or trained in Python).
  if (fs::exists(dir / "weights.pt")) {
    torch::serialize::InputArchive archive;
    try {
      archive.load_from((dir / "weights.pt").string(), net_->device);
      net_->load(archive);
    } catch (const c10::Error& e) {
      fail("{}: not a weights archive for this {}: {}", (dir / "weights.pt").string(), name(),
           e.what_without_backtrace());
    }
  } else {
    const fs::path path = dir / "weights.safetensors";
    SafetensorsFile st = read_safetensors(path);
    std::map<std::string, const NamedTensor*> by_name;
    for (const auto& t : st.tensors) by_name[t.name] = &t;
    torch::NoGradGuard no_grad;
    for (auto& [key, t] : named_state(*net_)) {
      auto it = by_name.find(key);
      if (it == by_name.end()) fail("{}: no tensor '{}'", path.string(), key);
      const NamedTensor& nt = *it->second;
      if (nt.shape != t.sizes().vec() || scalar_type(nt.dtype) != t.scalar_type())
        fail("{}: tensor '{}' has the wrong shape or type for this {}", path.string(), key, name());
      auto src = torch::from_blob(const_cast<uint8_t*>(nt.data.data()), nt.shape,
                                  torch::TensorOptions().dtype(t.scalar_type()));
      t.copy_(src);
    }
    if (by_name.size() != named_state(*net_).size())
      fail("{}: holds tensors this {} does not have", path.string(), name());
  }
  net_->place(net_->device, cfg_.channels_last);
  net_->eval();
}

std::vector<float> NeuralClassifier::saliency(const Dataset& data,
                                              const std::vector<uint8_t>& classes) const {
  if (!net_) fail("{}: saliency before fit or load", name());
  if (classes.size() != data.size()) fail("{}: saliency needs one class per image", name());
  if (data.size() == 0) return {};
  std::vector<uint32_t> idx(data.size());
  std::iota(idx.begin(), idx.end(), 0u);
  const bool was_training = net_->is_training();
  net_->eval();
  auto x = make_input(data, idx, norm_, nullptr, nullptr, *net_).detach().requires_grad_(true);
  auto logp = torch::log_softmax(net_->forward(x), 1);
  auto target = torch::tensor(std::vector<int64_t>(classes.begin(), classes.end()),
                              torch::TensorOptions().dtype(torch::kLong).device(logp.device()));
  logp.gather(1, target.unsqueeze(1)).sum().backward();
  net_->train(was_training);
  // The gradient w.r.t. the standardised input; per raw pixel it is scaled
  // by 1 / (255 std), the same for every pixel, so the map is unchanged.
  auto g = x.grad().abs().to(torch::kCPU).contiguous().reshape({-1});
  return {g.data_ptr<float>(), g.data_ptr<float>() + g.numel()};
}

int64_t NeuralClassifier::num_parameters() const {
  if (!net_) return -1;
  int64_t n = 0;
  for (const auto& p : net_->parameters()) n += p.numel();
  return n;
}

std::optional<FeatureImportance> NeuralClassifier::feature_importance() const {
  // For a perceptron, how strongly each pixel feeds the first layer (norm of
  // its column of weights); a convnet's weights do not map to pixels.
  if (!net_ || spec_.arch != "mlp" || spec_.hidden.empty()) return std::nullopt;
  torch::NoGradGuard no_grad;
  torch::Tensor w;
  for (auto& p : net_->named_parameters())
    if (p.key().ends_with(".weight")) {
      w = p.value();
      break;
    }
  auto norms = w.detach().to(torch::kCPU).norm(2, {0}).contiguous();
  FeatureImportance fi;
  fi.kind = "first-layer weight norm";
  fi.overall.assign(norms.data_ptr<float>(), norms.data_ptr<float>() + norms.numel());
  return fi;
}

}  // namespace fmnist::nn
