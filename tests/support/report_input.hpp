#pragma once
// A small report's input: a few models fitted on generated data, plus one
// that failed, as `fmnist report` and `fmnist bench` would gather them.
#include <string>
#include <vector>

#include "core/machine.hpp"
#include "data/source.hpp"
#include "eval/model_result.hpp"
#include "eval/train_run.hpp"
#include "report/report.hpp"
#include "support/fixtures.hpp"

namespace fmnist::test {

inline DataSplits generated_splits() {
  DataSplits d;
  d.train = make_dataset(2000, 1);
  d.val = make_dataset(300, 2);
  d.test = make_dataset(600, 3);
  d.class_names = class_names_for("fashion-mnist");
  d.dataset_name = "generated";
  d.origin = "test fixture";
  return d;
}

inline report::ReportInput report_input(const DataSplits& data,
                                        const std::vector<std::string>& specs) {
  report::ReportInput in;
  in.data = &data;
  in.machine = machine_info();
  in.exploration = explore(data, ExploreOptions{});
  for (const auto& spec : specs) {
    FitContext ctx;
    ctx.progress = [](double, double, const std::string&) {};
    TrainResult r = train_and_score(spec, data, ctx);
    in.models.push_back(evaluate_model(*r.model, data, r.metrics, spec));
  }
  ModelResult broken;
  broken.label = "broken";
  broken.error = "models/broken/model.json: not a model directory";
  in.models.push_back(broken);
  return in;
}

}  // namespace fmnist::test
