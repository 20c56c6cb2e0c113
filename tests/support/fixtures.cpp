#include "support/fixtures.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cstring>

#include <atomic>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "core/rng.hpp"
#include "data/idx.hpp"

extern char** environ;

namespace fmnist::test {

TempDir::TempDir() {
  static std::atomic<int> counter{0};
  path_ = fs::temp_directory_path() /
          ("fmnist-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  fs::remove_all(path_);
  fs::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

Dataset make_dataset(size_t n, uint64_t seed, int rows, int cols) {
  Dataset d;
  d.rows = rows;
  d.cols = cols;
  d.source = "generated";
  Rng rng(seed);
  const size_t sz = d.image_size();
  d.pixels.resize(n * sz);
  d.labels.resize(n);
  for (size_t i = 0; i < n; ++i) {
    const auto label = static_cast<uint8_t>(i % kNumClasses);
    d.labels[i] = label;
    for (size_t j = 0; j < sz; ++j) {
      // Each class lights a different band of rows, with noise on top.
      const bool on = (j / cols) % kNumClasses == label;
      const int base = on ? 180 : 20;
      d.pixels[i * sz + j] = static_cast<uint8_t>(base + static_cast<int>(rng.below(60)));
    }
  }
  return d;
}

void write_idx_fixture(const fs::path& dir, size_t train, size_t test) {
  save_idx(make_dataset(train, 1), dir / "train-images-idx3-ubyte.gz",
           dir / "train-labels-idx1-ubyte.gz");
  save_idx(make_dataset(test, 2), dir / "t10k-images-idx3-ubyte.gz",
           dir / "t10k-labels-idx1-ubyte.gz");
}

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

void write_bytes(const fs::path& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

RunResult run_fmnist(const std::vector<std::string>& args, const std::vector<std::string>& env) {
  return run_program(FMNIST_BINARY, args, env);
}

RunResult run_program(const std::string& program, const std::vector<std::string>& args,
                      const std::vector<std::string>& env) {
  TempDir io;
  const std::string out_path = (io / "out").string(), err_path = (io / "err").string();
  std::vector<std::string> argv_s = {program};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& s : argv_s) argv.push_back(s.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_s;
  for (char** e = environ; *e; ++e) env_s.emplace_back(*e);
  env_s.insert(env_s.end(), env.begin(), env.end());
  std::vector<char*> envp;
  for (auto& s : env_s) envp.push_back(s.data());
  envp.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  pid_t pid;
  RunResult r;
  int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    r.err = "cannot start " + program + ": " + std::strerror(rc);
    return r;
  }
  int status = 0;
  waitpid(pid, &status, 0);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = read_text(out_path);
  r.err = read_text(err_path);
  return r;
}

size_t count(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) ++n;
  return n;
}

fs::path real_data_dir() {
  fs::path dir = FMNIST_REAL_DATA;
  if (!fs::exists(dir / "train-images-idx3-ubyte.gz")) {
    ADD_FAILURE() << "real Fashion-MNIST files missing in " << dir
                  << ": run scripts/deps.sh (installs dataset-fashion-mnist)";
  }
  return dir;
}

}  // namespace fmnist::test
