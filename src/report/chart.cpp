#include "report/chart.hpp"

#include <algorithm>
#include <cmath>

#include "core/error.hpp"

namespace fmnist::plot {

namespace {

double nice_step(double range, int max_ticks) {
  const double raw = range / std::max(1, max_ticks);
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 2.5, 5.0}) {
    if (raw <= m * mag * (1 + 1e-9)) return m * mag;
  }
  return 10 * mag;
}

int px(double fraction, int length) {
  return static_cast<int>(std::lround(fraction * length));
}

int widest(const std::vector<std::string>& texts, int scale) {
  int w = 0;
  for (const auto& t : texts) w = std::max(w, text_width(t, scale));
  return w;
}

}  // namespace

Scale Scale::linear(double lo, double hi, int max_ticks) {
  if (!(hi > lo)) hi = lo + 1;
  Scale s;
  s.step = nice_step(hi - lo, max_ticks);
  s.lo = std::floor(lo / s.step + 1e-9) * s.step;
  s.hi = std::ceil(hi / s.step - 1e-9) * s.step;
  return s;
}

Scale Scale::decades(double lo, double hi) {
  if (!(lo > 0) || !(hi > 0)) fail("log scale: bounds must be positive ({}, {})", lo, hi);
  Scale s;
  s.log = true;
  s.lo = std::pow(10.0, std::floor(std::log10(lo) + 1e-9));
  s.hi = std::pow(10.0, std::ceil(std::log10(hi) - 1e-9));
  if (s.hi <= s.lo) s.hi = s.lo * 10;
  return s;
}

double Scale::fraction(double v) const {
  if (!log) return (v - lo) / (hi - lo);
  if (!(v > 0)) return 0;
  return (std::log10(v) - std::log10(lo)) / (std::log10(hi) - std::log10(lo));
}

std::vector<double> Scale::ticks() const {
  std::vector<double> t;
  if (log) {
    for (double v = lo; v <= hi * (1 + 1e-9); v *= 10) t.push_back(v);
    return t;
  }
  // Multiples of step inside [lo, hi]; counted, so rounding cannot drift.
  const auto first = static_cast<long long>(std::ceil(lo / step - 1e-9));
  const auto last = static_cast<long long>(std::floor(hi / step + 1e-9));
  for (long long k = first; k <= last; ++k) t.push_back(static_cast<double>(k) * step);
  return t;
}

std::vector<double> Scale::minor_ticks() const {
  std::vector<double> t;
  if (!log) return t;
  for (double d = lo; d < hi * (1 - 1e-9); d *= 10)
    for (int m = 2; m <= 9; ++m) t.push_back(d * m);
  return t;
}

// ---- horizontal grouped bars ----

namespace {

struct BarLayout {
  int left, right, top, bottom;  // the plot area
  int band;                      // height of one category
  Scale scale;
};

BarLayout layout_bars(const BarChart& ch, int header_h) {
  const int ns = static_cast<int>(ch.series.size());
  BarLayout l;
  l.band = ns * ch.bar_height + (ns - 1) * 2 + 18;
  l.left = style::margin + widest(ch.categories, style::label.scale) + 2 * style::gap;
  l.top = header_h;
  l.bottom = l.top + static_cast<int>(ch.categories.size()) * l.band;
  double vmax = 0;
  int value_w = 0;
  for (const auto& s : ch.series)
    for (double v : s.values) {
      vmax = std::max(vmax, v);
      if (ch.value_format)
        value_w = std::max(value_w, text_width(ch.value_format(v), style::tick.scale));
    }
  // Room on the right for half the last tick label, then stretch the axis so
  // the longest bar still has its value label inside the plot.
  l.right = ch.width - style::margin;
  for (int pass = 0; pass < 2; ++pass) {
    const int w = l.right - l.left;
    const double need = value_w ? vmax * w / std::max(1.0, w - value_w - 2.0 * style::gap) : vmax;
    l.scale = Scale::linear(0, std::max(need, 1.0), 8);
    const int last_w = text_width(tick_label(l.scale.ticks().back()), style::tick.scale);
    l.right = ch.width - style::margin - last_w / 2;
  }
  return l;
}

}  // namespace

