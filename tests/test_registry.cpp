#include <gtest/gtest.h>

#include <cctype>

#include "models/model_io.hpp"
#include "models/registry.hpp"
#include "support/expect_distributions.hpp"
#include "support/expect_error.hpp"
#include "support/fixtures.hpp"

namespace fmnist {
namespace {

using test::expect_error;

TEST(ModelSpec, ParsesNameAndSettings) {
  auto s = ModelSpec::parse(" forest : trees=200, max_depth = 20 ");
  EXPECT_EQ(s.name, "forest");
  EXPECT_EQ(s.values.at("trees"), "200");
  EXPECT_EQ(s.values.at("max_depth"), "20");
  EXPECT_TRUE(ModelSpec::parse("knn").values.empty());
}

TEST(ModelSpec, RejectsMalformedSpecs) {
  expect_error([] { ModelSpec::parse(":a=1"); }, {"no model name"});
  expect_error([] { ModelSpec::parse("m:a"); }, {"'a' is not key=value"});
  expect_error([] { ModelSpec::parse("m:a="); }, {"not key=value"});
  expect_error([] { ModelSpec::parse("m:a=1,a=2"); }, {"'a' is given twice"});
}

TEST(Settings, ReadsTypedValuesAndRecordsThem) {
  Settings s("m", {{"n", "7"}, {"x", "0.5"}, {"b", "yes"}, {"c", "two"}});
  EXPECT_EQ(s.get_int("n", 1, "count", 1, 10), 7);
  EXPECT_DOUBLE_EQ(s.get_double("x", 1.0, "rate", 0, 1), 0.5);
  EXPECT_TRUE(s.get_bool("b", false, "flag"));
  EXPECT_EQ(s.get_choice("c", "one", "pick", {"one", "two"}), "two");
  EXPECT_EQ(s.get_int("d", 3, "default", 0, 5), 3);
  EXPECT_NO_THROW(s.check_all_used());
  EXPECT_EQ(s.canonical_spec(), "m:n=7,x=0.5,b=true,c=two,d=3");
}

TEST(Settings, RejectsOutOfRangeAndBadValues) {
  expect_error(
      [] {
        Settings("m", {{"n", "11"}}).get_int("n", 1, "", 1, 10);
      },
      {"m: setting n=11 is invalid", "from 1 to 10"});
  expect_error([] { Settings("m", {{"n", "1.5"}}).get_int("n", 1, "", 1, 10); }, {"whole number"});
  expect_error([] { Settings("m", {{"x", "abc"}}).get_double("x", 1, "", 0, 2); }, {"x=abc"});
  expect_error([] { Settings("m", {{"x", "nan"}}).get_double("x", 1, "", 0, 2); }, {"x=nan"});
  expect_error([] { Settings("m", {{"b", "maybe"}}).get_bool("b", false, ""); }, {"true or false"});
  expect_error(
      [] {
        Settings("m", {{"c", "z"}}).get_choice("c", "a", "", {"a", "b"});
      },
      {"one of a, b"});
}

TEST(Settings, UnknownKeyListsKnownOnes) {
  Settings s("m", {{"tres", "5"}});
  s.get_int("trees", 100, "", 1, 1000);
  s.get_int("depth", 0, "", 0, 100);
  expect_error([&] { s.check_all_used(); }, {"unknown setting 'tres'", "trees, depth"});
}

TEST(Registry, UnknownModelListsKnownOnes) {
  expect_error([] { make_model("forrest"); }, {"unknown model 'forrest'", "naive-bayes"});
}

TEST(Registry, UnknownSettingOfARealModel) {
  expect_error([] { make_model("naive-bayes:bogus=1"); }, {"unknown setting 'bogus'"});
}

TEST(Registry, EveryModelBuildsWithDefaultsAndDocumentsItsSettings) {
  ASSERT_FALSE(model_registry().empty());
  for (const auto& e : model_registry()) {
    auto m = make_model(e.name);
    EXPECT_EQ(m->name(), e.name);
    EXPECT_FALSE(e.description.empty()) << e.name;
    for (const auto& d : m->settings().declared())
      EXPECT_FALSE(d.help.empty()) << e.name << "." << d.name;
    // The canonical spec rebuilds the same settings.
    auto again = make_model(m->settings().canonical_spec());
    EXPECT_EQ(again->settings().canonical_spec(), m->settings().canonical_spec());
  }
}

// Every registered model, on a small generated set: probabilities are a
// distribution per row, and a saved model reloads to bit-identical ones. One
// test per model, so ctest runs them side by side; nets train one epoch
// (their recipe is checked on real data elsewhere).
class EveryModel : public ::testing::TestWithParam<std::string> {};

TEST_P(EveryModel, FitsAndReloadsToIdenticalProbabilities) {
  const std::string name = GetParam();
  bool neural = false;
  for (const auto& e : model_registry()) neural |= e.name == name && e.family == "neural";
  // Fewer images for the nets: one epoch of the biggest is slow on a CPU.
  auto train = test::make_dataset(neural ? 96 : 400, 1), test_set = test::make_dataset(100, 2);
  test::TempDir dir;
  auto m = make_model(neural ? name + ":epochs=1" : name);
  FitContext ctx;
  ctx.seed = 5;
  ctx.val = &test_set;
  m->fit(train, ctx);
  auto p = m->predict_proba(test_set);
  test::expect_distributions(p, test_set.size(), 1e-4);
  save_model(*m, ModelInfo{}, dir / "m");
  auto back = load_model(dir / "m");
  EXPECT_EQ(back.model->predict_proba(test_set), p);
  if (auto fi = m->feature_importance()) {
    EXPECT_EQ(fi->overall.size(), train.image_size());
    EXPECT_FALSE(fi->kind.empty());
  }
}

std::vector<std::string> registered_names() {
  std::vector<std::string> names;
  for (const auto& e : model_registry()) names.push_back(e.name);
  return names;
}

INSTANTIATE_TEST_SUITE_P(Registry, EveryModel, ::testing::ValuesIn(registered_names()),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& c : n)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return n;
                         });

}  // namespace
}  // namespace fmnist
