#include "models/npy.hpp"

#include <bit>
#include <charconv>
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

// The file: magic, version 1.0, header length, the header padded with spaces
// and a newline so the data starts on a 64-byte boundary, then the data.
std::string npy_bytes(const std::string& descr, const std::vector<size_t>& shape, const void* data,
                      size_t nbytes) {
  std::string header = fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': {}, }}",
                                   descr, shape_text(shape));
  const size_t unpadded = 6 + 2 + 2 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header.push_back('\n');
  std::string bytes(kMagic, 6);
  bytes += '\x01';
  bytes += '\x00';
  bytes += static_cast<char>(header.size() & 0xff);
  bytes += static_cast<char>(header.size() >> 8);
  bytes += header;
  bytes.append(static_cast<const char*>(data), nbytes);
  return bytes;
}

struct Header {
  std::string text;  // without spaces, so "(10, 784)" and "(10,784)" compare alike
  size_t data_start = 0;
};

// Checks magic, version, dtype and C order.
Header read_header(const std::vector<uint8_t>& bytes, const std::string& name,
                   const std::string& descr, const std::string& dtype_words) {
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
  Header h;
  h.text.assign(reinterpret_cast<const char*>(bytes.data() + start), header_len);
  std::erase(h.text, ' ');
  if (h.text.find("'descr':'" + descr + "'") == std::string::npos) {
    fail("{}: expected {} ('{}') data; header is {}", name, dtype_words, descr, h.text);
  }
  if (h.text.find("'fortran_order':False") == std::string::npos) {
    fail("{}: expected C-ordered data; header is {}", name, h.text);
  }
  h.data_start = start + header_len;
  return h;
}
}  // namespace

void save_npy(const std::filesystem::path& path, const std::vector<float>& data,
              const std::vector<size_t>& shape) {
  if (product(shape) != data.size()) {
    fail("{}: {} values do not fill shape {}", path.string(), data.size(), shape_text(shape));
  }
  write_file_atomic(path, npy_bytes("<f4", shape, data.data(), data.size() * sizeof(float)));
}

std::vector<float> load_npy(const std::filesystem::path& path, const std::vector<size_t>& shape) {
  const auto bytes = read_file(path);
  const std::string name = path.string();
  const Header h = read_header(bytes, name, "<f4", "little-endian float32");
  std::string want = shape_text(shape);
  std::erase(want, ' ');
  if (h.text.find("'shape':" + want) == std::string::npos) {
    fail("{}: expected shape {}; header is {}", name, shape_text(shape), h.text);
  }
  const size_t n = product(shape);
  if (bytes.size() != h.data_start + n * sizeof(float)) {
    fail("{}: expected {} bytes of data, found {}", name, n * sizeof(float),
         bytes.size() - h.data_start);
  }
  std::vector<float> out(n);
  std::memcpy(out.data(), bytes.data() + h.data_start, n * sizeof(float));
  return out;
}

void save_npy_u8(const std::filesystem::path& path, std::span<const uint8_t> data,
                 const std::vector<size_t>& shape) {
  if (product(shape) != data.size()) {
    fail("{}: {} values do not fill shape {}", path.string(), data.size(), shape_text(shape));
  }
  write_file_atomic(path, npy_bytes("|u1", shape, data.data(), data.size()));
}

NpyU8 load_npy_u8(const std::filesystem::path& path) {
  const auto bytes = read_file(path);
  const std::string name = path.string();
  const Header h = read_header(bytes, name, "|u1", "uint8");
  // 'shape':(a,b,...) with any number of dimensions, a trailing comma for one.
  const size_t at = h.text.find("'shape':(");
  const size_t end = at == std::string::npos ? at : h.text.find(')', at);
  if (end == std::string::npos) fail("{}: no shape in the header {}", name, h.text);
  NpyU8 out;
  const std::string dims = h.text.substr(at + 9, end - at - 9);
  size_t pos = 0;
  while (pos < dims.size()) {
    size_t comma = dims.find(',', pos);
    if (comma == std::string::npos) comma = dims.size();
    const std::string item = dims.substr(pos, comma - pos);
    size_t v = 0;
    auto [p, ec] = std::from_chars(item.data(), item.data() + item.size(), v);
    if (item.empty() || ec != std::errc() || p != item.data() + item.size()) {
      fail("{}: bad shape '({})' in the header", name, dims);
    }
    out.shape.push_back(v);
    pos = comma + 1;
  }
  const size_t n = product(out.shape);
  if (bytes.size() != h.data_start + n) {
    fail("{}: expected {} bytes of data, found {}", name, n, bytes.size() - h.data_start);
  }
  out.data.assign(bytes.begin() + static_cast<std::ptrdiff_t>(h.data_start), bytes.end());
  return out;
}

}  // namespace fmnist