Canvas render(const BarChart& ch) {
  if (ch.categories.empty() || ch.series.empty()) fail("bar chart: nothing to draw");
  for (const auto& s : ch.series)
    if (s.values.size() != ch.categories.size())
      fail("bar chart: series '{}' has {} values for {} categories", s.name, s.values.size(),
           ch.categories.size());
  Header header = ch.header;
  if (header.legend.empty() && ch.series.size() > 1)
    for (const auto& s : ch.series) header.legend.push_back({s.name, s.color, std::nullopt});

  const BarLayout l = layout_bars(ch, header.height(ch.width));
  const int w = l.right - l.left;
  const int tick_y = l.bottom + style::gap + 2;
  const int label_y = tick_y + line_height(style::tick.scale) + 10;
  Canvas c(ch.width, label_y + cap_height(style::label.scale) + style::margin, style::background);
  header.draw(c);

  for (double t : l.scale.ticks()) {
    const int x = l.left + px(l.scale.fraction(t), w);
    c.fill_rect(x, l.top, 1, l.bottom - l.top, style::grid);
    c.text(x, tick_y, tick_label(t), style::tick.aligned(Align::center, VAlign::top));
  }
  c.text(l.left + w / 2, label_y, ch.value_label, style::label.aligned(Align::center, VAlign::top));

  for (size_t i = 0; i < ch.categories.size(); ++i) {
    const int band_top = l.top + static_cast<int>(i) * l.band;
    c.text(l.left - 2 * style::gap, band_top + l.band / 2, ch.categories[i],
           style::label.aligned(Align::right, VAlign::middle));
    int y = band_top + 9;
    for (const auto& s : ch.series) {
      const int len = px(l.scale.fraction(s.values[i]), w);
      c.fill_rect(l.left, y, len, ch.bar_height, s.color);
      if (ch.value_format)
        c.text(l.left + len + style::gap, y + ch.bar_height / 2, ch.value_format(s.values[i]),
               style::tick.aligned(Align::left, VAlign::middle));
      y += ch.bar_height + 2;
    }
  }
  c.fill_rect(l.left, l.top, 1, l.bottom - l.top, style::axis);  // the zero line
  return c;
}

// ---- step chart ----

