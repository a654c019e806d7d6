#pragma once

// Keeps a second benchd off a data directory in use. Two coordinators on one
// directory would share its embedded PostgreSQL cluster: the second would
// take the first one's server for a leftover of a crash and stop it, and the
// first, stopping, would stop the second's. The lock is an flock on
// `<data_dir>/benchd.lock`, which also names the holder's pid; the kernel
// drops it when the process dies, so a crash leaves nothing to clean up.
// Thread-safety: none needed; one owner.

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace benchd::daemon {

class DataDirLock {
 public:
  // Errors: FAILED_PRECONDITION naming the holder's pid when another process
  // holds the lock; INTERNAL when the lock file cannot be opened or locked.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<DataDirLock>> Acquire(const std::string& data_dir);
  ~DataDirLock();
  DataDirLock(const DataDirLock&) = delete;
  DataDirLock& operator=(const DataDirLock&) = delete;

 private:
  explicit DataDirLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace benchd::daemon
