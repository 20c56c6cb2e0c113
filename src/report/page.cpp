// report.html: the page around the model sections. Self-contained: styles,
// plotly.js and every image are inline, so it opens offline from one file.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/machine.hpp"
#include "report/assets.hpp"
#include "report/page_parts.hpp"

namespace fmnist::report {
namespace {

using nlohmann::json;

constexpr const char* kStyle = R"CSS(
:root{--ink:#212529;--muted:#6c757d;--line:#dee2e6;--bg:#f5f6f8;--accent:#1f77b4;--ok:#2b8a3e;--bad:#c92a2a}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
header.top{background:#1b2a41;color:#fff;padding:28px 32px 20px}
header.top h1{margin:0 0 4px;font-size:26px;font-weight:650}
header.top .sub{color:#c5d0de;font-size:13px}
nav{position:sticky;top:0;z-index:10;background:#fff;border-bottom:1px solid var(--line);padding:8px 32px;display:flex;flex-wrap:wrap;gap:4px 14px;font-size:13px}
nav a{color:var(--accent);text-decoration:none}nav a:hover{text-decoration:underline}
main{max-width:1280px;margin:0 auto;padding:20px 24px 60px}
.card{background:#fff;border:1px solid var(--line);border-radius:10px;padding:20px 24px;margin:18px 0;box-shadow:0 1px 2px rgba(0,0,0,.04)}
h2{font-size:20px;margin:0 0 12px}h2 code{display:block;font-size:12px;color:var(--muted);font-weight:400;margin-top:2px;white-space:normal;word-break:break-all}
h3{font-size:15px;margin:22px 0 8px}h4{font-size:13px;margin:14px 0 6px;font-weight:600}
.caption,.muted{color:var(--muted);font-size:13px}
.grid2{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:18px;align-items:start}
.grid3{display:grid;grid-template-columns:repeat(3,minmax(0,1fr));gap:12px}
@media(max-width:1000px){.grid2,.grid3{grid-template-columns:minmax(0,1fr)}}
.kpis{display:flex;flex-wrap:wrap;gap:10px;margin:6px 0 16px}
.kpi{border:1px solid var(--line);border-radius:8px;padding:8px 12px;min-width:108px}
.kpi-value{font-size:17px;font-weight:650}.kpi-name{font-size:11px;color:var(--muted);text-transform:uppercase;letter-spacing:.03em}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{padding:5px 8px;border-bottom:1px solid #edf0f2;text-align:left;white-space:nowrap}
th{font-weight:600;color:#495057;background:#f8f9fa}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
tfoot td{font-weight:600;border-top:2px solid var(--line)}
td.bar{background:linear-gradient(90deg,rgba(31,119,180,.16) var(--v),transparent var(--v))}
table.compare th{cursor:pointer;user-select:none}table.compare th:hover{color:var(--accent)}
table.compare td.best{font-weight:700;color:var(--ok)}
table.compare tr.failed td{color:var(--bad)}
.figs{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:16px}
.figs figure{margin:0}.figs img{max-width:100%;height:auto;border:1px solid #f1f3f5}
figcaption{font-size:12px;color:var(--muted);margin-top:4px}
.tiles,.explain,.strip{display:flex;flex-wrap:wrap;gap:8px}
img.tile{width:64px;height:64px;image-rendering:pixelated;border-radius:3px;display:block}
.tiles figure,.explain figure,.strip figure{margin:0;text-align:center}
.triple{display:flex;gap:2px}.explained figcaption{max-width:200px}
.strip figure.g img.tile{width:52px;height:52px}.strip figcaption{font-size:10px;line-height:1.2;max-width:56px}
.ok{color:var(--ok)}.bad,.error{color:var(--bad)}
.summary p{font-size:15px;max-width:900px}.summary p.rec{font-weight:600}
.note{font-size:12px;color:var(--muted)}
)CSS";

// Records errors and counts drawn charts on <body>, where a headless browser
// test (or a curious user) can read them.
constexpr const char* kWatch = R"JS(
window.__reportErrors=[];
function __reportFail(m){window.__reportErrors.push(String(m));if(document.body)document.body.dataset.errors=window.__reportErrors.length;}
window.addEventListener('error',function(e){__reportFail(e.message);});
window.addEventListener('unhandledrejection',function(e){__reportFail(e.reason);});
(function(){var ce=console.error;console.error=function(){__reportFail(Array.prototype.join.call(arguments,' '));return ce.apply(console,arguments);};})();
)JS";

constexpr const char* kDraw = R"JS(
(function(){
  var figs=JSON.parse(document.getElementById('figures').textContent);
  var body=document.body, drawn=0;
  body.dataset.chartsTotal=figs.length;
  if(window.__reportErrors.length)body.dataset.errors=window.__reportErrors.length;
  var config={responsive:true,displaylogo:false,modeBarButtonsToRemove:['select2d','lasso2d']};
  Promise.all(figs.map(function(f){
    return Plotly.newPlot(f.id,f.data,f.layout,config).then(function(){drawn++;});
  })).then(function(){body.dataset.chartsDrawn=drawn;body.dataset.ready='1';},
           function(e){__reportFail(e);body.dataset.chartsDrawn=drawn;body.dataset.ready='1';});
  // Sortable comparison table: click a header.
  document.querySelectorAll('table.compare th').forEach(function(th,col){
    th.addEventListener('click',function(){
      var tb=th.closest('table').tBodies[0], rows=Array.from(tb.rows);
      var asc=th.dataset.asc!=='1'; th.dataset.asc=asc?'1':'0';
      rows.sort(function(a,b){
        var x=a.cells[col].dataset.v, y=b.cells[col].dataset.v;
        var nx=parseFloat(x), ny=parseFloat(y);
        var c=(isNaN(nx)||isNaN(ny))?String(x).localeCompare(String(y)):nx-ny;
        return asc?c:-c;});
      rows.forEach(function(r){tb.appendChild(r);});
    });
  });
})();
)JS";

std::string data_section(const ReportInput& in) {
  const DataSplits& d = *in.data;
  std::string s = "<section class=\"card\" id=\"data\"><h2>The data</h2>";
  s += fmt::format(
      "<p>{}: {} training images{}, {} test images of {}x{} pixels in {} classes. Found at "
      "{}.</p>",
      escape(d.dataset_name), whole(static_cast<double>(d.train.size())),
      d.val.size() ? fmt::format(" (plus {} held out for validation)",
                                 whole(static_cast<double>(d.val.size())))
                   : "",
      whole(static_cast<double>(d.test.size())), d.test.rows, d.test.cols, kNumClasses,
      escape(d.origin));
  s += "<div class=\"figs\">";
  for (const auto& f : in.exploration.figures) {
    s += fmt::format(
        "<figure><img src=\"data:image/png;base64,{}\" width=\"{}\" "
        "alt=\"{}\"><figcaption>{}</figcaption></figure>",
        base64(f.png), f.width, escape(f.caption), escape(f.caption));
  }
  return s + "</div></section>";
}

// The value a column sorts by, and its text.
std::string cell(double v, const std::string& text, bool best = false) {
  return fmt::format("<td class=\"num{}\" data-v=\"{}\">{}</td>", best ? " best" : "",
                     std::isfinite(v) ? fmt::format("{}", v) : "", escape(text));
}

std::string comparison_section(const ReportInput& in, Charts& charts) {
  const auto models = ranked(in.models);
  std::string s = "<section class=\"card\" id=\"comparison\"><h2>Comparison</h2>";
  s += "<p class=\"caption\">Test accuracy is on the official test set, never seen in training; "
       "validation on a held-out part of the training file; train is in-sample. Click a column "
       "to sort.</p>";
  bool notebook = false;
  for (const ModelResult* m : models) notebook |= m->metrics.value("notebook_accuracy", 0.0) > 0;
  s += "<table class=\"compare\"><thead><tr><th class=\"num\">#</th><th>model</th>"
       "<th class=\"num\">test acc.</th>";
  if (notebook) s += "<th class=\"num\" title=\"what the Python notebooks report\">notebook</th>";
  s += "<th class=\"num\">val. acc.</th><th class=\"num\">train "
       "acc.</th><th class=\"num\">gap</th><th class=\"num\">macro F1</th><th class=\"num\">macro "
       "AUC</th><th class=\"num\">fit</th><th class=\"num\">predict img/s</th><th "
       "class=\"num\">peak MiB</th><th class=\"num\">parameters</th></tr></thead><tbody>";
  double best_acc = -1, best_f1 = -1, best_auc = -1, best_fit = INFINITY, best_ips = -1;
  for (const ModelResult* m : models) {
    if (!m->ok()) continue;
    best_acc = std::max(best_acc, m->test.accuracy);
    best_f1 = std::max(best_f1, m->macro_f1());
    if (std::isfinite(m->test.auc_macro)) best_auc = std::max(best_auc, m->test.auc_macro);
    if (std::isfinite(m->fit_seconds())) best_fit = std::min(best_fit, m->fit_seconds());
    const double ips = m->number("test", "images_per_second");
    if (std::isfinite(ips)) best_ips = std::max(best_ips, ips);
  }
  int rank = 0;
  for (const ModelResult* m : models) {
    ++rank;
    const std::string link = fmt::format("<td data-v=\"{0}\"><a href=\"#{1}\">{0}</a></td>",
                                         escape(m->label), anchor(m->label));
    if (!m->ok()) {
      s += fmt::format(
          "<tr class=\"model-row failed\"><td class=\"num\" data-v=\"{}\">{}</td>{}<td "
          "colspan=\"{}\">failed: {}</td></tr>",
          rank, rank, link, notebook ? 11 : 10, escape(m->error));
      continue;
    }
    const double train = m->number("train", "accuracy"), val = m->number("validation", "accuracy");
    const double ips = m->number("test", "images_per_second");
    const double mem = m->peak_memory_mib();
    const double params = m->parameters();
    s += fmt::format("<tr class=\"model-row\"><td class=\"num\" data-v=\"{}\">{}</td>{}", rank,
                     rank, link);
    s += cell(m->test.accuracy, pct(m->test.accuracy), m->test.accuracy == best_acc);
    if (notebook) {
      const double nb = m->metrics.value("notebook_accuracy", 0.0);
      s += nb > 0 ? fmt::format("<td class=\"num {}\" data-v=\"{}\">{}</td>",
                                m->test.accuracy >= nb ? "ok" : "bad", nb, pct(nb))
                  : "<td class=\"num\" data-v=\"\">-</td>";
    }
    s += cell(val, pct(val));
    s += cell(train, pct(train));
    s +=
        cell(train - m->test.accuracy,
             std::isfinite(train) ? fmt::format("{:+.2f}", 100 * (train - m->test.accuracy)) : "-");
    s += cell(m->macro_f1(), fmt::format("{:.4f}", m->macro_f1()), m->macro_f1() == best_f1);
    s += cell(m->test.auc_macro, fmt::format("{:.4f}", m->test.auc_macro),
              m->test.auc_macro == best_auc);
    s += cell(m->fit_seconds(), duration(m->fit_seconds()), m->fit_seconds() == best_fit);
    s += cell(ips, whole(ips), ips == best_ips);
    s += cell(mem, whole(mem));
    s += cell(params, whole(params));
    s += "</tr>";
  }
  s += "</tbody></table>";

  // Accuracy against training time, and per-class F1 of every model.
  json xs = json::array(), ys = json::array(), labels = json::array(), ips = json::array();
  json positions = json::array();
  json heat_z = json::array(), heat_y = json::array(), heat_text = json::array();
  for (const ModelResult* m : models) {
    if (!m->ok()) continue;
    xs.push_back(std::max(m->fit_seconds(), 1e-3));
    ys.push_back(100 * m->test.accuracy);
    labels.push_back(m->label);
    ips.push_back(m->number("test", "images_per_second"));
    // Neighbours in the ranking often sit close: alternate their labels.
    positions.push_back(labels.size() % 2 ? "top center" : "bottom center");
    json row = json::array(), text = json::array();
    for (int c = 0; c < kNumClasses; ++c) {
      row.push_back(m->test.report.per_class[c].f1);
      text.push_back(fmt::format("{:.2f}", m->test.report.per_class[c].f1));
    }
    heat_z.push_back(row);
    heat_text.push_back(text);
    heat_y.push_back(m->label);
  }
  if (labels.empty()) return s + "</section>";
  // The colour range starts a little under the worst class of the worst
  // model, so differences between good scores stay visible.
  double f1_low = 1;
  for (const auto& row : heat_z)
    for (const auto& v : row) f1_low = std::min(f1_low, v.get<double>());
  f1_low = std::max(0.0, std::floor(f1_low * 20 - 1) / 20);
  json scatter = json::array(
      {{{"type", "scatter"},
        {"mode", "markers+text"},
        {"x", xs},
        {"y", ys},
        {"text", labels},
        {"customdata", ips},
        {"textposition", positions},
        {"marker",
         {{"size", 11}, {"color", "#1f77b4"}, {"line", {{"width", 1}, {"color", "#fff"}}}}},
        {"hovertemplate",
         "<b>%{text}</b><br>test accuracy %{y:.2f}%<br>fit %{x:.1f} s<br>predict "
         "%{customdata:,.0f} img/s<extra></extra>"}}});
  json scatter_layout = chart_layout(
      {{"title", {{"text", "Accuracy against training time"}}},
       {"xaxis", {{"title", {{"text", "training time (s, log scale)"}}}, {"type", "log"}}},
       {"yaxis", {{"title", {{"text", "test accuracy (%)"}}}}},
       {"showlegend", false}});
  json heat = json::array({{{"type", "heatmap"},
                            {"z", heat_z},
                            {"x", in.data->class_names},
                            {"y", heat_y},
                            {"text", heat_text},
                            {"texttemplate", "%{text}"},
                            {"colorscale", red_yellow_green()},
                            {"zmin", f1_low},
                            {"zmax", 1},
                            {"hovertemplate", "%{y}<br>%{x}: F1 %{z:.3f}<extra></extra>"},
                            {"colorbar", {{"title", {{"text", "F1"}}}}}}});
  json heat_layout = chart_layout({{"title", {{"text", "F1 per class"}}},
                                   {"yaxis", {{"autorange", "reversed"}}},
                                   {"xaxis", {{"tickangle", -35}}},
                                   {"margin", {{"l", 120}, {"b", 90}}}});
  s += "<div class=\"grid2\">" + charts.add(scatter, scatter_layout, 440) +
       charts.add(heat, heat_layout, std::max(300, 120 + 34 * static_cast<int>(labels.size()))) +
       "</div>";
  return s + "</section>";
}

std::string summary_section(const ReportInput& in) {
  Findings f = analyse(in);
  std::string s =
      "<section class=\"card summary\" id=\"summary\"><h2>Summary and recommendation</h2>";
  for (const auto& p : f.paragraphs)
    s += fmt::format("<p{}>{}</p>", p.starts_with("Recommendation") ? " class=\"rec\"" : "",
                     escape(p));
  return s + "</section>";
}

std::string safe_script(std::string_view js) {
  // "</script" inside the library would end the element early.
  std::string s(js);
  for (size_t at = 0; (at = s.find("</script", at)) != std::string::npos; at += 2)
    s.replace(at, 2, "<\\/");
  return s;
}

}  // namespace

std::string render_html(const ReportInput& in) {
  if (!in.data) fail("report: no data to show");
  Charts charts;
  std::string body;
  const auto models = ranked(in.models);
  body += fmt::format(
      "<header class=\"top\"><h1>{}</h1><div class=\"sub\">{} models on {} ({} test images) · "
      "{} · {} threads · fmnist {}</div></header>",
      escape(in.title), models.size(), escape(in.data->dataset_name),
      whole(static_cast<double>(in.data->test.size())), escape(machine_summary(in.machine)),
      in.machine.value("threads_used", 0), escape(in.machine.value("fmnist", "")));
  body += "<nav><a href=\"#data\">Data</a><a href=\"#comparison\">Comparison</a>";
  for (const ModelResult* m : models)
    body += fmt::format("<a href=\"#{}\">{}</a>", anchor(m->label), escape(m->label));
  body += "<a href=\"#summary\">Summary</a></nav><main>";
  body += data_section(in);
  body += comparison_section(in, charts);
  for (const ModelResult* m : models) body += model_section(in, *m, charts);
  body += summary_section(in);
  body +=
      "<p class=\"note\">Generated by fmnist. Charts: plotly.js, inlined; the page needs no "
      "network.</p></main>";

  std::string page =
      "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">";
  page += fmt::format("<title>{}</title><style>{}</style><script>{}</script></head><body>",
                      escape(in.title), kStyle, kWatch);
  page += body;
  page += fmt::format("<script type=\"application/json\" id=\"figures\">{}</script>",
                      script_json(charts.figures()));
  page += "<script>" + safe_script(plotly_js()) + "</script>";
  page += fmt::format("<script>{}</script></body></html>\n", kDraw);
  return page;
}

}  // namespace fmnist::report
