#pragma once

// Runs native tools as child processes. The Boost.Process implementation
// (process_runner.cc) is the only Boost.Process user in benchd.
//
// Contract: the program is started from an argv vector, never through a shell,
// in a process group of its own; stdout and stderr are drained concurrently;
// when the timeout passes or `cancel` is set, the whole group is killed
// (SIGTERM, then SIGKILL after a grace period) and the call returns.
// Thread-safety: `Run` may be called from several threads at once.

#include <atomic>
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace benchd::common {

struct ProcessSpec {
  std::vector<std::string> argv;  // argv[0] is a path or a name looked up on PATH
  std::map<std::string, std::string> extra_env;  // added to the inherited environment
  std::string working_dir;                       // empty: inherit
  // A file the program reads as its standard input; empty: /dev/null.
  std::string stdin_path;
  std::chrono::milliseconds timeout{std::chrono::minutes(10)};
  // Output beyond this many bytes per stream is dropped (and flagged), so a
  // runaway tool cannot exhaust the agent's memory.
  size_t max_output_bytes = 64 << 20;
};

struct ProcessOutcome {
  std::optional<int> exit_code;    // set when the process exited
  std::optional<int> term_signal;  // set when a signal ended it
  bool timed_out = false;
  bool cancelled = false;
  bool output_truncated = false;
  std::string stdout_text;
  std::string stderr_text;
  std::chrono::nanoseconds wall_time{0};
  // When its output ended, on the steady clock (CLOCK_MONOTONIC) in ns.
  int64_t ended_ns = 0;

  bool Succeeded() const { return exit_code && *exit_code == 0 && !timed_out && !cancelled; }
  // "exit code 3", "killed by signal 9", "timed out after 5000 ms", ...
  std::string Describe() const;
};

class ProcessRunner {
 public:
  virtual ~ProcessRunner() = default;
  // Errors: NOT_FOUND when the program does not exist or cannot be executed;
  // INTERNAL for other launch failures. A program that starts and then fails
  // is not an error: see ProcessOutcome.
  [[nodiscard]] virtual absl::StatusOr<ProcessOutcome> Run(
      const ProcessSpec& spec, const std::atomic<bool>* cancel = nullptr) = 0;
};

// The real implementation on Boost.Process.
class BoostProcessRunner final : public ProcessRunner {
 public:
  [[nodiscard]] absl::StatusOr<ProcessOutcome> Run(
      const ProcessSpec& spec, const std::atomic<bool>* cancel = nullptr) override;
};

}  // namespace benchd::common
