#include "explore/explore.hpp"

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/files.hpp"
#include "explore/figures.hpp"
#include "explore/stats.hpp"
#include "report/png.hpp"

namespace fmnist {

namespace {

Figure make_figure(std::string file, std::string caption, const plot::Canvas& canvas) {
  return {std::move(file), std::move(caption), canvas.width(), canvas.height(),
          plot::encode_png(canvas)};
}

nlohmann::json split_json(const Dataset& d, const PixelStats& p) {
  const auto counts = d.class_counts();
  const double pixels = static_cast<double>(d.pixels.size());
  return {{"images", d.size()},
          {"source", d.source},
          {"per_class", std::vector<size_t>(counts.begin(), counts.end())},
          {"pixels",
           {{"mean", p.mean},
            {"std", p.std},
            {"min", p.min},
            {"max", p.max},
            {"zero_share", pixels > 0 ? static_cast<double>(p.histogram[0]) / pixels : 0.0},
            {"histogram", std::vector<uint64_t>(p.histogram.begin(), p.histogram.end())}}}};
}

nlohmann::json means_json(const MeanImages& m) {
  std::vector<double> mean_value(kNumClasses);
  for (int c = 0; c < kNumClasses; ++c) {
    double sum = 0;
    for (float v : m.per_class[c]) sum += v;
    mean_value[c] = m.per_class[c].empty() ? 0.0 : sum / static_cast<double>(m.per_class[c].size());
  }
  return {{"mean_pixel_per_class", mean_value},
          {"max_abs_difference_from_overall", m.max_abs_difference}};
}

nlohmann::json duplicates_json(const DuplicateStats& d) {
  return {{"test_in_train", d.test_in_train},
          {"test_in_train_label_differs", d.test_in_train_label_differs},
          {"within_train", d.within_train},
          {"within_test", d.within_test}};
}

}  // namespace

Exploration explore(const DataSplits& data, const ExploreOptions& opts) {
  const Dataset& train = data.train;
  const Dataset& test = data.test;
  if (train.size() == 0) fail("explore: the training set is empty");
  if (opts.per_class < 1) fail("explore: per_class must be at least 1, got {}", opts.per_class);
  const PixelStats ptrain = pixel_stats(train), ptest = pixel_stats(test);
  const SamplePicks picks = pick_samples(train, opts.per_class, opts.seed);
  const MeanImages means = mean_images(train);

  Exploration e;
  e.figures.push_back(make_figure("samples.png",
                                  fmt::format("{} random training image{} of each class",
                                              opts.per_class, opts.per_class == 1 ? "" : "s"),
                                  samples_figure(train, picks, data.class_names, opts.seed)));
  e.figures.push_back(make_figure("class_balance.png", "Images per class in train and test",
                                  class_balance_figure(train, test, data.class_names)));
  e.figures.push_back(
      make_figure("mean_images.png",
                  "Mean training image of each class and its difference from the overall mean",
                  mean_images_figure(means, train.rows, train.cols, data.class_names)));
  e.figures.push_back(
      make_figure("pixel_histogram.png",
                  fmt::format("Share of pixels at each value, train and test ({} axis)",
                              opts.log_histogram ? "log" : "linear"),
                  pixel_histogram_figure(ptrain, ptest, opts.log_histogram)));

  auto& j = e.numbers;
  j["dataset"] = data.dataset_name;
  j["origin"] = data.origin;
  j["image"] = {{"rows", train.rows}, {"cols", train.cols}};
  j["classes"] = std::vector<std::string>(data.class_names.begin(), data.class_names.end());
  j["splits"]["train"] = split_json(train, ptrain);
  j["splits"]["test"] = split_json(test, ptest);
  j["samples"] = {
      {"seed", opts.seed},
      {"per_class", opts.per_class},
      {"train_indices", std::vector<std::vector<uint32_t>>(picks.begin(), picks.end())}};
  j["mean_images"] = means_json(means);
  j["duplicates"] = duplicates_json(find_duplicates(train, test));
  for (const auto& f : e.figures)
    j["figures"].push_back(
        {{"file", f.file}, {"caption", f.caption}, {"width", f.width}, {"height", f.height}});
  return e;
}

std::vector<std::filesystem::path> write_exploration(const Exploration& e,
                                                     const std::filesystem::path& dir) {
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec))
    fail("{}: exists and is not a directory", dir.string());
  fs::create_directories(dir, ec);
  if (ec) fail("{}: cannot create directory: {}", dir.string(), ec.message());
  std::vector<fs::path> written;
  for (const auto& f : e.figures) {
    written.push_back(dir / f.file);
    write_file_atomic(written.back(), f.png);
  }
  written.push_back(dir / "explore.json");
  write_file_atomic(written.back(), e.numbers.dump(2) + "\n");
  return written;
}

}  // namespace fmnist
