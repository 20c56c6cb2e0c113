#include "core/hash.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <bit>
#include <cerrno>
#include <cstring>
#include <vector>

#include "core/error.hpp"

namespace fmnist {
namespace {

// The tables below were generated from their definitions: SHA-256's initial
// state and round constants are the first 32 bits of the fractional parts of
// the square roots of the first 8 primes and the cube roots of the first 64
// (FIPS 180-4, 4.2.2 and 5.3.3); MD5's are floor(|sin(i + 1)| * 2^32)
// (RFC 1321, 3.4). The known-answer tests in tests/test_hash.cpp check them.
constexpr std::array<uint32_t, 8> kSha256Init = {
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

constexpr std::array<uint32_t, 64> kSha256K = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

constexpr std::array<uint32_t, 4> kMd5Init = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476};

constexpr std::array<uint32_t, 64> kMd5T = {
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
    0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
    0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
    0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
    0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
    0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
    0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
    0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
};

// Per-round left-rotation amounts of MD5, four per round (RFC 1321, 3.4).
constexpr std::array<int, 16> kMd5Shift = {7, 12, 17, 22, 5, 9,  14, 20,
                                           4, 11, 16, 23, 6, 10, 15, 21};

uint32_t load_be32(const uint8_t* p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | uint32_t{p[3]};
}
uint32_t load_le32(const uint8_t* p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}
void store_be32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (24 - 8 * i));
}
void store_le32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

// The Merkle-Damgard buffering both hashes share: whole 64-byte blocks go
// straight to `compress`, the rest waits in `buffer` for the next update.
template <typename Compress>
void feed_blocks(std::array<uint8_t, 64>& buffer, size_t& buffered, uint64_t& total,
                 const void* data, size_t size, Compress compress) {
  auto p = static_cast<const uint8_t*>(data);
  total += size;
  if (buffered > 0) {
    const size_t take = std::min(size, buffer.size() - buffered);
    std::memcpy(buffer.data() + buffered, p, take);
    buffered += take;
    p += take;
    size -= take;
    if (buffered < buffer.size()) return;
    compress(buffer.data());
    buffered = 0;
  }
  for (; size >= 64; p += 64, size -= 64) compress(p);
  if (size > 0) std::memcpy(buffer.data(), p, size);
  buffered = size;
}

// Appends 0x80, zeros, and the message length in bits as the last 8 bytes of
// a block (big-endian for SHA-256, little-endian for MD5).
template <typename Compress>
void pad_final(std::array<uint8_t, 64>& buffer, size_t buffered, uint64_t total, bool big_endian,
               Compress compress) {
  const uint64_t bits = total * 8;
  buffer[buffered++] = 0x80;
  if (buffered > 56) {
    std::memset(buffer.data() + buffered, 0, 64 - buffered);
    compress(buffer.data());
    buffered = 0;
  }
  std::memset(buffer.data() + buffered, 0, 56 - buffered);
  for (int i = 0; i < 8; ++i) {
    const int shift = big_endian ? 56 - 8 * i : 8 * i;
    buffer[56 + i] = static_cast<uint8_t>(bits >> shift);
  }
  compress(buffer.data());
}

}  // namespace

// ---- SHA-256 (FIPS 180-4, 6.2) ----

void Sha256::reset() {
  state_ = kSha256Init;
  buffered_ = 0;
  total_bytes_ = 0;
}

void Sha256::compress(const uint8_t* block) {
  std::array<uint32_t, 64> w;
  for (int t = 0; t < 16; ++t) w[t] = load_be32(block + 4 * t);
  for (int t = 16; t < 64; ++t) {
    const uint32_t s0 = std::rotr(w[t - 15], 7) ^ std::rotr(w[t - 15], 18) ^ (w[t - 15] >> 3);
    const uint32_t s1 = std::rotr(w[t - 2], 17) ^ std::rotr(w[t - 2], 19) ^ (w[t - 2] >> 10);
    w[t] = w[t - 16] + s0 + w[t - 7] + s1;
  }
  auto [a, b, c, d, e, f, g, h] = state_;
  for (int t = 0; t < 64; ++t) {
    const uint32_t big_s1 = std::rotr(e, 6) ^ std::rotr(e, 11) ^ std::rotr(e, 25);
    const uint32_t ch = (e & f) ^ (~e & g);
    const uint32_t t1 = h + big_s1 + ch + kSha256K[t] + w[t];
    const uint32_t big_s0 = std::rotr(a, 2) ^ std::rotr(a, 13) ^ std::rotr(a, 22);
    const uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
    const uint32_t t2 = big_s0 + maj;
    h = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = b;
    b = a;
    a = t1 + t2;
  }
  const std::array<uint32_t, 8> add = {a, b, c, d, e, f, g, h};
  for (int i = 0; i < 8; ++i) state_[i] += add[i];
}

