#include "models/settings.hpp"

#include <charconv>
#include <cmath>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "core/error.hpp"

namespace fmnist {
namespace {
std::string trim(std::string s) {
  const char* ws = " \t\r\n";
  s.erase(0, s.find_first_not_of(ws));
  s.erase(s.find_last_not_of(ws) + 1);
  return s;
}
}  // namespace

ModelSpec ModelSpec::parse(const std::string& text) {
  ModelSpec spec;
  const auto colon = text.find(':');
  spec.name = trim(text.substr(0, colon));
  if (spec.name.empty()) fail("model spec '{}': no model name (e.g. 'forest:trees=200')", text);
  if (colon == std::string::npos) return spec;
  std::string rest = text.substr(colon + 1);
  size_t start = 0;
  while (start <= rest.size()) {
    size_t comma = rest.find(',', start);
    std::string item = trim(rest.substr(start, comma == std::string::npos ? comma : comma - start));
    if (!item.empty()) {
      const auto eq = item.find('=');
      if (eq == std::string::npos) {
        fail("model spec '{}': '{}' is not key=value", text, item);
      }
      std::string key = trim(item.substr(0, eq)), value = trim(item.substr(eq + 1));
      if (key.empty() || value.empty()) fail("model spec '{}': '{}' is not key=value", text, item);
      if (!spec.values.emplace(key, value).second) {
        fail("model spec '{}': '{}' is given twice", text, key);
      }
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return spec;
}

std::string ModelSpec::str() const {
  std::string s = name;
  char sep = ':';
  for (const auto& [k, v] : values) {
    s += sep + k + "=" + v;
    sep = ',';
  }
  return s;
}

std::optional<std::string> Settings::take(const std::string& key, const std::string& def,
                                          const std::string& help) {
  auto it = values_.find(key);
  std::optional<std::string> given;
  if (it != values_.end()) given = it->second;
  declared_.push_back({key, def, given.value_or(def), help});
  return given;
}

void Settings::bad_value(const std::string& key, const std::string& value,
                         const std::string& expected) const {
  fail("{}: setting {}={} is invalid: expected {}", model_, key, value, expected);
}

int Settings::get_int(const std::string& key, int def, const std::string& help, int lo, int hi) {
  auto given = take(key, std::to_string(def), help);
  if (!given) return def;
  int v = 0;
  auto [p, ec] = std::from_chars(given->data(), given->data() + given->size(), v);
  if (ec != std::errc() || p != given->data() + given->size() || v < lo || v > hi) {
    bad_value(key, *given, fmt::format("a whole number from {} to {}", lo, hi));
  }
  declared_.back().value = std::to_string(v);
  return v;
}

double Settings::get_double(const std::string& key, double def, const std::string& help,
                            double lo, double hi) {
  auto given = take(key, fmt::format("{}", def), help);
  if (!given) return def;
  double v = 0;
  auto [p, ec] = std::from_chars(given->data(), given->data() + given->size(), v);
  if (ec != std::errc() || p != given->data() + given->size() || !std::isfinite(v) || v < lo ||
      v > hi) {
    bad_value(key, *given, fmt::format("a number from {} to {}", lo, hi));
  }
  declared_.back().value = fmt::format("{}", v);
  return v;
}

bool Settings::get_bool(const std::string& key, bool def, const std::string& help) {
  auto given = take(key, def ? "true" : "false", help);
  if (!given) return def;
  if (*given == "true" || *given == "1" || *given == "yes" || *given == "on") {
    declared_.back().value = "true";
    return true;
  }
  if (*given == "false" || *given == "0" || *given == "no" || *given == "off") {
    declared_.back().value = "false";
    return false;
  }
  bad_value(key, *given, "true or false");
}

std::string Settings::get_choice(const std::string& key, const std::string& def,
                                 const std::string& help, const std::vector<std::string>& choices) {
  std::string full_help = help + " (" + fmt::format("{}", fmt::join(choices, ", ")) + ")";
  auto given = take(key, def, full_help);
  if (!given) return def;
  if (std::find(choices.begin(), choices.end(), *given) == choices.end()) {
    bad_value(key, *given, "one of " + fmt::format("{}", fmt::join(choices, ", ")));
  }
  return *given;
}

std::string Settings::get_string(const std::string& key, const std::string& def,
                                 const std::string& help) {
  return take(key, def, help).value_or(def);
}

void Settings::check_all_used() const {
  for (const auto& [key, value] : values_) {
    bool known = false;
    for (const auto& d : declared_) known = known || d.name == key;
    if (!known) {
      std::vector<std::string> names;
      for (const auto& d : declared_) names.push_back(d.name);
      if (names.empty()) fail("{}: unknown setting '{}': this model has no settings", model_, key);
      fail("{}: unknown setting '{}'; known settings: {}", model_, key, fmt::join(names, ", "));
    }
  }
}

nlohmann::json Settings::to_json() const {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& d : declared_) j[d.name] = d.value;
  return j;
}

std::string Settings::canonical_spec() const {
  std::string s = model_;
  char sep = ':';
  for (const auto& d : declared_) {
    s += sep + d.name + "=" + d.value;
    sep = ',';
  }
  return s;
}

}  // namespace fmnist
