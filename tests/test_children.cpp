#include <gtest/gtest.h>

#include <csignal>
#include <fstream>

#include "core/children.hpp"
#include "support/fixtures.hpp"

namespace fmnist {
namespace {

ChildJob shell(const std::string& script, const std::filesystem::path& log) {
  return {{"/bin/sh", "-c", script}, log};
}

TEST(Children, RunAtMostNAtOnceAndReportEachExitStatus) {
  test::TempDir dir;
  std::vector<ChildJob> jobs = {
      shell("echo one; sleep 0.3; exit 0", dir / "0.log"),
      shell("echo two; sleep 0.3; exit 3", dir / "1.log"),
      shell("sleep 0.2; kill -TERM $$", dir / "2.log"),
      {{(dir / "no-such-program").string()}, dir / "3.log"},
      shell("echo five >&2", dir / "4.log"),
  };
  std::vector<int> status(jobs.size(), -1);
  int running = 0, most = 0;
  run_children(
      jobs, 2, [&](size_t) { most = std::max(most, ++running); },
      [&](size_t i, int code) {
        --running;
        status[i] = code;
      });
  EXPECT_EQ(most, 2);
  EXPECT_EQ(running, 0);
  EXPECT_EQ(status, (std::vector<int>{0, 3, 128 + SIGTERM, 127, 0}));
  EXPECT_EQ(last_line(dir / "0.log"), "one");
  EXPECT_EQ(last_line(dir / "1.log"), "two");
  EXPECT_EQ(last_line(dir / "4.log"), "five");  // stderr goes to the log too
}

TEST(Children, LastLineKeepsWhatAProgressBarLastWrote) {
  test::TempDir dir;
  std::ofstream(dir / "log") << "first\nfit: 10%\rfit: 50%\rfit: failed here\n\n  \n";
  EXPECT_EQ(last_line(dir / "log"), "fit: failed here");
  EXPECT_EQ(last_line(dir / "missing"), "");
}

TEST(Children, SelfExecutableIsThisTestProgram) {
  EXPECT_EQ(self_executable().filename(), "test_children");
}

}  // namespace
}  // namespace fmnist
