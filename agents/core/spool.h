#pragma once

// The agent's on-disk spool: every report is written here (and synced) before
// it is sent, and stays until the coordinator acknowledges it. After a
// reconnect, or a restart of the agent, the spool is replayed; the
// coordinator stores each (run id, sequence number) once.
//
// Layout: one append-only file per run, `run-<id>.spool`, of records
// [u32 little-endian length][serialized benchd.v1.Report]. A record cut short
// by a crash is ignored on load. The file is deleted once the run's
// RunFinished report is acknowledged, or when the coordinator rejects the run.
// Every record carries the run's attempt (Report.attempt), so reports replayed
// after a restart are fenced like live ones.
// Thread-safety: all methods are thread-safe.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <set>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "benchd/v1/agent_service.pb.h"

namespace benchd::agent {

class Spool {
 public:
  // Creates `dir` if needed and loads what an earlier process left there.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Spool>> Open(const std::string& dir);

  // Gives `report` the run's next sequence number, persists it, and returns it.
  // A report without an attempt (0) gets the attempt of the run's earlier
  // reports.
  [[nodiscard]] absl::StatusOr<benchd::v1::Report> Append(int64_t run_id, benchd::v1::Report report);
  // The coordinator committed the run's reports up to and including `seq`.
  void Ack(int64_t run_id, int64_t seq);
  // Forgets the run entirely (the coordinator rejected it); later appends for
  // it fail with FAILED_PRECONDITION.
  void Drop(int64_t run_id);
  // Waits until nothing is left to deliver, or `timeout`; true when drained.
  bool WaitForDrain(std::chrono::milliseconds timeout);

  // Every unacknowledged report, ordered by run, then sequence number.
  std::vector<benchd::v1::Report> Unacknowledged() const;
  // Runs with unacknowledged reports.
  std::vector<int64_t> Runs() const;
  // Runs whose reports do not include a RunFinished (their process died).
  std::vector<int64_t> UnfinishedRuns() const;
  // The attempt the run's reports carry; 0 when the run is unknown.
  int32_t AttemptOf(int64_t run_id) const;

 private:
  struct RunLog {
    std::vector<benchd::v1::Report> unacked;
    int64_t last_seq = 0;
    int32_t attempt = 0;
    bool finished = false;
  };

  explicit Spool(std::string dir) : dir_(std::move(dir)) {}
  std::string PathOf(int64_t run_id) const;
  absl::Status Load();
  void RemoveFile(int64_t run_id);

  const std::string dir_;
  mutable std::mutex mutex_;
  std::condition_variable drained_;
  std::map<int64_t, RunLog> runs_;
  std::set<int64_t> dropped_;
};

}  // namespace benchd::agent
