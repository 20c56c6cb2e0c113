#pragma once
// Runs one of the Python scripts in tests/support with Debian's python3 (the
// one scripts/deps.sh gives numpy, scikit-learn and xgboost), capturing
// stdout. The scripts exit 77 when a module they need is missing, so tests
// can skip rather than fail where the Python stack is not installed.
#include <sys/wait.h>

#include <cstdio>
#include <string>
#include <vector>

namespace fmnist::test {

struct PythonResult {
  int exit_code = -1;
  std::string out;
};

inline PythonResult run_python_script(const std::string& script,
                                      const std::vector<std::string>& args) {
  std::string cmd =
      "/usr/bin/python3 " + std::string(FMNIST_SOURCE_DIR) + "/tests/support/" + script;
  for (const auto& a : args) cmd += " '" + a + "'";
  PythonResult r;
  FILE* pipe = popen(cmd.c_str(), "r");
  if (!pipe) return r;
  char buf[4096];
  while (fgets(buf, sizeof buf, pipe)) r.out += buf;
  const int status = pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

}  // namespace fmnist::test
