#pragma once
// LIBSVM's text model format (what svm_save_model writes and svm_load_model
// reads), so LIBSVM and its bindings open our models. Support vectors are
// the feature bytes as integers (for `svm`, raw pixels 0-255): a LIBSVM user
// feeds the same bytes.
#include <filesystem>

#include "models/svm/ovo.hpp"

namespace fmnist::svm {

void write_libsvm_model(const OvoModel& model, const std::filesystem::path& path);

// `dim` comes from the feature map saved beside the file: every value must
// be a whole number 0-255, every index at most `dim`.
OvoModel read_libsvm_model(const std::filesystem::path& path, size_t dim);

}  // namespace fmnist::svm
