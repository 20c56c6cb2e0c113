#pragma once
// The metrics the notebooks show, computed the way scikit-learn computes
// them (same tie handling, same averaging), so users can compare numbers.
#include <array>
#include <vector>

#include <nlohmann/json.hpp>

#include "data/dataset.hpp"

namespace fmnist {

struct ClassScores {
  double precision = 0, recall = 0, f1 = 0;
  size_t support = 0;
};

// scikit-learn's classification_report (zero_division=0).
struct ClassificationReport {
  std::array<ClassScores, kNumClasses> per_class;
  ClassScores macro, weighted;
  double accuracy = 0;
  nlohmann::json to_json(const std::array<std::string, kNumClasses>& names) const;
  // The plain-text table, laid out like scikit-learn's.
  std::string to_text(const std::array<std::string, kNumClasses>& names) const;
};
ClassificationReport classification_report(const std::vector<uint8_t>& predicted,
                                           const std::vector<uint8_t>& labels);

struct Curve {
  std::vector<double> x, y, thresholds;
};

// One-vs-rest ROC of class `c` from the N x kNumClasses probabilities, with
// scikit-learn's roc_curve(drop_intermediate=True) points, and its AUC.
Curve roc_curve(const std::vector<float>& proba, const std::vector<uint8_t>& labels, int c);
double auc(const Curve& roc);
// Macro (mean of the per-class AUCs) and micro (all one-vs-rest pairs
// pooled) ROC AUC, as roc_auc_score(average=...).
double roc_auc_macro(const std::vector<float>& proba, const std::vector<uint8_t>& labels);
double roc_auc_micro(const std::vector<float>& proba, const std::vector<uint8_t>& labels);

// Precision-recall curve of class `c` (x = recall, y = precision) as
// precision_recall_curve, and average precision as average_precision_score.
Curve precision_recall_curve(const std::vector<float>& proba, const std::vector<uint8_t>& labels,
                             int c);
double average_precision(const std::vector<float>& proba, const std::vector<uint8_t>& labels,
                         int c);

// Share of rows whose true class is among the k most probable.
double top_k_accuracy(const std::vector<float>& proba, const std::vector<uint8_t>& labels, int k);

// Reliability of the top-class confidence in `bins` equal-width bins:
// mean confidence and accuracy per non-empty bin, and the expected
// calibration error (bin-size-weighted mean |accuracy - confidence|).
struct Calibration {
  std::vector<double> confidence, accuracy;
  std::vector<size_t> count;
  double ece = 0;
};
Calibration calibration(const std::vector<float>& proba, const std::vector<uint8_t>& labels,
                        int bins = 10);

}  // namespace fmnist
