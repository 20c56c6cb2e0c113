#pragma once
// Charts drawn onto a Canvas in the shared style: a grouped horizontal bar
// chart (category names stay horizontal and readable) and a step chart for
// histograms, on a linear or logarithmic value axis.
#include <functional>
#include <string>
#include <vector>

#include "report/canvas.hpp"
#include "report/style.hpp"

namespace fmnist::plot {

// A value axis: where a value lands (0 at lo, 1 at hi) and where ticks go.
struct Scale {
  double lo = 0, hi = 1;
  double step = 0.2;  // linear tick spacing
  bool log = false;   // ticks at powers of ten, lo and hi too

  // Covers [lo, hi] with about `max_ticks` round steps (1, 2, 2.5 or 5 x 10^k).
  static Scale linear(double lo, double hi, int max_ticks = 6);
  // Covers [lo, hi] (both > 0) with whole decades.
  static Scale decades(double lo, double hi);

  double fraction(double v) const;
  std::vector<double> ticks() const;
  // 2..9 x each decade on a log scale; nothing on a linear one.
  std::vector<double> minor_ticks() const;
};

struct Series {
  std::string name;
  std::vector<double> values;
  Rgb color;
};

using Formatter = std::function<std::string(double)>;

// One band per category, one bar per series in it, growing to the right.
struct BarChart {
  Header header;            // legend: filled in from the series if empty
  std::string value_label;  // under the value axis
  std::vector<std::string> categories;
  std::vector<Series> series;  // each has one value per category
  Formatter value_format;      // labels at the bar ends; none when empty
  int width = 900;
  int bar_height = 20;
};
Canvas render(const BarChart& chart);

// values[i] of each series covers [x0 + i * dx, x0 + (i + 1) * dx) and is
// drawn as a step line; the first series is also filled underneath.
struct StepChart {
  Header header;
  std::string x_label, y_label;
  double x0 = 0, dx = 1;
  std::vector<Series> series;
  bool log_y = false;  // zeros sit on the bottom edge
  Formatter y_format = tick_label, x_format = tick_label;
  int width = 900, height = 540;
};
Canvas render(const StepChart& chart);

}  // namespace fmnist::plot
