#pragma once
// Helpers for tests: small generated data sets, a temp directory that cleans
// up after itself, and a runner for the fmnist binary.
#include <filesystem>
#include <string>
#include <vector>

#include "data/dataset.hpp"

namespace fmnist::test {

namespace fs = std::filesystem;

// A unique empty directory, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }
  fs::path operator/(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

// n images of rows x cols with labels cycling 0..9 and pixels that depend on
// the label (so classifiers can learn them) plus seeded noise.
Dataset make_dataset(size_t n, uint64_t seed = 1, int rows = 28, int cols = 28);

// The four gzipped IDX files of a data set, named as the official ones, in
// `dir`: `train` generated training images and `test` test images.
void write_idx_fixture(const fs::path& dir, size_t train, size_t test);

void write_text(const fs::path& path, const std::string& text);
void write_bytes(const fs::path& path, const std::vector<uint8_t>& bytes);
std::string read_text(const fs::path& path);

struct RunResult {
  int exit_code = -1;
  std::string out, err;
};
// Runs the fmnist binary with `args` (no shell), capturing stdout and stderr.
RunResult run_fmnist(const std::vector<std::string>& args,
                     const std::vector<std::string>& env = {});

// Occurrences of `what` in `s` (overlapping ones too).
size_t count(const std::string& s, const std::string& what);

// Runs `program` (a path; no PATH search) the same way.
RunResult run_program(const std::string& program, const std::vector<std::string>& args,
                      const std::vector<std::string>& env = {});

// The Debian-installed Fashion-MNIST files; fails the test if missing.
fs::path real_data_dir();

}  // namespace fmnist::test
