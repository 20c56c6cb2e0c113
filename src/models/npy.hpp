#pragma once
// NumPy .npy files (format 1.0, little-endian float32, C order): the linear
// models keep their weights this way so numpy.load() opens them as they are.
#include <cstddef>
#include <filesystem>
#include <vector>

namespace fmnist {

// Writes `data` (the product of `shape` values) atomically.
void save_npy(const std::filesystem::path& path, const std::vector<float>& data,
              const std::vector<size_t>& shape);
// Reads a float32 array and fails, naming the file, unless its shape is `shape`.
std::vector<float> load_npy(const std::filesystem::path& path, const std::vector<size_t>& shape);

}  // namespace fmnist
