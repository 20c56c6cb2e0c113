#pragma once
// The look every figure shares (white background, light grid, dark text, a
// qualitative palette) and the pieces that are not charts themselves: the
// title block with its legend, colour bars, number formatting.
#include <optional>
#include <string>
#include <vector>

#include "report/canvas.hpp"

namespace fmnist::plot::style {

inline constexpr Rgb background{255, 255, 255};
inline constexpr Rgb ink{33, 37, 41};      // titles, axis labels
inline constexpr Rgb muted{90, 97, 104};   // subtitles, tick and value labels
inline constexpr Rgb axis{150, 150, 150};  // zero lines and plot frames
inline constexpr Rgb grid{228, 228, 228};  // major grid lines
inline constexpr Rgb grid_minor{243, 243, 243};

inline constexpr int margin = 24;  // around the whole figure
inline constexpr int gap = 8;      // between a label and what it labels

inline constexpr TextStyle title{3, ink};
inline constexpr TextStyle subtitle{2, muted};
inline constexpr TextStyle label{2, ink};
inline constexpr TextStyle tick{2, muted};

// matplotlib's tab10: distinct, colour-blind tolerant for the first few.
Rgb palette(int i);

}  // namespace fmnist::plot::style

namespace fmnist::plot {

// 60000 -> "60,000".
std::string with_thousands(unsigned long long n);
// A tick value with just enough digits: 0.25 -> "0.25", 2000 -> "2,000".
std::string tick_label(double v);

struct LegendEntry {
  std::string name;
  Rgb color;
  std::optional<Rgb> fill;  // a swatch for a filled area: this inside, `color` around
};

// The block at the top of a figure: title, optional subtitle (one or more
// lines, split at '\n'), and a legend on the right of the last line (or on a
// line of its own when that one is full).
struct Header {
  std::string title, subtitle;
  std::vector<LegendEntry> legend;

  // Pixels from the top of the canvas to where the content may start.
  int height(int width) const;
  // The narrowest canvas that shows the title and subtitle whole.
  int width() const;
  void draw(Canvas& c) const;

 private:
  int legend_width() const;
  bool legend_on_own_line(int width) const;
};

// A vertical colour bar, `hi` at the top, with tick labels on its right.
struct Colorbar {
  const Colormap* cmap = &Colormap::grey();
  double lo = 0, hi = 1;
  std::vector<double> ticks;
  std::vector<std::string> labels;  // one per tick

  static constexpr int bar_width = 14;
  int width() const;  // bar, gap and the widest label
  void draw(Canvas& c, int x, int y, int height) const;
};

}  // namespace fmnist::plot
