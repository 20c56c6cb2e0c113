#pragma once
// The models `fmnist bench` trains: a profile is a list of (label, spec)
// entries with what the Python notebooks reach and about how long each takes
// on a 2-core machine (for the ETA).
#include <cstddef>
#include <string>
#include <vector>

namespace fmnist::bench {

struct LineupEntry {
  std::string label;             // "forest"
  std::string spec;              // "forest:trees=100"
  double notebook_accuracy = 0;  // what the Python notebooks report (0: none)
  double expected_seconds = 60;  // fit + evaluation on 2 cores, for the ETA
};

// "quick" (every model of the zoo, minutes) or "full" (each model's own
// default recipe, the one that clears its bar). Fails on another name.
std::vector<LineupEntry> lineup(const std::string& profile);

// Keeps the entries named in `labels` (comma-separated labels or registry
// names; empty keeps all), in lineup order; fails on a name in neither.
std::vector<LineupEntry> select(const std::vector<LineupEntry>& entries, const std::string& labels);

// Whether the notebooks' accuracies mean anything for this data: they were
// reached on the whole Fashion-MNIST (60,000 training images, counting any
// validation hold-out, and the 10,000 official test images). On MNIST, a
// subset or a data set of one's own, "met" or "not met" would mislead.
bool notebook_comparable(const std::string& dataset_name, size_t training_images,
                         size_t test_images);

}  // namespace fmnist::bench
