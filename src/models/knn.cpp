#include "models/knn.hpp"

#include "core/error.hpp"
#include "core/threads.hpp"
#include "models/npy.hpp"

namespace fmnist {

Knn::Knn(Settings s) : Classifier(std::move(s)) {
  k_ = static_cast<size_t>(settings_.get_int("k", 5, "neighbours that vote", 1, 1000000));
  metric_ = knn::parse_metric(settings_.get_choice(
      "metric", "l2", "distance between images: Euclidean, Manhattan or 1 - cosine similarity",
      {"l2", "l1", "cosine"}));
  distance_weights_ =
      settings_.get_choice("weights", "uniform",
                           "uniform: one vote per neighbour; distance: votes weighted by "
                           "1 / distance (scikit-learn's weights='distance')",
                           {"uniform", "distance"}) == "distance";
}

void Knn::set_training_set(Dataset train, const std::string& where) {
  if (train.size() == 0) fail("knn: empty training set{}", where);
  if (k_ > train.size()) {
    fail("knn: k={} is more than the {} training images{}", k_, train.size(), where);
  }
  train_ = std::move(train);
  index_ = knn::Index(train_.pixels, train_.size(), train_.image_size(), metric_, threads());
}

void Knn::fit(const Dataset& train, const FitContext& ctx) {
  Dataset copy;
  copy.rows = train.rows;
  copy.cols = train.cols;
  copy.pixels = train.pixels;
  copy.labels = train.labels;
  set_training_set(std::move(copy), "");
  ctx.report(1, 1);
}

knn::Neighbours Knn::neighbours(const Dataset& data) const {
  if (train_.size() == 0) fail("knn: the model is not fitted");
  if (data.image_size() != train_.image_size()) {
    fail("knn: model expects {}x{} images, data has {}x{}", train_.rows, train_.cols, data.rows,
         data.cols);
  }
  return index_.search(data.pixels.data(), data.size(), k_, threads());
}

void Knn::predict_proba(const Dataset& data, float* out) const {
  const knn::Neighbours nb = neighbours(data);
  const size_t k = nb.k;
  for (size_t i = 0; i < data.size(); ++i) {
    const uint32_t* idx = nb.index.data() + i * k;
    const float* dist = nb.distance.data() + i * k;
    double votes[kNumClasses] = {};
    bool exact = false;  // a neighbour at distance 0
    if (distance_weights_) {
      for (size_t j = 0; j < k; ++j) exact = exact || dist[j] == 0.f;
    }
    for (size_t j = 0; j < k; ++j) {
      double w = 1.0;
      // scikit-learn: weights 1 / d, except that when some neighbours are
      // at distance 0 those vote with weight 1 and the rest not at all.
      if (distance_weights_) w = exact ? (dist[j] == 0.f ? 1.0 : 0.0) : 1.0 / dist[j];
      votes[train_.labels[idx[j]]] += w;
    }
    double total = 0;
    for (double v : votes) total += v;
    for (int c = 0; c < kNumClasses; ++c)
      out[i * kNumClasses + c] = static_cast<float>(votes[c] / total);
  }
}

void Knn::save(const std::filesystem::path& dir) const {
  if (train_.size() == 0) fail("knn: the model is not fitted");
  save_npy_u8(dir / "knn_images.npy", train_.pixels,
              {train_.size(), static_cast<size_t>(train_.rows), static_cast<size_t>(train_.cols)});
  save_npy_u8(dir / "knn_labels.npy", train_.labels, {train_.size()});
}

void Knn::load(const std::filesystem::path& dir) {
  const auto images_path = dir / "knn_images.npy", labels_path = dir / "knn_labels.npy";
  NpyU8 images = load_npy_u8(images_path), labels = load_npy_u8(labels_path);
  if (images.shape.size() != 3 || images.shape[1] == 0 || images.shape[2] == 0) {
    fail("{}: expected a (images, rows, cols) array", images_path.string());
  }
  if (labels.shape.size() != 1 || labels.shape[0] != images.shape[0]) {
    fail("{}: expected ({},) labels, one per image of {}", labels_path.string(), images.shape[0],
         images_path.filename().string());
  }
  for (size_t i = 0; i < labels.data.size(); ++i) {
    if (labels.data[i] >= kNumClasses) {
      fail("{}: label {} of image {} is not a class 0-9", labels_path.string(), labels.data[i], i);
    }
  }
  Dataset d;
  d.rows = static_cast<int>(images.shape[1]);
  d.cols = static_cast<int>(images.shape[2]);
  d.pixels = std::move(images.data);
  d.labels = std::move(labels.data);
  set_training_set(std::move(d), " in " + dir.string());
}

}  // namespace fmnist
