#include "core/files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <libdeflate.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <memory>
#include <fstream>

#include "core/error.hpp"

namespace fmnist {

std::vector<uint8_t> read_file(const fs::path& path) {
  std::error_code ec;
  auto status = fs::status(path, ec);
  if (ec || !fs::exists(status)) fail("{}: no such file", path.string());
  if (fs::is_directory(status)) fail("{}: is a directory, expected a file", path.string());
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail("{}: cannot open: {}", path.string(), std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    fail("{}: cannot stat: {}", path.string(), std::strerror(errno));
  }
  std::vector<uint8_t> data;
  data.reserve(static_cast<size_t>(st.st_size));
  // Read until EOF rather than trusting st_size: pipes and /proc report 0.
  size_t used = 0;
  data.resize(std::max<size_t>(static_cast<size_t>(st.st_size), 1 << 16));
  while (true) {
    if (used == data.size()) data.resize(data.size() * 2);
    ssize_t got = ::read(fd, data.data() + used, data.size() - used);
    if (got < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      fail("{}: read error: {}", path.string(), std::strerror(err));
    }
    if (got == 0) break;
    used += static_cast<size_t>(got);
  }
  ::close(fd);
  data.resize(used);
  return data;
}

bool is_gzip(const uint8_t* data, size_t size) {
  return size >= 2 && data[0] == 0x1f && data[1] == 0x8b;
}

namespace {
// zlib's streaming decoder: slower, but it tells a truncated stream from a
// corrupt one, so it runs only to explain a failure of the fast path.
// Deflate cannot expand more than about 1032:1, so a larger claim (a garbage
// ISIZE in a truncated file) must not size the output buffer: that once cost
// tens of GiB of zeroed memory before the error.
constexpr size_t kMaxDeflateRatio = 1032;

size_t plausible_isize(const uint8_t* data, size_t size) {
  if (size < 18) return 0;
  uint32_t isize;
  std::memcpy(&isize, data + size - 4, 4);
  return isize <= size * kMaxDeflateRatio ? isize : 0;
}

std::vector<uint8_t> gunzip_zlib(const uint8_t* data, size_t size, const std::string& name) {
  // ISIZE (the last 4 bytes) is the uncompressed size mod 2^32: a good first
  // guess that saves the regrowth copies for files under 4 GiB.
  size_t guess = size * 4;
  if (size_t isize = plausible_isize(data, size); isize > 0) guess = isize;
  std::vector<uint8_t> out(std::max<size_t>(guess, 1024));
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 16) != Z_OK) fail("{}: cannot start gzip decoder", name);
  zs.next_in = const_cast<Bytef*>(data);
  zs.avail_in = static_cast<uInt>(std::min<size_t>(size, UINT32_MAX));
  size_t consumed_total = 0, produced = 0;
  while (true) {
    if (produced == out.size()) out.resize(out.size() * 2);
    zs.next_out = out.data() + produced;
    zs.avail_out = static_cast<uInt>(std::min<size_t>(out.size() - produced, UINT32_MAX));
    const size_t before_out = zs.avail_out;
    const size_t before_in = zs.avail_in;
    int rc = inflate(&zs, Z_NO_FLUSH);
    produced += before_out - zs.avail_out;
    consumed_total += before_in - zs.avail_in;
    if (rc == Z_STREAM_END) {
      // Concatenated members are legal gzip; anything else after is junk.
      if (consumed_total < size && is_gzip(data + consumed_total, size - consumed_total)) {
        inflateReset(&zs);
        zs.next_in = const_cast<Bytef*>(data + consumed_total);
        zs.avail_in = static_cast<uInt>(std::min<size_t>(size - consumed_total, UINT32_MAX));
        continue;
      }
      break;
    }
    if (rc == Z_BUF_ERROR && zs.avail_in == 0 && consumed_total >= size) {
      inflateEnd(&zs);
      fail("{}: truncated gzip stream (ended after {} compressed bytes)", name, size);
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      std::string msg = zs.msg ? zs.msg : "error " + std::to_string(rc);
      inflateEnd(&zs);
      fail("{}: corrupt gzip stream at compressed byte {}: {}", name, consumed_total, msg);
    }
    if (zs.avail_in == 0 && consumed_total < size) {
      zs.avail_in = static_cast<uInt>(std::min<size_t>(size - consumed_total, UINT32_MAX));
    }
  }
  inflateEnd(&zs);
  out.resize(produced);
  return out;
}

