#pragma once
// Scores of predictions against labels. The report issue extends this with
// per-class reports, ROC/PR curves and calibration.
#include <array>
#include <cstdint>
#include <vector>

#include "data/dataset.hpp"

namespace fmnist {

using ConfusionMatrix = std::array<std::array<uint64_t, kNumClasses>, kNumClasses>;  // [true][pred]

double accuracy(const std::vector<uint8_t>& predicted, const std::vector<uint8_t>& labels);
ConfusionMatrix confusion_matrix(const std::vector<uint8_t>& predicted,
                                 const std::vector<uint8_t>& labels);
// Mean negative log-likelihood of the true class, probabilities clipped at 1e-15.
double log_loss(const std::vector<float>& proba, const std::vector<uint8_t>& labels);

// Peak resident memory of this process so far (or since the last
// reset_peak_memory), in MiB.
double peak_memory_mib();
// Starts a new peak from the current size, so each model of a bench run
// gets its own (a no-op where the kernel cannot).
void reset_peak_memory();

}  // namespace fmnist
