#include "report/style.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace fmnist::plot {

namespace style {
Rgb palette(int i) {
  static constexpr Rgb kTab10[] = {hex(0x1F77B4), hex(0xFF7F0E), hex(0x2CA02C), hex(0xD62728),
                                   hex(0x9467BD), hex(0x8C564B), hex(0xE377C2), hex(0x7F7F7F),
                                   hex(0xBCBD22), hex(0x17BECF)};
  return kTab10[((i % 10) + 10) % 10];
}
}  // namespace style

std::string with_thousands(unsigned long long n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string tick_label(double v) {
  if (v == 0) return "0";
  const double a = std::abs(v);
  if (a >= 1000 && std::abs(v - std::round(v)) < 1e-9) {
    std::string s = v < 0 ? "-" : "";
    return s += with_thousands(static_cast<unsigned long long>(std::llround(a)));
  }
  // Shortest of a few fixed precisions that shows the value exactly enough.
  for (int digits = 0; digits <= 6; ++digits) {
    std::string s = fmt::format("{:.{}f}", v, digits);
    if (std::abs(std::stod(s) - v) <= a * 1e-6) return s;
  }
  return fmt::format("{:g}", v);
}

namespace {
std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start <= text.size() && !text.empty()) {
    const size_t end = std::min(text.find('\n', start), text.size());
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}
}  // namespace

int Header::legend_width() const {
  int w = 0;
  for (const auto& e : legend) w += (w ? 20 : 0) + 12 + 6 + text_width(e.name, style::label.scale);
  return w;
}

bool Header::legend_on_own_line(int width) const {
  if (legend.empty()) return false;
  const auto sub = lines_of(subtitle);
  const int last_w = sub.empty() ? text_width(title, style::title.scale)
                                 : text_width(sub.back(), style::subtitle.scale);
  return last_w + 32 + legend_width() > width - 2 * style::margin;
}

int Header::height(int width) const {
  int y = style::margin;
  if (!title.empty()) y += cap_height(style::title.scale) + 12;
  y += static_cast<int>(lines_of(subtitle).size()) * (line_height(style::subtitle.scale) + 4);
  if (legend_on_own_line(width)) y += line_height(style::label.scale) + 4;
  return y + 16;
}

int Header::width() const {
  int w = text_width(title, style::title.scale);
  for (const auto& line : lines_of(subtitle))
    w = std::max(w, text_width(line, style::subtitle.scale));
  return w + 2 * style::margin;
}

void Header::draw(Canvas& c) const {
  const int left = style::margin;
  int y = style::margin, last_row = y, last_cap = 0;
  if (!title.empty()) {
    c.text(left, y, title, style::title);
    last_row = y;
    last_cap = cap_height(style::title.scale);
    y += last_cap + 12;
  }
  for (const auto& line : lines_of(subtitle)) {
    c.text(left, y, line, style::subtitle);
    last_row = y;
    last_cap = cap_height(style::subtitle.scale);
    y += line_height(style::subtitle.scale) + 4;
  }
  if (legend.empty()) return;
  // Right-aligned, capitals centred on the row they share.
  int mid = last_row + last_cap / 2;
  if (legend_on_own_line(c.width())) mid = y + cap_height(style::label.scale) / 2;
  int x = c.width() - style::margin - legend_width();
  for (const auto& e : legend) {
    c.fill_rect(x, mid - 6, 12, 12, e.color);
    if (e.fill) c.fill_rect(x + 2, mid - 4, 8, 8, *e.fill);
    c.text(x + 18, mid, e.name, style::label.aligned(Align::left, VAlign::middle));
    x += 18 + text_width(e.name, style::label.scale) + 20;
  }
}

int Colorbar::width() const {
  int w = 0;
  for (const auto& l : labels) w = std::max(w, text_width(l, style::tick.scale));
  return bar_width + 4 + style::gap + w;
}

void Colorbar::draw(Canvas& c, int x, int y, int height) const {
  for (int r = 0; r < height; ++r) {
    const double t = 1.0 - static_cast<double>(r) / std::max(1, height - 1);
    c.fill_rect(x, y + r, bar_width, 1, (*cmap)(t));
  }
  c.stroke_rect(x, y, bar_width, height, style::axis);
  const double span = hi > lo ? hi - lo : 1.0;
  const TextStyle t = style::tick.aligned(Align::left, VAlign::middle);
  for (size_t i = 0; i < ticks.size() && i < labels.size(); ++i) {
    const int ty = y + static_cast<int>(std::lround((hi - ticks[i]) / span * (height - 1)));
    c.fill_rect(x + bar_width, ty, 4, 1, style::axis);
    c.text(x + bar_width + 4 + style::gap, ty, labels[i], t);
  }
}

}  // namespace fmnist::plot
