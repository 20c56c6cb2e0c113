#include "eval/evaluation.hpp"

#include <algorithm>
#include <cmath>

#include "core/error.hpp"
#include "models/classifier.hpp"

namespace fmnist {
namespace {

// The most confident items first; the index breaks ties so galleries do not
// depend on the sort's whims.
void keep_most_confident(std::vector<GalleryItem>& items, size_t n) {
  auto by_confidence = [](const GalleryItem& x, const GalleryItem& y) {
    return x.confidence != y.confidence ? x.confidence > y.confidence : x.index < y.index;
  };
  const size_t k = std::min(n, items.size());
  std::partial_sort(items.begin(), items.begin() + k, items.end(), by_confidence);
  items.resize(k);
}

nlohmann::json curve_json(const Curve& c) {
  Curve t = thin_curve(c);
  // JSON has no NaN or infinity (a class absent from the split gives NaN
  // rates; the first ROC threshold is +inf): write null.
  auto clean = [](const std::vector<double>& v) {
    nlohmann::json a = nlohmann::json::array();
    for (double x : v) a.push_back(std::isfinite(x) ? nlohmann::json(x) : nlohmann::json());
    return a;
  };
  return {{"x", clean(t.x)}, {"y", clean(t.y)}};
}

nlohmann::json items_json(const std::vector<GalleryItem>& items) {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& g : items)
    a.push_back({{"index", g.index},
                 {"truth", g.truth},
                 {"predicted", g.predicted},
                 {"confidence", g.confidence}});
  return a;
}

nlohmann::json finite_or_null(double v) {
  return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json();
}

}  // namespace

Curve thin_curve(const Curve& c, size_t max_points) {
  if (c.x.size() <= max_points) return c;
  const double step = 1.0 / static_cast<double>(max_points);
  Curve t;
  auto take = [&](size_t i) {
    t.x.push_back(c.x[i]);
    t.y.push_back(c.y[i]);
    if (i < c.thresholds.size()) t.thresholds.push_back(c.thresholds[i]);
  };
  take(0);
  for (size_t i = 1; i + 1 < c.x.size(); ++i) {
    if (std::abs(c.x[i] - t.x.back()) > step || std::abs(c.y[i] - t.y.back()) > step) take(i);
  }
  take(c.x.size() - 1);
  return t;
}

Evaluation evaluate(const std::vector<float>& proba, const std::vector<uint8_t>& labels,
                    const EvaluationOptions& opts) {
  if (proba.size() != labels.size() * kNumClasses)
    fail("evaluate: {} probabilities for {} labels", proba.size(), labels.size());
  Evaluation e;
  e.images = labels.size();
  if (labels.empty()) return e;
  const auto pred = argmax_rows(proba);
  e.accuracy = accuracy(pred, labels);
  e.log_loss = log_loss(proba, labels);
  e.top2 = top_k_accuracy(proba, labels, 2);
  e.confusion = confusion_matrix(pred, labels);
  e.report = classification_report(pred, labels);
  double ap_sum = 0;
  int present = 0;
  for (int c = 0; c < kNumClasses; ++c) {
    e.roc[c] = roc_curve(proba, labels, c);
    e.auc[c] = auc(e.roc[c]);
    e.pr[c] = precision_recall_curve(proba, labels, c);
    e.average_precision[c] = average_precision(proba, labels, c);
    if (e.report.per_class[c].support > 0) {
      ap_sum += e.average_precision[c];
      ++present;
    }
  }
  e.auc_macro = roc_auc_macro(proba, labels);
  e.auc_micro = roc_auc_micro(proba, labels);
  e.ap_macro = present ? ap_sum / present : NAN;
  e.calibration = calibration(proba, labels);

  std::array<std::vector<GalleryItem>, kNumClasses> right, wrong;
  for (size_t i = 0; i < labels.size(); ++i) {
    GalleryItem g{static_cast<uint32_t>(i), labels[i], pred[i], proba[i * kNumClasses + pred[i]]};
    (pred[i] == labels[i] ? right : wrong)[labels[i]].push_back(g);
  }
  for (int c = 0; c < kNumClasses; ++c) {
    keep_most_confident(right[c], opts.gallery_size);
    keep_most_confident(wrong[c], opts.gallery_size);
  }
  e.best_right = std::move(right);
  e.worst_wrong = std::move(wrong);

  std::vector<ConfusedPair> pairs;
  for (int a = 0; a < kNumClasses; ++a)
    for (int b = a + 1; b < kNumClasses; ++b) {
      ConfusedPair p{static_cast<uint8_t>(a),
                     static_cast<uint8_t>(b),
                     e.confusion[a][b],
                     e.confusion[b][a],
                     {}};
      if (p.a_as_b + p.b_as_a > 0) pairs.push_back(p);
    }
  std::stable_sort(pairs.begin(), pairs.end(), [](const auto& x, const auto& y) {
    return x.a_as_b + x.b_as_a > y.a_as_b + y.b_as_a;
  });
  if (pairs.size() > static_cast<size_t>(opts.confused_pairs)) pairs.resize(opts.confused_pairs);
  for (auto& p : pairs) {
    for (size_t i = 0; i < labels.size(); ++i) {
      const bool ab = labels[i] == p.a && pred[i] == p.b, ba = labels[i] == p.b && pred[i] == p.a;
      if (ab || ba)
        p.examples.push_back(
            {static_cast<uint32_t>(i), labels[i], pred[i], proba[i * kNumClasses + pred[i]]});
    }
    keep_most_confident(p.examples, opts.pair_examples);
  }
  e.confused_pairs = std::move(pairs);
  return e;
}

