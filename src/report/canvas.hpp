#pragma once
// An RGB raster that charts and figures draw on: rectangles, lines, text and
// grey images. Text is stb_easy_font's stroke font drawn at an integer scale,
// so it stays crisp without a font file; images are enlarged with nearest
// neighbour so every source pixel stays a visible square.
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace fmnist::plot {

struct Rgb {
  uint8_t r = 0, g = 0, b = 0;
  bool operator==(const Rgb&) const = default;
};

constexpr Rgb hex(uint32_t v) {
  return {static_cast<uint8_t>(v >> 16), static_cast<uint8_t>(v >> 8), static_cast<uint8_t>(v)};
}
// a at t = 0, b at t = 1.
Rgb mix(Rgb a, Rgb b, double t);

// Colours at evenly spaced stops on [0, 1], interpolated linearly.
class Colormap {
 public:
  explicit Colormap(std::vector<Rgb> stops);
  Rgb operator()(double t) const;  // t is clamped to [0, 1]

  static const Colormap& grey();       // black to white
  static const Colormap& viridis();    // perceptually uniform, for magnitudes
  static const Colormap& diverging();  // blue, white, red (ColorBrewer RdBu): signed values

 private:
  std::vector<Rgb> stops_;
};

enum class Align { left, center, right };
// top: the top of capitals at y; middle: capitals centred on y; bottom: the
// baseline at y (descenders go below).
enum class VAlign { top, middle, bottom };

struct TextStyle {
  int scale = 2;  // font units to pixels: 2 gives 14 px capitals
  Rgb color{33, 37, 41};
  Align align = Align::left;
  VAlign valign = VAlign::top;
  bool bold = false;      // strokes doubled one pixel to the right
  bool vertical = false;  // turned a quarter left: reads bottom to top (y-axis labels)

  // The same style with another anchor.
  constexpr TextStyle aligned(Align a, VAlign v) const {
    TextStyle t = *this;
    t.align = a;
    t.valign = v;
    return t;
  }
};

// Width of a line of text in pixels, first ink to last.
int text_width(std::string_view text, int scale);
// Height of capitals and digits in pixels.
inline int cap_height(int scale) {
  return 7 * scale;
}
// Capitals plus descenders: the height a line of text needs.
inline int line_height(int scale) {
  return 9 * scale;
}

class Canvas {
 public:
  Canvas(int width, int height, Rgb background = {255, 255, 255});

  int width() const { return width_; }
  int height() const { return height_; }
  // width * height RGB triples, row by row from the top.
  const std::vector<uint8_t>& rgb() const { return rgb_; }
  Rgb at(int x, int y) const;

  // Every drawing call clips to the canvas.
  void fill_rect(int x, int y, int w, int h, Rgb c);
  void stroke_rect(int x, int y, int w, int h, Rgb c, int thickness = 1);
  // A straight line with a square pen `thickness` wide, centred on the path.
  void line(int x0, int y0, int x1, int y1, Rgb c, int thickness = 1);
  // One line of ASCII text anchored at (x, y) as the style says; other
  // characters are drawn as '?'.
  void text(int x, int y, std::string_view s, const TextStyle& style = {});
  // A rows x cols grey image (0-255) at (x, y), each pixel a scale x scale square.
  void image(std::span<const uint8_t> pixels, int rows, int cols, int x, int y, int scale);
  // A rows x cols float image through `cmap`, lo mapping to 0 and hi to 1.
  void image(std::span<const float> values, int rows, int cols, int x, int y, int scale,
             const Colormap& cmap, float lo, float hi);
  void blit(const Canvas& src, int x, int y);

 private:
  int width_, height_;
  std::vector<uint8_t> rgb_;
};

}  // namespace fmnist::plot
