// End-to-end: fmnist models / train / eval through the binary.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <thread>

#include <nlohmann/json.hpp>

#include "support/fixtures.hpp"

namespace fmnist {
namespace {

using test::run_fmnist;
namespace fs = std::filesystem;
using test::TempDir;

void write_data(const TempDir& dir) {
  test::write_idx_fixture(dir.path(), 300, 100);
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
  auto r = run_fmnist({"--seed", "3", "--threads", "2", "train", "--model", "naive-bayes", "--data",
                       dir.path().string(), "--val", "50", "--out", out, "--json"});
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
  EXPECT_FALSE(model_json["trained_on"]["cpu"].get<std::string>().empty());
  EXPECT_EQ(model_json["trained_on"]["threads"], 2);

  auto e = run_fmnist({"eval", "--model", out, "--data", dir.path().string(), "--json"});
  ASSERT_EQ(e.exit_code, 0) << e.err;
  auto again = nlohmann::json::parse(e.out);
  for (const char* split : {"train", "validation", "test"}) {
    EXPECT_EQ(again[split]["images"], metrics[split]["images"]) << split;
    EXPECT_EQ(again[split]["accuracy"], metrics[split]["accuracy"]) << split;
  }
}

// A net killed with SIGKILL part-way through and then run again with
// --resume ends with exactly the model of a run that was never interrupted.
TEST(CliTrain, ResumeAfterSigkillEndsWithTheUninterruptedModel) {
  TempDir dir;
  write_data(dir);
  const std::string spec = "cnn:channels=4-8,fc=16,epochs=20,batch=32";
  auto args = [&](const std::string& out) {
    return std::vector<std::string>{"--seed",
                                    "3",
                                    "--threads",
                                    "1",
                                    "train",
                                    "--model",
                                    spec,
                                    "--data",
                                    dir.path().string(),
                                    "--val",
                                    "50",
                                    "--out",
                                    out,
                                    "--checkpoint",
                                    (dir / "ckpt").string(),
                                    "--json"};
  };
  auto whole = run_fmnist(args((dir / "whole").string()));
  ASSERT_EQ(whole.exit_code, 0) << whole.err;
  fs::remove_all(dir / "ckpt");

  // Start the same run and kill it as soon as its first checkpoint lands.
  std::vector<std::string> argv_s = {FMNIST_BINARY};
  for (auto& a : args((dir / "resumed").string())) argv_s.push_back(a);
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  ASSERT_EQ(posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&actions);
  const fs::path state = dir / "ckpt" / "checkpoint" / "state.json";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(5);
  while (!fs::exists(state) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the run ended before it could be killed";
  const int done = nlohmann::json::parse(test::read_text(state))["state"]["epoch"];
  EXPECT_LT(done, 20);
  EXPECT_FALSE(fs::exists(dir / "resumed"));

  auto args_resume = args((dir / "resumed").string());
  args_resume.push_back("--resume");
  auto resumed = run_fmnist(args_resume);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_NE(resumed.err.find("resuming"), std::string::npos) << resumed.err;
  auto a = nlohmann::json::parse(whole.out), b = nlohmann::json::parse(resumed.out);
  for (const char* split : {"train", "validation", "test"}) {
    EXPECT_EQ(a[split]["accuracy"], b[split]["accuracy"]) << split;
    EXPECT_EQ(a[split]["log_loss"], b[split]["log_loss"]) << split;
  }
  // A checkpoint the user named is theirs to remove; the default one is not kept.
  EXPECT_TRUE(fs::exists(state));
  auto plain = run_fmnist({"train", "--model", "mlp:hidden=8,epochs=1", "--data",
                           dir.path().string(), "--val", "50", "--out", (dir / "plain").string()});
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_TRUE(fs::exists(dir / "plain" / "model.json"));
  EXPECT_FALSE(fs::exists(dir / "plain.checkpoint"));
}

TEST(CliTrain, UnknownModelAndSettingAreOneLineErrors) {
  TempDir dir;
  write_data(dir);
  auto r = run_fmnist(
      {"train", "--model", "nope", "--data", dir.path().string(), "--out", (dir / "m").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("unknown model 'nope'"), std::string::npos) << r.err;
  r = run_fmnist({"train", "--model", "naive-bayes:zz=1", "--data", dir.path().string(), "--out",
                  (dir / "m").string()});
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
