#pragma once
// What a result was measured on: CPU, cores, memory, OS, threads used and
// library versions. Every results.json records it, because timings mean
// nothing without it.
#include <nlohmann/json.hpp>

namespace fmnist {

nlohmann::json machine_info();

}  // namespace fmnist
