#include "models/model_io.hpp"

#include <ctime>
#include <fstream>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/files.hpp"
#include "core/machine.hpp"
#include "core/threads.hpp"
#include "core/version.hpp"
#include "models/registry.hpp"

namespace fmnist {
namespace fs = std::filesystem;

void save_model(const Classifier& model, const ModelInfo& info, const fs::path& dir) {
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec)) {
    fail("{}: exists and is not a directory; a saved model is a directory", dir.string());
  }
  if (!dir.parent_path().empty()) {
    fs::create_directories(dir.parent_path(), ec);
    if (ec) fail("{}: cannot create directory: {}", dir.parent_path().string(), ec.message());
  }
  AtomicPath tmp(dir);
  fs::create_directories(tmp.temp(), ec);
  if (ec) fail("{}: cannot create: {}", tmp.temp().string(), ec.message());
  model.save(tmp.temp());

  nlohmann::json j;
  j["format"] = "fmnist-model";
  j["format_version"] = 1;
  j["model"] = model.name();
  j["spec"] = model.settings().canonical_spec();
  j["settings"] = model.settings().to_json();
  j["parameters"] = model.num_parameters();
  j["classes"] = info.class_names;
  j["dataset"] = info.dataset_name;
  j["data"] = {{"fingerprint", fmt::format("{:016x}", info.data_fingerprint)},
               {"train_images", info.train_images},
               {"rows", info.rows},
               {"cols", info.cols}};
  j["seed"] = info.seed;
  j["fmnist_version"] = version();
  nlohmann::json libs = nlohmann::json::object();
  for (const auto& [lib, ver] : library_versions()) libs[lib] = ver;
  j["libraries"] = libs;
  // The nets' weights depend on the thread count and, through the kernels
  // oneDNN picks, on the CPU's vector extensions: say which gave these.
  j["trained_on"] = {{"cpu", cpu_info().summary()}, {"threads", threads()}};
  std::time_t now = std::time(nullptr);
  char when[32];
  std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  j["created"] = when;
  auto history = model.history();
  if (!history.empty()) j["history"] = history;
  for (const auto& [k, v] : info.extra.items()) j[k] = v;
  std::ofstream(tmp.temp() / "model.json") << j.dump(2) << '\n';
  tmp.commit();
}

LoadedModel load_model(const fs::path& dir) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) fail("{}: no such model directory", dir.string());
  if (!fs::is_directory(dir, ec)) {
    fail("{}: is not a model directory (a saved model is a directory with model.json)",
         dir.string());
  }
  const fs::path meta_path = dir / "model.json";
  auto bytes = read_file(meta_path);
  LoadedModel out;
  try {
    out.meta = nlohmann::json::parse(bytes.begin(), bytes.end());
  } catch (const nlohmann::json::exception& e) {
    fail("{}: not valid JSON: {}", meta_path.string(), e.what());
  }
  const auto& m = out.meta;
  if (!m.is_object() || m.value("format", "") != "fmnist-model" || !m.contains("spec")) {
    fail("{}: not an fmnist model description (missing 'format' or 'spec')", meta_path.string());
  }
  try {
    out.model = make_model(m.at("spec").get<std::string>());
    if (m.contains("classes"))
      out.info.class_names = m.at("classes").get<std::array<std::string, kNumClasses>>();
    out.info.dataset_name = m.value("dataset", "custom");
    if (m.contains("data")) {
      out.info.data_fingerprint = std::stoull(m["data"].value("fingerprint", "0"), nullptr, 16);
      out.info.train_images = m["data"].value("train_images", size_t{0});
      out.info.rows = m["data"].value("rows", 28);
      out.info.cols = m["data"].value("cols", 28);
    }
    out.info.seed = m.value("seed", uint64_t{0});
  } catch (const nlohmann::json::exception& e) {
    fail("{}: malformed field: {}", meta_path.string(), e.what());
  }
  out.model->load(dir);
  return out;
}

}  // namespace fmnist
