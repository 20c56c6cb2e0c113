// fmnist data info: counts per class and split, pixel statistics, duplicates.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "cli/common.hpp"
#include "data/split.hpp"
#include "explore/stats.hpp"

namespace fmnist::cli {
namespace {

struct InfoOptions {
  DataOptions data;
  bool json = false;
};

nlohmann::json split_json(const Dataset& d, const PixelStats& p) {
  auto counts = d.class_counts();
  return {{"images", d.size()},
          {"per_class", std::vector<size_t>(counts.begin(), counts.end())},
          {"pixels", {{"mean", p.mean}, {"std", p.std}, {"min", p.min}, {"max", p.max}}},
          {"source", d.source}};
}

int run_info(InfoOptions& o, const Globals& g) {
  DataOptions opts = o.data;
  opts.val = 0;  // report the files as they are; the hold-out is shown apart
  opts.seed = g.seed;
  DataSplits s = load_data(opts);
  const Dataset& train = s.train;
  const Dataset& test = s.test;
  PixelStats ptrain = pixel_stats(train), ptest = pixel_stats(test);
  DuplicateStats dup = find_duplicates(train, test);
  auto ctrain = train.class_counts(), ctest = test.class_counts();
  std::array<size_t, kNumClasses> cval{};
  if (o.data.val > 0) {
    auto idx = stratified_split_counts(train.labels, o.data.val, g.seed);
    cval = idx;
  }

  if (o.json) {
    nlohmann::json j;
    j["origin"] = s.origin;
    j["dataset"] = s.dataset_name;
    j["image"] = {{"rows", train.rows}, {"cols", train.cols}, {"channels", 1}, {"dtype", "uint8"}};
    j["classes"] = std::vector<std::string>(s.class_names.begin(), s.class_names.end());
    j["splits"]["train"] = split_json(train, ptrain);
    j["splits"]["test"] = split_json(test, ptest);
    j["validation"] = {{"images", o.data.val},
                       {"seed", g.seed},
                       {"per_class", std::vector<size_t>(cval.begin(), cval.end())}};
    j["duplicates"] = {{"test_in_train", dup.test_in_train},
                       {"test_in_train_label_differs", dup.test_in_train_label_differs},
                       {"within_train", dup.within_train},
                       {"within_test", dup.within_test}};
    fmt::print("{}\n", j.dump(2));
    return 0;
  }

  fmt::print("Data:     {} ({})\n", s.origin, s.dataset_name);
  fmt::print("Images:   {}x{} grey, 8-bit; {} train, {} test\n\n", train.rows, train.cols,
             train.size(), test.size());
  fmt::print("{:<3} {:<12} {:>8} {:>8} {:>11}\n", "#", "class", "train", "test", "validation");
  for (int c = 0; c < kNumClasses; ++c) {
    fmt::print("{:<3} {:<12} {:>8} {:>8} {:>11}\n", c, s.class_names[c], ctrain[c], ctest[c],
               cval[c]);
  }
  fmt::print("{:<3} {:<12} {:>8} {:>8} {:>11}\n\n", "", "total", train.size(), test.size(),
             o.data.val);
  fmt::print("Validation: {} images held out of train by default (--val, stratified, --seed {})\n\n",
             o.data.val, g.seed);
  fmt::print("{:<8} {:>8} {:>8} {:>5} {:>5}\n", "pixels", "mean", "std", "min", "max");
  fmt::print("{:<8} {:>8.2f} {:>8.2f} {:>5} {:>5}\n", "train", ptrain.mean, ptrain.std, ptrain.min,
             ptrain.max);
  fmt::print("{:<8} {:>8.2f} {:>8.2f} {:>5} {:>5}\n\n", "test", ptest.mean, ptest.std, ptest.min,
             ptest.max);
  fmt::print("Duplicates: {} test images also in train ({} with another label); {} repeated "
             "within train, {} within test\n",
             dup.test_in_train, dup.test_in_train_label_differs, dup.within_train,
             dup.within_test);
  return 0;
}

}  // namespace

void add_data_info(CLI::App* data, Globals& g, Action& action) {
  auto o = std::make_shared<InfoOptions>();
  auto* cmd = data->add_subcommand("info", "Counts per class and split, pixel statistics, duplicates");
  add_data_options(cmd, o->data);
  cmd->add_flag("--json", o->json, "Print JSON instead of tables");
  cmd->footer("Examples:\n  fmnist data info\n  fmnist data info --data data/kaggle --json");
  cmd->callback([o, &g, &action] { action = [o, &g] { return run_info(*o, g); }; });
}

}  // namespace fmnist::cli