void Sha256::update(const void* data, size_t size) {
  feed_blocks(buffer_, buffered_, total_bytes_, data, size,
              [this](const uint8_t* block) { compress(block); });
}

Sha256::Digest Sha256::final() {
  pad_final(buffer_, buffered_, total_bytes_, /*big_endian=*/true,
            [this](const uint8_t* block) { compress(block); });
  Digest out;
  for (int i = 0; i < 8; ++i) store_be32(out.data() + 4 * i, state_[i]);
  reset();
  return out;
}

std::string Sha256::hex_final() {
  const Digest d = final();
  return to_hex(d.data(), d.size());
}

// ---- MD5 (RFC 1321, 3.4) ----

void Md5::reset() {
  state_ = kMd5Init;
  buffered_ = 0;
  total_bytes_ = 0;
}

void Md5::compress(const uint8_t* block) {
  std::array<uint32_t, 16> x;
  for (int i = 0; i < 16; ++i) x[i] = load_le32(block + 4 * i);
  auto [a, b, c, d] = state_;
  for (int i = 0; i < 64; ++i) {
    // Each of the four rounds has its own mixing function and its own order
    // of visiting the sixteen message words.
    const int round = i / 16;
    uint32_t f;
    int k;
    switch (round) {
      case 0:
        f = (b & c) | (~b & d);
        k = i;
        break;
      case 1:
        f = (b & d) | (c & ~d);
        k = (5 * i + 1) % 16;
        break;
      case 2:
        f = b ^ c ^ d;
        k = (3 * i + 5) % 16;
        break;
      default:
        f = c ^ (b | ~d);
        k = (7 * i) % 16;
        break;
    }
    const uint32_t rotated = std::rotl(a + f + x[k] + kMd5T[i], kMd5Shift[round * 4 + i % 4]);
    a = d;
    d = c;
    c = b;
    b = b + rotated;
  }
  state_[0] += a;
  state_[1] += b;
  state_[2] += c;
  state_[3] += d;
}

void Md5::update(const void* data, size_t size) {
  feed_blocks(buffer_, buffered_, total_bytes_, data, size,
              [this](const uint8_t* block) { compress(block); });
}

Md5::Digest Md5::final() {
  pad_final(buffer_, buffered_, total_bytes_, /*big_endian=*/false,
            [this](const uint8_t* block) { compress(block); });
  Digest out;
  for (int i = 0; i < 4; ++i) store_le32(out.data() + 4 * i, state_[i]);
  reset();
  return out;
}

std::string Md5::hex_final() {
  const Digest d = final();
  return to_hex(d.data(), d.size());
}

// ---- helpers ----

std::string to_hex(const uint8_t* data, size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(2 * size, '0');
  for (size_t i = 0; i < size; ++i) {
    out[2 * i] = kDigits[data[i] >> 4];
    out[2 * i + 1] = kDigits[data[i] & 0xf];
  }
  return out;
}

std::string sha256_hex(std::string_view data) {
  Sha256 h;
  h.update(data);
  return h.hex_final();
}

std::string md5_hex(std::string_view data) {
  Md5 h;
  h.update(data);
  return h.hex_final();
}

std::string_view hash_name(HashAlgo algo) {
  return algo == HashAlgo::md5 ? "md5" : "sha256";
}

namespace {
// Feeds a file to `sink` in 1 MiB chunks, so hashing a large download does
// not need it in memory.
template <typename Sink>
void read_chunks(const std::filesystem::path& path, Sink sink) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail("{}: cannot open: {}", path.string(), std::strerror(errno));
  std::vector<uint8_t> chunk(1 << 20);
  while (true) {
    const ssize_t got = ::read(fd, chunk.data(), chunk.size());
    if (got < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      fail("{}: read error: {}", path.string(), std::strerror(err));
    }
    if (got == 0) break;
    sink(chunk.data(), static_cast<size_t>(got));
  }
  ::close(fd);
}
}  // namespace

std::string file_digest_hex(const std::filesystem::path& path, HashAlgo algo) {
  if (algo == HashAlgo::md5) {
    Md5 h;
    read_chunks(path, [&](const uint8_t* p, size_t n) { h.update(p, n); });
    return h.hex_final();
  }
  Sha256 h;
  read_chunks(path, [&](const uint8_t* p, size_t n) { h.update(p, n); });
  return h.hex_final();
}

}  // namespace fmnist
