#pragma once

// A long-running program started by an end-to-end test (benchd, bench-agent),
// its stdout and stderr going to a log file. The destructor kills what is
// still running, so a failing test leaves nothing behind.

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace benchd::testing {

class ChildProcess {
 public:
  ChildProcess(std::vector<std::string> argv, std::string log_path);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  const std::string& log_path() const { return log_path_; }
  bool running();
  void Signal(int signal_number);
  // Waits for exit up to `timeout`; the wait status, or nullopt on timeout.
  std::optional<int> WaitFor(std::chrono::milliseconds timeout);
  std::string Log() const;

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
  std::string log_path_;
};

}  // namespace benchd::testing
