#include "data/csv.hpp"

#include <cmath>

#include "core/error.hpp"
#include "core/files.hpp"

namespace fmnist {
namespace {

struct Cursor {
  std::string_view text;
  size_t pos = 0;
  size_t line = 1;
  const std::string& name;
};

// Field text for messages, cut short so a binary file gives a short line.
std::string shown(std::string_view field) {
  std::string s;
  for (char c : field.substr(0, 20)) s += (c >= 32 && c < 127) ? c : '?';
  if (field.size() > 20) s += "...";
  return s;
}

bool is_end(char c) { return c == ',' || c == '\n' || c == '\r'; }

}  // namespace

Dataset parse_csv(std::string_view text, const std::string& name) {
  if (text.size() >= 3 && static_cast<uint8_t>(text[0]) == 0xEF &&
      static_cast<uint8_t>(text[1]) == 0xBB && static_cast<uint8_t>(text[2]) == 0xBF) {
    text.remove_prefix(3);  // UTF-8 byte-order mark from spreadsheet exports
  }
  size_t first_non_space = text.find_first_not_of(" \t\r\n");
  if (first_non_space == std::string_view::npos) fail("{}: empty file, expected CSV rows", name);

  size_t pos = 0, line = 1;
  // Header: any first line whose first field is not a number.
  {
    size_t eol = text.find('\n');
    std::string_view first = text.substr(0, eol);
    size_t comma = first.find(',');
    std::string_view field = first.substr(0, comma);
    while (!field.empty() && (field.back() == '\r' || field.back() == ' ')) field.remove_suffix(1);
    bool numeric = !field.empty();
    for (char c : field) numeric = numeric && (c >= '0' && c <= '9');
    if (!numeric) {
      pos = eol == std::string_view::npos ? text.size() : eol + 1;
      line = 2;
    }
  }

  Dataset out;
  out.source = name;
  size_t columns = 0;  // fixed by the first data row
  std::vector<uint8_t> row;
  while (pos < text.size()) {
    // Blank lines (a trailing newline, CRLF endings) are skipped.
    if (text[pos] == '\n') { ++pos; ++line; continue; }
    if (text[pos] == '\r') { ++pos; continue; }
    row.clear();
    size_t col = 1;
    while (true) {
      size_t start = pos;
      while (pos < text.size() && text[pos] == ' ') ++pos;
      unsigned value = 0;
      size_t digits = 0;
      while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
        value = value * 10 + static_cast<unsigned>(text[pos] - '0');
        if (value > 100000) value = 100000;  // keeps overflow out; reported below
        ++pos;
        ++digits;
      }
      // Accept "12.0", which some exports write for integers.
      if (digits > 0 && pos < text.size() && text[pos] == '.') {
        size_t p = pos + 1;
        while (p < text.size() && text[p] == '0') ++p;
        if (p < text.size() && !is_end(text[p]) && text[p] != ' ') {
          size_t end = text.find_first_of(",\r\n", start);
          fail("{}: line {}, column {}: '{}' is not a whole number", name, line, col,
               shown(text.substr(start, end - start)));
        }
        pos = p;
      }
      while (pos < text.size() && text[pos] == ' ') ++pos;
      if (digits == 0 || (pos < text.size() && !is_end(text[pos]))) {
        size_t end = text.find_first_of(",\r\n", start);
        std::string_view field = text.substr(start, end == std::string_view::npos ? end : end - start);
        if (field.empty() || field.find_first_not_of(' ') == std::string_view::npos)
          fail("{}: line {}, column {}: empty field", name, line, col);
        fail("{}: line {}, column {}: '{}' is not a number", name, line, col, shown(field));
      }
      if (col == 1) {
        if (value >= kNumClasses)
          fail("{}: line {}, column 1: label {} is out of range 0-{}", name, line, value,
               kNumClasses - 1);
      } else if (value > 255) {
        fail("{}: line {}, column {}: pixel value {} is out of range 0-255", name, line, col,
             value);
      }
      row.push_back(static_cast<uint8_t>(value));
      if (pos < text.size() && text[pos] == ',') {
        ++pos;
        ++col;
        continue;
      }
      break;
    }
    if (columns == 0) {
      columns = row.size();
      const size_t n = columns - 1;
      const auto side = static_cast<size_t>(std::lround(std::sqrt(static_cast<double>(n))));
      if (columns < 2 || side * side != n) {
        fail("{}: line {}: {} columns; expected a label and a square image (785 for 28x28)", name,
             line, columns);
      }
      out.rows = out.cols = static_cast<int>(side);
    } else if (row.size() != columns) {
      fail("{}: line {}: {} columns, expected {} ({} column {})", name, line, row.size(), columns,
           row.size() < columns ? "missing" : "extra",
           row.size() < columns ? row.size() + 1 : columns + 1);
    }
    out.labels.push_back(row[0]);
    out.pixels.insert(out.pixels.end(), row.begin() + 1, row.end());
    if (pos < text.size() && text[pos] == '\r') ++pos;
    if (pos < text.size() && text[pos] == '\n') { ++pos; ++line; }
  }
  if (out.labels.empty()) fail("{}: no data rows (only a header)", name);
  return out;
}

Dataset load_csv(const std::filesystem::path& path) {
  auto bytes = read_maybe_gzip(path);
  return parse_csv({reinterpret_cast<const char*>(bytes.data()), bytes.size()}, path.string());
}

void save_csv(const Dataset& data, const std::filesystem::path& path) {
  std::string s = "label";
  for (size_t j = 1; j <= data.image_size(); ++j) s += ",pixel" + std::to_string(j);
  s += '\n';
  for (size_t i = 0; i < data.size(); ++i) {
    s += std::to_string(data.labels[i]);
    for (uint8_t p : data.image(i)) {
      s += ',';
      s += std::to_string(p);
    }
    s += '\n';
  }
  write_file_atomic(path, s);
}

}  // namespace fmnist
