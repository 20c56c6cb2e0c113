// results.json and results.md: the report's numbers for programs and for a README.
#include <algorithm>
#include <chrono>
#include <cmath>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/files.hpp"
#include "core/machine.hpp"
#include "core/version.hpp"
#include "report/page_parts.hpp"
#include "report/report.hpp"

namespace fmnist::report {
namespace {

nlohmann::json number_or_null(double v) {
  return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json();
}

std::string utc_now() {
  const auto t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string fixed(double v, int digits) {
  return std::isfinite(v) ? fmt::format("{:.{}f}", v, digits) : "-";
}

}  // namespace

std::vector<const ModelResult*> ranked(const std::vector<ModelResult>& models) {
  std::vector<const ModelResult*> r;
  for (const auto& m : models) r.push_back(&m);
  std::stable_sort(r.begin(), r.end(), [](const ModelResult* a, const ModelResult* b) {
    if (a->ok() != b->ok()) return a->ok();
    return a->test.accuracy > b->test.accuracy;
  });
  return r;
}

nlohmann::json results_json(const ReportInput& in) {
  nlohmann::json j;
  j["schema"] = "fmnist-results/1";
  j["generated"] = utc_now();
  j["fmnist_version"] = version();
  j["machine"] = in.machine;
  if (in.data) {
    const DataSplits& d = *in.data;
    j["dataset"] = {{"name", d.dataset_name},
                    {"origin", d.origin},
                    {"train_images", d.train.size()},
                    {"validation_images", d.val.size()},
                    {"test_images", d.test.size()},
                    {"image_size", {d.test.rows, d.test.cols}},
                    {"class_names", d.class_names},
                    {"test_fingerprint", fmt::format("{:016x}", d.test.fingerprint())}};
  }
  const ClassNames names = in.data ? in.data->class_names : ClassNames{};
  j["models"] = nlohmann::json::array();
  for (const ModelResult* m : ranked(in.models)) {
    nlohmann::json o;
    o["label"] = m->label;
    o["model"] = m->metrics.value("model", "");
    o["spec"] = m->metrics.value("spec", "");
    if (!m->ok()) {
      o["error"] = m->error;
      j["models"].push_back(o);
      continue;
    }
    o["error"] = nullptr;
    for (const char* key : {"notebook_accuracy", "cached"})
      if (m->metrics.contains(key)) o[key] = m->metrics[key];
    o["parameters"] = m->metrics.value("parameters", -1);
    o["fit_seconds"] = number_or_null(m->fit_seconds());
    o["peak_memory_mib"] = number_or_null(m->peak_memory_mib());
    for (const char* split : {"train", "validation", "test"})
      o[split] = m->metrics.contains(split) ? m->metrics[split] : nlohmann::json::object();
    o["macro_f1"] = m->test.report.macro.f1;
    o["auc_macro"] = number_or_null(m->test.auc_macro);
    o["generalisation_gap"] = number_or_null(m->number("train", "accuracy") - m->test.accuracy);
    o["evaluation"] = m->test.to_json(names);
    if (m->importance) {
      o["importance"] = {{"kind", m->importance->kind},
                         {"overall", m->importance->overall},
                         {"per_class", !m->importance->per_class.empty()}};
    }
    nlohmann::json explained = nlohmann::json::array();
    for (const auto& e : m->explained) explained.push_back(e.index);
    o["explained_images"] = explained;
    o["history"] = m->history;
    j["models"].push_back(o);
  }
  Findings f = analyse(in);
  j["summary"] = {{"paragraphs", f.paragraphs}, {"facts", f.facts}};
  return j;
}

std::string results_markdown(const ReportInput& in) {
  std::string s;
  if (in.data) {
    s += fmt::format("Test set: {} images of {} ({}). Machine: {}, {} threads.\n\n",
                     in.data->test.size(), in.data->dataset_name, in.data->origin,
                     machine_summary(in.machine), in.machine.value("threads_used", 0));
  }
  // The notebooks' accuracy, when the models carry it (fmnist bench).
  bool notebook = false;
  for (const auto& m : in.models) notebook |= m.metrics.value("notebook_accuracy", 0.0) > 0;
  s += "| # | model | test acc. |";
  if (notebook) s += " notebook |";
  s += " val. acc. | train acc. | macro F1 | macro AUC | fit (s) | predict (images/s) | peak "
       "memory (MiB) | parameters |\n";
  s += notebook ? "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
                : "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  int rank = 0;
  for (const ModelResult* m : ranked(in.models)) {
    ++rank;
    if (!m->ok()) {
      s += fmt::format("| {} | `{}` | failed: {} |{} | | | | | | | |\n", rank, m->label, m->error,
                       notebook ? " |" : "");
      continue;
    }
    const double mem = m->peak_memory_mib();
    const double params = m->parameters();
    s += fmt::format("| {} | `{}` | {} |", rank, m->label, pct(m->test.accuracy));
    if (notebook) {
      const double nb = m->metrics.value("notebook_accuracy", 0.0);
      s += nb > 0 ? fmt::format(" {}{} |", pct(nb), m->test.accuracy >= nb ? "" : " (not met)")
                  : " - |";
    }
    s += fmt::format(" {} | {} | {} | {} | {} | {} | {} | {} |\n",
                     pct(m->number("validation", "accuracy")), pct(m->number("train", "accuracy")),
                     fixed(m->macro_f1(), 4), fixed(m->test.auc_macro, 4),
                     fixed(m->fit_seconds(), 1), whole(m->number("test", "images_per_second")),
                     whole(mem), whole(params));
  }
  return s;
}

std::vector<std::filesystem::path> write_report(const ReportInput& in,
                                                const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) fail("{}: cannot create the report directory: {}", dir.string(), ec.message());
  // Everything is rendered before anything is written: a failure leaves no
  // half-finished report behind.
  const std::string html = render_html(in);
  const std::string json = results_json(in).dump(2) + "\n";
  const std::string md = results_markdown(in);
  std::vector<std::filesystem::path> paths = {dir / "report.html", dir / "results.json",
                                              dir / "results.md"};
  write_file_atomic(paths[0], html);
  write_file_atomic(paths[1], json);
  write_file_atomic(paths[2], md);
  return paths;
}

}  // namespace fmnist::report
