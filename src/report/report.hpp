#pragma once
// The comparison report: report.html (one self-contained page: data, the
// comparison, every model in detail, a written summary), results.json (the
// numbers, schema in docs/REPORT.md) and results.md (the table).
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "data/dataset.hpp"
#include "eval/model_result.hpp"
#include "explore/explore.hpp"

namespace fmnist::report {

struct ReportInput {
  const DataSplits* data = nullptr;  // the images galleries show (data->test)
  Exploration exploration;
  std::vector<ModelResult> models;
  nlohmann::json machine = nlohmann::json::object();  // machine_info()
  std::string title = "fmnist report";
};

// The analyst's conclusions, each a sentence or short paragraph of plain
// text, drawn from the numbers.
struct Findings {
  std::vector<std::string> paragraphs;
  nlohmann::json facts;  // the figures the sentences quote
};
Findings analyse(const ReportInput& in);

std::string render_html(const ReportInput& in);
nlohmann::json results_json(const ReportInput& in);
std::string results_markdown(const ReportInput& in);

// Writes report.html, results.json and results.md into `dir` (created if
// missing), each atomically; returns their paths.
std::vector<std::filesystem::path> write_report(const ReportInput& in,
                                                const std::filesystem::path& dir);

// The models ranked for the table: best test accuracy first, failures last.
std::vector<const ModelResult*> ranked(const std::vector<ModelResult>& models);

}  // namespace fmnist::report
