#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <tuple>

#include <nlohmann/json.hpp>

#include "core/files.hpp"
#include "eval/metrics.hpp"
#include "models/model_io.hpp"
#include "models/npy.hpp"
#include "models/registry.hpp"
#include "models/xgboost_features.hpp"
#include "support/expect_distributions.hpp"
#include "support/expect_error.hpp"
#include "support/fitted.hpp"
#include "support/fixtures.hpp"
#include "support/python.hpp"
#include "support/real_subset.hpp"

namespace fmnist {
namespace {

using test::expect_error;
using test::fitted;
using test::TempDir;

// Small bins and trees keep these tests to a few seconds: with 784 pixels
// the per-node histograms, not the images, are most of the work.
nlohmann::json saved_json(const Classifier& model) {
  TempDir dir;
  model.save(dir.path());
  const auto bytes = read_file(dir / "xgboost.json");
  return nlohmann::json::parse(bytes.begin(), bytes.end());
}

int saved_trees(const Classifier& model) {
  const auto j = saved_json(model);
  return static_cast<int>(j["learner"]["gradient_booster"]["model"]["trees"].size());
}

TEST(XgBoost, ReachesAccuracyFloorOnRealSubset) {
  const Dataset train = test::real_subset("train", 3000),
                test_set = test::real_subset("t10k", 1000);
  auto model = fitted("xgboost:rounds=20,max_bin=32,max_depth=4", train);
  const double acc = accuracy(model->predict(test_set), test_set.labels);
  // 81.8% when written (Python xgboost, same settings and images: 81.8%).
  EXPECT_GE(acc, 0.79) << "test accuracy " << acc;
  EXPECT_LT(log_loss(model->predict_proba(test_set), test_set.labels), 0.6);
}

TEST(XgBoost, ProbabilitiesAreDistributionsAndLearnSeparableClasses) {
  const Dataset d = test::make_dataset(300);
  auto model = fitted("xgboost:rounds=10", d);
  test::expect_distributions(model->predict_proba(d), d.size());
  EXPECT_EQ(accuracy(model->predict(d), d.labels), 1.0);
}

TEST(XgBoost, ReloadGivesIdenticalProbabilities) {
  const Dataset train = test::real_subset("train", 1000), other = test::real_subset("t10k", 300);
  for (const std::string spec :
       {"xgboost:rounds=8,max_depth=4,max_bin=32", "xgboost:rounds=5,zeros=value,max_bin=32",
        "xgboost:rounds=5,max_bin=32,features=pixels+profiles",
        "xgboost:rounds=5,max_bin=32,features=hog+pooled+profiles"}) {
    SCOPED_TRACE(spec);
    auto model = fitted(spec, train, 3);
    TempDir dir;
    save_model(*model, ModelInfo{}, dir / "m");
    EXPECT_TRUE(std::filesystem::exists(dir / "m" / "xgboost.json"));
    auto back = load_model(dir / "m");
    EXPECT_EQ(back.model->predict_proba(other), model->predict_proba(other));
    EXPECT_EQ(back.model->num_parameters(), model->num_parameters());
  }
}

TEST(XgBoost, SameSeedSameModelOtherSeedOtherSample) {
  const Dataset train = test::real_subset("train", 1000), other = test::real_subset("t10k", 200);
  const std::string spec = "xgboost:rounds=5,max_bin=32,subsample=0.5,colsample_bytree=0.5";
  const auto a = fitted(spec, train, 7)->predict_proba(other);
  EXPECT_EQ(fitted(spec, train, 7)->predict_proba(other), a);
  // The seed reaches XGBoost: row and column samples change with it.
  EXPECT_NE(fitted(spec, train, 8)->predict_proba(other), a);
}

TEST(XgBoost, HistoryHasOneEntryPerRoundForBothSets) {
  const Dataset train = test::real_subset("train", 1000), val = test::real_subset("t10k", 200);
  auto model = fitted("xgboost:rounds=6,max_bin=32", train, 0, &val);
  const auto h = model->history();
  ASSERT_EQ(h.size(), 6u);
  for (size_t r = 0; r < h.size(); ++r) {
    EXPECT_EQ(h[r]["round"].get<int>(), static_cast<int>(r + 1));
    for (const char* key : {"train_loss", "train_accuracy", "val_loss", "val_accuracy"})
      EXPECT_TRUE(h[r].contains(key)) << key;
  }
  EXPECT_LT(h.back()["train_loss"].get<double>(), h.front()["train_loss"].get<double>());
  // XGBoost's val merror is the model's own error on val.
  const double acc = accuracy(model->predict(val), val.labels);
  EXPECT_NEAR(h.back()["val_accuracy"].get<double>(), acc, 1e-6);
}

TEST(XgBoost, EarlyStoppingKeepsTheBestRounds) {
  // A validation set the training set says nothing about: its loss is best
  // after a few rounds, then grows.
  const Dataset train = test::real_subset("train", 600);
  Dataset val = test::real_subset("t10k", 200);
  for (auto& l : val.labels) l = static_cast<uint8_t>((l + 1) % kNumClasses);
  auto model = fitted("xgboost:rounds=100,max_bin=32,early_stopping=3", train, 0, &val);
  const auto h = model->history();
  ASSERT_LT(h.size(), 100u);
  ASSERT_TRUE(h.back().contains("stop"));
  // The kept rounds are those up to the lowest validation loss.
  size_t best = 0;
  for (size_t r = 0; r < h.size(); ++r)
    if (h[r]["val_loss"].get<double>() < h[best]["val_loss"].get<double>()) best = r;
  EXPECT_EQ(h.size(), best + 4);
  EXPECT_EQ(saved_trees(*model), static_cast<int>(best + 1) * kNumClasses);
}

TEST(XgBoost, ProgressReportsRounds) {
  const Dataset train = test::make_dataset(100);
  auto model = make_model("xgboost:rounds=4");
  std::vector<double> done;
  FitContext ctx;
  ctx.progress = [&](double d, double total, const std::string& status) {
    EXPECT_EQ(total, 4);
    EXPECT_NE(status.find("train merror"), std::string::npos) << status;
    done.push_back(d);
  };
  model->fit(train, ctx);
  EXPECT_EQ(done, (std::vector<double>{1, 2, 3, 4}));
}

TEST(XgBoost, FeatureImportanceIsNormalisedGain) {
  const Dataset d = test::make_dataset(300);
  auto model = fitted("xgboost:rounds=5", d);
  const auto fi = model->feature_importance();
  ASSERT_TRUE(fi.has_value());
  EXPECT_EQ(fi->kind, "gain");
  ASSERT_EQ(fi->overall.size(), 784u);
  ASSERT_EQ(fi->per_class.size(), 10u);
  EXPECT_NEAR(std::accumulate(fi->overall.begin(), fi->overall.end(), 0.0), 1.0, 1e-5);
  for (const auto& m : fi->per_class) {
    ASSERT_EQ(m.size(), 784u);
    EXPECT_NEAR(std::accumulate(m.begin(), m.end(), 0.0), 1.0, 1e-5);
  }
}

// The saved file is XGBoost's own: Python's xgboost opens it and predicts
// the same probabilities, with the same gain importances. With a feature
// plan, the script builds the features from the attribute the model carries
// (the HOG part alone comes from fmnist, computed here).
TEST(XgBoost, PythonXgboostReadsTheSavedModel) {
  const Dataset train = test::real_subset("train", 1000), other = test::real_subset("t10k", 200);
  for (const std::string extra : {"zeros=missing", "zeros=value", "features=pixels+profiles",
                                  "features=hog+pooled+profiles,hog_cell=4"}) {
    SCOPED_TRACE(extra);
    const bool missing = extra != "zeros=value";
    auto model = fitted("xgboost:rounds=5,max_bin=32," + extra, train);
    TempDir dir;
    model->save(dir.path());
    save_npy_u8(dir / "queries.npy", other.pixels, {other.size(), 28, 28});
    const auto hog = BoostFeatures::parse("hog", 4).for_images(28, 28);
    save_npy_u8(dir / "hog.npy", hog.transform(other, 1), {other.size(), hog.dim()});
    const auto r = test::run_python_script("xgboost_predict.py",
                                           {dir.path().string(), (dir / "queries.npy").string(),
                                            missing ? "0" : "nan", (dir / "hog.npy").string()});
    if (r.exit_code == 77) GTEST_SKIP() << "no xgboost for /usr/bin/python3";
    ASSERT_EQ(r.exit_code, 0) << r.out;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["attr"].get<std::string>(), missing ? "missing" : "value");
    const auto plan =
        extra.find("features=") == 0 ? extra.substr(9, extra.find(',') - 9) : "pixels";
    EXPECT_EQ(j["parts"].get<std::string>(), plan);
    const auto ours = model->predict_proba(other);
    const auto& theirs = j["proba"];
    ASSERT_EQ(theirs.size(), other.size());
    for (size_t i = 0; i < other.size(); ++i)
      for (int c = 0; c < kNumClasses; ++c)
        EXPECT_NEAR(ours[i * kNumClasses + c], theirs[i][c].get<double>(), 1e-6);
    if (plan != "pixels") continue;  // pixel maps share the other parts' gain: next test
    const auto fi = model->feature_importance();
    double total = 0;
    for (const auto& [name, gain] : j["gain"].items()) total += gain.get<double>();
    for (const auto& [name, gain] : j["gain"].items()) {
      const size_t f = std::stoul(name.substr(1));  // "f123"
      EXPECT_NEAR(fi->overall[f], gain.get<double>() / total, 1e-5) << name;
    }
  }
}

// Features other than pixels (row and column profiles: 56 more; HOG with 2x2
// means and profiles: 324 + 196 + 56) are features the trees use; after a
// reload, importance maps over the pixels that still sum to 1, with each
// feature's gain spread over the pixels it reads.
TEST(XgBoost, FeaturePlansAreFeaturesTheTreesUseAndMapOntoPixels) {
  const Dataset train = test::real_subset("train", 1000);
  for (const auto& [plan, features, first_other] :
       {std::tuple{"pixels+profiles", 840, 784}, std::tuple{"hog+pooled+profiles", 576, 0}}) {
    SCOPED_TRACE(plan);
    auto model = fitted(std::string("xgboost:rounds=5,max_bin=32,features=") + plan, train);
    const auto j = saved_json(*model);
    EXPECT_EQ(j["learner"]["learner_model_param"]["num_feature"].get<std::string>(),
              std::to_string(features));
    bool splits_on_other = false;
    for (const auto& tree : j["learner"]["gradient_booster"]["model"]["trees"])
      for (int f : tree["split_indices"].get<std::vector<int>>())
        splits_on_other |= first_other == 0 ? f < 324 : f >= first_other;
    EXPECT_TRUE(splits_on_other);

    TempDir dir;
    save_model(*model, ModelInfo{}, dir / "m");
    auto back = load_model(dir / "m").model;
    const auto fi = back->feature_importance();
    ASSERT_TRUE(fi.has_value());
    ASSERT_EQ(fi->overall.size(), 784u);
    EXPECT_NEAR(std::accumulate(fi->overall.begin(), fi->overall.end(), 0.0), 1.0, 1e-5);
    for (const auto& m : fi->per_class)
      EXPECT_NEAR(std::accumulate(m.begin(), m.end(), 0.0), 1.0, 1e-5);

    const Dataset small = test::make_dataset(5, 1, 14, 56);
    expect_error([&] { back->predict_proba(small); }, {"28x28", "14x56", plan});
  }
}

// Models saved before feature plans said pixels+profiles with a
// "fmnist_profiles" attribute; they still load and predict the same.
TEST(XgBoost, ModelsSavedWithTheOlderProfilesAttributeStillLoad) {
  const Dataset train = test::real_subset("train", 500), other = test::real_subset("t10k", 100);
  auto model = fitted("xgboost:rounds=3,max_bin=32,features=pixels+profiles", train);
  TempDir dir;
  auto j = saved_json(*model);
  auto& attributes = j["learner"]["attributes"];
  ASSERT_TRUE(attributes.contains("fmnist_features"));
  attributes.erase("fmnist_features");
  attributes["fmnist_profiles"] = "28x28";
  test::write_text(dir / "xgboost.json", j.dump());
  auto back = make_model("xgboost");
  back->load(dir.path());
  EXPECT_EQ(back->predict_proba(other), model->predict_proba(other));
  EXPECT_EQ(back->feature_importance()->overall, model->feature_importance()->overall);
}

TEST(XgBoost, LoadRejectsAFeaturePlanThatDoesNotFitTheModel) {
  auto model = fitted("xgboost:rounds=2,max_bin=32,features=pixels+profiles",
                      test::real_subset("train", 200));
  TempDir dir;
  auto j = saved_json(*model);
  const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
      {R"({"parts": ["pixels", "pooled"], "rows": 28, "cols": 28})", {"980 features", "840"}},
      {R"({"parts": ["pixels", "colour"], "rows": 28, "cols": 28})", {"colour"}},
      {R"({"parts": ["hog"], "rows": 28, "cols": 28})", {"HOG"}},
      {"28x28", {"unreadable feature plan"}},
  };
  for (const auto& [plan, words] : cases) {
    SCOPED_TRACE(plan);
    j["learner"]["attributes"]["fmnist_features"] = plan;
    test::write_text(dir / "xgboost.json", j.dump());
    auto back = make_model("xgboost");
    for (const auto& word : words)
      expect_error([&] { back->load(dir.path()); }, {word, "xgboost.json"});
  }
}

