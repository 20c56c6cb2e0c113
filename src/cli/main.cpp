// fmnist: the command-line front-end. Parsing and printing only; the work is
// in the engine library.
#include <cstdio>
#include <iostream>

#include <fmt/format.h>

#include "cli/common.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "core/machine.hpp"
#include "core/memory.hpp"
#include "core/threads.hpp"
#include "core/version.hpp"
#include "models/nn/register.hpp"

namespace fmnist::cli {

void add_data_options(CLI::App* cmd, DataOptions& opts, bool with_val) {
  cmd->add_option(
      "--data", opts.data,
      "Directory with IDX files (gzip or raw) or the two Kaggle CSV files "
      "[default: $FMNIST_DATA, ./data/fashion-mnist, /usr/share/datasets/fashion-mnist]");
  cmd->add_option("--train", opts.train, "Training file: IDX images (labels beside it) or CSV");
  cmd->add_option("--test", opts.test, "Test file: IDX images (labels beside it) or CSV");
  if (with_val) {
    cmd->add_option("--val", opts.val, "Images held out of training for validation (stratified)")
        ->capture_default_str();
  }
  cmd->add_option("--classes", opts.classes,
                  "Class names: fashion, mnist, kmnist, generic, or auto (from file names)")
      ->capture_default_str();
}

DataSplits load_data_verbose(DataOptions opts, const Globals& g) {
  opts.seed = g.seed;
  auto splits = load_data(opts);
  log::info("data: {} ({}; {} train + {} validation, {} test)", splits.origin, splits.dataset_name,
            splits.train.size(), splits.val.size(), splits.test.size());
  return splits;
}

}  // namespace fmnist::cli

int main(int argc, char** argv) {
  using namespace fmnist;
  tame_idle_threads(argv);
  keep_freed_memory_for_reuse();
  nn::register_neural_models();
  cli::Globals g;
  cli::Action action;
  CLI::App app{"fmnist: train, evaluate, explain and compare image classifiers on Fashion-MNIST",
               "fmnist"};
  app.require_subcommand(1);
  app.fallthrough();
  app.set_version_flag("--version", [] {
    std::string s = "fmnist " + version() + "\nbuilt with:";
    for (const auto& [lib, ver] : library_versions()) s += fmt::format("\n  {:<14} {}", lib, ver);
    return s + "\nrunning on: " + cpu_info().summary();
  });
  app.add_option("--threads", g.threads, "Threads for every component (0 = all cores)")
      ->capture_default_str();
  app.add_option("--seed", g.seed, "Seed for every random choice (splits, shuffles, inits)")
      ->capture_default_str();
  app.add_flag("-q,--quiet", g.quiet, "Only errors and results");
  app.add_flag("-v,--verbose", g.verbose, "More detail on stderr");
  app.footer(
      "Examples:\n"
      "  fmnist data info\n"
      "  fmnist data explore --out explore/\n"
      "  fmnist data download --to data/fashion-mnist\n"
      "  fmnist data prepare photos/shirt.jpg --out prepared/\n"
      "  fmnist models\n"
      "  fmnist train --model forest:trees=200 --out models/forest\n"
      "  fmnist eval --model models/forest\n"
      "Run 'fmnist COMMAND --help' for a command's options.");

  cli::add_data_commands(app, g, action);
  cli::add_models_command(app, g, action);
  cli::add_train_command(app, g, action);
  cli::add_eval_command(app, g, action);
  cli::add_predict_command(app, g, action);
  cli::add_report_command(app, g, action);
  cli::add_bench_command(app, g, action);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    fmt::print(stderr, "fmnist: error: {}\n", e.what());
    fmt::print(stderr, "Run 'fmnist --help' (or 'fmnist COMMAND --help') for usage.\n");
    return 2;
  }
  try {
    if (g.quiet) log::set_level(log::Level::quiet);
    if (g.verbose) log::set_level(log::Level::verbose);
    if (g.threads < 0) throw Error("--threads must be 0 (all cores) or more");
    set_threads(g.threads);
    return action ? action() : 0;
  } catch (const Error& e) {
    fmt::print(stderr, "fmnist: error: {}\n", e.what());
    return 2;
  } catch (const std::bad_alloc&) {
    fmt::print(stderr, "fmnist: error: out of memory\n");
    return 3;
  } catch (const std::exception& e) {
    fmt::print(stderr, "fmnist: internal error: {}\n", e.what());
    return 70;
  }
}
