#pragma once
// Internal to the report: the pieces its page, tables and summary share.
#include <span>
#include <string>

#include "report/html.hpp"
#include "report/report.hpp"

namespace fmnist::report {

// "93.18%", or "-" for NaN.
std::string pct(double v, int digits = 2);
// A number with thousands separators, or "-" for NaN or negative values.
std::string whole(double v);
// A duration for people: "0.42 s", "12.3 s", "4.5 min".
std::string duration(double seconds);
// An id usable in a URL fragment, from a model's label.
std::string anchor(const std::string& label);

// A grey image tile (as stored: light garment on black), shown enlarged.
std::string image_tile(const Dataset& data, uint32_t index, std::string_view alt);
// A rows x cols map through a colour map; symmetric maps centre 0 on white.
std::string map_tile(std::span<const float> values, int rows, int cols, bool symmetric,
                     std::string_view alt);

// The common look of every chart (fonts, margins, grid).
nlohmann::json chart_layout(nlohmann::json layout);

// Colour scales for heatmaps (plotly's own "Blues" runs dark to light).
nlohmann::json blues();
nlohmann::json red_yellow_green();

// The whole section of one model.
std::string model_section(const ReportInput& in, const ModelResult& m, Charts& charts);

}  // namespace fmnist::report
