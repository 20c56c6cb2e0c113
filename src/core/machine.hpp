#pragma once
// What a result was measured on: CPU, cores, memory, OS, threads used and
// library versions. Every results.json records it, because timings mean
// nothing without it.
#include <istream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace fmnist {

// The first processor of /proc/cpuinfo. A virtual machine often names its
// CPU just "AMD EPYC", which hides whether it has AVX-512: that changes both
// the nets' speed and, through the kernels oneDNN picks, their last digits,
// so the family, model number and vector extensions are kept too.
struct CpuInfo {
  std::string name = "unknown", vendor;
  int family = -1, model = -1;
  std::vector<std::string> vector_extensions;  // of those the kernels here care about
  std::string vector_isa() const;              // the widest: "AVX-512", "AVX2", ...
  std::string summary() const;                 // "AMD EPYC (AVX-512, family 26 model 2)"
};

CpuInfo parse_cpuinfo(std::istream& in);
CpuInfo cpu_info();  // this machine's, read once

nlohmann::json machine_info();
// One line for a report from machine_info()'s JSON: the CPU's summary, or
// its name alone for results written before the CPU details were kept.
std::string machine_summary(const nlohmann::json& machine);

}  // namespace fmnist
