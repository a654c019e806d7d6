#include "agents/core/spool.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <spdlog/spdlog.h>

namespace benchd::agent {
namespace {

constexpr uint32_t kMaxRecordBytes = 64 << 20;

absl::Status WriteAll(int fd, const char* data, size_t size, const std::string& path) {
  while (size > 0) {
    const ssize_t written = ::write(fd, data, size);
    if (written < 0) {
      if (errno == EINTR) continue;
      return absl::InternalError("write '" + path + "': " + std::strerror(errno));
    }
    data += written;
    size -= static_cast<size_t>(written);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<Spool>> Spool::Open(const std::string& dir) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) return absl::FailedPreconditionError("create spool directory '" + dir + "': " + error.message());
  std::unique_ptr<Spool> spool(new Spool(dir));
  if (absl::Status loaded = spool->Load(); !loaded.ok()) return loaded;
  return spool;
}

std::string Spool::PathOf(int64_t run_id) const { return dir_ + "/run-" + std::to_string(run_id) + ".spool"; }

absl::Status Spool::Load() {
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(dir_, error)) {
    const std::string name = entry.path().filename().string();
    if (!name.starts_with("run-") || !name.ends_with(".spool")) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    RunLog log;
    int64_t run_id = 0;
    while (true) {
      unsigned char header[4];
      if (!in.read(reinterpret_cast<char*>(header), 4)) break;
      const uint32_t size = header[0] | header[1] << 8 | header[2] << 16 | static_cast<uint32_t>(header[3]) << 24;
      std::string payload(size, '\0');
      benchd::v1::Report report;
      if (size > kMaxRecordBytes || !in.read(payload.data(), size) || !report.ParseFromString(payload)) {
        spdlog::warn("spool {}: ignoring a record cut short (the agent stopped while writing it)", name);
        break;
      }
      run_id = report.run_id();
      log.last_seq = std::max(log.last_seq, report.seq());
      if (report.attempt() != 0) log.attempt = report.attempt();
      log.finished = log.finished || report.has_run_finished();
      log.unacked.push_back(std::move(report));
    }
    if (run_id == 0) {
      std::filesystem::remove(entry.path(), error);
      continue;
    }
    runs_[run_id] = std::move(log);
  }
  if (error) return absl::InternalError("read spool directory '" + dir_ + "': " + error.message());
  if (!runs_.empty()) spdlog::info("spool: {} run(s) with reports to deliver from an earlier process", runs_.size());
  return absl::OkStatus();
}

absl::StatusOr<benchd::v1::Report> Spool::Append(int64_t run_id, benchd::v1::Report report) {
  std::lock_guard lock(mutex_);
  if (dropped_.count(run_id)) {
    return absl::FailedPreconditionError("run " + std::to_string(run_id) + " was rejected by the coordinator");
  }
  RunLog& log = runs_[run_id];
  report.set_run_id(run_id);
  report.set_seq(log.last_seq + 1);
  if (report.attempt() == 0) report.set_attempt(log.attempt);
  const std::string payload = report.SerializeAsString();
  const uint32_t size = static_cast<uint32_t>(payload.size());
  const char header[4] = {static_cast<char>(size & 0xff), static_cast<char>(size >> 8 & 0xff),
                          static_cast<char>(size >> 16 & 0xff), static_cast<char>(size >> 24 & 0xff)};
  const std::string path = PathOf(run_id);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return absl::InternalError("open '" + path + "': " + std::strerror(errno));
  absl::Status status = WriteAll(fd, header, 4, path);
  if (status.ok()) status = WriteAll(fd, payload.data(), payload.size(), path);
  // The ack protocol relies on a report being durable before it is sent.
  if (status.ok() && ::fdatasync(fd) != 0) status = absl::InternalError("sync '" + path + "': " + std::strerror(errno));
  ::close(fd);
  if (!status.ok()) return status;
  log.last_seq = report.seq();
  log.attempt = report.attempt();
  log.finished = log.finished || report.has_run_finished();
  log.unacked.push_back(report);
  return report;
}

void Spool::Ack(int64_t run_id, int64_t seq) {
  std::lock_guard lock(mutex_);
  auto it = runs_.find(run_id);
  if (it == runs_.end()) return;
  auto& unacked = it->second.unacked;
  std::erase_if(unacked, [&](const benchd::v1::Report& report) { return report.seq() <= seq; });
  if (unacked.empty() && it->second.finished) {
    runs_.erase(it);
    RemoveFile(run_id);
    if (runs_.empty()) drained_.notify_all();
  }
}

bool Spool::WaitForDrain(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return drained_.wait_for(lock, timeout, [&] { return runs_.empty(); });
}

void Spool::Drop(int64_t run_id) {
  std::lock_guard lock(mutex_);
  runs_.erase(run_id);
  dropped_.insert(run_id);
  RemoveFile(run_id);
  if (runs_.empty()) drained_.notify_all();
}

void Spool::RemoveFile(int64_t run_id) {
  std::error_code error;
  std::filesystem::remove(PathOf(run_id), error);
  if (error) spdlog::warn("spool: remove {}: {}", PathOf(run_id), error.message());
}

std::vector<benchd::v1::Report> Spool::Unacknowledged() const {
  std::lock_guard lock(mutex_);
  std::vector<benchd::v1::Report> reports;
  for (const auto& [run_id, log] : runs_) reports.insert(reports.end(), log.unacked.begin(), log.unacked.end());
  return reports;
}

std::vector<int64_t> Spool::Runs() const {
  std::lock_guard lock(mutex_);
  std::vector<int64_t> ids;
  for (const auto& [run_id, log] : runs_) ids.push_back(run_id);
  return ids;
}

int32_t Spool::AttemptOf(int64_t run_id) const {
  std::lock_guard lock(mutex_);
  auto it = runs_.find(run_id);
  return it == runs_.end() ? 0 : it->second.attempt;
}

std::vector<int64_t> Spool::UnfinishedRuns() const {
  std::lock_guard lock(mutex_);
  std::vector<int64_t> ids;
  for (const auto& [run_id, log] : runs_) {
    if (!log.finished) ids.push_back(run_id);
  }
  return ids;
}

}  // namespace benchd::agent
