#include <gtest/gtest.h>

#include "data/source.hpp"
#include "eval/metrics.hpp"
#include "models/model_io.hpp"
#include "models/registry.hpp"
#include "support/expect_distributions.hpp"
#include "support/expect_error.hpp"
#include "support/fixtures.hpp"

namespace fmnist {
namespace {

namespace fs = std::filesystem;

TEST(NaiveBayes, ClearsItsFloorOnRealData) {
  DataOptions o;
  o.data = test::real_data_dir().string();
  o.val = 0;
  DataSplits s = load_data(o);
  auto m = make_model("naive-bayes");
  m->fit(s.train, {});
  EXPECT_GT(accuracy(m->predict(s.test), s.test.labels), 0.65);
}

TEST(NaiveBayes, ProbabilitiesSumToOne) {
  auto train = test::make_dataset(200, 1), test_set = test::make_dataset(50, 2);
  auto m = make_model("naive-bayes");
  m->fit(train, {});
  test::expect_distributions(m->predict_proba(test_set), test_set.size());
  EXPECT_EQ(accuracy(m->predict(test_set), test_set.labels), 1.0);
}

TEST(NaiveBayes, ReloadGivesIdenticalProbabilities) {
  test::TempDir dir;
  auto train = test::make_dataset(300, 1), test_set = test::make_dataset(60, 2);
  auto m = make_model("naive-bayes:var_smoothing=0.05");
  m->fit(train, {});
  save_model(*m, ModelInfo{}, dir / "nb");
  auto back = load_model(dir / "nb");
  EXPECT_EQ(back.model->settings().canonical_spec(), "naive-bayes:var_smoothing=0.05");
  EXPECT_EQ(back.model->predict_proba(test_set), m->predict_proba(test_set));
}

TEST(NaiveBayes, RejectsImagesOfAnotherSize) {
  auto m = make_model("naive-bayes");
  m->fit(test::make_dataset(50, 1), {});
  test::expect_error([&] { m->predict(test::make_dataset(5, 1, 20, 20)); }, {"784", "400"});
}

TEST(ModelIo, MissingOrBrokenModelDirectory) {
  test::TempDir dir;
  test::expect_error([&] { load_model(dir / "none"); }, {"no such model directory"});
  fs::create_directories(dir / "bad");
  test::write_text(dir / "bad" / "model.json", "{ not json");
  test::expect_error([&] { load_model(dir / "bad"); }, {"model.json", "not valid JSON"});
  test::write_text(dir / "bad" / "model.json",
                   R"({"format": "fmnist-model", "spec": "naive-bayes"})");
  test::expect_error([&] { load_model(dir / "bad"); }, {"naive_bayes.json", "no such file"});
}

TEST(ModelIo, SaveReplacesAnExistingModelWhole) {
  test::TempDir dir;
  auto m = make_model("naive-bayes");
  m->fit(test::make_dataset(50, 1), {});
  save_model(*m, ModelInfo{}, dir / "m");
  test::write_text(dir / "m" / "stale.txt", "old");
  save_model(*m, ModelInfo{}, dir / "m");
  EXPECT_FALSE(fs::exists(dir / "m" / "stale.txt"));
  EXPECT_TRUE(fs::exists(dir / "m" / "model.json"));
  // No temp directories left beside it.
  int entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir.path())) ++entries;
  EXPECT_EQ(entries, 1);
}

}  // namespace
}  // namespace fmnist
