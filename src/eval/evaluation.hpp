#pragma once
// Everything the report shows about one model's predictions on one split:
// the metrics of report_metrics.hpp gathered in one place, with curves
// thinned for drawing, and the galleries of right and wrong predictions.
#include <array>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "data/dataset.hpp"
#include "eval/metrics.hpp"
#include "eval/report_metrics.hpp"

namespace fmnist {

// One image of a gallery: which one, what it is, what the model said.
struct GalleryItem {
  uint32_t index = 0;
  uint8_t truth = 0, predicted = 0;
  float confidence = 0;  // probability of the predicted class
};

// A pair of classes the model mixes up, in both directions.
struct ConfusedPair {
  uint8_t a = 0, b = 0;
  uint64_t a_as_b = 0, b_as_a = 0;
  std::vector<GalleryItem> examples;  // the most confident mistakes of the pair
};

struct Evaluation {
  size_t images = 0;
  double accuracy = 0, log_loss = 0, top2 = 0;
  ConfusionMatrix confusion{};
  ClassificationReport report;
  std::array<Curve, kNumClasses> roc, pr;
  std::array<double, kNumClasses> auc{}, average_precision{};
  double auc_macro = 0, auc_micro = 0, ap_macro = 0;
  Calibration calibration;
  // Per true class: the most confident right and wrong predictions.
  std::array<std::vector<GalleryItem>, kNumClasses> best_right, worst_wrong;
  std::vector<ConfusedPair> confused_pairs;  // most mixed-up first

  nlohmann::json to_json(const ClassNames& names) const;
};

struct EvaluationOptions {
  int gallery_size = 6;    // images per class in each gallery
  int confused_pairs = 3;  // pairs listed
  int pair_examples = 8;   // images per pair
};

// `proba` is labels.size() x kNumClasses, as Classifier::predict_proba gives.
Evaluation evaluate(const std::vector<float>& proba, const std::vector<uint8_t>& labels,
                    const EvaluationOptions& opts = {});

// A curve with at most about `max_points` points, for drawing: keeps the
// ends and every point that moves the line by more than 1/max_points.
Curve thin_curve(const Curve& c, size_t max_points = 200);

}  // namespace fmnist
