#pragma once

// A long-running child whose standard output is read as a stream (tegrastats,
// `nvidia-smi -lms`): started with posix_spawnp from an argv vector (no
// shell) in a process group of its own, stdin from /dev/null, stderr to
// /dev/null, stdout into a pipe the caller reads. `common::ProcessRunner`
// only returns output once the program has ended, so it cannot serve a
// sampler; this is the one other place benchd starts a process.
//
// `Terminate()` sends SIGTERM to the group, waits up to `grace` for the child
// to exit (on a pidfd, no sleeping), then sends SIGKILL, and reaps it; the
// destructor does the same if needed. Nothing is left behind as a zombie.
// Errors: NOT_FOUND when the program cannot be found or executed, INTERNAL
// for other spawn failures.
// Thread-safety: one owner thread.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace benchd::agent::power {

class ChildProcess {
 public:
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<ChildProcess>> Spawn(const std::vector<std::string>& argv);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  int stdout_fd() const { return stdout_fd_; }
  // Ends the process group and reaps the child; returns its wait status
  // (as waitpid reports it), or nullopt when it was already reaped.
  std::optional<int> Terminate(std::chrono::milliseconds grace = std::chrono::milliseconds(1000));

 private:
  ChildProcess(int pid, int stdout_fd) : pid_(pid), stdout_fd_(stdout_fd) {}

  int pid_ = -1;
  int stdout_fd_ = -1;
};

}  // namespace benchd::agent::power
