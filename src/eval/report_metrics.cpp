#include "eval/report_metrics.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include <fmt/format.h>

#include "core/error.hpp"
#include "eval/metrics.hpp"

namespace fmnist {
namespace {

void check_sizes(const std::vector<float>& proba, const std::vector<uint8_t>& labels) {
  if (proba.size() != labels.size() * kNumClasses) {
    fail("metrics: {} probabilities for {} labels (expected {} per image)", proba.size(),
         labels.size(), kNumClasses);
  }
}

// Scores and 0/1 truths sorted by descending score, then the cumulative
// true and false positives at each distinct score, as sklearn's
// _binary_clf_curve does.
struct BinaryCurve {
  std::vector<double> fps, tps, thresholds;
};

BinaryCurve binary_curve(std::vector<std::pair<double, int>> scored) {
  std::stable_sort(scored.begin(), scored.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  BinaryCurve c;
  double tp = 0, fp = 0;
  for (size_t i = 0; i < scored.size(); ++i) {
    tp += scored[i].second;
    fp += 1 - scored[i].second;
    if (i + 1 == scored.size() || scored[i + 1].first != scored[i].first) {
      c.tps.push_back(tp);
      c.fps.push_back(fp);
      c.thresholds.push_back(scored[i].first);
    }
  }
  return c;
}

std::vector<std::pair<double, int>> one_vs_rest(const std::vector<float>& proba,
                                                const std::vector<uint8_t>& labels, int c) {
  std::vector<std::pair<double, int>> s(labels.size());
  for (size_t i = 0; i < labels.size(); ++i) s[i] = {proba[i * kNumClasses + c], labels[i] == c};
  return s;
}

Curve roc_from(const BinaryCurve& b) {
  Curve roc;
  const size_t n = b.tps.size();
  if (n == 0) return roc;
  // Drop collinear points (sklearn's drop_intermediate): keep a point when
  // the second difference of fps or tps is non-zero.
  std::vector<size_t> keep;
  for (size_t i = 0; i < n; ++i) {
    if (i == 0 || i + 1 == n) {
      keep.push_back(i);
      continue;
    }
    const double dfp = (b.fps[i + 1] - b.fps[i]) - (b.fps[i] - b.fps[i - 1]);
    const double dtp = (b.tps[i + 1] - b.tps[i]) - (b.tps[i] - b.tps[i - 1]);
    if (dfp != 0 || dtp != 0) keep.push_back(i);
  }
  const double P = b.tps.back(), N = b.fps.back();
  roc.x.push_back(0);
  roc.y.push_back(0);
  roc.thresholds.push_back(INFINITY);
  for (size_t i : keep) {
    roc.x.push_back(N > 0 ? b.fps[i] / N : NAN);
    roc.y.push_back(P > 0 ? b.tps[i] / P : NAN);
    roc.thresholds.push_back(b.thresholds[i]);
  }
  return roc;
}

}  // namespace

ClassificationReport classification_report(const std::vector<uint8_t>& predicted,
                                           const std::vector<uint8_t>& labels) {
  const ConfusionMatrix m = confusion_matrix(predicted, labels);
  ClassificationReport r;
  size_t total = 0, right = 0;
  for (int c = 0; c < kNumClasses; ++c) {
    size_t tp = m[c][c], predicted_c = 0, actual_c = 0;
    for (int k = 0; k < kNumClasses; ++k) {
      predicted_c += m[k][c];
      actual_c += m[c][k];
    }
    auto& s = r.per_class[c];
    s.support = actual_c;
    s.precision = predicted_c ? static_cast<double>(tp) / predicted_c : 0.0;
    s.recall = actual_c ? static_cast<double>(tp) / actual_c : 0.0;
    s.f1 = s.precision + s.recall > 0 ? 2 * s.precision * s.recall / (s.precision + s.recall) : 0.0;
    total += actual_c;
    right += tp;
  }
  r.accuracy = total ? static_cast<double>(right) / total : 0.0;
  for (const auto& s : r.per_class) {
    r.macro.precision += s.precision / kNumClasses;
    r.macro.recall += s.recall / kNumClasses;
    r.macro.f1 += s.f1 / kNumClasses;
    if (total) {
      const double w = static_cast<double>(s.support) / total;
      r.weighted.precision += w * s.precision;
      r.weighted.recall += w * s.recall;
      r.weighted.f1 += w * s.f1;
    }
  }
  r.macro.support = r.weighted.support = total;
  return r;
}

nlohmann::json ClassificationReport::to_json(
    const std::array<std::string, kNumClasses>& names) const {
  auto row = [](const ClassScores& s) {
    return nlohmann::json{
        {"precision", s.precision}, {"recall", s.recall}, {"f1", s.f1}, {"support", s.support}};
  };
  nlohmann::json j;
  j["classes"] = nlohmann::json::array();
  for (int c = 0; c < kNumClasses; ++c) {
    auto r = row(per_class[c]);
    r["class"] = names[c];
    j["classes"].push_back(r);
  }
  j["accuracy"] = accuracy;
  j["macro_avg"] = row(macro);
  j["weighted_avg"] = row(weighted);
  return j;
}

std::string ClassificationReport::to_text(const std::array<std::string, kNumClasses>& names) const {
  size_t width = 12;
  for (const auto& n : names) width = std::max(width, n.size());
  std::string s = fmt::format("{:>{}} {:>9} {:>9} {:>9} {:>9}\n\n", "", width, "precision",
                              "recall", "f1-score", "support");
  for (int c = 0; c < kNumClasses; ++c) {
    const auto& p = per_class[c];
    s += fmt::format("{:>{}} {:>9.2f} {:>9.2f} {:>9.2f} {:>9}\n", names[c], width, p.precision,
                     p.recall, p.f1, p.support);
  }
  s += fmt::format("\n{:>{}} {:>9} {:>9} {:>9.2f} {:>9}\n", "accuracy", width, "", "", accuracy,
                   macro.support);
  s += fmt::format("{:>{}} {:>9.2f} {:>9.2f} {:>9.2f} {:>9}\n", "macro avg", width, macro.precision,
                   macro.recall, macro.f1, macro.support);
  s += fmt::format("{:>{}} {:>9.2f} {:>9.2f} {:>9.2f} {:>9}\n", "weighted avg", width,
                   weighted.precision, weighted.recall, weighted.f1, weighted.support);
  return s;
}

Curve roc_curve(const std::vector<float>& proba, const std::vector<uint8_t>& labels, int c) {
  check_sizes(proba, labels);
  return roc_from(binary_curve(one_vs_rest(proba, labels, c)));
}

double auc(const Curve& roc) {
  double area = 0;
  for (size_t i = 1; i < roc.x.size(); ++i)
    area += (roc.x[i] - roc.x[i - 1]) * (roc.y[i] + roc.y[i - 1]) / 2;
  return area;
}

double roc_auc_macro(const std::vector<float>& proba, const std::vector<uint8_t>& labels) {
  double sum = 0;
  for (int c = 0; c < kNumClasses; ++c) sum += auc(roc_curve(proba, labels, c));
  return sum / kNumClasses;
}

double roc_auc_micro(const std::vector<float>& proba, const std::vector<uint8_t>& labels) {
  check_sizes(proba, labels);
  std::vector<std::pair<double, int>> all;
  all.reserve(proba.size());
  for (size_t i = 0; i < labels.size(); ++i)
    for (int c = 0; c < kNumClasses; ++c)
      all.emplace_back(proba[i * kNumClasses + c], labels[i] == c);
  return auc(roc_from(binary_curve(std::move(all))));
}

Curve precision_recall_curve(const std::vector<float>& proba, const std::vector<uint8_t>& labels,
                             int c) {
  check_sizes(proba, labels);
  BinaryCurve b = binary_curve(one_vs_rest(proba, labels, c));
  Curve pr;
  const double P = b.tps.empty() ? 0 : b.tps.back();
  // Every distinct threshold, in reverse (recall decreasing), then the
  // (recall 0, precision 1) end point, as scikit-learn 1.2 returns it.
  for (size_t k = b.tps.size(); k-- > 0;) {
    const double predicted = b.tps[k] + b.fps[k];
    pr.y.push_back(predicted > 0 ? b.tps[k] / predicted : 0.0);
    pr.x.push_back(P > 0 ? b.tps[k] / P : NAN);
    pr.thresholds.push_back(b.thresholds[k]);
  }
  pr.x.push_back(0);
  pr.y.push_back(1);
  return pr;
}

double average_precision(const std::vector<float>& proba, const std::vector<uint8_t>& labels,
                         int c) {
  Curve pr = precision_recall_curve(proba, labels, c);
  // AP = sum over thresholds of (R_n - R_{n-1}) * P_n; the curve runs with
  // recall decreasing, hence the sign.
  double ap = 0;
  for (size_t i = 0; i + 1 < pr.x.size(); ++i) ap -= (pr.x[i + 1] - pr.x[i]) * pr.y[i];
  return ap;
}

double top_k_accuracy(const std::vector<float>& proba, const std::vector<uint8_t>& labels, int k) {
  check_sizes(proba, labels);
  if (labels.empty()) return 0;
  size_t hit = 0;
  for (size_t i = 0; i < labels.size(); ++i) {
    const float* row = proba.data() + i * kNumClasses;
    // Rank of the true class. Ties go to the higher class index, as in
    // scikit-learn's top_k_accuracy_score (a reversed stable argsort).
    const int y = labels[i];
    int higher = 0;
    for (int c = 0; c < kNumClasses; ++c) higher += row[c] > row[y] || (row[c] == row[y] && c > y);
    hit += higher < k;
  }
  return static_cast<double>(hit) / labels.size();
}

Calibration calibration(const std::vector<float>& proba, const std::vector<uint8_t>& labels,
                        int bins) {
  check_sizes(proba, labels);
  std::vector<double> conf_sum(bins), right(bins);
  std::vector<size_t> count(bins);
  for (size_t i = 0; i < labels.size(); ++i) {
    const float* row = proba.data() + i * kNumClasses;
    const int best = static_cast<int>(std::max_element(row, row + kNumClasses) - row);
    const double conf = row[best];
    const int b = std::min(bins - 1, static_cast<int>(conf * bins));
    conf_sum[b] += conf;
    right[b] += best == labels[i];
    ++count[b];
  }
  Calibration cal;
  for (int b = 0; b < bins; ++b) {
    if (!count[b]) continue;
    const double c = conf_sum[b] / count[b], a = right[b] / count[b];
    cal.confidence.push_back(c);
    cal.accuracy.push_back(a);
    cal.count.push_back(count[b]);
    cal.ece += static_cast<double>(count[b]) / labels.size() * std::abs(a - c);
  }
  return cal;
}

}  // namespace fmnist
