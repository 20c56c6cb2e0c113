#pragma once
// A model built from its spec and fitted: the first step of most model tests.
#include <filesystem>
#include <memory>
#include <string>

#include "models/registry.hpp"

namespace fmnist::test {

inline std::unique_ptr<Classifier> fitted(const std::string& spec, const Dataset& train,
                                          uint64_t seed = 0, const Dataset* val = nullptr) {
  auto model = make_model(spec);
  FitContext ctx;
  ctx.seed = seed;
  ctx.val = val;
  model->fit(train, ctx);
  return model;
}

// Saves `model` into `dir` and loads it back into a fresh model built from its
// canonical spec, the way `fmnist predict` reloads a saved model.
inline std::unique_ptr<Classifier> saved_and_reloaded(const Classifier& model,
                                                      const std::filesystem::path& dir) {
  model.save(dir);
  auto back = make_model(model.settings().canonical_spec());
  back->load(dir);
  return back;
}

}  // namespace fmnist::test
