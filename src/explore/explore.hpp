#pragma once
// `fmnist data explore` as a library call: the figures (as PNG bytes, so an
// HTML report can embed them) and the numbers behind them (explore.json).
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "data/dataset.hpp"

namespace fmnist {

struct ExploreOptions {
  int per_class = 10;         // training samples per class in samples.png
  uint64_t seed = 0;          // picks the samples
  bool log_histogram = true;  // pixel 0 is half of all pixels: a log axis shows the rest
};

struct Figure {
  std::string file;     // "samples.png"
  std::string caption;  // one sentence: what the picture shows
  int width = 0, height = 0;
  std::string png;  // the encoded file
};

struct Exploration {
  std::vector<Figure> figures;  // samples, class balance, mean images, pixel histogram
  nlohmann::json numbers;       // counts, pixel statistics, picked samples, duplicates
};

// Draws the figures from `data.train` and `data.test` as given (a validation
// hold-out, if any, is not shown).
Exploration explore(const DataSplits& data, const ExploreOptions& opts);

// Writes every figure and explore.json into `dir` (created if missing), each
// file atomically; returns the paths written, figures first.
std::vector<std::filesystem::path> write_exploration(const Exploration& e,
                                                     const std::filesystem::path& dir);

}  // namespace fmnist
