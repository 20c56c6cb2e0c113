// fmnist predict: a saved model on photos or on a whole IDX/CSV file.
#include <fmt/format.h>

#include <algorithm>
#include <numeric>

#include "cli/common.hpp"
#include "core/error.hpp"
#include "core/files.hpp"
#include "data/image.hpp"
#include "data/source.hpp"
#include "eval/metrics.hpp"
#include "models/model_io.hpp"

namespace fmnist::cli {
namespace {

struct PredictOptions {
  std::string model_dir;
  std::vector<std::string> inputs;
  std::string out;
  int top = 3;
  bool json = false;
  std::string invert = "auto";
};

bool is_data_file(const std::string& path) {
  const std::string name = fs::path(path).filename().string();
  return name.find(".csv") != std::string::npos || name.find("idx") != std::string::npos;
}

// The classes of one row, most probable first.
std::vector<int> ranked(const float* row) {
  std::vector<int> order(kNumClasses);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [row](int a, int b) { return row[a] > row[b]; });
  return order;
}

int run_predict(const PredictOptions& o) {
  LoadedModel lm = load_model(o.model_dir);
  const auto& names = lm.info.class_names;
  // Each input is either a data file (every image in it) or one photo.
  struct Item {
    std::string input;
    size_t index;
    int label;  // -1: unknown
  };
  std::vector<Item> items;
  std::vector<fs::path> photos;
  Dataset all;
  all.rows = lm.info.rows;
  all.cols = lm.info.cols;
  for (const auto& in : o.inputs) {
    if (!is_data_file(in)) {
      photos.emplace_back(in);
      continue;
    }
    Dataset d = load_data_file(in);
    if (d.rows != all.rows || d.cols != all.cols) {
      fail("{}: {}x{} images, but the model was trained on {}x{}", in, d.rows, d.cols, all.rows,
           all.cols);
    }
    for (size_t i = 0; i < d.size(); ++i) items.push_back({in, i, d.labels[i]});
    all.pixels.insert(all.pixels.end(), d.pixels.begin(), d.pixels.end());
    all.labels.insert(all.labels.end(), d.labels.begin(), d.labels.end());
  }
  if (!photos.empty()) {
    FitOptions fit;
    fit.rows = all.rows;
    fit.cols = all.cols;
    fit.invert = o.invert == "yes" ? Invert::yes : o.invert == "no" ? Invert::no : Invert::automatic;
    Dataset p = load_images(photos, fit);
    for (size_t i = 0; i < photos.size(); ++i) items.push_back({photos[i].string(), 0, -1});
    all.pixels.insert(all.pixels.end(), p.pixels.begin(), p.pixels.end());
    all.labels.insert(all.labels.end(), p.labels.begin(), p.labels.end());
  }
  // Rows of `all`: every data file's images in order, then the photos.

  std::vector<float> proba = lm.model->predict_proba(all);
  const int top = std::clamp(o.top, 1, kNumClasses);

  if (!o.out.empty()) {
    std::string csv = "input,index,predicted,class,probability";
    for (int c = 0; c < kNumClasses; ++c) csv += fmt::format(",p{}", c);
    csv += ",label\n";
    for (size_t i = 0; i < items.size(); ++i) {
      const float* row = proba.data() + i * kNumClasses;
      const int best = ranked(row)[0];
      csv += fmt::format("\"{}\",{},{},\"{}\",{:.6f}", items[i].input, items[i].index, best,
                         names[best], row[best]);
      for (int c = 0; c < kNumClasses; ++c) csv += fmt::format(",{:.6f}", row[c]);
      csv += items[i].label >= 0 ? fmt::format(",{}\n", items[i].label) : ",\n";
    }
    write_file_atomic(o.out, csv);
  }

  nlohmann::json j = nlohmann::json::array();
  size_t labelled = 0, right = 0;
  for (size_t i = 0; i < items.size(); ++i) {
    const float* row = proba.data() + i * kNumClasses;
    auto order = ranked(row);
    if (items[i].label >= 0) {
      ++labelled;
      right += order[0] == items[i].label;
    }
    if (o.json) {
      nlohmann::json r = {{"input", items[i].input}, {"predicted", order[0]}, {"class", names[order[0]]}};
      if (items[i].label >= 0) r["index"] = items[i].index, r["label"] = items[i].label;
      r["top"] = nlohmann::json::array();
      for (int k = 0; k < top; ++k)
        r["top"].push_back({{"class", names[order[k]]}, {"probability", row[order[k]]}});
      j.push_back(r);
    } else if (items[i].label < 0 || items.size() <= 20) {
      std::string alts;
      for (int k = 1; k < top; ++k) alts += fmt::format(", {} {:.1f}%", names[order[k]], 100 * row[order[k]]);
      fmt::print("{}{}: {} {:.1f}%{}\n", items[i].input,
                 items[i].label >= 0 ? fmt::format("[{}]", items[i].index) : "", names[order[0]],
                 100 * row[order[0]], alts.empty() ? "" : " (then" + alts.substr(1) + ")");
    }
  }
  if (o.json) fmt::print("{}\n", j.dump(2));
  else if (labelled > 0)
    fmt::print("{} labelled images: accuracy {:.2f}%\n", labelled, 100.0 * right / labelled);
  if (!o.out.empty() && !o.json) fmt::print("predictions written to {}\n", o.out);
  return 0;
}

}  // namespace

void add_predict_command(CLI::App& app, Globals& g, Action& action) {
  auto o = std::make_shared<PredictOptions>();
  auto* cmd = app.add_subcommand("predict", "Predict photos or a whole IDX/CSV file with a saved model");
  cmd->add_option("-m,--model", o->model_dir, "A model directory written by 'fmnist train'")->required();
  cmd->add_option("inputs", o->inputs,
                  "Photos (PNG, JPEG, BMP, GIF, PGM/PPM) or data files (IDX images, CSV)")
      ->required();
  cmd->add_option("-o,--out", o->out, "Also write every prediction and probability to this CSV file");
  cmd->add_option("--top", o->top, "Classes to show per image")->capture_default_str();
  cmd->add_option("--invert", o->invert, "Photos: negate auto (light background), yes or no")
      ->check(CLI::IsMember({"auto", "yes", "no"}))
      ->capture_default_str();
  cmd->add_flag("--json", o->json, "Print JSON");
  cmd->footer(
      "Examples:\n"
      "  fmnist predict --model models/forest shoe.jpg shirt.png\n"
      "  fmnist predict --model models/forest /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz --out preds.csv");
  cmd->callback([o, &action] { action = [o] { return run_predict(*o); }; });
}

}  // namespace fmnist::cli
