// fmnist report: reload saved models, evaluate them on the test set and write
// the comparison report (report.html, results.json, results.md).
#include <filesystem>
#include <set>

#include <fmt/format.h>

#include "cli/common.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "core/machine.hpp"
#include "eval/model_result.hpp"
#include "models/model_io.hpp"
#include "report/report.hpp"

namespace fmnist::cli {
namespace {

namespace fs = std::filesystem;

struct ReportOptions {
  DataOptions data;
  std::vector<std::string> model_dirs;
  std::string out;
  std::string title = "fmnist report";
  std::vector<uint32_t> explain;
  bool val_given = false;
};

// The directory's name ("models/forest/" -> "forest"), made unique.
std::string label_for(const std::string& dir, std::set<std::string>& used) {
  fs::path p(dir);
  if (!p.has_filename()) p = p.parent_path();
  std::string base = p.filename().string();
  if (base.empty() || base == ".") base = fs::absolute(p).filename().string();
  std::string label = base;
  for (int k = 2; used.count(label); ++k) label = fmt::format("{} ({})", base, k);
  used.insert(label);
  return label;
}

int run_report(ReportOptions o, const Globals& g) {
  std::error_code ec;
  if (fs::exists(o.out, ec) && !fs::is_directory(o.out, ec))
    fail("--out {}: exists and is not a directory", o.out);
  // Loaded first, so a missing or broken model is known before the data loads.
  std::vector<LoadedModel> loaded(o.model_dirs.size());
  std::vector<std::string> load_errors(o.model_dirs.size());
  for (size_t i = 0; i < o.model_dirs.size(); ++i) {
    try {
      loaded[i] = load_model(o.model_dirs[i]);
    } catch (const Error& e) {
      load_errors[i] = e.what();
      log::warn("{}", e.what());
    }
  }
  size_t usable = 0;
  for (const auto& lm : loaded) usable += lm.model != nullptr;
  if (usable == 0) fail("report: none of the {} models could be loaded", loaded.size());
  // The hold-out of the first model's training run, so the data section
  // describes the split the models saw (none if no model says).
  Globals data_globals = g;
  if (!o.val_given) o.data.val = 0;
  for (const auto& lm : loaded) {
    if (lm.model && lm.meta.contains("validation_holdout") && !o.val_given) {
      o.data.val = lm.meta["validation_holdout"].value("images", o.data.val);
      data_globals.seed = lm.meta["validation_holdout"].value("seed", g.seed);
      break;
    }
  }
  const DataSplits data = load_data_verbose(o.data, data_globals);
  if (data.test.size() == 0) fail("report: the test set is empty");
  for (uint32_t i : o.explain)
    if (i >= data.test.size())
      fail("--explain {}: the test set has {} images (0 to {})", i, data.test.size(),
           data.test.size() - 1);

  report::ReportInput in;
  in.data = &data;
  in.title = o.title;
  in.machine = machine_info();
  ExploreOptions eo;
  eo.seed = g.seed;
  in.exploration = explore(data, eo);
  std::set<std::string> used;
  size_t failures = 0;
  for (size_t i = 0; i < loaded.size(); ++i) {
    const std::string label = label_for(o.model_dirs[i], used);
    log::info("report: evaluating {} ({}/{})", label, i + 1, loaded.size());
    if (!loaded[i].model) {
      ModelResult r;
      r.label = label;
      r.error = load_errors[i];
      in.models.push_back(std::move(r));
      ++failures;
      continue;
    }
    nlohmann::json metrics =
        loaded[i].meta.contains("metrics") && loaded[i].meta["metrics"].is_object()
            ? loaded[i].meta["metrics"]
            : nlohmann::json::object();
    try {
      in.models.push_back(evaluate_model(*loaded[i].model, data, metrics, label, o.explain));
    } catch (const Error& e) {
      log::warn("{}: {}", o.model_dirs[i], e.what());
      ModelResult r;
      r.label = label;
      r.metrics = metrics;
      r.error = e.what();
      in.models.push_back(std::move(r));
      ++failures;
    }
  }
  if (failures == in.models.size())
    fail("report: none of the {} models could be evaluated", failures);
  for (const auto& path : report::write_report(in, o.out)) fmt::print("{}\n", path.string());
  return 0;
}

}  // namespace

void add_report_command(CLI::App& app, Globals& g, Action& action) {
  auto o = std::make_shared<ReportOptions>();
  auto* cmd = app.add_subcommand(
      "report", "Evaluate saved models and write report.html, results.json and results.md");
  cmd->add_option("models", o->model_dirs, "Model directories written by 'fmnist train'")
      ->required();
  cmd->add_option("-o,--out", o->out, "Directory for the report (created if missing)")->required();
  cmd->add_option("--title", o->title, "Title of the page")->capture_default_str();
  cmd->add_option("--explain", o->explain,
                  "Test images (0-based positions in the test file) to explain with occlusion "
                  "and saliency maps (default: the first of each class)")
      ->delimiter(',');
  add_data_options(cmd, o->data);
  cmd->footer(
      "The page is self-contained (charts and images inline) and opens offline. --val defaults\n"
      "to the hold-out the first model was trained with.\n\n"
      "Examples:\n"
      "  fmnist report --out report/ models/logreg models/forest models/cnn\n"
      "  fmnist report --out report/ models/*\n"
      "  fmnist report --out report/ --explain 0,42,4242 models/cnn models/forest");
  cmd->callback([o, cmd, &g, &action] {
    o->val_given = cmd->count("--val") > 0;
    action = [o, &g] { return run_report(*o, g); };
  });
}

}  // namespace fmnist::cli