// libdeflate decodes whole buffers about twice as fast as zlib (measured in
// docs/BENCHMARKS.md); gzip's ISIZE trailer gives the output size up front.
bool gunzip_fast(const uint8_t* data, size_t size, std::vector<uint8_t>& out) {
  struct Free {
    void operator()(libdeflate_decompressor* d) const { libdeflate_free_decompressor(d); }
  };
  std::unique_ptr<libdeflate_decompressor, Free> dec(libdeflate_alloc_decompressor());
  if (!dec) return false;
  size_t in_pos = 0, out_pos = 0;
  while (in_pos < size) {
    if (!is_gzip(data + in_pos, size - in_pos)) break;  // trailing junk, as gzip -d ignores
    // ISIZE (the last 4 bytes) sizes the usual single member exactly, so the
    // output is allocated once; without it, guess and grow.
    const size_t max_room = (size - in_pos) * kMaxDeflateRatio + 1024;
    size_t room = (size - in_pos) * 4;
    if (in_pos == 0) {
      if (size_t isize = plausible_isize(data, size); isize > 0) room = isize;
    }
    while (true) {
      out.resize(out_pos + room);
      size_t in_used = 0, out_used = 0;
      auto rc = libdeflate_gzip_decompress_ex(dec.get(), data + in_pos, size - in_pos,
                                              out.data() + out_pos, room, &in_used, &out_used);
      if (rc == LIBDEFLATE_SUCCESS) {
        in_pos += in_used;
        out_pos += out_used;
        break;
      }
      // Failure here falls back to zlib, which names what is wrong.
      if (rc != LIBDEFLATE_INSUFFICIENT_SPACE || room >= max_room) return false;
      room = std::min(room * 2, max_room);
    }
  }
  out.resize(out_pos);
  return true;
}
}  // namespace

std::vector<uint8_t> gunzip(const uint8_t* data, size_t size, const std::string& name) {
  std::vector<uint8_t> out;
  if (gunzip_fast(data, size, out)) return out;
  out = gunzip_zlib(data, size, name);
  return out;
}

std::vector<uint8_t> read_maybe_gzip(const fs::path& path) {
  auto raw = read_file(path);
  if (!is_gzip(raw.data(), raw.size())) return raw;
  return gunzip(raw.data(), raw.size(), path.string());
}

namespace {
fs::path temp_beside(const fs::path& final_path) {
  static std::atomic<unsigned> counter{0};
  auto name = final_path.filename().string();
  if (name.empty()) name = "out";
  return final_path.parent_path() /
         ("." + name + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
}
}  // namespace

AtomicPath::AtomicPath(fs::path final_path)
    : final_(std::move(final_path)), temp_(temp_beside(final_)) {}

AtomicPath::~AtomicPath() {
  if (!committed_) {
    std::error_code ec;
    fs::remove_all(temp_, ec);
  }
}

void AtomicPath::commit() {
  std::error_code ec;
  if (fs::is_directory(temp_) && fs::exists(final_)) {
    // rename() cannot replace a non-empty directory: move the old one aside
    // first, so the final name always holds a complete copy.
    fs::path old = temp_beside(final_);
    fs::rename(final_, old, ec);
    if (ec) fail("{}: cannot replace: {}", final_.string(), ec.message());
    fs::rename(temp_, final_, ec);
    if (ec) {
      fs::rename(old, final_);
      fail("{}: cannot write: {}", final_.string(), ec.message());
    }
    fs::remove_all(old, ec);
  } else {
    fs::rename(temp_, final_, ec);
    if (ec) fail("{}: cannot write: {}", final_.string(), ec.message());
  }
  committed_ = true;
}

void write_file_atomic(const fs::path& path, std::string_view bytes) {
  if (!path.parent_path().empty()) {
    std::error_code ec;
    fs::create_directories(path.parent_path(), ec);
    if (ec) fail("{}: cannot create directory: {}", path.parent_path().string(), ec.message());
  }
  AtomicPath tmp(path);
  {
    std::ofstream out(tmp.temp(), std::ios::binary);
    if (!out) fail("{}: cannot write: {}", path.string(), std::strerror(errno));
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.flush();
    if (!out) fail("{}: write failed (disk full?)", path.string());
  }
  tmp.commit();
}

}  // namespace fmnist

namespace fmnist {
std::vector<uint8_t> gzip_compress(std::string_view bytes, int level) {
  z_stream zs{};
  if (deflateInit2(&zs, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    fail("cannot start gzip encoder");
  std::vector<uint8_t> out(deflateBound(&zs, bytes.size()) + 32);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  zs.avail_in = static_cast<uInt>(bytes.size());
  zs.next_out = out.data();
  zs.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&zs, Z_FINISH);
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) fail("gzip compression failed ({})", rc);
  out.resize(zs.total_out);
  return out;
}
}  // namespace fmnist
