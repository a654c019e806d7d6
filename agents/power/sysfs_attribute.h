#pragma once

// Reading sysfs attributes the cheap way: open once, then one pread(2) at
// offset 0 per reading (sysfs regenerates the text on every read from
// offset 0), instead of open/read/close each time. Also the few directory
// helpers rail discovery needs. Paths are plain strings; callers prefix the
// injected filesystem root, so tests point the samplers at a fake tree.
//
// Errors: NOT_FOUND for a missing file, UNAVAILABLE for other open or read
// failures (EACCES on a root-only RAPL counter, EIO from a hung I2C
// sensor), DATA_LOSS for text that is not an integer.
// Thread-safety: a `SysfsAttribute` is used by one thread at a time.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace benchd::agent::power {

class SysfsAttribute {
 public:
  [[nodiscard]] static absl::StatusOr<SysfsAttribute> Open(const std::string& path);

  SysfsAttribute(SysfsAttribute&& other) noexcept;
  SysfsAttribute& operator=(SysfsAttribute&& other) noexcept;
  SysfsAttribute(const SysfsAttribute&) = delete;
  SysfsAttribute& operator=(const SysfsAttribute&) = delete;
  ~SysfsAttribute();

  const std::string& path() const { return path_; }
  // The attribute's current value as a decimal integer.
  [[nodiscard]] absl::StatusOr<int64_t> ReadInt() const;

 private:
  SysfsAttribute(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_ = -1;
  std::string path_;
};

// A whole small text file with trailing white space removed.
[[nodiscard]] absl::StatusOr<std::string> ReadTrimmedFile(const std::string& path);
// Whether `path` exists (any kind of file).
bool PathExists(const std::string& path);
// Names in directory `dir` that start with `prefix`, sorted; empty when the
// directory is missing or unreadable.
std::vector<std::string> ListDirectory(const std::string& dir, const std::string& prefix);
// "root" + "/sys/...": `root` empty or "/" means the real filesystem.
std::string UnderRoot(const std::string& root, const std::string& path);

}  // namespace benchd::agent::power
