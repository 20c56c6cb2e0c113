#include "cli/common.hpp"

namespace fmnist::cli {

void add_data_commands(CLI::App& app, Globals& g, Action& action) {
  auto* data = app.add_subcommand(
      "data", "Inspect, explore and download data sets; prepare your own images");
  data->require_subcommand(1);
  add_data_info(data, g, action);
  add_data_explore(data, g, action);
  add_data_download(data, g, action);
  add_data_prepare(data, g, action);
}

}  // namespace fmnist::cli
