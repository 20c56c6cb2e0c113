#include "models/nn/safetensors.hpp"

#include <algorithm>
#include <bit>
#include <cstring>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/files.hpp"

namespace fmnist::nn {
namespace {
// The file is little-endian; on a big-endian host every element is swapped.
void to_little_endian(std::vector<uint8_t>& bytes, size_t elem) {
  if constexpr (std::endian::native == std::endian::big) {
    for (size_t i = 0; i + elem <= bytes.size(); i += elem)
      std::reverse(bytes.begin() + i, bytes.begin() + i + elem);
  }
}
}  // namespace

size_t dtype_size(const std::string& dtype) {
  static const std::map<std::string, size_t> sizes = {
      {"BOOL", 1}, {"U8", 1},  {"I8", 1},  {"I16", 2}, {"U16", 2}, {"F16", 2}, {"BF16", 2},
      {"I32", 4},  {"U32", 4}, {"F32", 4}, {"I64", 8}, {"U64", 8}, {"F64", 8}};
  auto it = sizes.find(dtype);
  if (it == sizes.end()) fail("safetensors: unknown dtype '{}'", dtype);
  return it->second;
}

void write_safetensors(const std::filesystem::path& path, const SafetensorsFile& file) {
  nlohmann::json header = nlohmann::json::object();
  if (!file.metadata.empty()) header["__metadata__"] = file.metadata;
  uint64_t offset = 0;
  for (const auto& t : file.tensors) {
    if (t.name == "__metadata__" || header.contains(t.name))
      fail("safetensors: tensor name '{}' is reserved or repeated", t.name);
    header[t.name] = {
        {"dtype", t.dtype}, {"shape", t.shape}, {"data_offsets", {offset, offset + t.data.size()}}};
    offset += t.data.size();
  }
  std::string json = header.dump();
  // Pad with spaces so the data starts 8-byte aligned (allowed by the format).
  json.append((8 - (8 + json.size()) % 8) % 8, ' ');
  std::string bytes(8, '\0');
  const uint64_t n = json.size();
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  bytes += json;
  bytes.reserve(bytes.size() + offset);
  for (const auto& t : file.tensors) {
    std::vector<uint8_t> data = t.data;
    to_little_endian(data, dtype_size(t.dtype));
    bytes.append(reinterpret_cast<const char*>(data.data()), data.size());
  }
  write_file_atomic(path, bytes);
}

SafetensorsFile read_safetensors(const std::filesystem::path& path) {
  const std::vector<uint8_t> bytes = read_file(path);
  const std::string name = path.string();
  if (bytes.size() < 8) fail("{}: not a safetensors file (shorter than its 8-byte header)", name);
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | bytes[i];
  if (n > bytes.size() - 8) fail("{}: header length {} runs past the end of the file", name, n);
  SafetensorsFile out;
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(bytes.begin() + 8, bytes.begin() + 8 + n);
  } catch (const nlohmann::json::exception& e) {
    fail("{}: header is not valid JSON: {}", name, e.what());
  }
  if (!header.is_object()) fail("{}: header is not a JSON object", name);
  const uint8_t* data = bytes.data() + 8 + n;
  const uint64_t data_size = bytes.size() - 8 - n;
  std::vector<std::pair<uint64_t, NamedTensor>> found;
  try {
    for (const auto& [key, value] : header.items()) {
      if (key == "__metadata__") {
        out.metadata = value.get<std::map<std::string, std::string>>();
        continue;
      }
      NamedTensor t;
      t.name = key;
      t.dtype = value.at("dtype").get<std::string>();
      t.shape = value.at("shape").get<std::vector<int64_t>>();
      const auto offsets = value.at("data_offsets").get<std::vector<uint64_t>>();
      uint64_t count = 1;
      for (int64_t d : t.shape) {
        if (d < 0) fail("{}: tensor '{}' has a negative dimension", name, key);
        count *= static_cast<uint64_t>(d);
      }
      const size_t elem = dtype_size(t.dtype);
      if (offsets.size() != 2 || offsets[0] > offsets[1] || offsets[1] > data_size ||
          offsets[1] - offsets[0] != count * elem) {
        fail("{}: tensor '{}' has data_offsets that do not match its shape or the file", name, key);
      }
      t.data.assign(data + offsets[0], data + offsets[1]);
      to_little_endian(t.data, elem);  // the same swap, back to native
      found.emplace_back(offsets[0], std::move(t));
    }
  } catch (const nlohmann::json::exception& e) {
    fail("{}: malformed tensor entry: {}", name, e.what());
  }
  std::stable_sort(found.begin(), found.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [off, t] : found) out.tensors.push_back(std::move(t));
  return out;
}

}  // namespace fmnist::nn
