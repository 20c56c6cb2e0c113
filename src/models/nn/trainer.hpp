#pragma once
// The one training loop every net shares (see docs/DESIGN.md, "Neural
// networks"): optimiser, schedule, augmentation, early stopping, history,
// per-epoch checkpoints and resume.
#include <string>

#include <nlohmann/json.hpp>

#include "models/classifier.hpp"
#include "models/nn/batch.hpp"
#include "models/nn/config.hpp"

namespace fmnist::nn {

struct Net;

// Trains `net` (built, placed on its device, initialised) on `train` and
// returns the per-epoch history. `spec` is the model's canonical spec: a
// checkpoint only resumes a run of the very same spec, seed and data.
nlohmann::json train_net(Net& net, const TrainConfig& cfg, const Dataset& train,
                         const FitContext& ctx, const Normalizer& norm, const std::string& spec);

// A seed for one purpose ("stream") of one epoch, so each epoch's shuffle,
// augmentation and dropout depend on (seed, epoch) alone and a resumed run
// draws exactly what an uninterrupted one would.
uint64_t stream_seed(uint64_t seed, uint64_t stream, uint64_t epoch);

}  // namespace fmnist::nn
