#pragma once
// Kaggle-style CSV: one image per line, `label,pixel1,...,pixelN` with N a
// square (784 for 28x28), an optional header line, gzip or plain.
#include <filesystem>
#include <string_view>

#include "data/dataset.hpp"

namespace fmnist {

Dataset load_csv(const std::filesystem::path& path);
// The parser behind load_csv; `name` is used in error messages, which name
// the line and the column of the first problem.
Dataset parse_csv(std::string_view text, const std::string& name);
// Writes the Kaggle layout with a header line (fixtures and exports).
void save_csv(const Dataset& data, const std::filesystem::path& path);

}  // namespace fmnist
