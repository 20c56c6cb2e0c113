#include "core/machine.hpp"

#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>

#include <fmt/format.h>

#include "core/threads.hpp"
#include "core/version.hpp"

namespace fmnist {
namespace {

double memory_gib() {
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  return pages > 0 && page > 0 ? static_cast<double>(pages) * page / (1024.0 * 1024 * 1024) : 0.0;
}

std::string value_after_colon(const std::string& line) {
  const auto colon = line.find(':');
  if (colon == std::string::npos) return "";
  const auto start = line.find_first_not_of(" \t", colon + 1);
  return start == std::string::npos ? "" : line.substr(start);
}

int to_int(const std::string& text) {
  try {
    return std::stoi(text);
  } catch (const std::exception&) {
    return -1;
  }
}

}  // namespace

CpuInfo parse_cpuinfo(std::istream& in) {
  // In /proc/cpuinfo's spelling, narrowest first.
  static const char* const kInteresting[] = {
      "sse4_2",   "avx",         "fma",         "avx2",        "avx_vnni", "avx512f",  "avx512bw",
      "avx512vl", "avx512_vnni", "avx512_bf16", "avx512_fp16", "amx_tile", "amx_bf16", "amx_int8"};
  CpuInfo cpu;
  std::string line;
  bool seen_processor = false;
  while (std::getline(in, line)) {
    const auto key = line.substr(0, line.find_first_of("\t:"));
    if (key == "processor") {
      if (seen_processor) break;  // the first processor speaks for all
      seen_processor = true;
    } else if (key == "model name") {
      cpu.name = value_after_colon(line);
    } else if (key == "vendor_id") {
      cpu.vendor = value_after_colon(line);
    } else if (key == "cpu family") {
      cpu.family = to_int(value_after_colon(line));
    } else if (key == "model") {
      cpu.model = to_int(value_after_colon(line));
    } else if (key == "flags") {
      std::istringstream flags(value_after_colon(line));
      std::vector<std::string> have;
      for (std::string f; flags >> f;) have.push_back(f);
      for (const char* want : kInteresting)
        if (std::find(have.begin(), have.end(), want) != have.end())
          cpu.vector_extensions.emplace_back(want);
    }
  }
  if (cpu.name.empty()) cpu.name = "unknown";
  return cpu;
}

std::string CpuInfo::vector_isa() const {
  auto has = [&](const char* f) {
    return std::find(vector_extensions.begin(), vector_extensions.end(), f) !=
           vector_extensions.end();
  };
  if (has("avx512f")) return "AVX-512";
  if (has("avx2")) return "AVX2";
  if (has("avx")) return "AVX";
  if (has("sse4_2")) return "SSE4.2";
  return vector_extensions.empty() && family < 0 ? "unknown" : "SSE2";
}

std::string CpuInfo::summary() const {
  if (vector_isa() == "unknown") return name;
  std::string s = name + " (" + vector_isa();
  if (family >= 0 && model >= 0) s += fmt::format(", family {} model {}", family, model);
  return s + ")";
}

CpuInfo cpu_info() {
  static std::once_flag once;
  static CpuInfo cpu;
  std::call_once(once, [] {
    std::ifstream in("/proc/cpuinfo");
    if (in) cpu = parse_cpuinfo(in);
  });
  return cpu;
}

nlohmann::json machine_info() {
  nlohmann::json j;
  const CpuInfo cpu = cpu_info();
  j["cpu"] = cpu.name;
  j["cpu_vendor"] = cpu.vendor;
  j["cpu_family"] = cpu.family;
  j["cpu_model_number"] = cpu.model;
  j["cpu_vector_isa"] = cpu.vector_isa();
  j["cpu_vector_extensions"] = cpu.vector_extensions;
  j["logical_cores"] = std::thread::hardware_concurrency();
  j["memory_gib"] = memory_gib();
  j["threads_used"] = threads();
  utsname u{};
  if (uname(&u) == 0) j["os"] = std::string(u.sysname) + " " + u.release + " " + u.machine;
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) == 0) j["hostname"] = host;
  j["fmnist"] = version();
  nlohmann::json libs = nlohmann::json::object();
  for (const auto& [name, v] : library_versions()) libs[name] = v;
  j["libraries"] = libs;
  return j;
}

std::string machine_summary(const nlohmann::json& machine) {
  CpuInfo cpu;
  cpu.name = machine.value("cpu", "unknown CPU");
  if (!machine.contains("cpu_vector_extensions")) return cpu.name;
  cpu.family = machine.value("cpu_family", -1);
  cpu.model = machine.value("cpu_model_number", -1);
  cpu.vector_extensions = machine.value("cpu_vector_extensions", std::vector<std::string>{});
  return cpu.summary();
}

}  // namespace fmnist
