#pragma once
// Images from files, for prediction: decoding common formats to grey, and
// fitting them into the data set's frame the way Fashion-MNIST was made from
// Zalando's product photos (trim the background border, scale the longest
// edge to 28, sharpen, centre on a 28x28 canvas, negate, 8-bit grey).
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "data/dataset.hpp"

namespace fmnist {

namespace fs = std::filesystem;

// 8-bit grey pixels, row-major, width * height bytes.
struct GreyImage {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> pixels;

  uint8_t at(int x, int y) const { return pixels[static_cast<size_t>(y) * width + x]; }
};

// Images wider or taller than this are refused before their pixels are
// decoded: a 20000x20000 RGBA image already needs 1.6 GB.
constexpr int kMaxImageSide = 20000;

// Decodes PNG, JPEG, BMP, GIF (first frame) and PGM/PPM (binary P5/P6 and
// ASCII P2/P3) of any size, grey or colour, with or without alpha. Alpha is
// composited over white (product photos are on white), colour becomes ITU-R
// BT.601 luma. Every error names the file.
GreyImage decode_image(const fs::path& path);
// The decoder behind decode_image, on bytes in memory; `name` is used in
// error messages.
GreyImage decode_image(std::span<const uint8_t> bytes, const std::string& name);

// Encodes a grey image as PNG (what `data prepare` writes).
std::vector<uint8_t> encode_png(const GreyImage& image);

enum class Invert { automatic, yes, no };

struct FitOptions {
  int rows = 28;
  int cols = 28;
  // automatic: negate when the border (the background) is light, so that
  // garments end up bright on black like the data set.
  Invert invert = Invert::automatic;
};

struct Box {
  int x = 0, y = 0, width = 0, height = 0;
};

struct FittedImage {
  GreyImage image;         // rows x cols
  bool inverted = false;   // the input was negated
  bool reframed = false;   // trimmed, scaled and centred; false when the input
                           // already had the target size and was kept as is
  uint8_t background = 0;  // border level after any negation (0 is ideal)
  Box object;              // what stood out from the background, in input pixels
                           // (width 0: nothing did, the result is black)
  Box placed;              // where the object landed on the canvas
};

// Brings any grey image into the data set's frame: negate if asked (or if
// the background is light), trim the border rows and columns that are within
// 5% of the background level, shift the background level to black, scale the
// longest edge to fit with an area filter (no aliasing when shrinking large
// photos), sharpen like the original conversion, and centre on black.
// An image that already has the target size is only negated (if at all), so
// data-set images and this function's own results come back unchanged.
FittedImage fit_like_fashion_mnist(const GreyImage& image, const FitOptions& options = {});

// Decodes and fits each file, in order, into one Dataset of
// options.rows x options.cols images. Their classes are unknown: every label
// is 0, and only the pixels are meaningful (for prediction).
Dataset load_images(const std::vector<fs::path>& paths, const FitOptions& options = {});

}  // namespace fmnist
