#pragma once
// NumPy .npy files (format 1.0, little-endian float32 or uint8, C order): the
// linear models keep their weights and knn its images this way, so
// numpy.load() opens them as they are.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <vector>

namespace fmnist {

// Writes `data` (the product of `shape` values) atomically.
void save_npy(const std::filesystem::path& path, const std::vector<float>& data,
              const std::vector<size_t>& shape);
// Reads a float32 array and fails, naming the file, unless its shape is `shape`.
std::vector<float> load_npy(const std::filesystem::path& path, const std::vector<size_t>& shape);

// uint8 arrays ('|u1'). The reader takes any shape and returns it.
void save_npy_u8(const std::filesystem::path& path, std::span<const uint8_t> data,
                 const std::vector<size_t>& shape);
struct NpyU8 {
  std::vector<uint8_t> data;
  std::vector<size_t> shape;
};
NpyU8 load_npy_u8(const std::filesystem::path& path);

}  // namespace fmnist
