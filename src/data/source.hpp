#pragma once
// Finding and loading the data a command works on: --data DIR (IDX files in
// either naming style, or the two Kaggle CSV files), --train/--test FILE, or
// the default places ($FMNIST_DATA, ./data/fashion-mnist, Debian's copy).
#include <filesystem>
#include <optional>
#include <string>

#include "data/dataset.hpp"

namespace fmnist {

struct DataOptions {
  std::string data;   // --data: a directory
  std::string train;  // --train FILE (IDX images or CSV)
  std::string test;   // --test FILE
  size_t val = 5000;  // --val: validation hold-out from the training file
  uint64_t seed = 0;  // --seed: for the hold-out
  std::string classes = "auto";  // --classes: fashion, mnist, kmnist, generic or auto
};

enum class DataFormat { idx, csv };

struct DataFiles {
  DataFormat format = DataFormat::idx;
  std::filesystem::path train_images, train_labels;  // labels empty for CSV
  std::filesystem::path test_images, test_labels;
  std::string origin;  // "--data /x", "$FMNIST_DATA=/x", "/usr/share/...": said to the user
};

// The directories searched when neither --data nor --train/--test is given.
std::vector<std::filesystem::path> default_data_dirs();
// Finds the files in `dir`; nullopt if it holds no recognised layout.
std::optional<DataFiles> find_data_files(const std::filesystem::path& dir);
// Resolves the options to files, or fails with a message that says where it looked.
DataFiles locate_data(const DataOptions& opts);
// Loads one data file by its format: IDX images (labels found beside it) or CSV.
Dataset load_data_file(const std::filesystem::path& file);

// Locates, loads (train and test in parallel), checks and splits.
DataSplits load_data(const DataOptions& opts);

// Class names: the ten Fashion-MNIST names, digits, KMNIST's, or "class 0"...
std::array<std::string, kNumClasses> class_names_for(const std::string& dataset);
// Guesses the dataset from file names ("fashion", "kmnist", "mnist").
std::string guess_dataset(const DataFiles& files);

}  // namespace fmnist
