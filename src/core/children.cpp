#include "core/children.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <map>

#include "core/error.hpp"

extern char** environ;

namespace fmnist {

namespace {

// Starts one job; returns its pid, or -1 if it could not be started.
pid_t spawn(const ChildJob& job) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  const std::string log = job.log.string();
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  std::vector<char*> argv;
  for (const auto& a : job.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  return rc == 0 ? pid : -1;
}

}  // namespace

void run_children(const std::vector<ChildJob>& jobs, int parallel,
                  const std::function<void(size_t)>& started,
                  const std::function<void(size_t, int)>& finished) {
  if (parallel < 1) parallel = 1;
  std::map<pid_t, size_t> running;
  size_t next = 0;
  while (next < jobs.size() || !running.empty()) {
    while (next < jobs.size() && running.size() < static_cast<size_t>(parallel)) {
      const size_t i = next++;
      if (jobs[i].argv.empty()) fail("run_children: job {} has no program", i);
      if (started) started(i);
      const pid_t pid = spawn(jobs[i]);
      if (pid < 0) {
        if (finished) finished(i, 127);
      } else {
        running[pid] = i;
      }
    }
    if (running.empty()) continue;
    int status = 0;
    const pid_t pid = waitpid(-1, &status, 0);
    if (pid < 0) {
      if (errno == EINTR) continue;
      fail("run_children: waiting for a child failed (errno {})", errno);
    }
    const auto it = running.find(pid);
    if (it == running.end()) continue;  // not one of ours
    const size_t i = it->second;
    running.erase(it);
    const int code = WIFEXITED(status)     ? WEXITSTATUS(status)
                     : WIFSIGNALED(status) ? 128 + WTERMSIG(status)
                                           : 1;
    if (finished) finished(i, code);
  }
}

std::filesystem::path self_executable() {
  std::error_code ec;
  auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) fail("cannot find this program's own file (/proc/self/exe): {}", ec.message());
  return p;
}

std::string last_line(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::string line, last;
  while (std::getline(in, line)) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    // A progress bar rewrites its line with carriage returns: keep the last.
    line = line.substr(line.find_last_of('\r') + 1);  // npos + 1 == 0
    if (line.find_first_not_of(" \t") != std::string::npos) last = line;
  }
  return last;
}

}  // namespace fmnist
