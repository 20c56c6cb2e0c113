// fmnist eval: reload a saved model and score it again.
#include <fmt/format.h>

#include "cli/common.hpp"
#include "core/log.hpp"
#include "eval/evaluation.hpp"
#include "eval/train_run.hpp"
#include "models/model_io.hpp"

namespace fmnist::cli {
namespace {

struct EvalOptions {
  DataOptions data;
  std::string model_dir;
  bool json = false;
  bool report = false;
  bool val_given = false;
};

int run_eval(EvalOptions o, const Globals& g) {
  LoadedModel lm = load_model(o.model_dir);
  // Re-create the training run's hold-out so "validation" means the same
  // images, unless the user asked for another.
  Globals eval_globals = g;
  if (lm.meta.contains("validation_holdout")) {
    if (!o.val_given) o.data.val = lm.meta["validation_holdout"].value("images", o.data.val);
    eval_globals.seed = lm.meta["validation_holdout"].value("seed", g.seed);
  }
  DataSplits data = load_data_verbose(o.data, eval_globals);
  if (lm.info.data_fingerprint != 0 && data.train.fingerprint() != lm.info.data_fingerprint) {
    log::warn(
        "the training split differs from the one this model was trained on: 'train' "
        "accuracy here is not in-sample");
  }
  SplitScore train = score_split(*lm.model, data.train);
  SplitScore val = score_split(*lm.model, data.val);
  SplitScore test = score_split(*lm.model, data.test);
  double fit_seconds =
      lm.meta.contains("metrics") ? lm.meta["metrics"].value("fit_seconds", 0.0) : 0.0;
  auto m = metrics_json(*lm.model, fit_seconds, train, val, test);
  if (!o.report) {
    if (o.json)
      fmt::print("{}\n", m.dump(2));
    else
      print_metrics(m);
    return 0;
  }
  const Evaluation e = evaluate(test.proba, data.test.labels);
  if (o.json) {
    m["test_evaluation"] = e.to_json(data.class_names);
    fmt::print("{}\n", m.dump(2));
    return 0;
  }
  print_metrics(m);
  fmt::print("\nclassification report (test)\n\n{}\n", e.report.to_text(data.class_names));
  fmt::print(
      "log loss {:.4f}   top-2 accuracy {:.4f}   macro AUC {:.4f}   micro AUC {:.4f}   "
      "ECE {:.4f}\n\n",
      e.log_loss, e.top2, e.auc_macro, e.auc_micro, e.calibration.ece);
  // The confusion matrix with class numbers as headers (names are long).
  fmt::print("confusion matrix (rows: true class, columns: predicted)\n{:>14}", "");
  for (int c = 0; c < kNumClasses; ++c) fmt::print("{:>6}", c);
  fmt::print("\n");
  for (int t = 0; t < kNumClasses; ++t) {
    fmt::print("{:>2} {:<11.11}", t, data.class_names[t]);
    for (int p = 0; p < kNumClasses; ++p) fmt::print("{:>6}", e.confusion[t][p]);
    fmt::print("\n");
  }
  return 0;
}

}  // namespace

void add_eval_command(CLI::App& app, Globals& g, Action& action) {
  auto o = std::make_shared<EvalOptions>();
  auto* cmd = app.add_subcommand("eval", "Reload a saved model and print its metrics");
  cmd->add_option("-m,--model", o->model_dir, "A model directory written by 'fmnist train'")
      ->required();
  cmd->add_flag("--json", o->json, "Print JSON");
  cmd->add_flag("--report", o->report,
                "Also the test set's classification report, confusion matrix, AUC, calibration "
                "(with --json: the whole evaluation)");
  add_data_options(cmd, o->data);
  cmd->footer(
      "Examples:\n  fmnist eval --model models/forest\n  fmnist eval --model models/forest --data "
      "data/kaggle --json\n  fmnist eval --model models/forest --report");
  cmd->callback([o, cmd, &g, &action] {
    o->val_given = cmd->count("--val") > 0;
    action = [o, &g] { return run_eval(*o, g); };
  });
}

}  // namespace fmnist::cli
