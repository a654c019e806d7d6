#include "agents/power/sysfs_attribute.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>

namespace benchd::agent::power {
namespace {

absl::Status OpenError(const std::string& path, int error) {
  const std::string message = "open '" + path + "': " + std::strerror(error);
  return error == ENOENT ? absl::NotFoundError(message) : absl::UnavailableError(message);
}

}  // namespace

absl::StatusOr<SysfsAttribute> SysfsAttribute::Open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return OpenError(path, errno);
  return SysfsAttribute(fd, path);
}

SysfsAttribute::SysfsAttribute(SysfsAttribute&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), path_(std::move(other.path_)) {}

SysfsAttribute& SysfsAttribute::operator=(SysfsAttribute&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    path_ = std::move(other.path_);
  }
  return *this;
}

SysfsAttribute::~SysfsAttribute() {
  if (fd_ >= 0) ::close(fd_);
}

absl::StatusOr<int64_t> SysfsAttribute::ReadInt() const {
  char text[32];
  ssize_t got;
  do {
    got = ::pread(fd_, text, sizeof text, 0);
  } while (got < 0 && errno == EINTR);
  if (got < 0) return absl::UnavailableError("read '" + path_ + "': " + std::strerror(errno));
  const char* end = text + got;
  while (end > text && (end[-1] == '\n' || end[-1] == ' ')) --end;
  int64_t value = 0;
  const auto [ptr, ec] = std::from_chars(text, end, value);
  if (ec != std::errc() || ptr != end || end == text) {
    return absl::DataLossError("read '" + path_ + "': expected an integer, got '" +
                               std::string(text, static_cast<size_t>(got)) + "'");
  }
  return value;
}

absl::StatusOr<std::string> ReadTrimmedFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return OpenError(path, errno);
  char text[256];
  const ssize_t got = ::read(fd, text, sizeof text);
  const int error = errno;
  ::close(fd);
  if (got < 0) return absl::UnavailableError("read '" + path + "': " + std::strerror(error));
  std::string value(text, static_cast<size_t>(got));
  while (!value.empty() && (value.back() == '\n' || value.back() == ' ' || value.back() == '\t')) {
    value.pop_back();
  }
  return value;
}

bool PathExists(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0;
}

std::vector<std::string> ListDirectory(const std::string& dir, const std::string& prefix) {
  std::vector<std::string> names;
  DIR* handle = ::opendir(dir.c_str());
  if (handle == nullptr) return names;
  while (const dirent* entry = ::readdir(handle)) {
    const std::string name = entry->d_name;
    if (name == "." || name == "..") continue;
    if (name.compare(0, prefix.size(), prefix) == 0) names.push_back(name);
  }
  ::closedir(handle);
  std::sort(names.begin(), names.end());
  return names;
}

std::string UnderRoot(const std::string& root, const std::string& path) {
  if (root.empty() || root == "/") return path;
  std::string joined = root;
  if (joined.back() == '/') joined.pop_back();
  if (path.empty() || path.front() != '/') joined.push_back('/');
  return joined + path;
}

}  // namespace benchd::agent::power