namespace {

struct StepLayout {
  int left, right, top, bottom;
  Scale x, y;
};

Scale y_scale(const StepChart& ch) {
  double lo = INFINITY, hi = 0;
  for (const auto& s : ch.series)
    for (double v : s.values) {
      hi = std::max(hi, v);
      if (v > 0) lo = std::min(lo, v);
    }
  if (!ch.log_y) return Scale::linear(0, hi > 0 ? hi : 1);
  if (!std::isfinite(lo)) return Scale::decades(0.1, 1);
  return Scale::decades(lo, hi);
}

StepLayout layout_steps(const StepChart& ch, int header_h, size_t bins) {
  StepLayout l;
  l.y = y_scale(ch);
  // The x axis spans the bins exactly: padding it to round numbers would
  // leave empty strips at the ends of a histogram.
  l.x = Scale::linear(ch.x0, ch.x0 + static_cast<double>(bins) * ch.dx);
  l.x.lo = ch.x0;
  l.x.hi = ch.x0 + static_cast<double>(bins) * ch.dx;
  int tick_w = 0;
  for (double t : l.y.ticks())
    tick_w = std::max(tick_w, text_width(ch.y_format(t), style::tick.scale));
  const int y_label_w = ch.y_label.empty() ? 0 : cap_height(style::label.scale) + 14;
  l.left = style::margin + y_label_w + tick_w + style::gap;
  l.right =
      ch.width - style::margin - text_width(ch.x_format(l.x.ticks().back()), style::tick.scale) / 2;
  l.top = header_h + cap_height(style::tick.scale) / 2;  // the top tick label is centred on it
  l.bottom = ch.height - style::margin - cap_height(style::label.scale) - 10 -
             line_height(style::tick.scale) - style::gap;
  return l;
}

void draw_step_grid(Canvas& c, const StepChart& ch, const StepLayout& l) {
  const int w = l.right - l.left, h = l.bottom - l.top;
  for (double t : l.y.minor_ticks())
    c.fill_rect(l.left, l.bottom - px(l.y.fraction(t), h), w, 1, style::grid_minor);
  for (double t : l.y.ticks()) {
    const int y = l.bottom - px(l.y.fraction(t), h);
    c.fill_rect(l.left, y, w, 1, style::grid);
    c.text(l.left - style::gap, y, ch.y_format(t),
           style::tick.aligned(Align::right, VAlign::middle));
  }
  for (double t : l.x.ticks()) {
    const int x = l.left + px(l.x.fraction(t), w);
    c.fill_rect(x, l.top, 1, h, style::grid);
    c.text(x, l.bottom + style::gap, ch.x_format(t),
           style::tick.aligned(Align::center, VAlign::top));
  }
}

Rgb fill_colour(Rgb line) {
  return mix(line, style::background, 0.72);
}

// The filled first series gets a wider line, so that where a later series
// runs on top of it (train and test histograms nearly coincide) both show.
void draw_series(Canvas& c, const Series& s, const StepChart& ch, const StepLayout& l, bool fill) {
  const int pen = fill ? 4 : 2;
  const int w = l.right - l.left, h = l.bottom - l.top;
  auto y_of = [&](double v) { return l.bottom - std::clamp(px(l.y.fraction(v), h), 0, h); };
  auto x_of = [&](size_t i) {
    return l.left + px(l.x.fraction(ch.x0 + static_cast<double>(i) * ch.dx), w);
  };
  int prev_y = -1;
  for (size_t i = 0; i < s.values.size(); ++i) {
    const int xa = x_of(i), xb = x_of(i + 1), y = y_of(s.values[i]);
    if (fill) c.fill_rect(xa, y, xb - xa, l.bottom - y, fill_colour(s.color));
    c.line(xa, y, xb, y, s.color, pen);
    if (prev_y >= 0) c.line(xa, prev_y, xa, y, s.color, pen);
    prev_y = y;
  }
}

}  // namespace

Canvas render(const StepChart& ch) {
  if (ch.series.empty() || ch.series[0].values.empty()) fail("step chart: nothing to draw");
  const size_t bins = ch.series[0].values.size();
  for (const auto& s : ch.series)
    if (s.values.size() != bins)
      fail("step chart: series '{}' has {} bins, not {}", s.name, s.values.size(), bins);
  Header header = ch.header;
  if (header.legend.empty() && ch.series.size() > 1) {
    for (const auto& s : ch.series) header.legend.push_back({s.name, s.color, std::nullopt});
    header.legend[0].fill = fill_colour(ch.series[0].color);
  }

  Canvas c(ch.width, ch.height, style::background);
  header.draw(c);
  const StepLayout l = layout_steps(ch, header.height(ch.width), bins);
  draw_step_grid(c, ch, l);
  for (size_t k = 0; k < ch.series.size(); ++k) draw_series(c, ch.series[k], ch, l, k == 0);
  c.fill_rect(l.left, l.bottom, l.right - l.left + 1, 1, style::axis);
  c.fill_rect(l.left, l.top, 1, l.bottom - l.top + 1, style::axis);

  c.text((l.left + l.right) / 2, ch.height - style::margin - cap_height(style::label.scale),
         ch.x_label, style::label.aligned(Align::center, VAlign::top));
  TextStyle yl = style::label.aligned(Align::center, VAlign::top);
  yl.vertical = true;
  c.text(style::margin, (l.top + l.bottom) / 2, ch.y_label, yl);
  return c;
}

}  // namespace fmnist::plot