nlohmann::json Evaluation::to_json(const ClassNames& names) const {
  nlohmann::json j;
  j["images"] = images;
  j["accuracy"] = accuracy;
  j["log_loss"] = log_loss;
  j["top2_accuracy"] = top2;
  j["classification_report"] = report.to_json(names);
  nlohmann::json counts = nlohmann::json::array(), normalised = nlohmann::json::array();
  for (int t = 0; t < kNumClasses; ++t) {
    uint64_t row_total = 0;
    for (int p = 0; p < kNumClasses; ++p) row_total += confusion[t][p];
    nlohmann::json row = nlohmann::json::array(), nrow = nlohmann::json::array();
    for (int p = 0; p < kNumClasses; ++p) {
      row.push_back(confusion[t][p]);
      nrow.push_back(row_total ? static_cast<double>(confusion[t][p]) / row_total : 0.0);
    }
    counts.push_back(row);
    normalised.push_back(nrow);
  }
  j["confusion_matrix"] = {{"counts", counts}, {"row_normalised", normalised}};
  nlohmann::json roc_j = nlohmann::json::array(), pr_j = nlohmann::json::array();
  for (int c = 0; c < kNumClasses; ++c) {
    auto r = curve_json(roc[c]);
    r["class"] = names[c];
    r["auc"] = finite_or_null(auc[c]);
    roc_j.push_back(r);
    auto p = curve_json(pr[c]);
    p["class"] = names[c];
    p["average_precision"] = finite_or_null(average_precision[c]);
    pr_j.push_back(p);
  }
  j["roc"] = {{"per_class", roc_j},
              {"auc_macro", finite_or_null(auc_macro)},
              {"auc_micro", finite_or_null(auc_micro)}};
  j["precision_recall"] = {{"per_class", pr_j},
                           {"average_precision_macro", finite_or_null(ap_macro)}};
  j["calibration"] = {{"confidence", calibration.confidence},
                      {"accuracy", calibration.accuracy},
                      {"count", calibration.count},
                      {"ece", calibration.ece}};
  nlohmann::json right = nlohmann::json::array(), wrong = nlohmann::json::array();
  for (int c = 0; c < kNumClasses; ++c) {
    right.push_back(items_json(best_right[c]));
    wrong.push_back(items_json(worst_wrong[c]));
  }
  nlohmann::json pairs = nlohmann::json::array();
  for (const auto& p : confused_pairs)
    pairs.push_back({{"a", names[p.a]},
                     {"b", names[p.b]},
                     {"a_as_b", p.a_as_b},
                     {"b_as_a", p.b_as_a},
                     {"examples", items_json(p.examples)}});
  j["galleries"] = {{"most_confident_right", right},
                    {"most_confident_wrong", wrong},
                    {"most_confused_pairs", pairs}};
  return j;
}

}  // namespace fmnist
