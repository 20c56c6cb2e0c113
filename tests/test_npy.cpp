#include <gtest/gtest.h>

#include "core/files.hpp"
#include "models/npy.hpp"
#include "support/expect_error.hpp"
#include "support/fixtures.hpp"

namespace fmnist {
namespace {

using test::expect_error;
using test::TempDir;

TEST(Npy, RoundTripsShapesAndValues) {
  TempDir dir;
  const std::vector<float> v = {1.5f, -2.f, 3.25f, 0.f, 1e-30f, -7.f};
  save_npy(dir / "a.npy", v, {2, 3});
  EXPECT_EQ(load_npy(dir / "a.npy", {2, 3}), v);
  save_npy(dir / "b.npy", v, {6});
  EXPECT_EQ(load_npy(dir / "b.npy", {6}), v);
}

TEST(Npy, WritesTheHeaderNumpyExpects) {
  TempDir dir;
  save_npy(dir / "a.npy", std::vector<float>(10 * 784), {10, 784});
  save_npy(dir / "b.npy", std::vector<float>(10), {10});
  const std::string a = test::read_text(dir / "a.npy"), b = test::read_text(dir / "b.npy");
  EXPECT_EQ(a.substr(0, 8), std::string("\x93NUMPY\x01\x00", 8));
  const size_t header_len = static_cast<uint8_t>(a[8]) | (static_cast<uint8_t>(a[9]) << 8);
  EXPECT_EQ((10 + header_len) % 64, 0u);  // data aligned as the format asks
  EXPECT_EQ(a.size(), 10 + header_len + 10 * 784 * 4);
  EXPECT_NE(a.find("{'descr': '<f4', 'fortran_order': False, 'shape': (10, 784), }"),
            std::string::npos);
  EXPECT_NE(b.find("'shape': (10,), }"), std::string::npos);
  EXPECT_EQ(a[10 + header_len - 1], '\n');
}

TEST(Npy, RejectsAnotherShape) {
  TempDir dir;
  save_npy(dir / "a.npy", std::vector<float>(6), {2, 3});
  expect_error([&] { load_npy(dir / "a.npy", {3, 2}); }, {"a.npy", "expected shape (3, 2)"});
}

TEST(Npy, RejectsAnotherDtype) {
  TempDir dir;
  save_npy(dir / "a.npy", std::vector<float>(4), {4});
  std::string bytes = test::read_text(dir / "a.npy");
  bytes.replace(bytes.find("<f4"), 3, "<f8");
  test::write_text(dir / "a.npy", bytes);
  expect_error([&] { load_npy(dir / "a.npy", {4}); }, {"a.npy", "float32"});
}

TEST(Npy, RejectsTruncatedData) {
  TempDir dir;
  save_npy(dir / "a.npy", std::vector<float>(100), {100});
  std::string bytes = test::read_text(dir / "a.npy");
  bytes.resize(bytes.size() - 4);
  test::write_text(dir / "a.npy", bytes);
  expect_error([&] { load_npy(dir / "a.npy", {100}); }, {"a.npy", "400 bytes", "396"});
}

TEST(Npy, RejectsOtherFiles) {
  TempDir dir;
  test::write_text(dir / "a.npy", "not numpy at all");
  expect_error([&] { load_npy(dir / "a.npy", {1}); }, {"a.npy", "not a .npy file"});
  expect_error([&] { load_npy(dir / "missing.npy", {1}); }, {"missing.npy"});
}

TEST(Npy, RejectsAValueCountThatDoesNotFillTheShape) {
  TempDir dir;
  expect_error(
      [&] {
        save_npy(dir / "a.npy", std::vector<float>(5), {2, 3});
      },
      {"5 values", "(2, 3)"});
}

TEST(Npy, Uint8RoundTripsAnyShape) {
  TempDir dir;
  const std::vector<uint8_t> v = {0, 1, 2, 127, 128, 255};
  save_npy_u8(dir / "a.npy", v, {1, 2, 3});
  const auto a = load_npy_u8(dir / "a.npy");
  EXPECT_EQ(a.data, v);
  EXPECT_EQ(a.shape, (std::vector<size_t>{1, 2, 3}));
  save_npy_u8(dir / "b.npy", v, {6});
  EXPECT_EQ(load_npy_u8(dir / "b.npy").shape, (std::vector<size_t>{6}));
  EXPECT_NE(test::read_text(dir / "b.npy")
                .find("{'descr': '|u1', 'fortran_order': False, 'shape': (6,), }"),
            std::string::npos);
}

TEST(Npy, Uint8ReaderRejectsFloatsAndShortData) {
  TempDir dir;
  save_npy(dir / "f.npy", std::vector<float>(4), {4});
  expect_error([&] { load_npy_u8(dir / "f.npy"); }, {"f.npy", "uint8", "|u1"});
  save_npy_u8(dir / "a.npy", std::vector<uint8_t>(12), {3, 4});
  std::string bytes = test::read_text(dir / "a.npy");
  bytes.resize(bytes.size() - 1);
  test::write_text(dir / "a.npy", bytes);
  expect_error([&] { load_npy_u8(dir / "a.npy"); }, {"a.npy", "12 bytes", "11"});
}

}  // namespace
}  // namespace fmnist
