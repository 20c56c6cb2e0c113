#pragma once
// In-memory image classification data: N grey images of rows x cols bytes,
// stored contiguously (image i at pixels[i * rows * cols]), and N labels.
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace fmnist {

constexpr int kNumClasses = 10;
using ClassNames = std::array<std::string, kNumClasses>;

struct Dataset {
  int rows = 28;
  int cols = 28;
  std::vector<uint8_t> pixels;
  std::vector<uint8_t> labels;
  // Where the images came from ("train-images-idx3-ubyte.gz", a CSV...).
  std::string source;

  size_t size() const { return labels.size(); }
  size_t image_size() const { return static_cast<size_t>(rows) * cols; }
  std::span<const uint8_t> image(size_t i) const {
    return {pixels.data() + i * image_size(), image_size()};
  }
  std::array<size_t, kNumClasses> class_counts() const;
  // The rows `indices` of this set, in that order.
  Dataset subset(std::span<const uint32_t> indices) const;
  // A 64-bit content hash of shape, pixels and labels: names the data in
  // saved models and in the bench cache.
  uint64_t fingerprint() const;
};

// The three splits every command works with.
struct DataSplits {
  Dataset train;  // what models fit on (the full training file minus val)
  Dataset val;    // held out from the training file, stratified and seeded
  Dataset test;   // the official test file
  ClassNames class_names;
  std::string dataset_name;  // "fashion-mnist", "mnist", "kmnist" or "custom"
  std::string origin;        // human-readable: where the files were found
};

}  // namespace fmnist
