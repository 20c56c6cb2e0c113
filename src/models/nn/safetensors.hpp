#pragma once
// The safetensors format (huggingface/safetensors), so Python reads our
// weights with `safetensors.numpy.load_file` or `safetensors.torch.load_file`:
// an 8-byte little-endian header length, a JSON header naming each tensor's
// dtype, shape and byte range, then the raw little-endian data.
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace fmnist::nn {

struct NamedTensor {
  std::string name;
  std::string dtype;  // "F32", "F64", "I64", "I32", "U8"...
  std::vector<int64_t> shape;
  std::vector<uint8_t> data;  // native byte order in memory
};

struct SafetensorsFile {
  std::vector<NamedTensor> tensors;  // in file order
  std::map<std::string, std::string> metadata;
};

// Bytes per element of a safetensors dtype; fails on unknown ones.
size_t dtype_size(const std::string& dtype);
void write_safetensors(const std::filesystem::path& path, const SafetensorsFile& file);
SafetensorsFile read_safetensors(const std::filesystem::path& path);

}  // namespace fmnist::nn
