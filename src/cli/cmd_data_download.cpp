#include "cli/common.hpp"
#include "core/error.hpp"

namespace fmnist::cli {
void add_data_download(CLI::App* data, Globals& g, Action& action) {}
}  // namespace fmnist::cli
