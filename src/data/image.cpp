#include "data/image.hpp"

#include <stb_image.h>
#include <stb_image_resize.h>
#include <stb_image_write.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <climits>
#include <cmath>
#include <memory>
#include <new>
#include <optional>
#include <string_view>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/files.hpp"

namespace fmnist {
namespace {

// ---------------------------------------------------------------- decoding

void check_size(long long width, long long height, const std::string& name) {
  if (width <= 0 || height <= 0) {
    fail("{}: cannot decode image: invalid size {}x{}", name, width, height);
  }
  if (width > kMaxImageSide || height > kMaxImageSide) {
    fail("{}: image is {}x{} pixels, more than the {} per side accepted", name, width, height,
         kMaxImageSide);
  }
}

// One pixel of `channels` samples (1 grey, 2 grey+alpha, 3 RGB, 4 RGBA) as
// BT.601 luma, composited over white: transparent parts of a product photo
// are its white background.
uint8_t grey_over_white(const uint8_t* p, int channels) {
  float y = channels >= 3 ? 0.299f * p[0] + 0.587f * p[1] + 0.114f * p[2] : p[0];
  if (channels == 2 || channels == 4) {
    const float alpha = p[channels - 1] / 255.0f;
    y = y * alpha + 255.0f * (1.0f - alpha);
  }
  return static_cast<uint8_t>(std::clamp(std::lround(y), 0L, 255L));
}

GreyImage to_grey(const uint8_t* samples, int width, int height, int channels) {
  GreyImage img{width, height, std::vector<uint8_t>(static_cast<size_t>(width) * height)};
  for (size_t i = 0; i < img.pixels.size(); ++i) {
    img.pixels[i] = grey_over_white(samples + i * channels, channels);
  }
  return img;
}

std::string stb_reason() {
  const char* reason = stbi_failure_reason();
  if (!reason) return "unknown error";
  // stb's wording for "no decoder recognised the bytes" does not say which
  // formats we tried; users need that to know whether to convert the file.
  if (std::string_view(reason) == "Image not of any known type, or corrupt") {
    return "not a PNG, JPEG, BMP, GIF or PGM/PPM image, or corrupt";
  }
  return reason;
}

GreyImage decode_with_stb(std::span<const uint8_t> bytes, const std::string& name) {
  if (bytes.size() > static_cast<size_t>(INT_MAX)) {
    fail("{}: file of {} bytes is too large for an image", name, bytes.size());
  }
  const auto len = static_cast<int>(bytes.size());
  int width = 0, height = 0, channels = 0;
  // The header alone first, so absurd sizes are refused before allocating.
  if (!stbi_info_from_memory(bytes.data(), len, &width, &height, &channels)) {
    fail("{}: cannot decode image: {}", name, stb_reason());
  }
  check_size(width, height, name);
  std::unique_ptr<stbi_uc, void (*)(void*)> samples(
      stbi_load_from_memory(bytes.data(), len, &width, &height, &channels, 0), stbi_image_free);
  if (!samples) fail("{}: cannot decode image: {}", name, stb_reason());
  return to_grey(samples.get(), width, height, channels);
}

// Whitespace-separated tokens of a Netpbm file, skipping '#' comments.
class PnmTokens {
 public:
  PnmTokens(std::span<const uint8_t> bytes, const std::string& name)
      : text_(reinterpret_cast<const char*>(bytes.data()), bytes.size()), name_(name) {}

  // The next token; empty at the end of the file.
  std::string_view next() {
    skip_space_and_comments();
    const size_t start = pos_;
    while (pos_ < text_.size() && !is_space(text_[pos_]) && text_[pos_] != '#') ++pos_;
    return text_.substr(start, pos_ - start);
  }

