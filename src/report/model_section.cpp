// One model's part of the report: its numbers, charts, maps and galleries.
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "report/page_parts.hpp"

namespace fmnist::report {
namespace {

using nlohmann::json;

std::string kpi(std::string_view name, const std::string& value, std::string_view hint = "") {
  return fmt::format(
      "<div class=\"kpi\"{}><div class=\"kpi-value\">{}</div><div "
      "class=\"kpi-name\">{}</div></div>",
      hint.empty() ? "" : fmt::format(" title=\"{}\"", escape(hint)), escape(value), escape(name));
}

json curve_x(const Curve& c) {
  json a = json::array();
  for (double v : thin_curve(c).x) a.push_back(std::isfinite(v) ? json(v) : json());
  return a;
}
json curve_y(const Curve& c) {
  json a = json::array();
  for (double v : thin_curve(c).y) a.push_back(std::isfinite(v) ? json(v) : json());
  return a;
}

std::string confusion_chart(const ModelResult& m, const ClassNames& names, Charts& charts) {
  json z = json::array(), text = json::array();
  for (int t = 0; t < kNumClasses; ++t) {
    uint64_t total = 0;
    for (int p = 0; p < kNumClasses; ++p) total += m.test.confusion[t][p];
    json zr = json::array(), tr = json::array();
    for (int p = 0; p < kNumClasses; ++p) {
      zr.push_back(total ? static_cast<double>(m.test.confusion[t][p]) / total : 0.0);
      tr.push_back(m.test.confusion[t][p]);
    }
    z.push_back(zr);
    text.push_back(tr);
  }
  json names_j = names;
  json data = json::array(
      {{{"type", "heatmap"},
        {"z", z},
        {"x", names_j},
        {"y", names_j},
        {"text", text},
        {"texttemplate", "%{text}"},
        {"hovertemplate",
         "true %{y}<br>predicted %{x}<br>%{text} images (%{z:.1%} of the row)<extra></extra>"},
        {"colorscale", blues()},
        {"zmin", 0},
        {"zmax", 1},
        {"colorbar", {{"title", {{"text", "share of row"}}}, {"tickformat", ".0%"}}}}});
  json layout = chart_layout({{"title", {{"text", "Confusion matrix (test)"}}},
                              {"xaxis", {{"title", {{"text", "predicted"}}}, {"tickangle", -35}}},
                              {"yaxis", {{"title", {{"text", "true"}}}, {"autorange", "reversed"}}},
                              {"margin", {{"l", 96}, {"b", 96}}}});
  return charts.add(data, layout, 460);
}

std::string report_table(const ModelResult& m, const ClassNames& names) {
  const auto& r = m.test.report;
  auto bar = [](double v) {
    return fmt::format("<td class=\"num bar\" style=\"--v:{:.1f}%\">{:.3f}</td>", 100 * v, v);
  };
  std::string s =
      "<table class=\"report\"><thead><tr><th>class</th><th>precision</th><th>recall</th>"
      "<th>F1</th><th>support</th><th>AUC</th><th>AP</th></tr></thead><tbody>";
  for (int c = 0; c < kNumClasses; ++c) {
    const auto& k = r.per_class[c];
    s += fmt::format(
        "<tr><td>{}</td>{}{}{}<td class=\"num\">{}</td><td class=\"num\">{:.4f}</td><td "
        "class=\"num\">{:.4f}</td></tr>",
        escape(names[c]), bar(k.precision), bar(k.recall), bar(k.f1),
        whole(static_cast<double>(k.support)), m.test.auc[c], m.test.average_precision[c]);
  }
  s += "</tbody><tfoot>";
  s += fmt::format(
      "<tr><td>accuracy</td><td></td><td></td><td class=\"num\">{:.3f}</td><td "
      "class=\"num\">{}</td><td></td><td></td></tr>",
      r.accuracy, whole(static_cast<double>(r.macro.support)));
  auto avg = [&](const char* name, const ClassScores& k, const std::string& auc,
                 const std::string& ap) {
    s += fmt::format(
        "<tr><td>{}</td><td class=\"num\">{:.3f}</td><td class=\"num\">{:.3f}</td><td "
        "class=\"num\">{:.3f}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td "
        "class=\"num\">{}</td></tr>",
        name, k.precision, k.recall, k.f1, whole(static_cast<double>(k.support)), auc, ap);
  };
  avg("macro avg", r.macro, fmt::format("{:.4f}", m.test.auc_macro),
      fmt::format("{:.4f}", m.test.ap_macro));
  avg("weighted avg", r.weighted, "", "");
  s += "</tfoot></table>";
  return s;
}

std::string curve_chart(const std::array<Curve, kNumClasses>& curves, const ClassNames& names,
                        const std::array<double, kNumClasses>& score, const char* score_name,
                        const char* title, const char* x, const char* y, bool diagonal,
                        Charts& charts) {
  json data = json::array();
  for (int c = 0; c < kNumClasses; ++c) {
    data.push_back(
        {{"type", "scatter"},
         {"mode", "lines"},
         {"name", fmt::format("{} ({} {:.3f})", names[c], score_name, score[c])},
         {"x", curve_x(curves[c])},
         {"y", curve_y(curves[c])},
         {"line", {{"width", 1.5}}},
         {"hovertemplate",
          fmt::format("{}<br>{} %{{x:.3f}}<br>{} %{{y:.3f}}<extra></extra>", names[c], x, y)}});
  }
  if (diagonal)
    data.push_back({{"type", "scatter"},
                    {"mode", "lines"},
                    {"name", "chance"},
                    {"x", {0, 1}},
                    {"y", {0, 1}},
                    {"line", {{"dash", "dot"}, {"color", "#adb5bd"}}},
                    {"hoverinfo", "skip"}});
  json layout = chart_layout({{"title", {{"text", title}}},
                              {"xaxis", {{"title", {{"text", x}}}, {"range", {0, 1}}}},
                              {"yaxis", {{"title", {{"text", y}}}, {"range", {0, 1.02}}}},
                              {"legend", {{"font", {{"size", 10}}}}}});
  return charts.add(data, layout, 400);
}

std::string calibration_chart(const ModelResult& m, Charts& charts) {
  const auto& cal = m.test.calibration;
  json data = json::array();
  data.push_back({{"type", "bar"},
                  {"name", "images"},
                  {"x", cal.confidence},
                  {"y", cal.count},
                  {"yaxis", "y2"},
                  {"marker", {{"color", "rgba(108,117,125,0.25)"}}},
                  {"width", 0.06},
                  {"hovertemplate", "%{y} images<extra></extra>"}});
  data.push_back({{"type", "scatter"},
                  {"mode", "lines+markers"},
                  {"name", "model"},
                  {"x", cal.confidence},
                  {"y", cal.accuracy},
                  {"line", {{"color", "#1f77b4"}}},
                  {"hovertemplate", "confidence %{x:.3f}<br>accuracy %{y:.3f}<extra></extra>"}});
  data.push_back({{"type", "scatter"},
                  {"mode", "lines"},
                  {"name", "perfectly calibrated"},
                  {"x", {0, 1}},
                  {"y", {0, 1}},
                  {"line", {{"dash", "dot"}, {"color", "#adb5bd"}}},
                  {"hoverinfo", "skip"}});
  json layout = chart_layout(
      {{"title", {{"text", fmt::format("Calibration (ECE {:.3f})", cal.ece)}}},
       {"xaxis", {{"title", {{"text", "confidence of the predicted class"}}}, {"range", {0, 1}}}},
       {"yaxis", {{"title", {{"text", "accuracy"}}}, {"range", {0, 1.02}}}},
       // The bars only show where the images are; their counts are in the hover.
       {"yaxis2", {{"overlaying", "y"}, {"visible", false}, {"type", "log"}}},
       {"legend", {{"orientation", "h"}, {"y", -0.25}}}});
  return charts.add(data, layout, 400);
}

// Learning curves from the training history: every loss-like series on one
// chart, every accuracy on another, against epochs, rounds or iterations.
std::string history_charts(const ModelResult& m, Charts& charts) {
  if (!m.history.is_array() || m.history.size() < 2) return "";
  std::string x_key;
  for (const char* k : {"epoch", "round", "iteration"})
    if (m.history[0].contains(k)) x_key = k;
  if (x_key.empty()) return "";
  std::map<std::string, std::pair<json, json>> loss, acc;
  for (const auto& h : m.history) {
    if (!h.is_object() || !h.contains(x_key)) continue;
    for (auto it = h.begin(); it != h.end(); ++it) {
      if (!it.value().is_number() || it.key() == x_key) continue;
      const std::string& k = it.key();
      const bool is_loss = k.ends_with("loss") || k == "objective";
      const bool is_acc = k.ends_with("accuracy");
      if (!is_loss && !is_acc) continue;
      auto& s = (is_loss ? loss : acc)[k];
      s.first.push_back(h[x_key]);
      s.second.push_back(it.value());
    }
  }
  auto chart = [&](std::map<std::string, std::pair<json, json>>& series, const char* title,
                   const char* y, bool log) {
    if (series.empty()) return std::string();
    json data = json::array();
    for (auto& [name, xy] : series)
      data.push_back({{"type", "scatter"},
                      {"mode", xy.first.size() > 60 ? "lines" : "lines+markers"},
                      {"name", name},
                      {"x", xy.first},
                      {"y", xy.second}});
    json layout =
        chart_layout({{"title", {{"text", title}}},
                      {"xaxis", {{"title", {{"text", x_key}}}}},
                      {"yaxis", {{"title", {{"text", y}}}, {"type", log ? "log" : "linear"}}},
                      {"legend", {{"orientation", "h"}, {"y", -0.25}}}});
    return charts.add(data, layout, 360);
  };
  return chart(loss, "Learning curve: loss", "loss", x_key == "iteration") +
         chart(acc, "Learning curve: accuracy", "accuracy", false);
}

std::string importance_maps(const ModelResult& m, const ClassNames& names, int rows, int cols) {
  if (!m.importance || m.importance->overall.size() != static_cast<size_t>(rows) * cols) return "";
  const auto& fi = *m.importance;
  std::string s = fmt::format(
      "<h3>Feature importance</h3><p class=\"caption\">Which pixels the model relies on "
      "({}). Per class, red pixels raise the class's score and blue ones lower it.</p><div "
      "class=\"tiles\">",
      escape(fi.kind));
  s += fmt::format("<figure>{}<figcaption>all classes</figcaption></figure>",
                   map_tile(fi.overall, rows, cols, false, "importance of each pixel"));
  if (fi.per_class.size() == kNumClasses) {
    for (int c = 0; c < kNumClasses; ++c) {
      if (fi.per_class[c].size() != fi.overall.size()) continue;
      s += fmt::format("<figure>{}<figcaption>{}</figcaption></figure>",
                       map_tile(fi.per_class[c], rows, cols, true, names[c] + " weights"),
                       escape(names[c]));
    }
  }
  return s + "</div>";
}

std::string explanations(const ModelResult& m, const Dataset& test, const ClassNames& names) {
  if (m.explained.empty()) return "";
  const bool saliency = !m.explained.front().saliency.empty();
  std::string s = fmt::format(
      "<h3>Why it says what it says</h3><p class=\"caption\">Test images, each with its maps. "
      "<b>Occlusion</b>: how much the predicted class's probability drops when a 6x6 "
      "patch around a pixel is blanked (red: the pixel supports the prediction).{}</p>"
      "<div class=\"explain\">",
      saliency ? " <b>Saliency</b>: the size of the gradient of the predicted class's log "
                 "probability with respect to each pixel."
               : "");
  for (const auto& e : m.explained) {
    const bool right = e.truth == e.predicted;
    s += "<figure class=\"explained\"><div class=\"triple\">";
    s += image_tile(test, e.index, names[e.truth]);
    s += map_tile(e.occlusion, test.rows, test.cols, true, "occlusion map");
    if (!e.saliency.empty()) s += map_tile(e.saliency, test.rows, test.cols, false, "saliency map");
    s += fmt::format(
        "</div><figcaption><span class=\"{}\">{}</span> → {} ({:.0f}%)</figcaption></figure>",
        right ? "ok" : "bad", escape(names[e.truth]), escape(names[e.predicted]),
        100 * e.confidence);
  }
  return s + "</div>";
}

std::string gallery_tile(const Dataset& test, const GalleryItem& g, const ClassNames& names) {
  const bool right = g.truth == g.predicted;
  return fmt::format("<figure class=\"g\">{}<figcaption>{}{:.0f}%</figcaption></figure>",
                     image_tile(test, g.index,
                                fmt::format("test image {}: {} predicted as {}", g.index,
                                            names[g.truth], names[g.predicted])),
                     right ? "" : escape(names[g.predicted]) + "<br>", 100 * g.confidence);
}

std::string galleries(const ModelResult& m, const Dataset& test, const ClassNames& names) {
  std::string s =
      "<h3>Galleries</h3><p class=\"caption\">Per true class, the most confident right "
      "predictions and the most confident mistakes (with what the model said), then the pairs "
      "of classes it mixes up most.</p><table class=\"gallery\"><thead><tr><th>class</th>"
      "<th>most confident right</th><th>most confident wrong</th></tr></thead><tbody>";
  for (int c = 0; c < kNumClasses; ++c) {
    s += fmt::format("<tr><td>{}</td><td><div class=\"strip\">", escape(names[c]));
    for (const auto& g : m.test.best_right[c]) s += gallery_tile(test, g, names);
    s += "</div></td><td><div class=\"strip wrong\">";
    for (const auto& g : m.test.worst_wrong[c]) s += gallery_tile(test, g, names);
    if (m.test.worst_wrong[c].empty()) s += "<span class=\"muted\">no mistakes</span>";
    s += "</div></td></tr>";
  }
  s += "</tbody></table>";
  for (const auto& p : m.test.confused_pairs) {
    s += fmt::format(
        "<h4>{} ↔ {}: {} {} taken for {}, {} the other way</h4><div class=\"strip wrong\">",
        escape(names[p.a]), escape(names[p.b]), p.a_as_b, escape(names[p.a]), escape(names[p.b]),
        p.b_as_a);
    for (const auto& g : p.examples) {
      s += fmt::format(
          "<figure class=\"g\">{}<figcaption>{} → {}<br>{:.0f}%</figcaption></figure>",
          image_tile(test, g.index, names[g.truth] + " predicted as " + names[g.predicted]),
          escape(names[g.truth]), escape(names[g.predicted]), 100 * g.confidence);
    }
    s += "</div>";
  }
  return s;
}

}  // namespace

std::string model_section(const ReportInput& in, const ModelResult& m, Charts& charts) {
  const ClassNames names = in.data->class_names;
  std::string s =
      fmt::format("<section class=\"model card\" id=\"{}\"><h2>{} <code>{}</code></h2>",
                  anchor(m.label), escape(m.label), escape(m.metrics.value("spec", "")));
  if (!m.ok())
    return s + fmt::format("<p class=\"error\">Failed: {}</p></section>", escape(m.error));
  const double params = m.parameters();
  const double mem = m.peak_memory_mib();
  s += "<div class=\"kpis\">";
  s += kpi("test accuracy", pct(m.test.accuracy));
  s += kpi("validation accuracy", pct(m.number("validation", "accuracy")));
  const double sampled_from = m.number("train", "sampled_from");
  s += kpi("train accuracy", pct(m.number("train", "accuracy")),
           std::isnan(sampled_from)
               ? std::string("in-sample")
               : fmt::format("in-sample, {} of {} images", whole(m.number("train", "images")),
                             whole(sampled_from)));
  s += kpi("macro F1", fmt::format("{:.4f}", m.macro_f1()));
  s += kpi("macro AUC", fmt::format("{:.4f}", m.test.auc_macro));
  s += kpi("log loss", fmt::format("{:.4f}", m.test.log_loss));
  s += kpi("top-2 accuracy", pct(m.test.top2));
  s += kpi("fit", duration(m.fit_seconds()));
  s += kpi("predict", whole(m.number("test", "images_per_second")) + " img/s");
  s += kpi("parameters", whole(params));
  s += kpi("peak memory", whole(mem) + " MiB");
  s += "</div>";
  s += "<div class=\"grid2\">" + confusion_chart(m, names, charts) +
       "<div><h3>Classification report (test)</h3>" + report_table(m, names) + "</div></div>";
  s += "<div class=\"grid2\">";
  s += curve_chart(m.test.roc, names, m.test.auc, "AUC", "ROC, one class against the rest",
                   "false positive rate", "true positive rate", true, charts);
  s += curve_chart(m.test.pr, names, m.test.average_precision, "AP", "Precision-recall", "recall",
                   "precision", false, charts);
  s += "</div><div class=\"grid2\">";
  s += calibration_chart(m, charts);
  s += history_charts(m, charts);
  s += "</div>";
  s += importance_maps(m, names, in.data->test.rows, in.data->test.cols);
  s += explanations(m, in.data->test, names);
  s += galleries(m, in.data->test, names);
  return s + "</section>";
}

}  // namespace fmnist::report
