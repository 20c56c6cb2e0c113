// Linked into the tests that use the neural models (see tests/CMakeLists.txt):
// the fmnist binary registers them in main(), these tests at start-up.
#include "models/nn/register.hpp"

namespace {
const bool registered = (fmnist::nn::register_neural_models(), true);
}  // namespace
