// fmnist bench's lineups and runner: every profile entry is a valid spec,
// the cache reuses what has not changed, a failure does not stop the run.
#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include "bench/lanes.hpp"
#include "bench/run.hpp"
#include "data/source.hpp"
#include "models/registry.hpp"
#include "support/expect_error.hpp"
#include "support/fixtures.hpp"

namespace fmnist {
namespace {

namespace fs = std::filesystem;

TEST(BenchLineup, EveryProfileEntryIsAValidSpecWithAUniqueLabel) {
  for (const char* profile : {"quick", "full"}) {
    SCOPED_TRACE(profile);
    auto entries = bench::lineup(profile);
    EXPECT_GE(entries.size(), 12u);
    std::set<std::string> labels;
    for (const auto& e : entries) {
      EXPECT_NO_THROW(make_model(e.spec)) << e.spec;
      EXPECT_TRUE(labels.insert(e.label).second) << e.label;
      EXPECT_GT(e.expected_seconds, 0);
    }
    // The notebooks' models are all there.
    for (const char* name : {"logreg", "svm", "tree", "forest", "knn", "xgboost", "mlp", "cnn",
                             "cnn-rnn", "mobilenetv2"})
      EXPECT_TRUE(labels.count(name)) << name;
  }
  EXPECT_THROW(bench::lineup("fast"), Error);
}

// The quick mobilenetv2 names only what differs from the model's defaults:
// a change of those defaults must not change the recipe its accuracy was
// measured with (nor the cache entries it trained).
TEST(BenchLineup, QuickMobileNetV2IsTheRecipeItWasMeasuredWith) {
  const std::string quick = bench::select(bench::lineup("quick"), "mobilenetv2").at(0).spec;
  const std::string measured =
      "mobilenetv2:width=0.25,head=320,epochs=4,optimizer=adamw,lr=0.01,weight_decay=0.0005,"
      "dropout=0,zero_gamma=true,label_smoothing=0.1,flip=false,translate=0,erase=0";
  EXPECT_EQ(make_model(quick)->settings().canonical_spec(),
            make_model(measured)->settings().canonical_spec());
}

TEST(BenchLineup, FullVitIsTheRecipeMeasuredToItsBar) {
  const std::string full = bench::select(bench::lineup("full"), "vit").at(0).spec;
  // 92.26% and 91.54% from scratch on seeds 0 and 1 (docs/BENCHMARKS.md,
  // "vit from scratch, 91% bar").
  const std::string measured =
      "vit:patch=4,dim=64,heads=4,blocks=6,mlp=128,epochs=40,batch=128,optimizer=adamw,lr=0.002,"
      "weight_decay=0.05,schedule=onecycle,label_smoothing=0.1,dropout=0,flip=true,translate=2,"
      "erase=0";
  EXPECT_EQ(make_model(full)->settings().canonical_spec(),
            make_model(measured)->settings().canonical_spec());
}

TEST(BenchLineup, NotebookAccuraciesApplyToTheWholeFashionMnistOnly) {
  EXPECT_TRUE(bench::notebook_comparable("fashion-mnist", 60000, 10000));
  EXPECT_FALSE(bench::notebook_comparable("mnist", 60000, 10000));
  EXPECT_FALSE(bench::notebook_comparable("custom", 60000, 10000));
  EXPECT_FALSE(bench::notebook_comparable("fashion-mnist", 6000, 10000));
  EXPECT_FALSE(bench::notebook_comparable("fashion-mnist", 60000, 1000));
}

TEST(BenchLineup, SelectKeepsLineupOrderAndRejectsUnknownNames) {
  auto all = bench::lineup("quick");
  auto some = bench::select(all, "cnn, logreg");
  ASSERT_EQ(some.size(), 2u);
  EXPECT_EQ(some[0].label, "logreg");
  EXPECT_EQ(some[1].label, "cnn");
  EXPECT_EQ(bench::select(all, "").size(), all.size());
  test::expect_error([&] { bench::select(all, "logreg,nope"); }, {"'nope' is not in this profile"});
}

DataSplits small_data() {
  DataSplits d;
  d.train = test::make_dataset(300, 1);
  d.test = test::make_dataset(100, 2);
  d.class_names = class_names_for("generic");
  d.dataset_name = "generated";
  return d;
}

TEST(BenchRun, SecondRunComesFromTheCacheWithTheSameResults) {
  test::TempDir dir;
  const auto data = small_data();
  std::vector<bench::LineupEntry> entries = {{"nb", "naive-bayes", 0.5, 1},
                                             {"tree", "tree:max_depth=4", 0, 1}};
  bench::RunOptions opts;
  opts.cache = dir / "cache";
  size_t starts = 0, dones = 0;
  bench::RunCallbacks cb;
  cb.start = [&](size_t i, size_t n, const bench::LineupEntry&, double eta) {
    EXPECT_EQ(i, starts++);
    EXPECT_EQ(n, 2u);
    EXPECT_GE(eta, 0);
  };
  cb.done = [&](size_t, size_t, const bench::LineupEntry&, const bench::EntryOutcome&, double) {
    ++dones;
  };
  auto first = bench::run_lineup(entries, data, opts, cb);
  EXPECT_EQ(starts, 2u);
  EXPECT_EQ(dones, 2u);
  ASSERT_EQ(first.size(), 2u);
  for (const auto& o : first) {
    EXPECT_TRUE(o.result.ok()) << o.result.error;
    EXPECT_FALSE(o.cached);
  }
  EXPECT_DOUBLE_EQ(first[0].result.metrics["notebook_accuracy"].get<double>(), 0.5);

  auto second = bench::run_lineup(entries, data, opts);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_TRUE(second[i].cached);
    EXPECT_EQ(second[i].result.test.accuracy, first[i].result.test.accuracy);
    EXPECT_EQ(second[i].result.fit_seconds(), first[i].result.fit_seconds());
  }
  // --force retrains; another spec, seed or data is another cache entry.
  opts.force = true;
  EXPECT_FALSE(bench::run_lineup(entries, data, opts)[0].cached);
  opts.force = false;
  const auto a = bench::cache_dir(opts, entries[1], data);
  EXPECT_NE(a, bench::cache_dir(opts, {"tree", "tree:max_depth=5", 0, 1}, data));
  EXPECT_EQ(a, bench::cache_dir(opts, {"tree", "tree:max_depth=4", 0, 1}, data));
  bench::RunOptions other = opts;
  other.seed = 9;
  EXPECT_NE(a, bench::cache_dir(other, entries[1], data));
  auto data2 = data;
  data2.test = test::make_dataset(100, 3);
  EXPECT_NE(a, bench::cache_dir(opts, entries[1], data2));
}

TEST(BenchRun, AFailingModelIsRecordedAndTheRunGoesOn) {
  test::TempDir dir;
  const auto data = small_data();
  std::vector<bench::LineupEntry> entries = {{"bad", "knn:k=0", 0, 1}, {"nb", "naive-bayes", 0, 1}};
  bench::RunOptions opts;
  opts.cache = dir / "cache";
  auto out = bench::run_lineup(entries, data, opts);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_FALSE(out[0].result.ok());
  EXPECT_FALSE(out[0].result.error.empty());
  EXPECT_TRUE(out[1].result.ok()) << out[1].result.error;
}

TEST(BenchRun, TrainAccuracyComesFromAStratifiedSampleAndTestFromTheFitRun) {
  test::TempDir dir;
  const auto data = small_data();
  std::vector<bench::LineupEntry> entries = {{"tree", "tree:max_depth=3", 0, 1}};
  bench::RunOptions opts;
  opts.cache = dir / "cache";
  opts.train_score_images = 120;
  auto sampled = bench::run_lineup(entries, data, opts);
  ASSERT_TRUE(sampled[0].result.ok()) << sampled[0].result.error;
  const auto& train = sampled[0].result.metrics["train"];
  EXPECT_EQ(train["images"].get<size_t>(), 120u);
  EXPECT_EQ(train["sampled_from"].get<size_t>(), data.train.size());
  // The sample is an estimate of the whole training split's accuracy, not
  // another number: a 120-of-300 sample of a depth-3 tree stays close.
  opts.force = true;
  opts.train_score_images = 0;
  auto whole = bench::run_lineup(entries, data, opts);
  EXPECT_EQ(whole[0].result.metrics["train"]["images"].get<size_t>(), data.train.size());
  EXPECT_FALSE(whole[0].result.metrics["train"].contains("sampled_from"));
  EXPECT_NEAR(train["accuracy"].get<double>(),
              whole[0].result.metrics["train"]["accuracy"].get<double>(), 0.12);
  // Evaluating reuses the prediction made after fitting: same test figures
  // as metrics.json, and the same evaluation as a fresh prediction gives.
  const auto& r = sampled[0].result;
  EXPECT_DOUBLE_EQ(r.metrics["test"]["accuracy"].get<double>(), r.test.accuracy);
  bench::RunOptions again;
  again.cache = opts.cache;
  again.train_score_images = 120;
  auto cached = bench::run_lineup(entries, data, again);
  ASSERT_TRUE(cached[0].cached);
  EXPECT_EQ(cached[0].result.test.accuracy, whole[0].result.test.accuracy);
  EXPECT_EQ(cached[0].result.test.confusion, whole[0].result.test.confusion);
}

TEST(BenchRun, EvaluatingRejectsATestPredictionOfTheWrongSize) {
  const auto data = small_data();
  FitContext ctx;
  auto r = train_and_score("naive-bayes", data, ctx);
  SplitScore wrong = r.test;
  wrong.proba.resize(wrong.proba.size() - kNumClasses);
  test::expect_error([&] { evaluate_scored(*r.model, data, r.metrics, "nb", wrong); },
                     {"99 test probabilities for 100 images"});
}

// What a lane's child leaves behind decides the entry's fate: a model in the
// cache, else the error it wrote, else its exit status and its last words.
TEST(BenchLanes, AChildThatLeavesNoModelIsReportedWithWhy) {
  test::TempDir dir;
  const auto data = small_data();
  std::vector<bench::LineupEntry> entries = {{"fine", "naive-bayes", 0, 400},
                                             {"said", "tree", 0, 300},
                                             {"crashed", "tree:max_depth=3", 0, 200},
                                             {"absent", "tree:max_depth=4", 0, 100}};
  bench::RunOptions opts;
  opts.cache = dir / "cache";
  opts.train_threads = 1;
  std::vector<std::string> order;
  bench::LaneCallbacks cb;
  cb.start = [&](const std::vector<const bench::LineupEntry*>& es, size_t) {
    ASSERT_EQ(es.size(), 1u);  // none is small enough to share a child
    order.push_back(es[0]->label);
  };
  auto out = bench::train_in_lanes(
      entries, data, opts, 2,
      [&](const std::vector<const bench::LineupEntry*>& es) -> std::vector<std::string> {
        const std::string label = es[0]->label;
        const fs::path cache = bench::cache_dir(opts, *es[0], data);
        if (label == "fine")
          return {"/bin/sh", "-c",
                  "mkdir -p '" + cache.string() + "' && touch '" + (cache / "model.json").string() +
                      "'"};
        if (label == "said")
          return {
              "/bin/sh", "-c",
              "printf 'tree: bad setting' > '" + bench::error_file(cache).string() + "'; exit 1"};
        if (label == "crashed") return {"/bin/sh", "-c", "echo 'fit 10%'; echo 'lost'; exit 4"};
        return {(dir / "no-such-program").string()};
      },
      cb);
  EXPECT_EQ(order, (std::vector<std::string>{"fine", "said", "crashed", "absent"}));
  EXPECT_EQ(out.seconds.size(), 4u);
  EXPECT_FALSE(out.errors.count("fine"));
  EXPECT_EQ(out.errors["said"], "tree: bad setting");
  EXPECT_NE(out.errors["crashed"].find("status 4: lost (log: "), std::string::npos)
      << out.errors["crashed"];
  EXPECT_NE(out.errors["absent"].find("could not start"), std::string::npos)
      << out.errors["absent"];

  // The run then reports those errors and trains nothing of them itself.
  opts.lane_errors = out.errors;
  auto run = bench::run_lineup({entries[1]}, data, opts);
  ASSERT_EQ(run.size(), 1u);
  EXPECT_EQ(run[0].result.error, "tree: bad setting");
  EXPECT_FALSE(fs::exists(bench::cache_dir(opts, entries[1], data)));
}

TEST(CliBench, RunsTheChosenModelsWritesTheReportAndReusesTheCache) {
  test::TempDir dir;
  test::write_idx_fixture(dir.path(), 300, 100);
  const std::vector<std::string> args = {"bench",
                                         "--models",
                                         "naive-bayes,tree",
                                         "--data",
                                         dir.path().string(),
                                         "--out",
                                         (dir / "out").string(),
                                         "--cache",
                                         (dir / "cache").string()};
  auto r = test::run_fmnist(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("| `naive-bayes` |"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("report.html"), std::string::npos);
  EXPECT_NE(r.err.find("[2/2] tree"), std::string::npos) << r.err;
  // 300 generated images are not the notebooks' data: no "met"/"not met".
  EXPECT_EQ(r.out.find("notebook"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("not compared"), std::string::npos) << r.err;
  auto j = nlohmann::json::parse(test::read_text(dir / "out" / "results.json"));
  EXPECT_EQ(j["models"].size(), 2u);
  EXPECT_EQ(j["machine"]["bench_profile"], "quick");
  auto again = test::run_fmnist(args);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.err.find("(cached)"), std::string::npos) << again.err;
  auto bad = test::run_fmnist({"bench", "--models", "nope", "--data", dir.path().string()});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("'nope' is not in this profile"), std::string::npos) << bad.err;
}

// Two lanes of one thread train, in child processes, the very models one
// thread trains in-process: same cache entries, same predictions.
TEST(CliBench, LanesTrainTheModelsOneThreadTrains) {
  test::TempDir dir;
  test::write_idx_fixture(dir.path(), 300, 100);
  auto run = [&](const std::string& threads, const std::string& lanes, const std::string& name) {
    auto r = test::run_fmnist({"--threads", threads, "bench", "--lanes", lanes, "--models",
                               "naive-bayes,tree,logreg,mlp", "--data", dir.path().string(),
                               "--out", (dir / name / "out").string(), "--cache",
                               (dir / name / "cache").string()});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r;
  };
  const auto lanes = run("2", "2", "lanes");
  EXPECT_NE(lanes.err.find("training in 2 lanes of 1 thread"), std::string::npos) << lanes.err;
  const auto one = run("1", "1", "one");
  EXPECT_EQ(one.err.find("lanes of"), std::string::npos) << one.err;

  auto entries = [&](const std::string& name) {
    std::set<std::string> names;
    for (const auto& e : fs::directory_iterator(dir / name / "cache"))
      if (e.is_directory()) names.insert(e.path().filename().string());
    return names;
  };
  EXPECT_EQ(entries("lanes").size(), 4u);
  EXPECT_EQ(entries("lanes"), entries("one"));
  const auto a = nlohmann::json::parse(test::read_text(dir / "lanes" / "out" / "results.json"));
  const auto b = nlohmann::json::parse(test::read_text(dir / "one" / "out" / "results.json"));
  EXPECT_EQ(a["machine"]["bench_lanes"], 2);
  EXPECT_EQ(a["machine"]["bench_threads_per_model"], 1);
  ASSERT_EQ(a["models"].size(), 4u);
  ASSERT_EQ(b["models"].size(), 4u);
  for (size_t i = 0; i < 4; ++i) {
    SCOPED_TRACE(a["models"][i]["label"].get<std::string>());
    EXPECT_EQ(a["models"][i]["label"], b["models"][i]["label"]);
    EXPECT_EQ(a["models"][i]["cached"], false);
    // The same weights; predicting with 2 threads or 1 may round differently.
    EXPECT_NEAR(a["models"][i]["test"]["log_loss"].get<double>(),
                b["models"][i]["test"]["log_loss"].get<double>(), 1e-6);
    EXPECT_TRUE(a["models"][i]["evaluation"]["confusion_matrix"]["counts"] ==
                b["models"][i]["evaluation"]["confusion_matrix"]["counts"]);
  }
  for (const auto& name : entries("lanes")) {
    for (const auto& f : fs::directory_iterator(dir / "lanes" / "cache" / name)) {
      if (f.path().filename() == "model.json") continue;  // has the timings
      SCOPED_TRACE(name + "/" + f.path().filename().string());
      EXPECT_EQ(test::read_text(f.path()),
                test::read_text(dir / "one" / "cache" / name / f.path().filename()));
    }
  }
  // The next run finds every lane's model in the cache.
  const auto again = run("2", "2", "lanes");
  EXPECT_EQ(again.err.find("training"), std::string::npos) << again.err;
  EXPECT_NE(again.err.find("(cached)"), std::string::npos) << again.err;
}

}  // namespace
}  // namespace fmnist
