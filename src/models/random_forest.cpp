#include "models/random_forest.hpp"

#include <atomic>
#include <exception>
#include <mutex>

#include "core/error.hpp"
#include "core/rng.hpp"
#include "core/threads.hpp"

namespace fmnist {

RandomForest::RandomForest(Settings s) : EnsembleClassifier(std::move(s)) {
  trees_ = settings_.get_int("trees", 100, "trees in the forest", 1, 100000);
  opts_ = trees::declare_tree_settings(settings_, 1, "sqrt");
  bootstrap_ = settings_.get_bool("bootstrap", true,
                                  "grow each tree on a bootstrap sample (else on every image)");
  max_samples_ = settings_.get_string(
      "max_samples", "all", "bootstrap draws per tree: all, a count, or a fraction such as 0.5");
  trees::check_count_or_fraction(name(), "max_samples", max_samples_, {"all"});
  if (!bootstrap_ && max_samples_ != "all") {
    fail("forest: setting max_samples={} needs bootstrap=true", max_samples_);
  }
}

void RandomForest::fit(const Dataset& train, const FitContext& ctx) {
  if (train.size() == 0) fail("forest: empty training set");
  trees::CartParams params = opts_.params;
  params.max_features = trees::resolve_max_features(opts_.max_features, train.image_size(), name());
  const size_t n = train.size();
  const size_t draws = trees::resolve_max_samples(max_samples_, n, name());
  const trees::TrainMatrix data(train);

  // One seed per tree, drawn up front: tree t is the same whichever thread
  // grows it and however many there are.
  Rng master(ctx.seed);
  std::vector<uint64_t> seeds(trees_);
  for (auto& s : seeds) s = master.next();

  trees::Ensemble fitted;
  fitted.rows = train.rows;
  fitted.cols = train.cols;
  fitted.trees.resize(trees_);
  std::atomic<int> done{0};
  std::mutex report_mutex;
  std::exception_ptr error;
  ctx.report(0, trees_);
#pragma omp parallel for schedule(dynamic, 1) num_threads(std::max(1, threads()))
  for (int t = 0; t < trees_; ++t) {
    try {
      Rng rng(seeds[t]);
      std::vector<uint32_t> weights;
      if (bootstrap_) {
        weights.assign(n, 0);
        for (size_t k = 0; k < draws; ++k) ++weights[rng.below(n)];
      }
      fitted.trees[t] = trees::build_tree(data, weights, params, rng.next(), false);
      const int now = ++done;
      std::lock_guard lock(report_mutex);
      ctx.report(now, trees_);
    } catch (...) {
      std::lock_guard lock(report_mutex);
      if (!error) error = std::current_exception();
    }
  }
  if (error) std::rethrow_exception(error);
  fitted.set_importance();
  model_ = std::move(fitted);
}

}  // namespace fmnist
