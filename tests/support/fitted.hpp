#pragma once
// A model built from its spec and fitted: the first step of most model tests.
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

}  // namespace fmnist::test
