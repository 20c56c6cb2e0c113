#pragma once
#include <string>
#include <vector>
#include <utility>

namespace fmnist {

std::string version();
// (library, version) for every library the engine was built with: --version
// prints them and every saved model records them.
std::vector<std::pair<std::string, std::string>> library_versions();

}  // namespace fmnist
