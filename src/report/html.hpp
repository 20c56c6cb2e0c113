#pragma once
// Small pieces for writing HTML by hand: escaping, inline images, and a
// collector of the page's interactive charts (plotly.js figures as JSON).
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "report/canvas.hpp"

namespace fmnist::report {

// Text for an element or a quoted attribute.
std::string escape(std::string_view s);
std::string base64(std::string_view bytes);
// An <img> whose source is the canvas as an inline PNG.
std::string img(const plot::Canvas& canvas, std::string_view alt, std::string_view css_class = "",
                int display_width = 0);
// JSON safe inside a <script> element ("</" cannot end it early).
std::string script_json(const nlohmann::json& j);

// The page's charts: each call returns the placeholder <div> and keeps the
// figure, which the page's script draws once plotly.js is loaded.
class Charts {
 public:
  std::string add(nlohmann::json data, nlohmann::json layout, int height = 360,
                  std::string_view css_class = "chart");
  const nlohmann::json& figures() const { return figures_; }
  size_t size() const { return figures_.size(); }

 private:
  nlohmann::json figures_ = nlohmann::json::array();
};

}  // namespace fmnist::report
