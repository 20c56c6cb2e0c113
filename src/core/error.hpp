#pragma once
// The one exception type of the library. Its message names the file, the
// record and what is wrong; the CLI prints it on one line and exits 2.
#include <stdexcept>
#include <string>

#include <fmt/format.h>

namespace fmnist {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

template <typename... Args>
[[noreturn]] void fail(fmt::format_string<Args...> f, Args&&... args) {
  throw Error(fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace fmnist
