// The written conclusion of the report: what an analyst would say after
// reading the table, with the numbers that back each sentence.
#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "explore/figures.hpp"
#include "report/page_parts.hpp"
#include "report/report.hpp"

namespace fmnist::report {
namespace {

std::string seconds(double s) {
  if (!std::isfinite(s)) return "an unknown time";
  if (s < 1) return fmt::format("{:.2f} s", s);
  if (s < 120) return fmt::format("{:.1f} s", s);
  if (s < 7200) return fmt::format("{:.1f} min", s / 60);
  return fmt::format("{:.1f} h", s / 3600);
}

std::string ratio(double r) {
  return r >= 10 ? fmt::format("{:.0f}", r) : fmt::format("{:.1f}", r);
}

}  // namespace

Findings analyse(const ReportInput& in) {
  Findings f;
  f.facts = nlohmann::json::object();
  std::vector<const ModelResult*> ok;
  for (const ModelResult* m : ranked(in.models))
    if (m->ok()) ok.push_back(m);
  std::vector<std::string> failed;
  for (const auto& m : in.models)
    if (!m.ok()) failed.push_back(m.label);
  if (ok.empty()) {
    f.paragraphs.push_back("No model produced results, so there is nothing to compare.");
    return f;
  }
  const ClassNames names = in.data ? in.data->class_names : ClassNames{};

  // Best accuracy, and how far ahead it is.
  const ModelResult& best = *ok.front();
  f.facts["best"] = {{"label", best.label}, {"test_accuracy", best.test.accuracy}};
  std::string p =
      fmt::format("{} has the best test accuracy, {}", best.label, pct(best.test.accuracy));
  if (ok.size() > 1) {
    const ModelResult& second = *ok[1];
    p += fmt::format(", {:.2f} points ahead of {} ({})",
                     100 * (best.test.accuracy - second.test.accuracy), second.label,
                     pct(second.test.accuracy));
  }
  p += fmt::format(". It took {} to train", seconds(best.fit_seconds()));
  const double ips = best.number("test", "images_per_second");
  if (std::isfinite(ips) && ips > 0)
    p += fmt::format(" and predicts {:.0f} images per second", ips);
  p += ".";
  f.paragraphs.push_back(p);

  // Best accuracy for the time: the fastest model within one point of the best.
  const ModelResult* quick = &best;
  for (const ModelResult* m : ok) {
    if (best.test.accuracy - m->test.accuracy <= 0.01 && m->fit_seconds() < quick->fit_seconds())
      quick = m;
  }
  if (quick != &best && quick->fit_seconds() > 0) {
    f.facts["best_for_time"] = {{"label", quick->label},
                                {"test_accuracy", quick->test.accuracy},
                                {"fit_seconds", quick->fit_seconds()}};
    f.paragraphs.push_back(fmt::format(
        "For the time spent, {} is the better buy: {} in {}, {:.2f} points under the best at "
        "1/{} of its training time.",
        quick->label, pct(quick->test.accuracy), seconds(quick->fit_seconds()),
        100 * (best.test.accuracy - quick->test.accuracy),
        ratio(best.fit_seconds() / quick->fit_seconds())));
  } else if (ok.size() > 1) {
    f.paragraphs.push_back(fmt::format(
        "No other model comes within one point of {}, so its training time is well spent.",
        best.label));
  }

  // The accuracy-time frontier: models no faster model matches.
  std::vector<const ModelResult*> by_time;
  for (const ModelResult* m : ok)
    if (std::isfinite(m->fit_seconds())) by_time.push_back(m);
  std::stable_sort(by_time.begin(), by_time.end(), [](const ModelResult* a, const ModelResult* b) {
    return a->fit_seconds() < b->fit_seconds();
  });
  std::vector<const ModelResult*> frontier, beaten;
  double best_so_far = -1;
  for (const ModelResult* m : by_time) {
    if (m->test.accuracy > best_so_far) {
      frontier.push_back(m);
      best_so_far = m->test.accuracy;
    } else {
      beaten.push_back(m);
    }
  }
  if (frontier.size() > 1) {
    nlohmann::json fj = nlohmann::json::array();
    std::string steps;
    for (const ModelResult* m : frontier) {
      fj.push_back(m->label);
      steps += fmt::format("{}{} ({} in {})", steps.empty() ? "" : ", then ", m->label,
                           pct(m->test.accuracy), seconds(m->fit_seconds()));
    }
    f.facts["frontier"] = fj;
    std::string fp =
        "Ranked by training time, each of these models is more accurate than every "
        "faster one: " +
        steps + ".";
    if (!beaten.empty()) {
      // The slowest beaten model, and the fastest model that beats it.
      const ModelResult* loser = beaten.back();
      const ModelResult* winner = nullptr;
      for (const ModelResult* m : by_time)
        if (m->fit_seconds() < loser->fit_seconds() && m->test.accuracy >= loser->test.accuracy) {
          winner = m;
          break;
        }
      if (winner) {
        fp += fmt::format(
            " Every other model is beaten on both counts; {}, for one, by {} ({} in "
            "{} against {} in {}).",
            loser->label, winner->label, pct(winner->test.accuracy), seconds(winner->fit_seconds()),
            pct(loser->test.accuracy), seconds(loser->fit_seconds()));
      }
    }
    f.paragraphs.push_back(fp);
  }

  // Hardest classes: lowest F1 averaged over the models, and what they are
  // mistaken for.
  std::array<double, kNumClasses> mean_f1{};
  std::array<std::array<double, kNumClasses>, kNumClasses> confused{};
  for (const ModelResult* m : ok)
    for (int c = 0; c < kNumClasses; ++c) {
      mean_f1[c] += m->test.report.per_class[c].f1 / ok.size();
      for (int d = 0; d < kNumClasses; ++d)
        if (d != c) confused[c][d] += static_cast<double>(m->test.confusion[c][d]) / ok.size();
    }
  std::array<int, kNumClasses> order;
  for (int c = 0; c < kNumClasses; ++c) order[c] = c;
  std::stable_sort(order.begin(), order.end(),
                   [&](int a, int b) { return mean_f1[a] < mean_f1[b]; });
  nlohmann::json hard = nlohmann::json::array();
  std::vector<std::string> parts;
  for (int k = 0; k < 3; ++k) {
    const int c = order[k];
    const int d = static_cast<int>(std::max_element(confused[c].begin(), confused[c].end()) -
                                   confused[c].begin());
    const double support = static_cast<double>(ok.front()->test.report.per_class[c].support);
    hard.push_back({{"class", names[c]},
                    {"mean_f1", mean_f1[c]},
                    {"mistaken_for", names[d]},
                    {"mean_images_mistaken", confused[c][d]}});
    parts.push_back(
        fmt::format("{} (mean F1 {:.3f}; on average {:.0f} of its {:.0f} test images go to {})",
                    names[c], mean_f1[c], confused[c][d], support, names[d]));
  }
  f.facts["hardest_classes"] = hard;
  std::string h = fmt::format("Across the models, the hardest classes are {}, {} and {}.", parts[0],
                              parts[1], parts[2]);
  if (in.data && in.data->train.size() > 0) {
    // Why: the class whose average silhouette lies closest to the hardest one.
    const MeanImages means = mean_images(in.data->train);
    const int c = order[0];
    int nearest = -1;
    double nearest_d = INFINITY;
    for (int d = 0; d < kNumClasses; ++d) {
      if (d == c || means.per_class[d].empty() || means.per_class[c].empty()) continue;
      double s = 0;
      for (size_t i = 0; i < means.per_class[c].size(); ++i) {
        const double diff = means.per_class[c][i] - means.per_class[d][i];
        s += diff * diff;
      }
      if (s < nearest_d) nearest_d = s, nearest = d;
    }
    if (nearest >= 0) {
      f.facts["hardest_nearest_mean_image"] = names[nearest];
      h += fmt::format(
          " Of all classes, {}'s mean image is closest to {}'s: the two share a silhouette, and "
          "what tells them apart (collars, buttons, texture) is a few pixels that the 28x28 "
          "images barely keep.",
          names[c], names[nearest]);
    }
  }
  f.paragraphs.push_back(h);

  // Over-fitting: the largest gap between training and test accuracy.
  const ModelResult* gap = nullptr;
  double gap_v = -INFINITY;
  for (const ModelResult* m : ok) {
    const double g = m->number("train", "accuracy") - m->test.accuracy;
    if (std::isfinite(g) && g > gap_v) gap_v = g, gap = m;
  }
  if (gap && gap_v > 0.02) {
    f.facts["largest_gap"] = {{"label", gap->label}, {"gap", gap_v}};
    f.paragraphs.push_back(fmt::format(
        "{} fits its training images far better than new ones ({} on train against {} on "
        "test, a {:.1f}-point gap): more regularisation or data augmentation would help it "
        "most.",
        gap->label, pct(gap->number("train", "accuracy")), pct(gap->test.accuracy), 100 * gap_v));
  }

  // Calibration: whose probabilities can be taken at face value.
  const ModelResult* cal = ok.front();
  for (const ModelResult* m : ok)
    if (m->test.calibration.ece < cal->test.calibration.ece) cal = m;
  f.facts["best_calibrated"] = {{"label", cal->label}, {"ece", cal->test.calibration.ece}};
  f.paragraphs.push_back(fmt::format(
      "{}'s probabilities are the most trustworthy (expected calibration error {:.3f}); use "
      "its confidence to route uncertain images to a person.",
      cal->label, cal->test.calibration.ece));

  // Recommendation.
  std::string r = fmt::format("Recommendation: deploy {} where accuracy matters most", best.label);
  if (quick != &best)
    r += fmt::format("; {} where training time or retraining often matters", quick->label);
  const ModelResult* fastest = nullptr;
  for (const ModelResult* m : ok) {
    const double v = m->number("test", "images_per_second");
    if (best.test.accuracy - m->test.accuracy <= 0.02 && std::isfinite(v) &&
        (!fastest || v > fastest->number("test", "images_per_second")))
      fastest = m;
  }
  // A model that retrains in seconds, if the frontier has one short of the best.
  const ModelResult* cheap = nullptr;
  for (const ModelResult* m : frontier)
    if (m != &best && m != quick && m->fit_seconds() <= 10) cheap = m;
  if (cheap) {
    r += fmt::format("; {} if it must retrain in seconds ({} in {})", cheap->label,
                     pct(cheap->test.accuracy), seconds(cheap->fit_seconds()));
  }
  if (fastest && fastest != &best && fastest != quick && fastest != cheap) {
    r += fmt::format(
        "; {} for high-volume prediction ({:.0f} images/s within two points of the best)",
        fastest->label, fastest->number("test", "images_per_second"));
  }
  r += ".";
  f.paragraphs.push_back(r);
  if (!failed.empty()) {
    std::string list;
    for (const auto& l : failed) list += (list.empty() ? "" : ", ") + l;
    f.paragraphs.push_back(
        fmt::format("Not compared, because they failed: {} (see the table).", list));
  }
  return f;
}

}  // namespace fmnist::report
