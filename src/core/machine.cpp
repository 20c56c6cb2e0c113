#include "core/machine.hpp"

#include <sys/utsname.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <thread>

#include "core/threads.hpp"
#include "core/version.hpp"

namespace fmnist {
namespace {

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      if (colon != std::string::npos) return line.substr(line.find_first_not_of(' ', colon + 1));
    }
  }
  return "unknown";
}

double memory_gib() {
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  return pages > 0 && page > 0 ? static_cast<double>(pages) * page / (1024.0 * 1024 * 1024) : 0.0;
}

}  // namespace

nlohmann::json machine_info() {
  nlohmann::json j;
  j["cpu"] = cpu_model();
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

}  // namespace fmnist
