// Images from files: decoding every supported format to grey, fitting into
// the 28x28 frame like Fashion-MNIST, the errors, and `fmnist data prepare`.
#include <stb_image_write.h>

#include <gtest/gtest.h>
#include <algorithm>

#include "core/error.hpp"
#include "core/files.hpp"
#include "data/image.hpp"
#include "support/expect_error.hpp"
#include "support/fixtures.hpp"

namespace fmnist {
namespace {

using test::expect_error;
using test::TempDir;

// ------------------------------------------------------------ fixtures

GreyImage canvas(int width, int height, uint8_t level) {
  return {width, height, std::vector<uint8_t>(static_cast<size_t>(width) * height, level)};
}

void fill(GreyImage& img, const Box& box, uint8_t level) {
  for (int y = box.y; y < box.y + box.height; ++y) {
    for (int x = box.x; x < box.x + box.width; ++x) {
      img.pixels[static_cast<size_t>(y) * img.width + x] = level;
    }
  }
}

// The bounding box of the pixels above `threshold` (width 0 when none are).
Box bright_box(const GreyImage& img, uint8_t threshold) {
  int x0 = img.width, y0 = img.height, x1 = -1, y1 = -1;
  for (int y = 0; y < img.height; ++y) {
    for (int x = 0; x < img.width; ++x) {
      if (img.at(x, y) <= threshold) continue;
      x0 = std::min(x0, x), x1 = std::max(x1, x), y0 = std::min(y0, y), y1 = std::max(y1, y);
    }
  }
  return x1 < 0 ? Box{} : Box{x0, y0, x1 - x0 + 1, y1 - y0 + 1};
}

// `pixel` (1 to 4 samples) repeated over a width x height image.
std::vector<uint8_t> solid(int width, int height, const std::vector<uint8_t>& pixel) {
  std::vector<uint8_t> out;
  for (int i = 0; i < width * height; ++i) out.insert(out.end(), pixel.begin(), pixel.end());
  return out;
}

void write_png(const fs::path& path, int width, int height, int channels,
               const std::vector<uint8_t>& samples) {
  ASSERT_TRUE(
      stbi_write_png(path.c_str(), width, height, channels, samples.data(), width * channels));
}

void write_png(const fs::path& path, const GreyImage& img) {
  write_png(path, img.width, img.height, 1, img.pixels);
}

// A PNG big enough that cutting it in half leaves the header but not the data.
void write_noisy_png(const fs::path& path) {
  GreyImage img = canvas(64, 64, 0);
  for (size_t i = 0; i < img.pixels.size(); ++i) img.pixels[i] = static_cast<uint8_t>(i * 7919);
  write_png(path, img);
}

// A dark object on a white page, like a product photo.
GreyImage photo_with_object(int width, int height, const Box& object) {
  GreyImage img = canvas(width, height, 250);
  fill(img, object, 40);
  return img;
}

// ------------------------------------------------------------ decoding

TEST(ImageDecode, GreyPngIsExact) {
  TempDir dir;
  GreyImage img = canvas(5, 3, 0);
  for (size_t i = 0; i < img.pixels.size(); ++i) img.pixels[i] = static_cast<uint8_t>(i * 17);
  write_png(dir / "g.png", img);
  GreyImage back = decode_image(dir / "g.png");
  EXPECT_EQ(back.width, 5);
  EXPECT_EQ(back.height, 3);
  EXPECT_EQ(back.pixels, img.pixels);
}

TEST(ImageDecode, EncodePngRoundTrips) {
  GreyImage img = canvas(7, 4, 9);
  fill(img, {1, 1, 3, 2}, 201);
  const std::vector<uint8_t> png = encode_png(img);
  EXPECT_EQ(decode_image(png, "memory").pixels, img.pixels);
}

TEST(ImageDecode, ColourBecomesBt601Luma) {
  TempDir dir;
  const std::vector<uint8_t> rgb = {255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255};
  write_png(dir / "c.png", 4, 1, 3, rgb);
  EXPECT_EQ(decode_image(dir / "c.png").pixels, (std::vector<uint8_t>{76, 150, 29, 255}));
}

TEST(ImageDecode, AlphaIsCompositedOverWhite) {
  TempDir dir;
  // Black at alpha 0, 255 and 128, then opaque blue.
  const std::vector<uint8_t> rgba = {0, 0, 0, 0, 0, 0, 0, 255, 0, 0, 0, 128, 0, 0, 255, 255};
  write_png(dir / "a.png", 4, 1, 4, rgba);
  EXPECT_EQ(decode_image(dir / "a.png").pixels, (std::vector<uint8_t>{255, 0, 127, 29}));
  const std::vector<uint8_t> grey_alpha = {0, 0, 100, 255};
  write_png(dir / "ga.png", 2, 1, 2, grey_alpha);
  EXPECT_EQ(decode_image(dir / "ga.png").pixels, (std::vector<uint8_t>{255, 100}));
}

TEST(ImageDecode, JpegGreyAndColour) {
  TempDir dir;
  ASSERT_TRUE(stbi_write_jpg((dir / "g.jpg").c_str(), 16, 16, 1, solid(16, 16, {100}).data(), 95));
  ASSERT_TRUE(
      stbi_write_jpg((dir / "c.jpg").c_str(), 16, 16, 3, solid(16, 16, {200, 100, 50}).data(), 95));
  for (uint8_t v : decode_image(dir / "g.jpg").pixels) EXPECT_NEAR(v, 100, 2);
  // 0.299 * 200 + 0.587 * 100 + 0.114 * 50 = 124.2; JPEG's chroma is lossy.
  for (uint8_t v : decode_image(dir / "c.jpg").pixels) EXPECT_NEAR(v, 124, 3);
}

TEST(ImageDecode, BmpIsExact) {
  TempDir dir;
  const std::vector<uint8_t> rgb = {0, 0, 0, 255, 255, 255, 255, 0, 0, 10, 10, 10};
  ASSERT_TRUE(stbi_write_bmp((dir / "b.bmp").c_str(), 2, 2, 3, rgb.data()));
  GreyImage img = decode_image(dir / "b.bmp");
  EXPECT_EQ(img.width, 2);
  EXPECT_EQ(img.pixels, (std::vector<uint8_t>{0, 255, 76, 10}));
}

TEST(ImageDecode, BinaryPgmWithComment) {
  TempDir dir;
  std::string pgm = "P5\n# drawn by hand\n3 2\n255\n";
  pgm += std::string{'\x00', '\x10', '\x20', '\x7f', '\x80', '\xff'};
  test::write_text(dir / "b.pgm", pgm);
  GreyImage img = decode_image(dir / "b.pgm");
  EXPECT_EQ(img.width, 3);
  EXPECT_EQ(img.height, 2);
  EXPECT_EQ(img.pixels, (std::vector<uint8_t>{0, 16, 32, 127, 128, 255}));
}

TEST(ImageDecode, AsciiPgmScalesFromMaxval) {
  TempDir dir;
  test::write_text(dir / "a.pgm", "P2 # ASCII grey\n# size\n3 1\n15\n0 15\n  7 # trailing note\n");
  GreyImage img = decode_image(dir / "a.pgm");
  EXPECT_EQ(img.width, 3);
  EXPECT_EQ(img.pixels, (std::vector<uint8_t>{0, 255, 119}));
}

TEST(ImageDecode, AsciiPpmBecomesGrey) {
  TempDir dir;
  test::write_text(dir / "a.ppm", "P3\n2 1\n255\n255 0 0   0 0 255\n");
  EXPECT_EQ(decode_image(dir / "a.ppm").pixels, (std::vector<uint8_t>{76, 29}));
}

// One 1x1 GIF frame showing palette entry `index` (0 to 3). Its LZW data
// (minimum code size 2) is three 3-bit codes packed LSB first: clear (4),
// the index, end (5).
std::vector<uint8_t> gif_frame(uint8_t index) {
  const auto packed = static_cast<uint8_t>(4 | index << 3 | (5 & 3) << 6);
  const uint8_t descriptor[] = {0x2C, 0, 0, 0, 0, 1, 0, 1, 0, 0};  // at 0,0, 1x1, no local palette
  std::vector<uint8_t> frame(std::begin(descriptor), std::end(descriptor));
  frame.insert(frame.end(), {2, 2, packed, 5 >> 2, 0});  // code size, 2-byte block, terminator
  return frame;
}

TEST(ImageDecode, GifTakesTheFirstFrame) {
  TempDir dir;
  // A 1x1 screen with a 2-colour palette: (200, 100, 50) and black.
  std::vector<uint8_t> gif = {'G', 'I', 'F', '8', '9', 'a', 1, 0, 1, 0, 0x80, 0, 0};
  gif.insert(gif.end(), {200, 100, 50, 0, 0, 0});
  for (uint8_t index : {0, 1}) {
    auto frame = gif_frame(index);
    gif.insert(gif.end(), frame.begin(), frame.end());
  }
  gif.push_back(0x3B);
  test::write_bytes(dir / "f.gif", gif);
  EXPECT_EQ(decode_image(dir / "f.gif").pixels, (std::vector<uint8_t>{124}));
}

// ------------------------------------------------------------ errors

TEST(ImageErrors, CorruptBytesNameTheFile) {
  TempDir dir;
  test::write_text(dir / "notes.png", "these are some notes, not an image at all\n");
  expect_error([&] { decode_image(dir / "notes.png"); },
               {(dir / "notes.png").string(), "cannot decode image", "not a PNG, JPEG"});
}

TEST(ImageErrors, TruncatedPng) {
  TempDir dir;
  write_noisy_png(dir / "t.png");
  auto bytes = read_file(dir / "t.png");
  bytes.resize(bytes.size() / 2);
  test::write_bytes(dir / "t.png", bytes);
  expect_error([&] { decode_image(dir / "t.png"); },
               {(dir / "t.png").string(), "cannot decode image"});
}

TEST(ImageErrors, EmptyFile) {
  TempDir dir;
  test::write_text(dir / "e.jpg", "");
  expect_error([&] { decode_image(dir / "e.jpg"); }, {(dir / "e.jpg").string(), "empty file"});
}

TEST(ImageErrors, Directory) {
  TempDir dir;
  expect_error([&] { decode_image(dir.path()); }, {dir.path().string(), "is a directory"});
}

TEST(ImageErrors, MissingFile) {
  TempDir dir;
  expect_error([&] { decode_image(dir / "nope.png"); },
               {(dir / "nope.png").string(), "no such file"});
}

TEST(ImageErrors, AbsurdDimensionsAreRefusedBeforeDecoding) {
  TempDir dir;
  write_png(dir / "huge.png", canvas(4, 4, 0));
  auto bytes = read_file(dir / "huge.png");
  // IHDR's width, big-endian at byte 16: 30000. stb does not check CRCs.
  bytes[16] = 0, bytes[17] = 0, bytes[18] = 0x75, bytes[19] = 0x30;
  test::write_bytes(dir / "huge.png", bytes);
  expect_error([&] { decode_image(dir / "huge.png"); },
               {(dir / "huge.png").string(), "30000x4", "20000"});
  test::write_text(dir / "huge.pgm", "P2 3 25000 255 0 0 0\n");
  expect_error([&] { decode_image(dir / "huge.pgm"); }, {"huge.pgm", "3x25000"});
}

TEST(ImageErrors, BadAsciiPgm) {
  TempDir dir;
  test::write_text(dir / "short.pgm", "P2 3 2 255 1 2 3\n");
  expect_error([&] { decode_image(dir / "short.pgm"); }, {"short.pgm", "truncated", "3 of 6"});
  test::write_text(dir / "big.pgm", "P2 2 1 100 1 101\n");
  expect_error([&] { decode_image(dir / "big.pgm"); }, {"big.pgm", "sample 101", "0..100"});
  test::write_text(dir / "word.pgm", "P2 2 x\n");
  expect_error([&] { decode_image(dir / "word.pgm"); }, {"word.pgm", "'x' is not a number"});
}

// ------------------------------------------------------------ fitting

TEST(ImageFit, DarkImageOfTargetSizeIsUnchanged) {
  Dataset d = test::make_dataset(3);
  for (size_t i = 0; i < d.size(); ++i) {
    GreyImage img{28, 28, {d.image(i).begin(), d.image(i).end()}};
    FittedImage f = fit_like_fashion_mnist(img);
    EXPECT_FALSE(f.inverted);
    EXPECT_FALSE(f.reframed);
    EXPECT_EQ(f.image.pixels, img.pixels);
  }
  // A small object on black, as in the data set: not trimmed or enlarged.
  GreyImage item = canvas(28, 28, 0);
  fill(item, {10, 8, 6, 12}, 230);
  EXPECT_EQ(fit_like_fashion_mnist(item).image.pixels, item.pixels);
}

TEST(ImageFit, ResultIsAFixedPoint) {
  FittedImage once = fit_like_fashion_mnist(photo_with_object(90, 70, {20, 10, 30, 50}));
  FittedImage twice = fit_like_fashion_mnist(once.image);
  EXPECT_EQ(twice.image.pixels, once.image.pixels);
}

TEST(ImageFit, LightBackgroundIsInverted) {
  FittedImage f = fit_like_fashion_mnist(photo_with_object(80, 60, {20, 15, 40, 30}));
  EXPECT_TRUE(f.inverted);
  EXPECT_TRUE(f.reframed);
  EXPECT_EQ(f.image.width, 28);
  EXPECT_EQ(f.image.height, 28);
  EXPECT_EQ(f.image.at(0, 0), 0);
  EXPECT_EQ(f.image.at(27, 27), 0);
  EXPECT_GT(f.image.at(14, 14), 200);  // the dark object is now bright
}

TEST(ImageFit, WideObjectKeepsAspectRatioAndIsCentred) {
  // A 100x50 object placed off-centre on a 160x120 page.
  FittedImage f = fit_like_fashion_mnist(photo_with_object(160, 120, {10, 60, 100, 50}));
  EXPECT_EQ(f.object.width, 100);
  EXPECT_EQ(f.object.height, 50);
  const Box box = bright_box(f.image, 0);
  EXPECT_EQ(box.width, 28);
  EXPECT_NEAR(box.height, 14, 1);
  EXPECT_NEAR(box.x, 0, 0);
  EXPECT_NEAR(box.y, 7, 1);
  // The page around the object is pure black, like the data set's padding.
  const Box inside = f.placed;
  for (int y = 0; y < 28; ++y) {
    for (int x = 0; x < 28; ++x) {
      const bool in = x >= inside.x && x < inside.x + inside.width && y >= inside.y &&
                      y < inside.y + inside.height;
      if (!in) {
        EXPECT_EQ(f.image.at(x, y), 0) << "at " << x << "," << y;
      }
    }
  }
}

TEST(ImageFit, TallObjectKeepsAspectRatioAndIsCentred) {
  FittedImage f = fit_like_fashion_mnist(photo_with_object(300, 400, {200, 20, 60, 240}));
  const Box box = bright_box(f.image, 0);
  EXPECT_EQ(box.height, 28);
  EXPECT_NEAR(box.width, 7, 1);
  EXPECT_NEAR(box.x + box.width / 2.0, 14, 1);
}

TEST(ImageFit, ShrinkingAveragesFinePatternsInsteadOfAliasing) {
  // A one-pixel checkerboard of 280x280 shrunk tenfold: an area filter gives
  // even grey; picking every tenth pixel would give all black or all white.
  GreyImage img = canvas(300, 300, 0);
  for (int y = 10; y < 290; ++y) {
    for (int x = 10; x < 290; ++x) {
      img.pixels[static_cast<size_t>(y) * 300 + x] = (x + y) % 2 ? 255 : 0;
    }
  }
  FittedImage f = fit_like_fashion_mnist(img);
  EXPECT_EQ(f.placed.width, 28);
  for (uint8_t v : f.image.pixels) EXPECT_NEAR(v, 128, 3);
}

TEST(ImageFit, SmallImagesAreEnlarged) {
  GreyImage img = canvas(12, 12, 0);
  fill(img, {3, 2, 4, 8}, 200);
  FittedImage f = fit_like_fashion_mnist(img);
  EXPECT_EQ(bright_box(f.image, 0).height, 28);
  EXPECT_NEAR(bright_box(f.image, 0).width, 14, 1);
}

TEST(ImageFit, InvertOptionOverridesTheGuess) {
  GreyImage dark = canvas(28, 28, 0);
  fill(dark, {5, 5, 10, 10}, 200);
  FittedImage yes = fit_like_fashion_mnist(dark, {.invert = Invert::yes});
  EXPECT_TRUE(yes.inverted);
  EXPECT_EQ(yes.image.at(0, 0), 255);
  EXPECT_EQ(yes.image.at(7, 7), 55);
  FittedImage no =
      fit_like_fashion_mnist(photo_with_object(60, 60, {10, 10, 20, 20}), {.invert = Invert::no});
  EXPECT_FALSE(no.inverted);
  EXPECT_GT(no.background, 127);
}

TEST(ImageFit, BlankImageGivesBlackCanvas) {
  FittedImage f = fit_like_fashion_mnist(canvas(50, 40, 200));
  EXPECT_EQ(f.object.width, 0);
  EXPECT_EQ(f.image.pixels, std::vector<uint8_t>(28 * 28, 0));
}

TEST(ImageFit, OtherCanvasSizes) {
  FittedImage f = fit_like_fashion_mnist(photo_with_object(100, 100, {10, 10, 80, 40}),
                                         {.rows = 20, .cols = 40});
  EXPECT_EQ(f.image.width, 40);
  EXPECT_EQ(f.image.height, 20);
  EXPECT_EQ(bright_box(f.image, 0).width, 40);
  EXPECT_EQ(bright_box(f.image, 0).height, 20);
  expect_error([] { fit_like_fashion_mnist(canvas(4, 4, 0), {.rows = 0}); }, {"0x28"});
}

TEST(LoadImages, StacksFittedImagesWithZeroLabels) {
  TempDir dir;
  write_png(dir / "a.png", photo_with_object(60, 40, {5, 5, 30, 20}));
  write_png(dir / "b.png", photo_with_object(40, 60, {5, 5, 20, 30}));
  Dataset d = load_images({dir / "a.png", dir / "b.png"});
  EXPECT_EQ(d.rows, 28);
  EXPECT_EQ(d.cols, 28);
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d.labels, (std::vector<uint8_t>{0, 0}));
  const auto b = fit_like_fashion_mnist(decode_image(dir / "b.png")).image.pixels;
  EXPECT_TRUE(std::equal(b.begin(), b.end(), d.image(1).begin()));
  expect_error([&] { load_images({dir / "a.png", dir / "c.png"}); }, {"c.png", "no such file"});
}

// ------------------------------------------------------------ CLI

TEST(PrepareCli, WritesTargetSizePngs) {
  TempDir dir;
  // An RGB photo: a red object on white.
  std::vector<uint8_t> rgb = solid(90, 120, {255, 255, 255});
  for (int y = 20; y < 100; ++y) {
    for (int x = 30; x < 60; ++x) {
      const size_t i = 3 * (static_cast<size_t>(y) * 90 + x);
      rgb[i] = 180, rgb[i + 1] = 20, rgb[i + 2] = 20;
    }
  }
  write_png(dir / "shirt.png", 90, 120, 3, rgb);
  ASSERT_TRUE(stbi_write_jpg((dir / "boot.jpg").c_str(), 90, 120, 3, rgb.data(), 90));
  auto r = test::run_fmnist({"data", "prepare", (dir / "shirt.png").string(),
                             (dir / "boot.jpg").string(), "--out", (dir / "out").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("shirt.png"), std::string::npos) << r.out;
  for (const char* name : {"shirt.png", "boot.png"}) {
    GreyImage img = decode_image(dir / "out" / name);
    EXPECT_EQ(img.width, 28);
    EXPECT_EQ(img.height, 28);
    EXPECT_EQ(img.at(0, 0), 0);
    EXPECT_GT(img.at(14, 14), 100);
  }
}

TEST(PrepareCli, CorruptImageFailsWithOneErrorLine) {
  TempDir dir;
  write_png(dir / "good.png", photo_with_object(40, 40, {5, 5, 20, 30}));
  write_noisy_png(dir / "bad.png");
  auto bytes = read_file(dir / "bad.png");
  bytes.resize(bytes.size() / 2);
  test::write_bytes(dir / "bad.png", bytes);
  auto r = test::run_fmnist({"data", "prepare", (dir / "good.png").string(),
                             (dir / "bad.png").string(), "--out", (dir / "out").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err.rfind("fmnist: error:", 0), 0u) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find("bad.png"), std::string::npos) << r.err;
  // Everything is decoded before anything is written.
  EXPECT_FALSE(fs::exists(dir / "out" / "good.png"));
}

TEST(PrepareCli, RefusesTwoInputsWithTheSameOutputName) {
  TempDir dir;
  fs::create_directories(dir / "a");
  fs::create_directories(dir / "b");
  write_png(dir / "a" / "x.png", canvas(8, 8, 0));
  write_png(dir / "b" / "x.png", canvas(8, 8, 0));
  auto r = test::run_fmnist({"data", "prepare", (dir / "a" / "x.png").string(),
                             (dir / "b" / "x.png").string(), "--out", (dir / "out").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("would both be written"), std::string::npos) << r.err;
}

TEST(PrepareCli, RefusesToOverwriteAnInput) {
  TempDir dir;
  write_png(dir / "x.png", canvas(8, 8, 0));
  auto r =
      test::run_fmnist({"data", "prepare", (dir / "x.png").string(), "--out", dir.path().string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("overwritten"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace fmnist
