#include "explore/figures.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/rng.hpp"
#include "report/chart.hpp"
#include "report/style.hpp"

namespace fmnist {

using plot::Align;
using plot::Canvas;
using plot::VAlign;
namespace style = plot::style;

namespace {

int widest_name(const ClassNames& names, int scale) {
  int w = 0;
  for (const auto& n : names) w = std::max(w, plot::text_width(n, scale));
  return w;
}

std::string percent(double share) {
  return fmt::format("{:.1f}%", 100.0 * share);
}

}  // namespace

// ---- samples ----

SamplePicks pick_samples(const Dataset& data, int per_class, uint64_t seed) {
  SamplePicks by_class;
  for (size_t i = 0; i < data.size(); ++i)
    if (data.labels[i] < kNumClasses) by_class[data.labels[i]].push_back(static_cast<uint32_t>(i));
  // One generator for all classes, in class order, so a seed names one grid.
  Rng rng(seed);
  SamplePicks picks;
  for (int c = 0; c < kNumClasses; ++c) {
    auto& pool = by_class[c];
    const size_t k = std::min(pool.size(), static_cast<size_t>(std::max(per_class, 0)));
    // A partial Fisher-Yates shuffle: the first k are a uniform random draw.
    for (size_t j = 0; j < k; ++j) std::swap(pool[j], pool[j + rng.below(pool.size() - j)]);
    picks[c].assign(pool.begin(), pool.begin() + static_cast<std::ptrdiff_t>(k));
  }
  return picks;
}

Canvas samples_figure(const Dataset& data, const SamplePicks& picks, const ClassNames& names,
                      uint64_t seed) {
  size_t per_class = 0;
  for (const auto& p : picks) per_class = std::max(per_class, p.size());
  if (per_class == 0) fail("samples figure: no images to show");
  // Large enough to see the texture of a 28x28 image; smaller for long rows.
  const int target = per_class <= 12 ? 84 : 56;
  const int scale = std::max(1, target / std::max(data.rows, data.cols));
  const int tile_w = data.cols * scale, tile_h = data.rows * scale, gap = 2;

  plot::Header header;
  header.title = "Training samples";
  header.subtitle = fmt::format("{} random image{} per class (--seed {}), enlarged {}x", per_class,
                                per_class == 1 ? "" : "s", seed, scale);
  const int label_w = widest_name(names, style::label.scale) + 2 * style::gap;
  const int grid_w = static_cast<int>(per_class) * (tile_w + gap) - gap;
  const int width = std::max(header.width(), 2 * style::margin + label_w + grid_w);
  const int top = header.height(width);
  Canvas c(width, top + kNumClasses * (tile_h + gap) - gap + style::margin, style::background);
  header.draw(c);

  const int left = style::margin + label_w;
  for (int k = 0; k < kNumClasses; ++k) {
    const int y = top + k * (tile_h + gap);
    c.text(left - 2 * style::gap, y + tile_h / 2, names[k],
           style::label.aligned(Align::right, VAlign::middle));
    for (size_t j = 0; j < per_class; ++j) {
      const int x = left + static_cast<int>(j) * (tile_w + gap);
      if (j < picks[k].size()) {
        c.image(data.image(picks[k][j]), data.rows, data.cols, x, y, scale);
      } else {
        c.fill_rect(x, y, tile_w, tile_h, style::grid_minor);  // the class ran out of images
      }
    }
  }
  return c;
}

// ---- class balance ----

namespace {

// Totals and the range of class sizes per split: equal bars make a reader
// wonder whether they are exactly equal, and this line says so.
std::string balance_summary(const std::array<size_t, kNumClasses>& train,
                            const std::array<size_t, kNumClasses>& test) {
  auto total = [](const auto& a) { return std::accumulate(a.begin(), a.end(), size_t{0}); };
  auto describe = [](const auto& a) {
    auto [lo, hi] = std::minmax_element(a.begin(), a.end());
    if (*lo == *hi) return fmt::format("{} in every class", plot::with_thousands(*lo));
    return fmt::format("{} to {} per class", plot::with_thousands(*lo), plot::with_thousands(*hi));
  };
  return fmt::format("train: {} images, {}\ntest: {} images, {}",
                     plot::with_thousands(total(train)), describe(train),
                     plot::with_thousands(total(test)), describe(test));
}

}  // namespace

Canvas class_balance_figure(const Dataset& train, const Dataset& test, const ClassNames& names) {
  const auto ctrain = train.class_counts(), ctest = test.class_counts();
  plot::BarChart ch;
  ch.header.title = "Images per class";
  ch.header.subtitle = balance_summary(ctrain, ctest);
  ch.value_label = "images";
  ch.categories.assign(names.begin(), names.end());
  ch.series = {{"train", std::vector<double>(ctrain.begin(), ctrain.end()), style::palette(0)},
               {"test", std::vector<double>(ctest.begin(), ctest.end()), style::palette(1)}};
  ch.value_format = [](double v) { return plot::with_thousands(std::llround(v)); };
  return plot::render(ch);
}

// ---- mean images ----

MeanImages mean_images(const Dataset& data) {
  MeanImages m;
  m.per_class = class_mean_images(data);
  const auto counts = data.class_counts();
  m.overall.assign(data.image_size(), 0.f);
  if (data.size() == 0) return m;
  for (int c = 0; c < kNumClasses; ++c) {
    const double w = static_cast<double>(counts[c]) / static_cast<double>(data.size());
    for (size_t j = 0; j < m.overall.size(); ++j)
      m.overall[j] += static_cast<float>(w * m.per_class[c][j]);
  }
  for (int c = 0; c < kNumClasses; ++c) {
    if (!counts[c]) continue;  // an absent class has no mean to compare
    for (size_t j = 0; j < m.overall.size(); ++j)
      m.max_abs_difference =
          std::max(m.max_abs_difference, std::abs(m.per_class[c][j] - m.overall[j]));
  }
  return m;
}

namespace {

struct MeanLayout {
  int scale, tile_w, tile_h, pitch;  // pitch: from one tile's left edge to the next
  int left, grid_w, bar_x;
};

MeanLayout layout_means(int rows, int cols, const ClassNames& names) {
  MeanLayout l;
  // Class names sit above the tiles: tiles at least as wide as most names.
  l.scale = std::max(1, 112 / std::max(rows, cols));
  l.tile_w = cols * l.scale;
  l.tile_h = rows * l.scale;
  l.pitch = std::max(l.tile_w, widest_name(names, style::tick.scale)) + 16;
  l.left = style::margin + (l.pitch - l.tile_w) / 2;
  l.grid_w = kNumClasses * l.pitch - (l.pitch - l.tile_w);
  l.bar_x = l.left + l.grid_w + 28;
  return l;
}

// A row title, then each class name over its tile; returns where tiles start.
int draw_row_heading(Canvas& c, const MeanLayout& l, int y, const std::string& heading,
                     const ClassNames& names) {
  c.text(style::margin, y, heading, style::label);
  y += plot::line_height(style::label.scale) + 14;
  for (int k = 0; k < kNumClasses; ++k)
    c.text(l.left + k * l.pitch + l.tile_w / 2, y, names[k],
           style::tick.aligned(Align::center, VAlign::top));
  return y + plot::line_height(style::tick.scale) + 4;
}

// Symmetric bound for the difference colours, rounded up to a multiple of 10.
float difference_bound(float max_abs) {
  return std::max(10.f, std::ceil(max_abs / 10.f) * 10.f);
}

}  // namespace

Canvas mean_images_figure(const MeanImages& means, int rows, int cols, const ClassNames& names) {
  const MeanLayout l = layout_means(rows, cols, names);
  const float bound = difference_bound(means.max_abs_difference);
  plot::Colorbar grey_bar{&plot::Colormap::grey(), 0, 255, {0, 64, 128, 192, 255}, {}};
  for (double t : grey_bar.ticks) grey_bar.labels.push_back(plot::tick_label(t));
  plot::Colorbar diff_bar{&plot::Colormap::diverging(), -bound, bound, {}, {}};
  const double step = plot::Scale::linear(0, bound, 3).step;
  for (double t = -std::floor(bound / step) * step; t <= bound; t += step) {
    diff_bar.ticks.push_back(t);
    std::string label = t > 0 ? "+" : "";  // signed, so the two ends read as opposites
    diff_bar.labels.push_back(label += plot::tick_label(t));
  }

  plot::Header header;
  header.title = "Mean image per class (training set)";
  header.subtitle =
      "Top: the average image of each class. Bottom: that average minus the average of all\n"
      "images; red where the class has more ink than usual, blue where it has less.";
  const int width = std::max(
      header.width(), l.bar_x + std::max(grey_bar.width(), diff_bar.width()) + style::margin);
  const int top = header.height(width);
  const int row_h = plot::line_height(style::label.scale) + 14 +
                    plot::line_height(style::tick.scale) + 4 + l.tile_h;
  Canvas c(width, top + 2 * row_h + 28 + style::margin, style::background);
  header.draw(c);

  int y = draw_row_heading(c, l, top, "Mean pixel value (0-255)", names);
  for (int k = 0; k < kNumClasses; ++k)
    c.image(means.per_class[k], rows, cols, l.left + k * l.pitch, y, l.scale,
            plot::Colormap::grey(), 0.f, 255.f);
  grey_bar.draw(c, l.bar_x, y, l.tile_h);

  y = draw_row_heading(c, l, y + l.tile_h + 28, "Difference from the mean of all classes", names);
  std::vector<float> diff(means.overall.size());
  for (int k = 0; k < kNumClasses; ++k) {
    for (size_t j = 0; j < diff.size(); ++j) diff[j] = means.per_class[k][j] - means.overall[j];
    c.image(diff, rows, cols, l.left + k * l.pitch, y, l.scale, plot::Colormap::diverging(), -bound,
            bound);
  }
  diff_bar.draw(c, l.bar_x, y, l.tile_h);
  return c;
}

// ---- pixel histogram ----

namespace {

std::vector<double> shares(const PixelStats& p) {
  const double total =
      static_cast<double>(std::accumulate(p.histogram.begin(), p.histogram.end(), uint64_t{0}));
  std::vector<double> out(p.histogram.size());
  for (size_t v = 0; v < out.size(); ++v)
    out[v] = total > 0 ? static_cast<double>(p.histogram[v]) / total : 0.0;
  return out;
}

std::string split_summary(const char* name, const PixelStats& p, double zero_share) {
  return fmt::format("{}: mean {:.1f}, std {:.1f}; {} of pixels are 0", name, p.mean, p.std,
                     percent(zero_share));
}

}  // namespace

Canvas pixel_histogram_figure(const PixelStats& train, const PixelStats& test, bool log_y) {
  plot::StepChart ch;
  ch.series = {{"train", shares(train), style::palette(0)},
               {"test", shares(test), style::palette(1)}};
  ch.header.title = "Pixel intensities";
  ch.header.subtitle = split_summary("train", train, ch.series[0].values[0]) + "\n" +
                       split_summary("test", test, ch.series[1].values[0]);
  ch.x_label = "pixel value (0 = background, 255 = brightest)";
  ch.y_label = log_y ? "share of pixels (log scale)" : "share of pixels";
  ch.x0 = 0;
  ch.dx = 1;
  ch.log_y = log_y;
  ch.y_format = [](double v) { return plot::tick_label(100.0 * v) + "%"; };
  return plot::render(ch);
}

}  // namespace fmnist
