#pragma once
// Learning rate as a function of the optimiser step, so a resumed run picks
// up exactly where it stopped: the step count is all the state there is
// (plus the plateau factor, which the trainer keeps in its checkpoint).
#include <cstdint>

#include "models/nn/config.hpp"

namespace fmnist::nn {

class LrSchedule {
 public:
  LrSchedule(const TrainConfig& c, int64_t steps_per_epoch);
  // The learning rate for step `step` (0-based) of the whole run.
  double at(int64_t step) const;
  int64_t total_steps() const { return total_; }
  int64_t warmup_steps() const { return warmup_; }

 private:
  TrainConfig c_;
  int64_t per_epoch_, total_, warmup_;
};

}  // namespace fmnist::nn
