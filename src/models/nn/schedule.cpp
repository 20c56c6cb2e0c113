#include "models/nn/schedule.hpp"

#include <algorithm>
#include <cmath>

namespace fmnist::nn {
namespace {
// One-cycle starts at lr / 25 and ends near zero (lr / 25 / 1e4), as
// Smith's recipe and PyTorch's OneCycleLR do.
constexpr double kOneCycleStart = 25.0;
constexpr double kOneCycleEnd = 25.0 * 1e4;

double cosine(double from, double to, double p) {
  return to + (from - to) * 0.5 * (1 + std::cos(M_PI * std::clamp(p, 0.0, 1.0)));
}
}  // namespace

LrSchedule::LrSchedule(const TrainConfig& c, int64_t steps_per_epoch)
    : c_(c), per_epoch_(std::max<int64_t>(1, steps_per_epoch)) {
  total_ = per_epoch_ * c.epochs;
  double warm = c.warmup * per_epoch_;
  if (c.schedule == "onecycle" && c.warmup == 0) warm = 0.3 * total_;
  warmup_ = std::min<int64_t>(total_, std::llround(warm));
}

double LrSchedule::at(int64_t step) const {
  const double lr = c_.lr;
  if (c_.schedule == "onecycle") {
    // Both halves follow a cosine, as in fast.ai's fit_one_cycle.
    if (step < warmup_) return cosine(lr / kOneCycleStart, lr, double(step) / warmup_);
    const int64_t rest = std::max<int64_t>(1, total_ - warmup_ - 1);
    return cosine(lr, lr / kOneCycleEnd, double(step - warmup_) / rest);
  }
  if (step < warmup_) return lr * double(step + 1) / warmup_;
  if (c_.schedule == "step") {
    const int64_t epoch = step / per_epoch_;
    return lr * std::pow(c_.gamma, static_cast<double>(epoch / c_.step_every));
  }
  if (c_.schedule == "cosine") {
    const int64_t rest = std::max<int64_t>(1, total_ - warmup_);
    return cosine(lr, 0.0, double(step - warmup_) / rest);
  }
  return lr;  // constant, plateau (whose decays the trainer applies)
}

}  // namespace fmnist::nn
