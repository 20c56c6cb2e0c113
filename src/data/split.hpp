#pragma once
#include <cstdint>
#include <utility>
#include <vector>

#include "data/dataset.hpp"

namespace fmnist {

// Indices of a stratified, seeded hold-out of `n_val` rows: each class gives
// its share (largest remainder, so the total is exact). Both lists are sorted.
struct SplitIndices {
  std::vector<uint32_t> train, val;
};
SplitIndices stratified_split(const std::vector<uint8_t>& labels, size_t n_val, uint64_t seed);

// Splits `full` into (train, val) with stratified_split.
std::pair<Dataset, Dataset> split_validation(const Dataset& full, size_t n_val, uint64_t seed);

}  // namespace fmnist

namespace fmnist {
// Per-class sizes of the hold-out stratified_split would take.
std::array<size_t, kNumClasses> stratified_split_counts(const std::vector<uint8_t>& labels,
                                                        size_t n_val, uint64_t seed);
}  // namespace fmnist
