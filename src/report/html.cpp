#include "report/html.hpp"

#include <fmt/format.h>

#include "report/png.hpp"

namespace fmnist::report {

std::string escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    switch (ch) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += ch;
    }
  }
  return out;
}

std::string base64(std::string_view bytes) {
  static constexpr char table[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const uint32_t v =
        (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8) | uint8_t(bytes[i + 2]);
    out += table[v >> 18];
    out += table[(v >> 12) & 63];
    out += table[(v >> 6) & 63];
    out += table[v & 63];
  }
  if (i < bytes.size()) {
    const bool two = i + 1 < bytes.size();
    const uint32_t v = (uint8_t(bytes[i]) << 16) | (two ? uint8_t(bytes[i + 1]) << 8 : 0);
    out += table[v >> 18];
    out += table[(v >> 12) & 63];
    out += two ? table[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string img(const plot::Canvas& canvas, std::string_view alt, std::string_view css_class,
                int display_width) {
  std::string attrs;
  if (!css_class.empty()) attrs += fmt::format(" class=\"{}\"", escape(css_class));
  if (display_width > 0) attrs += fmt::format(" width=\"{}\"", display_width);
  return fmt::format("<img src=\"data:image/png;base64,{}\" alt=\"{}\"{}>",
                     base64(plot::encode_png(canvas)), escape(alt), attrs);
}

std::string script_json(const nlohmann::json& j) {
  // Non-ASCII escaped too, so the page's encoding cannot garble names.
  std::string s = j.dump(-1, ' ', true, nlohmann::json::error_handler_t::replace);
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '<' && i + 1 < s.size() && (s[i + 1] == '/' || s[i + 1] == '!'))
      out += "\\u003c";
    else
      out += s[i];
  }
  return out;
}

std::string Charts::add(nlohmann::json data, nlohmann::json layout, int height,
                        std::string_view css_class) {
  const std::string id = fmt::format("chart-{}", figures_.size());
  layout["height"] = height;
  figures_.push_back({{"id", id}, {"data", std::move(data)}, {"layout", std::move(layout)}});
  return fmt::format("<div class=\"{}\" id=\"{}\" style=\"min-height:{}px\"></div>",
                     escape(css_class), id, height);
}

}  // namespace fmnist::report
