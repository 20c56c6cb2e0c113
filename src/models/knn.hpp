#pragma once
#include "models/classifier.hpp"
#include "models/knn_search.hpp"

namespace fmnist {

// k nearest neighbours on raw pixels, exact brute-force search
// (models/knn_search; docs/DESIGN.md, "Nearest neighbours"). Fitting keeps
// the training images; the saved model is those images and their labels as
// .npy files.
class Knn final : public Classifier {
 public:
  explicit Knn(Settings s);
  std::string name() const override { return "knn"; }
  void fit(const Dataset& train, const FitContext& ctx) override;
  void predict_proba(const Dataset& data, float* out) const override;
  void save(const std::filesystem::path& dir) const override;
  void load(const std::filesystem::path& dir) override;
  // Nothing is learned: the model is the training set (-1, as the interface
  // asks of models without parameters).

  // The k nearest training images of each image of `data`.
  knn::Neighbours neighbours(const Dataset& data) const;

 private:
  void set_training_set(Dataset train, const std::string& where);

  size_t k_;
  knn::Metric metric_;
  bool distance_weights_;
  Dataset train_;
  knn::Index index_;
};

}  // namespace fmnist