TEST(XgBoost, QuickPresetSetsItsDefaultsAndExplicitSettingsWin) {
  const auto quick = make_model("xgboost:preset=quick")->settings().canonical_spec();
  EXPECT_NE(quick.find("rounds=80"), std::string::npos) << quick;
  EXPECT_NE(quick.find("max_bin=32"), std::string::npos) << quick;
  const auto mixed = make_model("xgboost:preset=quick,rounds=7")->settings().canonical_spec();
  EXPECT_NE(mixed.find("rounds=7"), std::string::npos) << mixed;
  // The canonical spec rebuilds the same model.
  EXPECT_EQ(make_model(quick)->settings().canonical_spec(), quick);
}

TEST(XgBoost, RejectsBadSettings) {
  expect_error([] { make_model("xgboost:rounds=0"); }, {"rounds=0", "from 1"});
  expect_error([] { make_model("xgboost:eta=0"); }, {"eta=0"});
  expect_error([] { make_model("xgboost:subsample=1.5"); }, {"subsample=1.5"});
  expect_error([] { make_model("xgboost:tree_method=gpu_hist"); },
               {"tree_method=gpu_hist", "hist, approx, exact"});
  expect_error([] { make_model("xgboost:preset=slow"); }, {"preset=slow", "full, quick"});
  expect_error([] { make_model("xgboost:trees=5"); }, {"unknown setting 'trees'", "rounds"});
  expect_error([] { make_model("xgboost:features=pixels+colour"); },
               {"features=pixels+colour", "'colour'", "pooled"});
  expect_error([] { make_model("xgboost:features=hog+hog"); }, {"'hog' comes twice"});
  expect_error([] { make_model("xgboost:features=pixels+"); }, {"features=pixels+"});
  expect_error([] { make_model("xgboost:hog_cell=1"); }, {"hog_cell=1"});
  auto big_cells = make_model("xgboost:features=hog,hog_cell=20");
  expect_error([&] { big_cells->fit(test::make_dataset(20), FitContext{}); },
               {"xgboost", "cell size 20", "28x28"});
}

TEST(XgBoost, PredictRejectsOtherImageSize) {
  auto model = fitted("xgboost:rounds=2", test::make_dataset(50));
  expect_error([&] { model->predict_proba(test::make_dataset(5, 1, 20, 12)); },
               {"xgboost", "784", "240"});
}

TEST(XgBoost, LoadReportsXgboostsOwnError) {
  TempDir dir;
  test::write_text(dir / "xgboost.json", "{\"learner\": 3}");
  auto model = make_model("xgboost");
  expect_error([&] { model->load(dir.path()); }, {"xgboost.json", "not an XGBoost model"});
  std::filesystem::remove(dir / "xgboost.json");
  expect_error([&] { model->load(dir.path()); }, {"xgboost.json"});
}

TEST(XgBoost, FitRejectsEmptyTrainingSet) {
  auto model = make_model("xgboost");
  expect_error([&] { model->fit(Dataset{}, FitContext{}); }, {"empty training set"});
}

}  // namespace
}  // namespace fmnist
