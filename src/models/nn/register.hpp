#pragma once

namespace fmnist::nn {

// Adds the neural models to the registry (idempotent). They live in their own
// library, fmnist_nn, because they need LibTorch; see models/registry.hpp.
void register_neural_models();

}  // namespace fmnist::nn
