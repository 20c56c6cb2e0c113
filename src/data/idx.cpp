#include "data/idx.hpp"

#include <cstring>
#include <future>

#include "core/error.hpp"
#include "core/files.hpp"

namespace fmnist {
namespace {

uint32_t be32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

const char* type_name(uint8_t code) {
  switch (code) {
    case 0x08: return "unsigned byte";
    case 0x09: return "signed byte";
    case 0x0B: return "short";
    case 0x0C: return "int";
    case 0x0D: return "float";
    case 0x0E: return "double";
    default: return "unknown";
  }
}

// Validates the 4-byte magic and returns the dimensions.
std::vector<uint32_t> read_header(const std::vector<uint8_t>& b, const std::string& name,
                                  int want_dims, const char* what) {
  if (b.empty()) fail("{}: empty file, expected an IDX {} file", name, what);
  if (b.size() < 4) fail("{}: truncated: {} bytes, too short for an IDX header", name, b.size());
  const uint32_t want_magic = 0x800u | static_cast<uint32_t>(want_dims);
  const uint32_t magic = be32(b.data());
  const bool known_type = b[2] == 0x08 || b[2] == 0x09 || (b[2] >= 0x0B && b[2] <= 0x0E);
  if (b[0] != 0 || b[1] != 0 || !known_type) {
    fail("{}: wrong magic number 0x{:08X}: not an IDX file (expected 0x{:08X} for {})", name,
         magic, want_magic, what);
  }
  if (b[2] != 0x08) {
    fail("{}: IDX data type 0x{:02X} ({}) is not supported; {} must be unsigned bytes (0x08)",
         name, b[2], type_name(b[2]), what);
  }
  if (b[3] != want_dims) {
    fail("{}: wrong magic number 0x{:08X}: {} dimension(s), expected {} for {} (0x{:08X})", name,
         magic, b[3], want_dims, what, want_magic);
  }
  const size_t header = 4 + 4 * static_cast<size_t>(want_dims);
  if (b.size() < header) {
    fail("{}: truncated: {} bytes, the header alone needs {}", name, b.size(), header);
  }
  std::vector<uint32_t> dims(want_dims);
  for (int d = 0; d < want_dims; ++d) dims[d] = be32(b.data() + 4 + 4 * d);
  return dims;
}

void check_payload(const std::vector<uint8_t>& b, const std::string& name, size_t header,
                   uint64_t expected, uint64_t count, const char* what) {
  const uint64_t have = b.size() - header;
  if (have < expected) {
    const uint64_t per = count ? expected / count : 1;
    fail("{}: truncated: header says {} {} ({} bytes of data) but the file has {} (only {} "
         "complete {})",
         name, count, what, expected, have, per ? have / per : 0, what);
  }
  if (have > expected) {
    fail("{}: {} unexpected trailing bytes after the {} {} the header declares", name,
         have - expected, count, what);
  }
}

}  // namespace

void parse_idx_images(const std::vector<uint8_t>& b, const std::string& name, Dataset& out) {
  auto dims = read_header(b, name, 3, "images");
  const uint32_t n = dims[0], rows = dims[1], cols = dims[2];
  if (rows == 0 || cols == 0 || rows > 4096 || cols > 4096) {
    fail("{}: implausible image size {}x{} in the header", name, rows, cols);
  }
  const uint64_t expected = uint64_t{n} * rows * cols;
  check_payload(b, name, 16, expected, n, "images");
  out.rows = static_cast<int>(rows);
  out.cols = static_cast<int>(cols);
  if (&b == &out.pixels) {
    out.pixels.erase(out.pixels.begin(), out.pixels.begin() + 16);
  } else {
    out.pixels.assign(b.begin() + 16, b.end());
  }
  out.source = name;
}

void parse_idx_labels(const std::vector<uint8_t>& b, const std::string& name, Dataset& out) {
  auto dims = read_header(b, name, 1, "labels");
  const uint32_t n = dims[0];
  check_payload(b, name, 8, n, n, "labels");
  out.labels.assign(b.begin() + 8, b.end());
  for (size_t i = 0; i < out.labels.size(); ++i) {
    if (out.labels[i] >= kNumClasses) {
      fail("{}: record {}: label {} is out of range 0-{}", name, i, out.labels[i],
           kNumClasses - 1);
    }
  }
}

Dataset load_idx(const std::filesystem::path& images, const std::filesystem::path& labels) {
  // The image file dominates; read the labels alongside it.
  auto label_bytes = std::async(std::launch::async, [&] { return read_maybe_gzip(labels); });
  Dataset out;
  // Parsed in place: the decompressed buffer becomes the pixel array after
  // the header is shifted out, saving a second 47 MB allocation and copy.
  out.pixels = read_maybe_gzip(images);
  parse_idx_images(out.pixels, images.string(), out);
  parse_idx_labels(label_bytes.get(), labels.string(), out);
  const size_t n_images = out.pixels.size() / out.image_size();
  if (n_images != out.labels.size()) {
    fail("{}: has {} images but {} has {} labels; they must agree", images.string(), n_images,
         labels.string(), out.labels.size());
  }
  return out;
}

void save_idx(const Dataset& data, const std::filesystem::path& images,
              const std::filesystem::path& labels) {
  auto put32 = [](std::string& s, uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) s.push_back(static_cast<char>((v >> shift) & 0xFF));
  };
  auto write = [](const std::filesystem::path& path, const std::string& bytes) {
    if (path.extension() == ".gz") {
      auto gz = gzip_compress(bytes);
      write_file_atomic(path, {reinterpret_cast<const char*>(gz.data()), gz.size()});
    } else {
      write_file_atomic(path, bytes);
    }
  };
  std::string img;
  img.reserve(16 + data.pixels.size());
  put32(img, 0x803);
  put32(img, static_cast<uint32_t>(data.size()));
  put32(img, static_cast<uint32_t>(data.rows));
  put32(img, static_cast<uint32_t>(data.cols));
  img.append(reinterpret_cast<const char*>(data.pixels.data()), data.pixels.size());
  std::string lab;
  put32(lab, 0x801);
  put32(lab, static_cast<uint32_t>(data.size()));
  lab.append(reinterpret_cast<const char*>(data.labels.data()), data.labels.size());
  write(images, img);
  write(labels, lab);
}

}  // namespace fmnist
