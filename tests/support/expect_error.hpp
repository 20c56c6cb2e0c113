#pragma once
#include <gtest/gtest.h>

#include <string>

#include "core/error.hpp"

namespace fmnist::test {

// Runs `fn`, expecting an fmnist::Error whose message contains every needle.
template <typename Fn>
void expect_error(Fn fn, std::initializer_list<std::string> needles) {
  try {
    fn();
    ADD_FAILURE() << "expected an fmnist::Error";
  } catch (const Error& e) {
    for (const auto& n : needles) {
      EXPECT_NE(std::string(e.what()).find(n), std::string::npos)
          << "message '" << e.what() << "' lacks '" << n << "'";
    }
  }
}

}  // namespace fmnist::test
