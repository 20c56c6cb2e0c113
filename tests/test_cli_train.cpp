// End-to-end: fmnist models / train / eval through the binary.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "data/idx.hpp"
#include "support/fixtures.hpp"

namespace fmnist {
namespace {

using test::run_fmnist;
namespace fs = std::filesystem;
using test::TempDir;

void write_data(const TempDir& dir) {
  save_idx(test::make_dataset(300, 1), dir / "train-images-idx3-ubyte.gz", dir / "train-labels-idx1-ubyte.gz");
  save_idx(test::make_dataset(100, 2), dir / "t10k-images-idx3-ubyte.gz", dir / "t10k-labels-idx1-ubyte.gz");
}

TEST(CliTrain, ModelsListsEveryModelWithSettings) {
  auto r = run_fmnist({"models", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  ASSERT_FALSE(j.empty());
  bool nb = false;
  for (const auto& m : j) nb = nb || m["name"] == "naive-bayes";
  EXPECT_TRUE(nb);
}

TEST(CliTrain, TrainSavesModelAndMetricsAndEvalReproducesThem) {
  TempDir dir;
  write_data(dir);
  auto out = (dir / "model").string();
  auto r = run_fmnist({"--seed", "3", "train", "--model", "naive-bayes", "--data", dir.path().string(),
                       "--val", "50", "--out", out, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto metrics = nlohmann::json::parse(r.out);
  EXPECT_EQ(metrics["train"]["images"], 250);
  EXPECT_EQ(metrics["validation"]["images"], 50);
  EXPECT_EQ(metrics["test"]["images"], 100);
  EXPECT_GT(metrics["test"]["accuracy"].get<double>(), 0.9);
  EXPECT_TRUE(fs::exists(dir / "model" / "metrics.json"));
  auto model_json = nlohmann::json::parse(test::read_text(dir / "model" / "model.json"));
  EXPECT_EQ(model_json["model"], "naive-bayes");
  EXPECT_EQ(model_json["classes"][0], "class 0");
  EXPECT_TRUE(model_json["libraries"].contains("OpenBLAS"));

  auto e = run_fmnist({"eval", "--model", out, "--data", dir.path().string(), "--json"});
  ASSERT_EQ(e.exit_code, 0) << e.err;
  auto again = nlohmann::json::parse(e.out);
  for (const char* split : {"train", "validation", "test"}) {
    EXPECT_EQ(again[split]["images"], metrics[split]["images"]) << split;
    EXPECT_EQ(again[split]["accuracy"], metrics[split]["accuracy"]) << split;
  }
}

TEST(CliTrain, UnknownModelAndSettingAreOneLineErrors) {
  TempDir dir;
  write_data(dir);
  auto r = run_fmnist({"train", "--model", "nope", "--data", dir.path().string(), "--out", (dir / "m").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("unknown model 'nope'"), std::string::npos) << r.err;
  r = run_fmnist({"train", "--model", "naive-bayes:zz=1", "--data", dir.path().string(), "--out", (dir / "m").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("unknown setting 'zz'"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir / "m"));
}

TEST(CliTrain, EvalOfAMissingModelIsAnError) {
  auto r = run_fmnist({"eval", "--model", "/nonexistent/model"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("no such model directory"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace fmnist
