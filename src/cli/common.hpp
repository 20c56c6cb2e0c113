#pragma once
// What every sub-command shares: the global options and the data options,
// and the registration functions each cmd_*.cpp file provides.
#include <CLI/CLI.hpp>
#include <functional>

#include <nlohmann/json.hpp>

#include "data/source.hpp"

namespace fmnist::cli {

struct Globals {
  int threads = 0;  // 0: all cores
  uint64_t seed = 0;
  bool quiet = false;
  bool verbose = false;
};

// Adds --data, --train, --test, --val, --classes to a sub-command.
void add_data_options(CLI::App* cmd, DataOptions& opts, bool with_val = true);
// Loads the data with a one-line note on stderr saying where it came from.
DataSplits load_data_verbose(DataOptions opts, const Globals& g);

// Each sub-command family registers itself; the action runs after parsing.
using Action = std::function<int()>;
void add_data_commands(CLI::App& app, Globals& g, Action& action);

}  // namespace fmnist::cli

namespace fmnist::cli {
// The `data` sub-commands, one file each.
void add_data_info(CLI::App* data, Globals& g, Action& action);
void add_data_explore(CLI::App* data, Globals& g, Action& action);
void add_data_download(CLI::App* data, Globals& g, Action& action);
void add_data_prepare(CLI::App* data, Globals& g, Action& action);
}  // namespace fmnist::cli

namespace fmnist::cli {
// models, train, eval (and predict): one file each.
void add_models_command(CLI::App& app, Globals& g, Action& action);
void add_train_command(CLI::App& app, Globals& g, Action& action);
void add_eval_command(CLI::App& app, Globals& g, Action& action);
// Prints a metrics.json object as a short table.
void print_metrics(const nlohmann::json& metrics);
}  // namespace fmnist::cli

namespace fmnist::cli {
void add_predict_command(CLI::App& app, Globals& g, Action& action);
void add_report_command(CLI::App& app, Globals& g, Action& action);
void add_bench_command(CLI::App& app, Globals& g, Action& action);
}  // namespace fmnist::cli
