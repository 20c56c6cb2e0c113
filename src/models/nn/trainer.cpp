#include "models/nn/trainer.hpp"

#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/files.hpp"
#include "core/log.hpp"
#include "core/rng.hpp"
#include "models/nn/fused_optim.hpp"
#include "models/nn/net.hpp"
#include "models/nn/schedule.hpp"

namespace fmnist::nn {
namespace {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

enum Stream : uint64_t { kShuffle = 1, kTorch = 2 };

uint64_t splitmix(uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Weight decay on weights only: decaying biases and batch-norm scales only
// fights the normalisation (as in most modern recipes).
std::unique_ptr<torch::optim::Optimizer> make_optimizer(Net& net, const TrainConfig& c) {
  std::vector<torch::Tensor> decay, plain;
  for (auto& p : net.parameters()) (p.dim() > 1 ? decay : plain).push_back(p);
  std::vector<torch::optim::OptimizerParamGroup> groups;
  auto add = [&](std::vector<torch::Tensor>& params, double wd) {
    if (params.empty()) return;
    std::unique_ptr<torch::optim::OptimizerOptions> o;
    if (c.optimizer == "sgd") {
      o = std::make_unique<torch::optim::SGDOptions>(torch::optim::SGDOptions(c.lr)
                                                         .momentum(c.momentum)
                                                         .nesterov(c.momentum > 0)
                                                         .weight_decay(wd));
    } else if (c.optimizer == "adam") {
      o = std::make_unique<torch::optim::AdamOptions>(
          torch::optim::AdamOptions(c.lr).betas({c.momentum, 0.999}).weight_decay(wd));
    } else {
      o = std::make_unique<torch::optim::AdamWOptions>(
          torch::optim::AdamWOptions(c.lr).betas({c.momentum, 0.999}).weight_decay(wd));
    }
    groups.emplace_back(params, std::move(o));
  };
  add(decay, c.weight_decay);
  add(plain, 0.0);
  if (c.optimizer == "sgd")
    return std::make_unique<FusedSGD>(groups, torch::optim::SGDOptions(c.lr));
  if (c.optimizer == "adam")
    return std::make_unique<FusedAdam>(groups, torch::optim::AdamOptions(c.lr));
  return std::make_unique<FusedAdamW>(groups, torch::optim::AdamWOptions(c.lr));
}

// Cross-entropy with label smoothing, written out (as PyTorch defines it) so
// it is the same with any LibTorch version.
torch::Tensor smoothed_loss(const torch::Tensor& logits, const torch::Tensor& y, double eps) {
  auto logp = torch::log_softmax(logits, 1);
  auto nll = -logp.gather(1, y.unsqueeze(1)).squeeze(1);
  if (eps == 0) return nll.mean();
  return ((1 - eps) * nll - eps * logp.mean(1)).mean();
}

struct Score {
  double loss = 0, accuracy = 0;
};

Score evaluate(Net& net, const Dataset& data, const Normalizer& norm) {
  double loss = 0;
  int64_t correct = 0;
  for_each_logits(net, data, norm, [&](size_t start, const torch::Tensor& logits) {
    auto y = torch::from_blob(const_cast<uint8_t*>(data.labels.data()) + start, {logits.size(0)},
                              torch::kUInt8)
                 .to(torch::kLong);
    auto logp = torch::log_softmax(logits.to(torch::kDouble), 1);
    loss -= logp.gather(1, y.unsqueeze(1)).sum().item<double>();
    correct += logits.argmax(1).eq(y).sum().item<int64_t>();
  });
  const double n = static_cast<double>(std::max<size_t>(1, data.size()));
  return {loss / n, correct / n};
}

// Everything about a run that lives between epochs, besides the weights and
// the optimiser: what a checkpoint's state.json holds.
struct RunState {
  int epoch = 0;  // epochs done
  bool stopped = false;
  nlohmann::json history = nlohmann::json::array();
  // Early stopping: the best monitored value so far and when.
  double best = 0;
  int best_epoch = -1, bad_epochs = 0;
  // plateau schedule: its own best, patience count and current factor.
  double plateau_best = 0;
  bool plateau_seen = false;
  int plateau_bad = 0;
  double lr_factor = 1;

  nlohmann::json to_json() const {
    return {{"epoch", epoch},
            {"stopped", stopped},
            {"history", history},
            {"best", best},
            {"best_epoch", best_epoch},
            {"bad_epochs", bad_epochs},
            {"plateau_best", plateau_best},
            {"plateau_seen", plateau_seen},
            {"plateau_bad", plateau_bad},
            {"lr_factor", lr_factor}};
  }
  void from_json(const nlohmann::json& j) {
    epoch = j.at("epoch");
    stopped = j.at("stopped");
    history = j.at("history");
    best = j.at("best");
    best_epoch = j.at("best_epoch");
    bad_epochs = j.at("bad_epochs");
    plateau_best = j.at("plateau_best");
    plateau_seen = j.at("plateau_seen");
    plateau_bad = j.at("plateau_bad");
    lr_factor = j.at("lr_factor");
  }
};

class Trainer {
 public:
  Trainer(Net& net, const TrainConfig& cfg, const Dataset& train, const FitContext& ctx,
          const Normalizer& norm, std::string spec)
      : net_(net),
        cfg_(cfg),
        train_(train),
        ctx_(ctx),
        norm_(norm),
        spec_(std::move(spec)),
        opt_(make_optimizer(net, cfg)),
        steps_per_epoch_((static_cast<int64_t>(train.size()) + cfg.batch - 1) / cfg.batch),
        schedule_(cfg, steps_per_epoch_) {}

  nlohmann::json run() {
    if (ctx_.resume && !ctx_.checkpoint_dir.empty()) try_resume();
    while (st_.epoch < cfg_.epochs && !st_.stopped) {
      run_epoch();
      if (!ctx_.checkpoint_dir.empty()) save_checkpoint();
      const auto& h = st_.history.back();
      std::string status = fmt::format("epoch {}/{} loss {:.4f}", st_.epoch, cfg_.epochs,
                                       h["train_loss"].get<double>());
      if (h.contains("val_accuracy"))
        status += fmt::format(" val {:.2f}%", 100 * h["val_accuracy"].get<double>());
      ctx_.report(st_.epoch, cfg_.epochs, status);
      std::string line =
          fmt::format("epoch {}/{} loss {:.4f} acc {:.2f}%", st_.epoch, cfg_.epochs,
                      h["train_loss"].get<double>(), 100 * h["train_accuracy"].get<double>());
      if (h.contains("val_accuracy"))
        line += fmt::format(" val_loss {:.4f} val_acc {:.2f}%", h["val_loss"].get<double>(),
                            100 * h["val_accuracy"].get<double>());
      ctx_.keep(line + fmt::format(" lr {:.2g} ({:.1f} s, {:.0f} img/s)", h["lr"].get<double>(),
                                   h["seconds"].get<double>(),
                                   h["images_per_second"].get<double>()));
    }
    if (cfg_.patience > 0 && cfg_.restore_best && !best_.empty()) {
      torch::NoGradGuard no_grad;
      auto state = named_state(net_);
      for (size_t i = 0; i < state.size(); ++i) state[i].second.copy_(best_[i]);
    }
    return st_.history;
  }

 private:
  void run_epoch() {
    const auto t0 = Clock::now();
    const int epoch = st_.epoch;
    torch::manual_seed(stream_seed(ctx_.seed, kTorch, epoch));
    Rng rng(stream_seed(ctx_.seed, kShuffle, epoch));
    std::vector<uint32_t> order(train_.size());
    std::iota(order.begin(), order.end(), 0u);
    rng.shuffle(order.begin(), order.end());

    net_.train();
    // Running sums stay on the device; reading them syncs a GPU, so that
    // happens only when the progress line is redrawn.
    auto loss_sum =
        torch::zeros({}, torch::TensorOptions().dtype(torch::kDouble).device(net_.device));
    auto correct = torch::zeros({}, torch::TensorOptions().dtype(torch::kLong).device(net_.device));
    std::vector<int64_t> labels(cfg_.batch);
    int64_t step = static_cast<int64_t>(epoch) * steps_per_epoch_;
    double lr = 0;
    auto last_report = Clock::now();
    size_t seen = 0;
    for (int64_t b = 0; b < steps_per_epoch_; ++b, ++step) {
      const size_t start = static_cast<size_t>(b) * cfg_.batch;
      const size_t n = std::min<size_t>(cfg_.batch, order.size() - start);
      std::span<const uint32_t> idx(order.data() + start, n);
      auto x = make_input(train_, idx, norm_, &cfg_.augment, &rng, net_);
      for (size_t i = 0; i < n; ++i) labels[i] = train_.labels[idx[i]];
      auto y =
          torch::from_blob(labels.data(), {static_cast<int64_t>(n)}, torch::kLong).to(net_.device);

      lr = schedule_.at(step) * st_.lr_factor;
      for (auto& g : opt_->param_groups()) g.options().set_lr(lr);
      opt_->zero_grad();
      auto logits = net_.forward(x);
      auto loss = smoothed_loss(logits, y, cfg_.label_smoothing);
      loss.backward();
      if (cfg_.clip > 0) torch::nn::utils::clip_grad_norm_(net_.parameters(), cfg_.clip);
      opt_->step();
      {
        torch::NoGradGuard no_grad;
        loss_sum += loss.detach().to(torch::kDouble) * static_cast<double>(n);
        correct += logits.argmax(1).eq(y).sum();
      }
      seen += n;
      if (seconds_since(last_report) > 0.5 || b + 1 == steps_per_epoch_) {
        last_report = Clock::now();
        const double secs = seconds_since(t0);
        ctx_.report(epoch + double(b + 1) / steps_per_epoch_, cfg_.epochs,
                    fmt::format("epoch {}/{} loss {:.4f} acc {:.1f}% {:.0f} img/s", epoch + 1,
                                cfg_.epochs, loss_sum.item<double>() / seen,
                                100.0 * correct.item<int64_t>() / seen, seen / secs));
      }
    }
    const double train_seconds = seconds_since(t0);
    nlohmann::json h = {{"epoch", epoch + 1},
                        {"train_loss", loss_sum.item<double>() / seen},
                        {"train_accuracy", static_cast<double>(correct.item<int64_t>()) / seen},
                        {"lr", lr}};
    std::optional<double> monitored;
    if (ctx_.val && ctx_.val->size() > 0) {
      const Score v = evaluate(net_, *ctx_.val, norm_);
      h["val_loss"] = v.loss;
      h["val_accuracy"] = v.accuracy;
      // Lower is better for both, so accuracy is negated.
      monitored = cfg_.monitor == "val_loss" ? v.loss : -v.accuracy;
    }
    h["images_per_second"] = seen / train_seconds;
    h["seconds"] = seconds_since(t0);
    st_.history.push_back(h);
    st_.epoch = epoch + 1;
    update_plateau(monitored.value_or(h["train_loss"].get<double>()));
    if (monitored) update_early_stopping(*monitored);
  }

  void update_plateau(double value) {
    if (cfg_.schedule != "plateau") return;
    if (!st_.plateau_seen || value < st_.plateau_best) {
      st_.plateau_seen = true;
      st_.plateau_best = value;
      st_.plateau_bad = 0;
    } else if (++st_.plateau_bad >= cfg_.plateau_patience) {
      st_.lr_factor *= cfg_.gamma;
      st_.plateau_bad = 0;
    }
  }

  void update_early_stopping(double value) {
    if (cfg_.patience == 0) return;
    if (st_.best_epoch < 0 || value < st_.best) {
      st_.best = value;
      st_.best_epoch = st_.epoch;
      st_.bad_epochs = 0;
      if (cfg_.restore_best) {
        torch::NoGradGuard no_grad;
        best_.clear();
        for (auto& [name, t] : named_state(net_)) best_.push_back(t.detach().clone());
      }
    } else if (++st_.bad_epochs >= cfg_.patience) {
      st_.stopped = true;
      log::debug("early stop after epoch {}: best was epoch {}", st_.epoch, st_.best_epoch);
    }
  }

  fs::path checkpoint_path() const { return ctx_.checkpoint_dir / "checkpoint"; }

  nlohmann::json identity() const {
    return {{"spec", spec_},
            {"seed", ctx_.seed},
            {"train_fingerprint", fmt::format("{:016x}", train_.fingerprint())}};
  }

  void save_checkpoint() {
    std::error_code ec;
    fs::create_directories(ctx_.checkpoint_dir, ec);
    if (ec)
      fail("{}: cannot create checkpoint directory: {}", ctx_.checkpoint_dir.string(),
           ec.message());
    // The directory is replaced whole, so state.pt and state.json always
    // come from the same epoch even if the process dies mid-write.
    AtomicPath dir(checkpoint_path());
    fs::create_directories(dir.temp(), ec);
    if (ec) fail("{}: cannot create: {}", dir.temp().string(), ec.message());
    torch::serialize::OutputArchive archive, model, optim, best;
    net_.save(model);
    opt_->save(optim);
    archive.write("model", model);
    archive.write("optimizer", optim);
    auto names = named_state(net_);
    for (size_t i = 0; i < best_.size(); ++i) best.write(names[i].first, best_[i]);
    archive.write("best", best);
    archive.save_to((dir.temp() / "state.pt").string());
    nlohmann::json j = identity();
    j["state"] = st_.to_json();
    write_file_atomic(dir.temp() / "state.json", j.dump(1));
    dir.commit();
  }

  void try_resume() {
    const fs::path path = checkpoint_path();
    if (!fs::exists(path / "state.json")) {
      log::info("no checkpoint in {}: starting from scratch", ctx_.checkpoint_dir.string());
      return;
    }
    const auto bytes = read_file(path / "state.json");
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(bytes.begin(), bytes.end());
      const auto want = identity();
      for (const char* key : {"spec", "seed", "train_fingerprint"}) {
        if (j.at(key) != want.at(key)) {
          fail(
              "{}: checkpoint is of another run ({} {} there, {} here); remove it or drop "
              "--resume",
              path.string(), key, j.at(key).dump(), want.at(key).dump());
        }
      }
      st_.from_json(j.at("state"));
    } catch (const nlohmann::json::exception& e) {
      fail("{}: malformed checkpoint: {}", (path / "state.json").string(), e.what());
    }
    torch::serialize::InputArchive archive, model, optim, best;
    archive.load_from((path / "state.pt").string(), net_.device);
    archive.read("model", model);
    archive.read("optimizer", optim);
    archive.read("best", best);
    net_.load(model);
    net_.place(net_.device, net_.channels_last);
    opt_->load(optim);
    best_.clear();
    for (auto& [name, t] : named_state(net_)) {
      torch::Tensor b;
      if (!best.try_read(name, b)) break;
      best_.push_back(b);
    }
    log::info("resuming from {} after epoch {} of {}", path.string(), st_.epoch, cfg_.epochs);
  }

  Net& net_;
  const TrainConfig& cfg_;
  const Dataset& train_;
  const FitContext& ctx_;
  const Normalizer& norm_;
  std::string spec_;
  std::unique_ptr<torch::optim::Optimizer> opt_;
  int64_t steps_per_epoch_;
  LrSchedule schedule_;
  RunState st_;
  std::vector<torch::Tensor> best_;  // weights of the best epoch, for restore_best
};
}  // namespace

uint64_t stream_seed(uint64_t seed, uint64_t stream, uint64_t epoch) {
  return splitmix(splitmix(seed ^ splitmix(stream)) + epoch);
}

nlohmann::json train_net(Net& net, const TrainConfig& cfg, const Dataset& train,
                         const FitContext& ctx, const Normalizer& norm, const std::string& spec) {
  if (train.size() == 0) fail("{}: empty training set", net.spec.arch);
  return Trainer(net, cfg, train, ctx, norm, spec).run();
}

}  // namespace fmnist::nn
