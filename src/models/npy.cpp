#include "models/npy.hpp"

#include <bit>
#include <cstring>
#include <string>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/error.hpp"
#include "core/files.hpp"

namespace fmnist {
namespace {
static_assert(std::endian::native == std::endian::little, "npy files here are little-endian");

constexpr char kMagic[] = "\x93NUMPY";

std::string shape_text(const std::vector<size_t>& shape) {
  // Python's tuple syntax: a one-element tuple needs its trailing comma.
  if (shape.size() == 1) return fmt::format("({},)", shape[0]);
  return fmt::format("({})", fmt::join(shape, ", "));
}

size_t product(const std::vector<size_t>& shape) {
  size_t n = 1;
  for (size_t s : shape) n *= s;
  return n;
}
}  // namespace

void save_npy(const std::filesystem::path& path, const std::vector<float>& data,
              const std::vector<size_t>& shape) {
  if (product(shape) != data.size()) {
    fail("{}: {} values do not fill shape {}", path.string(), data.size(), shape_text(shape));
  }
  std::string header =
      fmt::format("{{'descr': '<f4', 'fortran_order': False, 'shape': {}, }}", shape_text(shape));
  // The format pads the header with spaces and a newline so the data starts
  // on a 64-byte boundary.
  const size_t unpadded = 6 + 2 + 2 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header.push_back('\n');
  std::string bytes(kMagic, 6);
  bytes += '\x01';
  bytes += '\x00';
  bytes += static_cast<char>(header.size() & 0xff);
  bytes += static_cast<char>(header.size() >> 8);
  bytes += header;
  bytes.append(reinterpret_cast<const char*>(data.data()), data.size() * sizeof(float));
  write_file_atomic(path, bytes);
}

std::vector<float> load_npy(const std::filesystem::path& path, const std::vector<size_t>& shape) {
  const auto bytes = read_file(path);
  const std::string name = path.string();
  if (bytes.size() < 10 || std::memcmp(bytes.data(), kMagic, 6) != 0) {
    fail("{}: not a .npy file (wrong magic)", name);
  }
  const int major = bytes[6];
  size_t header_len = 0, start = 0;
  if (major == 1) {
    header_len = bytes[8] | (bytes[9] << 8);
    start = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) fail("{}: truncated .npy header", name);
    header_len = bytes[8] | (bytes[9] << 8) | (bytes[10] << 16) | (size_t{bytes[11]} << 24);
    start = 12;
  } else {
    fail("{}: unsupported .npy version {}", name, major);
  }
  if (bytes.size() < start + header_len) fail("{}: truncated .npy header", name);
  std::string header(reinterpret_cast<const char*>(bytes.data() + start), header_len);
  // Strip spaces so "(10, 784)" and "(10,784)" compare alike.
  std::erase(header, ' ');
  if (header.find("'descr':'<f4'") == std::string::npos) {
    fail("{}: expected little-endian float32 ('<f4') data; header is {}", name, header);
  }
  if (header.find("'fortran_order':False") == std::string::npos) {
    fail("{}: expected C-ordered data; header is {}", name, header);
  }
  std::string want = shape_text(shape);
  std::erase(want, ' ');
  if (header.find("'shape':" + want) == std::string::npos) {
    fail("{}: expected shape {}; header is {}", name, shape_text(shape), header);
  }
  const size_t n = product(shape), data_start = start + header_len;
  if (bytes.size() != data_start + n * sizeof(float)) {
    fail("{}: expected {} bytes of data, found {}", name, n * sizeof(float),
         bytes.size() - data_start);
  }
  std::vector<float> out(n);
  std::memcpy(out.data(), bytes.data() + data_start, n * sizeof(float));
  return out;
}

}  // namespace fmnist