  // The next token as a number in [lo, hi]; nullopt at the end of the file.
  // `what` names the field in errors.
  std::optional<long> number(long lo, long hi, const char* what) {
    const std::string_view token = next();
    if (token.empty()) return std::nullopt;
    long value = 0;
    const auto [end, ec] = std::from_chars(token.data(), token.data() + token.size(), value);
    if (ec != std::errc() || end != token.data() + token.size()) {
      fail("{}: cannot decode image: '{}' is not a number ({})", name_, token, what);
    }
    if (value < lo || value > hi) {
      fail("{}: cannot decode image: {} {} is out of range {}..{}", name_, what, value, lo, hi);
    }
    return value;
  }

 private:
  static bool is_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

  void skip_space_and_comments() {
    while (pos_ < text_.size()) {
      if (text_[pos_] == '#') {
        while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
      } else if (is_space(text_[pos_])) {
        ++pos_;
      } else {
        return;
      }
    }
  }

  std::string_view text_;
  const std::string& name_;
  size_t pos_ = 0;
};

bool is_ascii_pnm(std::span<const uint8_t> b) {
  return b.size() >= 2 && b[0] == 'P' && (b[1] == '2' || b[1] == '3');
}

// ASCII PGM (P2) and PPM (P3), which stb does not read. Samples are scaled
// from 0..maxval to 0..255; anything after the first image is ignored, as
// Netpbm allows several images in one file.
GreyImage decode_ascii_pnm(std::span<const uint8_t> bytes, const std::string& name) {
  PnmTokens tokens(bytes, name);
  const std::string_view magic = tokens.next();
  if (magic != "P2" && magic != "P3") {
    fail("{}: cannot decode image: starts like a Netpbm file but '{}' is no such format", name,
         magic.substr(0, 8));
  }
  const int channels = magic == "P3" ? 3 : 1;
  auto header_field = [&](long lo, long hi, const char* what) {
    const std::optional<long> value = tokens.number(lo, hi, what);
    if (!value) fail("{}: truncated: the file ends before the {}", name, what);
    return *value;
  };
  const long width = header_field(0, LONG_MAX, "width");
  const long height = header_field(0, LONG_MAX, "height");
  check_size(width, height, name);
  const long maxval = header_field(1, 65535, "maximum value");
  std::vector<uint8_t> samples(static_cast<size_t>(width) * height * channels);
  for (size_t i = 0; i < samples.size(); ++i) {
    const std::optional<long> v = tokens.number(0, maxval, "sample");
    if (!v) fail("{}: truncated: the file ends after {} of {} samples", name, i, samples.size());
    samples[i] = static_cast<uint8_t>((*v * 255 + maxval / 2) / maxval);
  }
  return to_grey(samples.data(), static_cast<int>(width), static_cast<int>(height), channels);
}

// ----------------------------------------------------------------- fitting

// Trimming treats levels within 5% of full scale of the background as
// background, the tolerance Zalando used to trim their photos.
constexpr int kTrimTolerance = 13;

// The background level: the median of the border pixels, so an object that
// touches part of the border does not shift it.
uint8_t border_level(const GreyImage& img) {
  std::vector<uint8_t> border;
  for (int x = 0; x < img.width; ++x) {
    border.push_back(img.at(x, 0));
    border.push_back(img.at(x, img.height - 1));
  }
  for (int y = 0; y < img.height; ++y) {
    border.push_back(img.at(0, y));
    border.push_back(img.at(img.width - 1, y));
  }
  auto mid = border.begin() + static_cast<std::ptrdiff_t>(border.size() / 2);
  std::nth_element(border.begin(), mid, border.end());
  return *mid;
}

bool is_light(uint8_t level) {
  return level > 127;
}

void negate(GreyImage& img) {
  for (auto& v : img.pixels) v = static_cast<uint8_t>(255 - v);
}

// The bounding box of the pixels that differ from the background by more
// than the tolerance: trimming every border row and column that does not.
Box content_box(const GreyImage& img, uint8_t background) {
  int x0 = img.width, y0 = img.height, x1 = -1, y1 = -1;
  for (int y = 0; y < img.height; ++y) {
    for (int x = 0; x < img.width; ++x) {
      if (std::abs(img.at(x, y) - background) <= kTrimTolerance) continue;
      x0 = std::min(x0, x), x1 = std::max(x1, x);
      y0 = std::min(y0, y), y1 = std::max(y1, y);
    }
  }
  if (x1 < 0) return {};
  return {x0, y0, x1 - x0 + 1, y1 - y0 + 1};
}

GreyImage crop(const GreyImage& img, const Box& box) {
  GreyImage out{box.width, box.height, {}};
  out.pixels.reserve(static_cast<size_t>(box.width) * box.height);
  for (int y = box.y; y < box.y + box.height; ++y) {
    const auto row = img.pixels.begin() + static_cast<std::ptrdiff_t>(y) * img.width;
    out.pixels.insert(out.pixels.end(), row + box.x, row + box.x + box.width);
  }
  return out;
}

// Maps the background level to black and stretches the rest to keep full
// contrast: an off-white photo would otherwise sit on a grey patch inside
// the black padding, which the data set never shows.
void remove_background(GreyImage& img, uint8_t background) {
  const int range = 255 - background;
  for (auto& v : img.pixels) {
    const int above = std::max(0, v - background);
    v = range > 0 ? static_cast<uint8_t>((above * 255 + range / 2) / range) : 0;
  }
}

// Shrinking uses a box filter, which in stb_image_resize averages each output
// pixel's whole footprint (an area filter), so fine patterns in large photos
// blend instead of aliasing. Enlarging small images interpolates linearly.
GreyImage resize(const GreyImage& img, int width, int height) {
  const bool shrinking = width <= img.width && height <= img.height;
  GreyImage out{width, height, std::vector<uint8_t>(static_cast<size_t>(width) * height)};
  const int ok = stbir_resize_uint8_generic(
      img.pixels.data(), img.width, img.height, 0, out.pixels.data(), width, height, 0, 1,
      STBIR_ALPHA_CHANNEL_NONE, 0, STBIR_EDGE_CLAMP,
      shrinking ? STBIR_FILTER_BOX : STBIR_FILTER_TRIANGLE, STBIR_COLORSPACE_LINEAR, nullptr);
  if (!ok) throw std::bad_alloc();  // stb_image_resize fails only when malloc does
  return out;
}

// Unsharp masking with a Gaussian of radius 1 and sigma 1, the sharpening
// step of the original conversion: it restores the crisp outlines the data
// set's garments have after the area filter has softened them.
void sharpen(GreyImage& img) {
  const float side = std::exp(-0.5f), sum = 1.0f + 2.0f * side;
  const std::array<float, 3> kernel = {side / sum, 1.0f / sum, side / sum};
  auto blur_pass = [&](const std::vector<float>& in, int dx, int dy) {
    std::vector<float> out(in.size());
    for (int y = 0; y < img.height; ++y) {
      for (int x = 0; x < img.width; ++x) {
        float acc = 0;
        for (int k = -1; k <= 1; ++k) {
          const int sx = std::clamp(x + k * dx, 0, img.width - 1);
          const int sy = std::clamp(y + k * dy, 0, img.height - 1);
          acc += kernel[k + 1] * in[static_cast<size_t>(sy) * img.width + sx];
        }
        out[static_cast<size_t>(y) * img.width + x] = acc;
      }
    }
    return out;
  };
  const std::vector<float> original(img.pixels.begin(), img.pixels.end());
  const std::vector<float> blurred = blur_pass(blur_pass(original, 1, 0), 0, 1);
  for (size_t i = 0; i < img.pixels.size(); ++i) {
    const float v = 2.0f * original[i] - blurred[i];
    img.pixels[i] = static_cast<uint8_t>(std::clamp(std::lround(v), 0L, 255L));
  }
}

// Pastes `img` into the middle of a black canvas; returns where it went.
Box paste_centred(const GreyImage& img, GreyImage& canvas) {
  const Box at{(canvas.width - img.width) / 2, (canvas.height - img.height) / 2, img.width,
               img.height};
  for (int y = 0; y < img.height; ++y) {
    std::copy_n(
        img.pixels.begin() + static_cast<std::ptrdiff_t>(y) * img.width, img.width,
        canvas.pixels.begin() + static_cast<std::ptrdiff_t>(at.y + y) * canvas.width + at.x);
  }
  return at;
}

// The object's size once its longest edge (relative to the canvas) fills the
// canvas, keeping the aspect ratio; never below one pixel.
std::pair<int, int> scaled_size(const Box& object, int rows, int cols) {
  const double scale =
      std::min(static_cast<double>(cols) / object.width, static_cast<double>(rows) / object.height);
  const int w = std::clamp(static_cast<int>(std::lround(object.width * scale)), 1, cols);
  const int h = std::clamp(static_cast<int>(std::lround(object.height * scale)), 1, rows);
  return {w, h};
}

}  // namespace

GreyImage decode_image(std::span<const uint8_t> bytes, const std::string& name) {
  if (bytes.empty()) fail("{}: empty file, expected an image", name);
  if (is_ascii_pnm(bytes)) return decode_ascii_pnm(bytes, name);
  return decode_with_stb(bytes, name);
}

GreyImage decode_image(const fs::path& path) {
  const std::vector<uint8_t> bytes = read_file(path);
  return decode_image(bytes, path.string());
}

std::vector<uint8_t> encode_png(const GreyImage& image) {
  std::vector<uint8_t> png;
  auto append = [](void* context, void* data, int size) {
    auto* out = static_cast<std::vector<uint8_t>*>(context);
    const auto* bytes = static_cast<const uint8_t*>(data);
    out->insert(out->end(), bytes, bytes + size);
  };
  if (!stbi_write_png_to_func(append, &png, image.width, image.height, 1, image.pixels.data(),
                              image.width)) {
    fail("cannot encode a {}x{} image as PNG", image.width, image.height);
  }
  return png;
}

FittedImage fit_like_fashion_mnist(const GreyImage& image, const FitOptions& options) {
  if (options.rows <= 0 || options.cols <= 0) {
    fail("cannot fit an image into {}x{} pixels", options.rows, options.cols);
  }
  if (image.width <= 0 || image.height <= 0 ||
      image.pixels.size() != static_cast<size_t>(image.width) * image.height) {
    fail("cannot fit an image of {}x{} pixels with {} bytes", image.width, image.height,
         image.pixels.size());
  }
  FittedImage result;
  GreyImage grey = image;
  result.background = border_level(grey);
  result.inverted = options.invert == Invert::yes ||
                    (options.invert == Invert::automatic && is_light(result.background));
  if (result.inverted) {
    negate(grey);
    result.background = static_cast<uint8_t>(255 - result.background);
  }

  // Already the target size: reframing could only lose detail, and leaving
  // it keeps data-set images (and this function's results) as they are.
  if (grey.width == options.cols && grey.height == options.rows) {
    result.object = result.placed = {0, 0, grey.width, grey.height};
    result.image = std::move(grey);
    return result;
  }

  result.reframed = true;
  result.image = {options.cols, options.rows,
                  std::vector<uint8_t>(static_cast<size_t>(options.rows) * options.cols, 0)};
  result.object = content_box(grey, result.background);
  if (result.object.width == 0) return result;  // nothing but background: black

  GreyImage object = crop(grey, result.object);
  remove_background(object, result.background);
  const auto [width, height] = scaled_size(result.object, options.rows, options.cols);
  GreyImage scaled = resize(object, width, height);
  sharpen(scaled);
  result.placed = paste_centred(scaled, result.image);
  return result;
}

Dataset load_images(const std::vector<fs::path>& paths, const FitOptions& options) {
  Dataset data;
  data.rows = options.rows;
  data.cols = options.cols;
  data.source = paths.size() == 1 ? paths[0].string() : fmt::format("{} image files", paths.size());
  data.pixels.reserve(paths.size() * data.image_size());
  for (const auto& path : paths) {
    const FittedImage fitted = fit_like_fashion_mnist(decode_image(path), options);
    data.pixels.insert(data.pixels.end(), fitted.image.pixels.begin(), fitted.image.pixels.end());
  }
  data.labels.assign(paths.size(), 0);
  return data;
}

}  // namespace fmnist
