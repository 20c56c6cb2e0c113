#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "report/canvas.hpp"
#include "report/page_parts.hpp"
#include "report/style.hpp"

namespace fmnist::report {

std::string pct(double v, int digits) {
  return std::isfinite(v) ? fmt::format("{:.{}f}%", 100 * v, digits) : "-";
}

std::string whole(double v) {
  if (!std::isfinite(v) || v < 0) return "-";
  return plot::with_thousands(static_cast<unsigned long long>(std::llround(v)));
}

std::string duration(double s) {
  if (!std::isfinite(s)) return "-";
  if (s < 10) return fmt::format("{:.2f} s", s);
  if (s < 600) return fmt::format("{:.1f} s", s);
  if (s < 7200) return fmt::format("{:.1f} min", s / 60);
  return fmt::format("{:.1f} h", s / 3600);
}

std::string anchor(const std::string& label) {
  std::string a = "model-";
  for (char c : label) a += std::isalnum(static_cast<unsigned char>(c)) ? c : '-';
  return a;
}

std::string image_tile(const Dataset& data, uint32_t index, std::string_view alt) {
  plot::Canvas c(data.cols, data.rows);
  c.image(data.image(index), data.rows, data.cols, 0, 0, 1);
  return img(c, alt, "tile");
}

std::string map_tile(std::span<const float> values, int rows, int cols, bool symmetric,
                     std::string_view alt) {
  float lo = 0, hi = 0;
  for (float v : values) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  plot::Canvas c(cols, rows);
  if (symmetric) {
    const float m = std::max({std::abs(lo), std::abs(hi), 1e-12f});
    c.image(values, rows, cols, 0, 0, 1, plot::Colormap::diverging(), -m, m);
  } else {
    c.image(values, rows, cols, 0, 0, 1, plot::Colormap::viridis(), 0, std::max(hi, 1e-12f));
  }
  return img(c, alt, "tile");
}

nlohmann::json chart_layout(nlohmann::json layout) {
  nlohmann::json base = {
      {"margin", {{"l", 56}, {"r", 16}, {"t", 40}, {"b", 48}}},
      {"font",
       {{"family", "system-ui, -apple-system, Segoe UI, Roboto, sans-serif"},
        {"size", 12},
        {"color", "#212529"}}},
      {"paper_bgcolor", "#ffffff"},
      {"plot_bgcolor", "#ffffff"},
      {"hovermode", "closest"},
      {"legend", {{"font", {{"size", 11}}}}},
      {"xaxis", {{"gridcolor", "#e9ecef"}, {"zerolinecolor", "#ced4da"}, {"automargin", true}}},
      {"yaxis", {{"gridcolor", "#e9ecef"}, {"zerolinecolor", "#ced4da"}, {"automargin", true}}},
  };
  // Titles sit on the left, clear of the mode bar on the right.
  if (layout.contains("title") && layout["title"].is_object()) {
    layout["title"]["x"] = 0.01;
    layout["title"]["xanchor"] = "left";
    layout["title"]["font"] = {{"size", 14}};
  }
  base.merge_patch(layout);
  return base;
}

nlohmann::json blues() {
  // matplotlib's Blues: white for nothing, dark blue for everything.
  return {{0, "#f7fbff"},     {0.125, "#deebf7"}, {0.25, "#c6dbef"},
          {0.375, "#9ecae1"}, {0.5, "#6baed6"},   {0.625, "#4292c6"},
          {0.75, "#2171b5"},  {0.875, "#08519c"}, {1, "#08306b"}};
}

nlohmann::json red_yellow_green() {
  return {{0, "#d73027"}, {0.25, "#fc8d59"}, {0.5, "#fee08b"}, {0.75, "#91cf60"}, {1, "#1a9850"}};
}

}  // namespace fmnist::report
