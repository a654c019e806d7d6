#include "agents/core/run_environment.h"

#include <sys/utsname.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "agents/core/agent_version.h"
#include "agents/drivers/driver_util.h"
#include "agents/drivers/sha256.h"

namespace benchd::agent {
namespace {

// Entries whose value names a file the run depended on.
constexpr const char* kHashedKeys[] = {"model", "bitstream", "firmware", "program", "trtexec", "benchmark_app",
                                       "benchmark_model", "tool", "runtime"};
// Model files beyond this are not hashed (reading them would delay the run).
constexpr uintmax_t kMaxHashedBytes = uintmax_t{2} << 30;

std::string ReadFirstLine(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line)) return "unreadable: " + path;
  return line;
}

// `value` as a file: itself when it exists, else looked up on PATH.
std::string ResolveFile(const std::string& value) {
  std::error_code error;
  if (value.find('/') != std::string::npos) {
    return std::filesystem::is_regular_file(value, error) ? value : "";
  }
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path != nullptr ? path : "");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const std::string candidate = (dir.empty() ? "." : dir) + "/" + value;
    if (std::filesystem::is_regular_file(candidate, error) && IsExecutable(candidate)) return candidate;
  }
  return "";
}

std::string KernelName() {
  utsname host{};
  if (uname(&host) != 0) return "";
  return std::string(host.sysname) + " " + host.release;
}

}  // namespace

RunEnvironment::RunEnvironment(benchd::v1::Environment probed, std::map<std::string, std::string> sensors)
    : probed_(std::move(probed)), sensors_(std::move(sensors)), kernel_(KernelName()) {}

void RunEnvironment::RunStarting() {
  at_start_.clear();
  for (const auto& [name, path] : sensors_) at_start_[name] = ReadFirstLine(path);
}

void RunEnvironment::Complete(benchd::v1::Environment& environment) {
  auto& entries = *environment.mutable_entries();
  for (const auto& [key, value] : probed_.entries()) entries.insert({key, value});
  for (const char* key : kHashedKeys) {
    const auto it = entries.find(key);
    if (it == entries.end() || entries.count(std::string(key) + "_sha256")) continue;
    const std::string file = ResolveFile(it->second);
    if (file.empty()) continue;
    const std::string hash = HashOf(file);
    if (!hash.empty()) entries[std::string(key) + "_sha256"] = hash;
  }
  entries.insert({"agent_version", kAgentVersion});
  entries.insert({"clock", "CLOCK_MONOTONIC"});
  if (!kernel_.empty()) entries.insert({"kernel", kernel_});
  for (const auto& [name, path] : sensors_) {
    const auto start = at_start_.find(name);
    if (start != at_start_.end()) entries["sensor." + name + ".start"] = start->second;
    entries["sensor." + name + ".end"] = ReadFirstLine(path);
  }
}

std::string RunEnvironment::HashOf(const std::string& path) {
  std::error_code error;
  const uintmax_t size = std::filesystem::file_size(path, error);
  if (error || size > kMaxHashedBytes) return "";
  const auto modified = std::filesystem::last_write_time(path, error);
  if (error) return "";
  const auto key = std::make_tuple(path, size, static_cast<int64_t>(modified.time_since_epoch().count()));
  if (const auto cached = hashes_.find(key); cached != hashes_.end()) return cached->second;
  std::ifstream in(path, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  if (!in && !in.eof()) return "";
  return hashes_[key] = Sha256Hex(content.str());
}

}  // namespace benchd::agent
