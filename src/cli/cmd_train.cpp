// fmnist train: fit one model, score it on train/validation/test, save it.
#include <fmt/format.h>

#include "cli/common.hpp"
#include "core/files.hpp"
#include "core/log.hpp"
#include "eval/train_run.hpp"
#include "models/model_io.hpp"
#include "models/registry.hpp"

namespace fmnist::cli {
namespace {

struct TrainOptions {
  DataOptions data;
  std::string spec;
  std::string out;
  std::string checkpoint;  // empty: OUT.checkpoint
  bool resume = false;
  bool json = false;
};

int run_train(const TrainOptions& o, const Globals& g) {
  make_model(o.spec);  // a typo in the spec should not wait for the data to load
  DataSplits data = load_data_verbose(o.data, g);
  FitContext ctx;
  ctx.seed = g.seed;
  // Models trained in epochs checkpoint after each one; the others ignore it.
  const bool own_checkpoint = o.checkpoint.empty();
  std::filesystem::path out_dir(o.out);
  if (!out_dir.has_filename()) out_dir = out_dir.parent_path();  // "models/cnn/"
  ctx.checkpoint_dir = own_checkpoint ? out_dir.string() + ".checkpoint" : o.checkpoint;
  ctx.resume = o.resume;
  TrainResult r = train_and_score(o.spec, data, ctx);
  ModelInfo info = training_info(data, g.seed, r.metrics);
  info.extra["validation_holdout"] = {{"images", o.data.val}, {"seed", g.seed}};
  save_model(*r.model, info, o.out);
  write_file_atomic(std::filesystem::path(o.out) / "metrics.json", r.metrics.dump(2) + "\n");
  // The run is complete and saved: a default checkpoint has done its job.
  if (own_checkpoint) {
    std::error_code ec;
    std::filesystem::remove_all(ctx.checkpoint_dir, ec);
  }
  if (o.json) {
    fmt::print("{}\n", r.metrics.dump(2));
  } else {
    print_metrics(r.metrics);
    fmt::print("saved {}\n", o.out);
  }
  return 0;
}

}  // namespace

void print_metrics(const nlohmann::json& m) {
  fmt::print("model        {}\n", m.value("spec", ""));
  if (m.value("parameters", -1) >= 0)
    fmt::print("parameters   {}\n", m["parameters"].get<int64_t>());
  if (m.contains("fit_seconds"))
    fmt::print("fit          {:.2f} s\n", m["fit_seconds"].get<double>());
  for (const char* split : {"train", "validation", "test"}) {
    if (!m.contains(split) || !m[split].contains("accuracy")) continue;
    const auto& s = m[split];
    fmt::print("{:<12} accuracy {:.2f}%  log-loss {:.4f}  ({} images, {:.0f} images/s)\n", split,
               100 * s["accuracy"].get<double>(), s["log_loss"].get<double>(),
               s["images"].get<size_t>(), s["images_per_second"].get<double>());
  }
  if (m.contains("peak_memory_mib"))
    fmt::print("peak memory  {:.0f} MiB\n", m["peak_memory_mib"].get<double>());
}

void add_train_command(CLI::App& app, Globals& g, Action& action) {
  auto o = std::make_shared<TrainOptions>();
  auto* cmd = app.add_subcommand("train", "Train a model and save it with its metrics");
  cmd->add_option("-m,--model", o->spec, "Model spec: NAME[:key=value,...] (see 'fmnist models')")
      ->required();
  cmd->add_option("-o,--out", o->out,
                  "Directory to save the model in (model.json, weights, metrics.json)")
      ->required();
  cmd->add_flag("--json", o->json, "Print the metrics as JSON");
  cmd->add_option(
      "--checkpoint", o->checkpoint,
      "Neural nets: directory for the end-of-epoch checkpoint (default: OUT.checkpoint, "
      "removed once the model is saved)");
  cmd->add_flag("--resume", o->resume,
                "Neural nets: continue an interrupted run from its checkpoint (same spec, seed "
                "and data); the result is the same as an uninterrupted run");
  add_data_options(cmd, o->data);
  cmd->footer(
      "Examples:\n"
      "  fmnist train --model logreg --out models/logreg\n"
      "  fmnist train --model \"forest:trees=200,max_depth=20\" --seed 7 --out models/forest\n"
      "  fmnist train --model naive-bayes --data data/kaggle --val 0 --out models/nb\n"
      "  fmnist train --model cnn --out models/cnn     # interrupted? the same command with "
      "--resume");
  cmd->callback([o, &g, &action] { action = [o, &g] { return run_train(*o, g); }; });
}

}  // namespace fmnist::cli
