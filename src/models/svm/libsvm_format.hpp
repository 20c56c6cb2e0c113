#pragma once
// LIBSVM's text model format (what svm_save_model writes and svm_load_model
// reads), so LIBSVM and its bindings open our models. Support vectors are
// written as feature values (byte * scale) and read back onto the byte grid.
#include <filesystem>

#include "models/svm/ovo.hpp"

namespace fmnist::svm {

void write_libsvm_model(const OvoModel& model, const std::filesystem::path& path);

// `scale` and `dim` come from the feature map saved beside the file: every
// value must be a byte times `scale`, every index at most `dim`.
OvoModel read_libsvm_model(const std::filesystem::path& path, double scale, size_t dim);

}  // namespace fmnist::svm
