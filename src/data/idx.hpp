#pragma once
// IDX files (the MNIST format), gzip or raw: unsigned-byte images
// (magic 0x00000803) and labels (0x00000801).
#include <filesystem>

#include "data/dataset.hpp"

namespace fmnist {

// Reads an images file and its labels file and checks that they agree.
Dataset load_idx(const std::filesystem::path& images, const std::filesystem::path& labels);

// The parsers behind load_idx, on bytes already in memory (tests use them);
// `name` is the file name used in error messages.
void parse_idx_images(const std::vector<uint8_t>& bytes, const std::string& name, Dataset& out);
void parse_idx_labels(const std::vector<uint8_t>& bytes, const std::string& name, Dataset& out);

// Writes IDX files (gzip when the name ends in .gz): fixtures and exports.
void save_idx(const Dataset& data, const std::filesystem::path& images,
              const std::filesystem::path& labels);

}  // namespace fmnist
