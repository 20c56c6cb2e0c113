#include "report/canvas.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>

#include "core/error.hpp"

// stb_easy_font is all static functions; some of them are unused here.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#include <stb_easy_font.h>
#pragma GCC diagnostic pop

namespace fmnist::plot {

Rgb mix(Rgb a, Rgb b, double t) {
  auto ch = [t](uint8_t x, uint8_t y) {
    return static_cast<uint8_t>(std::lround(x + (static_cast<double>(y) - x) * t));
  };
  return {ch(a.r, b.r), ch(a.g, b.g), ch(a.b, b.b)};
}

Colormap::Colormap(std::vector<Rgb> stops) : stops_(std::move(stops)) {
  if (stops_.size() < 2) fail("colormap: needs at least two colours");
}

Rgb Colormap::operator()(double t) const {
  if (!(t > 0)) return stops_.front();  // also catches NaN
  if (t >= 1) return stops_.back();
  const double pos = t * static_cast<double>(stops_.size() - 1);
  const auto i = static_cast<size_t>(pos);
  return mix(stops_[i], stops_[i + 1], pos - static_cast<double>(i));
}

const Colormap& Colormap::grey() {
  static const Colormap m({{0, 0, 0}, {255, 255, 255}});
  return m;
}

const Colormap& Colormap::viridis() {
  // matplotlib's viridis sampled at ten even stops; linear in between is
  // indistinguishable from the full table at this size.
  static const Colormap m({hex(0x440154), hex(0x482878), hex(0x3E4A89), hex(0x31688E),
                           hex(0x26828E), hex(0x1F9E89), hex(0x35B779), hex(0x6DCD59),
                           hex(0xB4DE2C), hex(0xFDE725)});
  return m;
}

const Colormap& Colormap::diverging() {
  static const Colormap m({hex(0x053061), hex(0x2166AC), hex(0x4393C3), hex(0x92C5DE),
                           hex(0xD1E5F0), hex(0xF7F7F7), hex(0xFDDBC7), hex(0xF4A582),
                           hex(0xD6604D), hex(0xB2182B), hex(0x67001F)});
  return m;
}

Canvas::Canvas(int width, int height, Rgb background) : width_(width), height_(height) {
  if (width <= 0 || height <= 0 || width > 20000 || height > 20000)
    fail("canvas: bad size {}x{}", width, height);
  rgb_.resize(static_cast<size_t>(width) * height * 3);
  for (size_t i = 0; i < rgb_.size(); i += 3) {
    rgb_[i] = background.r;
    rgb_[i + 1] = background.g;
    rgb_[i + 2] = background.b;
  }
}

Rgb Canvas::at(int x, int y) const {
  if (x < 0 || y < 0 || x >= width_ || y >= height_) fail("canvas: ({}, {}) is outside", x, y);
  const size_t i = (static_cast<size_t>(y) * width_ + x) * 3;
  return {rgb_[i], rgb_[i + 1], rgb_[i + 2]};
}

void Canvas::fill_rect(int x, int y, int w, int h, Rgb c) {
  const int x0 = std::max(x, 0), y0 = std::max(y, 0);
  const int x1 = std::min(x + w, width_), y1 = std::min(y + h, height_);
  for (int yy = y0; yy < y1; ++yy) {
    uint8_t* p = rgb_.data() + (static_cast<size_t>(yy) * width_ + x0) * 3;
    for (int xx = x0; xx < x1; ++xx, p += 3) {
      p[0] = c.r;
      p[1] = c.g;
      p[2] = c.b;
    }
  }
}

void Canvas::stroke_rect(int x, int y, int w, int h, Rgb c, int thickness) {
  fill_rect(x, y, w, thickness, c);
  fill_rect(x, y + h - thickness, w, thickness, c);
  fill_rect(x, y, thickness, h, c);
  fill_rect(x + w - thickness, y, thickness, h, c);
}

void Canvas::line(int x0, int y0, int x1, int y1, Rgb c, int thickness) {
  // Axis-aligned lines (nearly all chart lines) are one rectangle; others
  // stamp the square pen along a Bresenham path.
  const int half = (thickness - 1) / 2;
  if (x0 == x1 || y0 == y1) {
    fill_rect(std::min(x0, x1) - half, std::min(y0, y1) - half, std::abs(x1 - x0) + thickness,
              std::abs(y1 - y0) + thickness, c);
    return;
  }
  const int dx = std::abs(x1 - x0), dy = -std::abs(y1 - y0);
  const int sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1;
  int err = dx + dy;
  for (;;) {
    fill_rect(x0 - half, y0 - half, thickness, thickness, c);
    if (x0 == x1 && y0 == y1) break;
    const int e2 = 2 * err;
    if (e2 >= dy) {
      err += dy;
      x0 += sx;
    }
    if (e2 <= dx) {
      err += dx;
      y0 += sy;
    }
  }
}

namespace {

// Printable ASCII only: stb_easy_font indexes its tables by character.
std::string printable(std::string_view s) {
  std::string out(s);
  for (char& ch : out) {
    if (ch < 32 || ch > 126) ch = '?';
  }
  return out;
}

// A filled rectangle of a glyph, in pixels from the top-left of the capitals.
struct Stroke {
  int x, y, w, h;
};

// Tightening between letters, in pixels: the font's own spacing is made for
// scale 1 and looks loose once enlarged.
int tracking(int scale) {
  return scale / 2;
}

// The strokes of a line of text at `scale`: each character is laid out by
// stb_easy_font on its own, so the spacing between them is ours.
std::vector<Stroke> layout_text(const std::string& text, int scale) {
  std::vector<Stroke> strokes;
  std::vector<char> buf(1024);  // one character: a few hundred bytes at most
  int pen = 0;
  for (char ch : text) {
    char one[2] = {ch, 0};
    const int n = stb_easy_font_print(0, 0, one, nullptr, buf.data(), static_cast<int>(buf.size()));
    for (int q = 0; q < n; ++q) {
      // Four vertices of four floats (x, y, z, colour); 0 and 2 are opposite.
      const auto* v = reinterpret_cast<const float*>(buf.data() + q * 64);
      const int x0 = static_cast<int>(v[0]), y0 = static_cast<int>(v[1]);
      const int x1 = static_cast<int>(v[8]), y1 = static_cast<int>(v[9]);
      strokes.push_back({pen + x0 * scale, y0 * scale, (x1 - x0) * scale, (y1 - y0) * scale});
    }
    pen += (stb_easy_font_charinfo[ch - 32].advance & 15) * scale - tracking(scale);
  }
  return strokes;
}

}  // namespace

int text_width(std::string_view text, int scale) {
  int right = 0;
  for (const Stroke& s : layout_text(printable(text), scale)) right = std::max(right, s.x + s.w);
  return right;
}

void Canvas::text(int x, int y, std::string_view s, const TextStyle& st) {
  if (s.empty()) return;
  const std::vector<Stroke> strokes = layout_text(printable(s), st.scale);
  const int bold = st.bold ? 1 : 0;
  int w = 0;
  for (const Stroke& k : strokes) w = std::max(w, k.x + k.w + bold);
  const int cap = cap_height(st.scale);
  // Offsets along the text (u) and across it (v) that put its anchor at (x, y).
  const int du = st.align == Align::left ? 0 : st.align == Align::center ? -w / 2 : -w;
  const int dv = st.valign == VAlign::top ? 0 : st.valign == VAlign::middle ? -cap / 2 : -cap;
  for (const Stroke& k : strokes) {
    const int u = k.x + du, v = k.y + dv;
    if (!st.vertical) {
      fill_rect(x + u, y + v, k.w + bold, k.h, st.color);
    } else {
      // A quarter turn left: along the text is up the canvas, and the top of
      // the letters faces left.
      fill_rect(x + v, y - u - k.w - bold, k.h, k.w + bold, st.color);
    }
  }
}

void Canvas::image(std::span<const uint8_t> pixels, int rows, int cols, int x, int y, int scale) {
  if (pixels.size() != static_cast<size_t>(rows) * cols) fail("canvas: image size mismatch");
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c) {
      const uint8_t v = pixels[static_cast<size_t>(r) * cols + c];
      fill_rect(x + c * scale, y + r * scale, scale, scale, {v, v, v});
    }
}

void Canvas::image(std::span<const float> values, int rows, int cols, int x, int y, int scale,
                   const Colormap& cmap, float lo, float hi) {
  if (values.size() != static_cast<size_t>(rows) * cols) fail("canvas: image size mismatch");
  const float span = hi > lo ? hi - lo : 1.f;
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c) {
      const float v = values[static_cast<size_t>(r) * cols + c];
      fill_rect(x + c * scale, y + r * scale, scale, scale, cmap((v - lo) / span));
    }
}

void Canvas::blit(const Canvas& src, int x, int y) {
  for (int yy = 0; yy < src.height_; ++yy) {
    const int ty = y + yy;
    if (ty < 0 || ty >= height_) continue;
    for (int xx = 0; xx < src.width_; ++xx) {
      const int tx = x + xx;
      if (tx < 0 || tx >= width_) continue;
      const size_t s = (static_cast<size_t>(yy) * src.width_ + xx) * 3;
      const size_t d = (static_cast<size_t>(ty) * width_ + tx) * 3;
      std::copy_n(src.rgb_.data() + s, 3, rgb_.data() + d);
    }
  }
}

}  // namespace fmnist::plot
