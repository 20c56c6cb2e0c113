#pragma once
// SHA-256 (FIPS 180-4) and MD5 (RFC 1321), streaming, for checking that a
// downloaded file is the published one. MD5 is broken against an adversary
// but it is what the data sets publish; SHA-256 is used wherever a sum is
// available. Both are written here so the engine needs no crypto library.
#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace fmnist {

class Sha256 {
 public:
  static constexpr size_t kDigestSize = 32;
  using Digest = std::array<uint8_t, kDigestSize>;

  Sha256() { reset(); }
  void reset();
  void update(const void* data, size_t size);
  void update(std::string_view s) { update(s.data(), s.size()); }
  // Pads, returns the digest and resets, so one object can hash many inputs.
  Digest final();
  std::string hex_final();

 private:
  void compress(const uint8_t* block);
  std::array<uint32_t, 8> state_;
  std::array<uint8_t, 64> buffer_;
  size_t buffered_;
  uint64_t total_bytes_;
};

class Md5 {
 public:
  static constexpr size_t kDigestSize = 16;
  using Digest = std::array<uint8_t, kDigestSize>;

  Md5() { reset(); }
  void reset();
  void update(const void* data, size_t size);
  void update(std::string_view s) { update(s.data(), s.size()); }
  // Pads, returns the digest and resets, so one object can hash many inputs.
  Digest final();
  std::string hex_final();

 private:
  void compress(const uint8_t* block);
  std::array<uint32_t, 4> state_;
  std::array<uint8_t, 64> buffer_;
  size_t buffered_;
  uint64_t total_bytes_;
};

// Lower-case hex, two digits a byte.
std::string to_hex(const uint8_t* data, size_t size);

// One-shot helpers: lower-case hex digests of a buffer.
std::string sha256_hex(std::string_view data);
std::string md5_hex(std::string_view data);

enum class HashAlgo { md5, sha256 };
// "md5" or "sha256", for messages.
std::string_view hash_name(HashAlgo algo);
// The hex digest of a whole file, read in chunks (data files are large);
// fails with fmnist::Error naming the file if it cannot be read.
std::string file_digest_hex(const std::filesystem::path& path, HashAlgo algo);

}  // namespace fmnist
