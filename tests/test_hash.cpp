// Known-answer tests for the SHA-256 and MD5 used to verify downloads.
#include <gtest/gtest.h>

#include "core/error.hpp"
#include "core/hash.hpp"
#include "support/fixtures.hpp"

namespace fmnist {
namespace {

const std::string kMillionA(1'000'000, 'a');

// RFC 1321, appendix A.5 ("test suite"), plus the usual million 'a's.
TEST(Md5, Rfc1321TestSuite) {
  EXPECT_EQ(md5_hex(""), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(md5_hex("a"), "0cc175b9c0f1b6a831c399e269772661");
  EXPECT_EQ(md5_hex("abc"), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(md5_hex("message digest"), "f96b697d7cb7938d525a2f31aaf161d0");
  EXPECT_EQ(md5_hex("abcdefghijklmnopqrstuvwxyz"), "c3fcd3d76192e4007dfb496cca67e13b");
  EXPECT_EQ(md5_hex("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"),
            "d174ab98d277d9f5a5611c2c9f419d9f");
  EXPECT_EQ(md5_hex("1234567890123456789012345678901234567890"
                    "1234567890123456789012345678901234567890"),
            "57edf4a22be3c955ac49da2e2107b67a");
}

TEST(Md5, MillionA) {
  EXPECT_EQ(md5_hex(kMillionA), "7707d6ae4e027c70eea2a935c2296f21");
}

// FIPS 180-2, appendix B (one-block, two-block and long messages), plus the
// empty string.
TEST(Sha256, Fips180Vectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(sha256_hex(kMillionA),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

// 55, 56 and 64 bytes: the length field just fits, just does not fit, and
// the message fills a block exactly, so padding takes each of its paths.
TEST(Sha256, PaddingBoundaries) {
  EXPECT_EQ(sha256_hex(std::string(55, 'a')),
            "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
  EXPECT_EQ(sha256_hex(std::string(56, 'a')),
            "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
  EXPECT_EQ(sha256_hex(std::string(64, 'a')),
            "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
}

// Splitting the input at awkward places must not change the digest.
TEST(Hash, StreamingMatchesOneShot) {
  for (size_t chunk : {1, 3, 63, 64, 65, 1000, 4096}) {
    Sha256 sha;
    Md5 md5;
    for (size_t at = 0; at < kMillionA.size(); at += chunk) {
      const auto piece = std::string_view(kMillionA).substr(at, chunk);
      sha.update(piece);
      md5.update(piece);
    }
    EXPECT_EQ(sha.hex_final(), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
        << "chunk " << chunk;
    EXPECT_EQ(md5.hex_final(), "7707d6ae4e027c70eea2a935c2296f21") << "chunk " << chunk;
  }
}

TEST(Hash, FinalResetsForReuse) {
  Sha256 sha;
  sha.update("junk");
  (void)sha.final();
  sha.update("abc");
  EXPECT_EQ(sha.hex_final(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  Md5 md5;
  md5.update("junk");
  (void)md5.final();
  md5.update("abc");
  EXPECT_EQ(md5.hex_final(), "900150983cd24fb0d6963f7d28e17f72");
}

TEST(Hash, FileDigests) {
  test::TempDir dir;
  test::write_text(dir / "abc", "abc");
  EXPECT_EQ(file_digest_hex(dir / "abc", HashAlgo::md5), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(file_digest_hex(dir / "abc", HashAlgo::sha256),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  test::write_text(dir / "empty", "");
  EXPECT_EQ(file_digest_hex(dir / "empty", HashAlgo::md5), "d41d8cd98f00b204e9800998ecf8427e");
  try {
    file_digest_hex(dir / "missing", HashAlgo::md5);
    ADD_FAILURE() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("missing"), std::string::npos) << e.what();
  }
}

TEST(Hash, ToHex) {
  const uint8_t bytes[] = {0x00, 0x0f, 0xa5, 0xff};
  EXPECT_EQ(to_hex(bytes, 4), "000fa5ff");
  EXPECT_EQ(to_hex(bytes, 0), "");
}

}  // namespace
}  // namespace fmnist
