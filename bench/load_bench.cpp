// Times loading the training set (images + labels, .gz) into one contiguous
// uint8 buffer, as `fmnist` does before every command. Prints one number per
// run (seconds) so the driver script can interleave it with numpy's load.
#include <chrono>
#include <cstdio>
#include <string>

#include "data/idx.hpp"

int main(int argc, char** argv) {
  std::string dir = argc > 1 ? argv[1] : "/usr/share/datasets/fashion-mnist";
  const auto t0 = std::chrono::steady_clock::now();
  auto d = fmnist::load_idx(dir + "/train-images-idx3-ubyte.gz", dir + "/train-labels-idx1-ubyte.gz");
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("%.4f %zu\n", s, d.size());
  return d.size() == 60000 ? 0 : 1;
}
